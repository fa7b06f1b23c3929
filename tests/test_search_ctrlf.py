"""Ctrl+F recall: any substring of any clause finds every clause that contains it.

A few hundred random substrings per run (a fresh seed each time, printed on failure);
the benchmark runs thousands.
"""
import random
import time

import pytest

from index import open_index
from index.normalize import fold
from index.schema import searchable_text

N = 300


@pytest.fixture(scope="module")
def ix(seed_index):
    return seed_index


def _substrings(corpus, rng, n):
    clauses = list(corpus.clauses())
    for _ in range(n):
        text = searchable_text(rng.choice(clauses))
        length = rng.choice([1, 2, 2, 3, 3, 4, 5, 7, 10, 16, 30])
        start = rng.randrange(0, max(1, len(text) - length))
        yield text[start:start + length]


def test_random_substrings_recall_every_container(ix, corpus):
    seed = time.time_ns() % 1_000_000
    rng = random.Random(seed)
    folded = {c.id: fold(searchable_text(c)) for c in corpus.clauses()}
    missed = []
    for sub in _substrings(corpus, rng, N):
        if not fold(sub):
            continue
        want = {cid for cid, f in folded.items() if fold(sub) in f}
        got = {h["id"] for h in ix.search(sub, limit=10000)["hits"]}
        if not want <= got:
            missed.append((sub, sorted(want - got)[:3]))
    assert not missed, f"seed={seed}: {missed[:5]}"


@pytest.mark.parametrize("q", [
    "深圳-香港-广州",        # dashes that look like exclusions
    "-香港-广州",
    "“一带一路”",             # quotes inside the substring
    "“专利导航—关键核心领域技术研发",  # an unbalanced quote
    "（NQI）服务",
    "WIPO）以及",
    "5G产业",
    "%以上地市",
])
def test_operator_lookalikes_in_pasted_text_still_recall(ix, corpus, q):
    want = {c.id for c in corpus.clauses() if fold(q) in fold(searchable_text(c))}
    assert want, q
    got = {h["id"] for h in ix.search(q, limit=10000)["hits"]}
    assert want <= got
    # …and those literal containers come first.
    first = [h["id"] for h in ix.search(q, limit=len(want))["hits"]]
    assert set(first) == want
