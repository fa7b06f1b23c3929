"""Literal matching in memory, BM25 from cached term scores, one-pass facets, bounded caches.

Each is checked against the plain way of doing the same thing on the seed plan's
clauses: a substring scan over every folded clause text, whoosh's own search with a
filter, a facet-by-facet count, and a count of what the caches hold after many
distinct queries (entries, never process memory).
"""
import random

import numpy as np
import pytest
from whoosh import query as Q

from index import literal as literal_mod
from index import search as search_mod
from index.cache import BoundedCache
from index.facets import FILTERS, count_values, facet_counts
from index.literal import SEP, LiteralIndex
from index.normalize import fold
from index.schema import build_schema
from kb.model import KIND_GROUPS
from facet_support import brute_counts


@pytest.fixture(scope="module")
def ix(seed_index):
    return seed_index


@pytest.fixture(scope="module")
def folded(ix):
    return {d: r["folded"] for d, r in ix.records.items()}


def brute(folded, s):
    return {d for d, f in folded.items() if s in f}


def _substrings(folded, rng, n):
    texts = list(folded.values())
    for _ in range(n):
        f = rng.choice(texts)
        k = rng.choice([1, 1, 2, 2, 3, 4, 5, 8, 13, 30])
        i = rng.randrange(0, max(1, len(f) - k + 1))
        yield f[i:i + k]


def test_literal_index_equals_a_substring_scan(ix, folded):
    rng = random.Random(20261126)
    lit = LiteralIndex(folded)
    subs = list(_substrings(folded, rng, 1500))
    subs += ["的", "专", "2", "5", "%", "(", "pct", "wipo", "2025", "5g", "知识产权", "火星", "专利导航"]
    for s in subs:
        assert lit.find(s) == brute(folded, s), s
        assert ix.literal_docs(s) == brute(folded, s), s


def test_no_match_across_two_clauses(ix, folded):
    """The texts are joined with a separator: the end of one clause and the start of the
    next never make a match that no single clause holds."""
    lit = LiteralIndex(folded)
    docs = sorted(folded)
    tried = 0
    for a, b in zip(docs, docs[1:]):
        for k in (1, 2, 3):
            s = folded[a][-k:] + folded[b][:k]
            if not brute(folded, s):
                tried += 1
            assert lit.find(s) == brute(folded, s), s
            assert not lit.find(folded[a][-k:] + SEP + folded[b][:k])
    assert tried > 50


@pytest.mark.parametrize("typed", ["ＰＣＴ", "２０２５年", "Ｗｉｐｏ", "“一带一路”", "知识 产权", "５Ｇ产业",
                                   "專利質押融資", "著作權登記"])
def test_folded_forms_find_what_the_plain_form_finds(ix, folded, typed):
    want = brute(folded, fold(typed))
    assert want, typed
    assert ix.literal_docs(typed) == want
    got = {h["id"] for h in ix.search(typed, limit=10000)["hits"]}
    assert {ix.records[d]["id"] for d in want} <= got


def test_quoted_queries_return_exactly_the_clauses_holding_the_phrase(ix, folded):
    rng = random.Random(11)
    checked = 0
    for s in _substrings(folded, rng, 200):
        if len(s) < 2 or '"' in s:
            continue
        want = {ix.records[d]["id"] for d in brute(folded, s)}
        got = {h["id"] for h in ix.search(f'"{s}"', limit=10000)["hits"]}
        assert got == want, s
        checked += 1
    assert checked > 100


def test_paste_candidates_are_the_clauses_sharing_enough_pairs(ix, folded):
    rng = random.Random(5)
    lit = LiteralIndex(folded)
    for _ in range(20):
        text = rng.choice(list(folded.values()))[:120] + rng.choice(list(folded.values()))[:80]
        pairs = {text[i:i + 2] for i in range(len(text) - 1)}
        need = max(1, int(len(pairs) * 0.15))
        want = {d for d, f in folded.items() if sum(p in f for p in pairs) >= need}
        assert lit.sharing_pairs(text, 0.15) == want


@pytest.mark.parametrize("q", ["知识产权", "知识产权保护", "商业秘密 惩罚性赔偿", "软著", "专利审查太慢有没有快速通道"])
def test_bm25_from_cached_term_scores_equals_whoosh(ix, q):
    from index.query import parse_query

    pq = parse_query(q)
    ix._strip_questions(pq)
    scoring_q = ix._scoring_query(pq)
    docs = set(ix.all_docs)
    mine = ix._bm25(scoring_q, docs)
    res = ix._searcher().search(scoring_q, limit=None, filter=docs, scored=True)
    theirs = {d: float(s) for s, d in res.top_n}
    assert mine.keys() == theirs.keys()
    assert all(abs(mine[d] - theirs[d]) < 1e-9 * max(1.0, theirs[d]) for d in theirs)


def test_raw_whoosh_queries_still_score(ix):
    q = Q.And([Q.Term("body", "知识产权"), Q.Term("body", "保护")])
    got = ix._bm25(q, set(ix.all_docs))
    assert got and all(v > 0 for v in got.values())
    assert build_schema  # the schema builds without n-gram fields


def test_schema_has_no_ngram_fields(corpus):
    from index.store import dict_dir

    names = set(build_schema(dict_dir(corpus)).names())
    assert not names & {"lit", "lit1"}


def test_facet_counts_in_one_pass_equal_counting_each_facet(ix, corpus):
    rng = random.Random(3)
    records = list(ix.records.values())
    values = {n: sorted({r[n] for r in records if r[n] is not None}, key=str)
              for n in ("document", "chapter", "section", "box", "kind")}
    values["year"] = sorted({y for r in records for y in r["years"]})
    for _ in range(60):
        subset = rng.sample(records, rng.randrange(1, len(records)))
        filters = {n: None for n in FILTERS}
        for n in rng.sample(FILTERS, rng.randrange(0, 4)):
            filters[n] = rng.choice(values[n] + list(KIND_GROUPS) * (n == "kind")) if values[n] else None
        docs = np.array(sorted(r["docnum"] for r in subset), dtype=np.int64)
        assert count_values(ix.columns, docs, filters) == brute_counts(subset, filters), filters
        facets = facet_counts(ix.columns, docs, filters, corpus)
        for name, vals in facets.items():
            want = brute_counts(subset, filters)[name]
            for v in vals:
                key = v["value"]
                if name == "section" and not v["selected"]:
                    key = (v["toggle"]["chapter"], v["value"])
                if v["count"]:
                    assert want[key] == v["count"], (name, v)


def test_bounded_cache_evicts_least_recently_used_by_total_size():
    c = BoundedCache(10)
    c.put("a", {1, 2, 3})      # weight 4
    c.put("b", {1, 2})         # 3
    assert c.get("a") == {1, 2, 3}  # a is now the most recent
    c.put("c", {1, 2, 3, 4})   # 5: total 12 > 10, b goes
    assert "b" not in c and "a" in c and "c" in c and c.weight == 9
    c.put("big", set(range(50)))  # larger than the budget: never kept
    assert "big" not in c and c.weight <= 10


def test_caches_stay_bounded_after_many_distinct_queries(corpus, tmp_path, monkeypatch):
    from index import open_index

    monkeypatch.setattr(search_mod, "POSTING_CACHE_BUDGET", 2000)
    monkeypatch.setattr(search_mod, "LITERAL_CACHE_BUDGET", 2000)
    monkeypatch.setattr(search_mod, "SCORE_CACHE_BUDGET", 2000)
    monkeypatch.setattr(literal_mod, "ROWS_CACHE_BUDGET", 2000)
    with open_index(corpus, tmp_path / "inst") as small:
        texts = [f for f in (r["folded"] for r in small.records.values()) if len(f) > 12]
        rng = random.Random(9)
        for i in range(400):
            f = rng.choice(texts)
            k = rng.randrange(2, 7)
            j = rng.randrange(0, len(f) - k)
            small.search(f[j:j + k] + (" 保护" if i % 3 == 0 else ""), limit=5)
        rows = small._literal._rows_cache  # the literal matches (typed figures: _literal_cache)
        for cache in (small._posting_cache, small._literal_cache, small._score_cache, rows):
            assert cache.weight <= 2000
            assert len(cache) <= 2000
        assert small._posting_cache.weight > 0 and small._score_cache.weight > 0
        assert len(rows) > 50  # it did remember words between queries


def test_coverage_for_all_clauses_at_once_equals_the_per_clause_runs(ix, folded):
    """The phrase signal of the ranking (how much of each typed word appears unbroken),
    computed from the literal index for every clause, equals the per-clause definition."""
    rng = random.Random(8)
    texts = list(folded.values())
    lit = LiteralIndex(folded)
    for _ in range(150):
        groups = []
        for _ in range(rng.randrange(1, 3)):
            alts = [""]
            for _ in range(rng.randrange(1, 3)):
                t = rng.choice(texts)
                i = rng.randrange(len(t))
                alts.append(t[i:i + rng.randrange(1, 12)] + rng.choice(["", "火星", "的规划", "大学"]))
            groups.append(alts)
        cover = lit.coverage(groups)
        for d, f in folded.items():
            assert cover[d] == search_mod._coverage(f, groups), (groups, d)
