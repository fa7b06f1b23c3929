"""Answering a query: which clauses match, in what order, with what context.

Matching and ranking are kept apart on purpose:

* Matching is set algebra over posting lists.  Each typed word matches a
  clause that contains it literally (index/literal.py: character-pair lists in
  memory, then a substring check on the folded text), or contains all its jieba
  words (whoosh word fields, each
  word also accepted literally), or matches one of its synonyms or abbreviation
  variants (知产金融 → 知识产权金融).  Words are ANDed,
  falling back to OR when AND finds nothing.  On top, every clause that contains
  the whole query string literally is always added: that is the Ctrl+F promise,
  and it holds whatever the parser or jieba made of the query.
* Ranking is BM25F over the word fields (lead/title boosted) plus how much of each
  typed word appears unbroken, fused with the semantic ranking (index/ranking.py),
  placed inside a tier: clauses containing the whole query literally first, then
  those that contain each typed word literally, then topic-only matches.  The
  reported ``score`` is ``tier + fused`` (fused < 1), so it is monotone in the order.
* Meaning (index/semantic.py) adds a few clauses to a query typed in other words
  than the plan's, and reorders within tiers; a quoted query stays exact.

The corpus is small (thousands of clauses), so filtering and facet counting run in
Python over per-document records loaded once when the index is opened.  What a
query costs follows what it asks, not the corpus: per-word answers (posting sets,
literal matches, per-term BM25 scores) are remembered across queries in caches
bounded by their total size, BM25 adds cached per-term score arrays instead of
walking posting lists per query, facets are counted in one pass, and snippets are
made only for the hits shown.
"""
from __future__ import annotations

import re
import struct
import threading
import time
from pathlib import Path

import numpy as np
from whoosh import query as Q
from whoosh import scoring
from whoosh.index import IndexError as WhooshIndexError  # EmptyIndexError: the folder is gone

from kb.model import KIND_GROUP_LABELS, KINDS
from kb.numerals import to_chinese as cn_number

from index import ranking, semantic
from index.analysis import JiebaTokenizer, char_ngrams, is_wordish
from index.cache import BoundedCache
from index.facets import FILTERS, facet_counts, record_matches
from index.lexicon import load_lexicon, vocabulary_tokenizer
from index.literal import LiteralIndex
from index.normalize import fold, fold_with_map, is_cjk
from index.query import ParsedQuery, QueryError, Term, parse_query
from index.schema import build_schema, clause_title, searchable_text
from index.snippet import snippet
from index.store import IndexBuildError, current_build, dict_dir, hold_lease, is_fresh, open_whoosh, \
    read_vocabulary

WORD_FIELDS = ("title", "body", "heading")
SYNONYM_WEIGHT = 0.6
BM25_HALF = 10.0  # bm25 at which the within-tier part of the score is 0.5
# A single typed run that segments into at least this many words is matched softly:
# all of them but one (see SearchIndex._term_docs).
SOFT_AND_UNITS = 3
# Coverage for all clauses at once (index/literal.py) above this many matches, for
# strings up to this long; else clause by clause (see SearchIndex._coverages).
COVERAGE_BULK_MIN = 60
COVERAGE_BULK_MAX_CHARS = 16
SKIP_SEMANTIC_WHEN_LITERAL = True
FEW = 2  # fewer word matches than this (one or none), and meaning may add a few clauses
# Paste to find the source: a query this long with sentence punctuation is a paragraph.
PASTE_MIN_CHARS = 60
VECTOR_CHECK_SECONDS = 5.0  # how often an open index looks for vectors embedded after its build
PASTE_GRAM = 4
PASTE_MIN_OVERLAP = 0.15  # share of the paragraph's 4-grams a clause must hold to count
PASTE_SOURCE = 0.5  # … to be called the paragraph's source
PASTE_SIMILAR = 8  # clauses most alike in meaning, shown after the source
# What the caches across queries may hold, in clause numbers (a set of n clauses
# weighs n; a per-term score array of n postings weighs n): a few MB each, however
# many distinct queries a server sees.
POSTING_CACHE_BUDGET = 40_000
LITERAL_CACHE_BUDGET = 40_000
SCORE_CACHE_BUDGET = 50_000


# What whoosh raises when its files vanish or are cut short under an open index.
_DAMAGE = (OSError, EOFError, IndexError, struct.error, WhooshIndexError)


def is_paste(pq: ParsedQuery) -> bool:
    """A pasted paragraph, not a query: long, with sentence punctuation, no operators or quotes."""
    if len(pq.whole) < PASTE_MIN_CHARS or pq.negatives:
        return False
    # Quotation marks inside a pasted paragraph (清理“山寨”字号) are the plan's own, not
    # phrase operators; a query that is mostly one quoted phrase asks for that phrase.
    if sum(len(t.text) for t in pq.positives if t.quoted) * 2 >= len(pq.whole):
        return False
    return sum(pq.whole.count(p) for p in "。，；,;") >= 2
_YEAR = re.compile(r"(?:19|20)\d{2}")  # a typed year, matched against deadline years
_NUMBER = re.compile(r"\d+(?:\.\d+)?")  # a number typed among words


class SearchIndex:
    """An open index over one corpus.

    Safe to share between threads (the web app keeps one): whoosh searchers are
    per thread, per-query state is thread-local, caches across queries are
    bounded LRU caches with their own locks.
    """

    def __init__(self, corpus, folder: Path, meta: dict):
        self.corpus = corpus
        self.folder = Path(folder)
        self.meta = meta
        self._lease = hold_lease(self.folder)  # a later build keeps this folder while we read it
        try:
            self._ix = open_whoosh(self.folder)
        except BaseException:
            self._lease.close()
            raise
        self._dict_dir = dict_dir(corpus)
        self.lexicon = load_lexicon(self._dict_dir)
        self._words = JiebaTokenizer(self._dict_dir)
        vocab = read_vocabulary(self.folder)
        # Query segmentation from the index's own dictionary slice: same words on
        # indexed text, and no second-long load of jieba's full dictionary.
        self._query_jieba = vocabulary_tokenizer(vocab) if vocab else None
        self._weighting = scoring.BM25F(B=0.75, K1=1.2)
        self._local = threading.local()
        self._open_lock = threading.Lock()
        self._open_searchers: list = []
        self._new_caches()
        self._load_records()
        self.preferences = ranking.load_preferences(self._dict_dir)
        self._load_vectors()

    # -- setup -------------------------------------------------------------------
    def _new_caches(self) -> None:
        self._posting_cache = BoundedCache(POSTING_CACHE_BUDGET)
        self._literal_cache = BoundedCache(LITERAL_CACHE_BUDGET)
        self._score_cache = BoundedCache(SCORE_CACHE_BUDGET, size=lambda v: len(v[0]))

    def _load_records(self) -> None:
        self.records: dict[int, dict] = {}
        with self._ix.searcher() as s:
            for docnum, stored in s.reader().iter_docs():
                clause = self.corpus.clause(stored["id"])
                if clause is None:  # index older than corpus: open_index rebuilds first
                    continue
                text = searchable_text(clause)
                folded, index = fold_with_map(text)
                self.records[docnum] = {
                    "docnum": docnum,
                    "id": clause.id,
                    "document": clause.document,
                    "chapter": clause.chapter,
                    "section": clause.section,
                    "box": clause.box,
                    "kind": clause.kind,
                    "years": tuple(int(y) for y in stored.get("year", "").split(",") if y),
                    "order": int(stored.get("order") or 0),
                    "folded": folded,
                    # folds character for character: snippets need no offset map
                    "plain": index == list(range(len(text))),
                    "role": _chapter_role(self.corpus, clause),
                    "clause": clause,
                }
        self.all_docs = frozenset(self.records)
        self._literal = LiteralIndex({d: r["folded"] for d, r in self.records.items()})
        with self._ix.searcher() as s:
            self._doc_slots = s.doc_count_all()

    def _load_vectors(self) -> None:
        """The build's clause vectors, in docnum order; without them search is lexical only."""
        self._encode = semantic.QueryEncoder()
        self._vec_docs, self._vec_mat, self._vec_row = [], None, {}
        self.semantic_note: str | None = None
        self._note_said = False
        self._vec_stamp = semantic.vectors_stamp(self.folder)
        self._vec_checked = time.monotonic()
        if semantic.disabled():
            return  # turned off on purpose (PLANKB_SEMANTIC=0): nothing to report
        stored = semantic.read_vectors(self.folder)
        note = semantic.status()
        if stored is None or note is not None:
            self.semantic_note = note or "检索索引建立时没有语义向量，本次只按字词检索（提示：运行 plankb build 重建）。"
            return
        ids, mat = stored
        row = {cid: i for i, cid in enumerate(ids)}
        docs = [d for d, r in self.records.items() if r["id"] in row]
        self._vec_docs = docs
        self._vec_mat = mat[[row[self.records[d]["id"]] for d in docs]] if docs else None
        self._vec_row = {d: i for i, d in enumerate(docs)}

    def _refresh_vectors(self) -> None:
        """Vectors computed after the build was published (index.embed) are swapped into
        its folder: look for them at most every few seconds, and reload when replaced."""
        now = time.monotonic()
        if now - self._vec_checked < VECTOR_CHECK_SECONDS:
            return
        self._vec_checked = now
        if semantic.vectors_stamp(self.folder) != self._vec_stamp:
            self._load_vectors()

    @property
    def semantic(self) -> bool:
        return self._vec_mat is not None

    def semantic_scores(self, text: str, passage: bool = False) -> dict[int, float]:
        """Cosine of ``text``'s vector with every clause's (empty when the model is off)."""
        self._refresh_vectors()
        docs, mat = self._vec_docs, self._vec_mat  # (another thread may be swapping them in)
        if mat is None or len(docs) != len(mat) or not text.strip():
            return {}
        vec = self._encode(text) if not passage else self._encode.passage(text)
        if vec is None:
            return {}
        return self._cosines(docs, mat, vec)

    @staticmethod
    def _cosines(docs, mat, vec) -> dict[int, float]:
        """Every clause's cosine with ``vec``, by einsum rather than BLAS: a
        matrix-vector product this small is ~0.5 ms on one core, and OpenBLAS's
        threads turn it into 15–25 ms on a busy two-core machine."""
        sims = np.einsum("ij,j->i", mat, np.asarray(vec, dtype=mat.dtype))
        return dict(zip(docs, sims.tolist()))

    def _searcher(self):
        """One whoosh searcher per thread (searchers are not shared across threads)."""
        s = getattr(self._local, "searcher", None)
        if s is not None and getattr(self._local, "ix", None) is not self._ix:
            s = None  # the index was reopened on another build (see _recover)
        if s is None:
            self._local.ix = self._ix
            s = self._ix.searcher(weighting=self._weighting)
            self._local.searcher = s
            with self._open_lock:
                self._open_searchers.append(s)
        return s

    def close(self) -> None:
        """Close every thread's searcher: the web app closes a shared index from one thread."""
        with self._open_lock:
            searchers, self._open_searchers = self._open_searchers, []
        for s in searchers:
            s.close()
        self._local = threading.local()
        self._ix.close()
        self._lease.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- matching ----------------------------------------------------------------
    def _docs(self, q) -> set[int]:
        return set(self._searcher().docs_for_query(q)) & self.all_docs

    def _postings(self, field: str, term: str) -> frozenset[int]:
        """Documents containing one term, cached: the index never changes once open."""
        key = (field, term)
        hit = self._posting_cache.get(key)
        if hit is None:
            hit = frozenset(self._searcher().docs_for_query(Q.Term(field, term))) & self.all_docs
            self._posting_cache.put(key, hit)
        return hit

    def literal_docs(self, s: str) -> set[int]:
        """Clauses whose folded text contains folded ``s`` (exactly: see index/literal.py)."""
        s = fold(s)
        if not s:
            return set()
        memo = getattr(self._local, "memo", None)
        if memo is not None and s in memo:
            return set(memo[s])
        found = self._literal_docs(s)
        if memo is not None:
            memo[s] = found
        return set(found)

    def _literal_docs(self, s: str) -> frozenset[int]:
        hit = self._literal_cache.get(s)
        if hit is None:
            hit = self._literal.find(s)
            self._literal_cache.put(s, hit)
        return hit

    def tokens(self, text: str, drop_stop: bool = True) -> list[str]:
        """Query words as the index segments them; with ``drop_stop``, question phrases
        (如何, 要达到多少) and stop words are left out unless nothing else remains."""
        if drop_stop:
            text = self.lexicon.strip_questions(fold(text))
        if self._query_jieba is not None:
            folded = fold_with_map(text, keep_spaces=True)[0]
            words = [w.strip() for w, _, _ in self._query_jieba.tokenize(folded, HMM=False)]
            words = [w for w in words if w and is_wordish(w)]
        else:
            words = [w for w, _, _ in self._words.words(text) if is_wordish(w)]
        if drop_stop:
            kept = [w for w in words if w not in self.lexicon.stopwords]
            if kept:
                return kept
        return words

    def units(self, text: str) -> list[str]:
        """Query tokens with runs of single characters joined back into one unit.

        The query segmenter only knows the index's words, so a word the plan never
        uses (大学, 开设) comes out as single characters, each of which matches
        almost every clause.  Joined, the unit matches literally or by synonym, or
        not at all, and then it is left out of the AND (see :meth:`_term_docs`).
        """
        out: list[str] = []
        run: list[str] = []
        for tok in self.tokens(text):
            if len(tok) == 1 and is_cjk(tok):
                run.append(tok)
                continue
            if run:
                out.append("".join(run))
                run = []
            out.append(tok)
        if run:
            out.append("".join(run))
        return list(dict.fromkeys(out))

    def _year_docs(self, token: str) -> set[int]:
        """Clauses whose deadline is the year typed (到2025年 also finds “十四五”期间)."""
        if not _YEAR.fullmatch(token):
            return set()
        year = int(token)
        return {d for d, r in self.records.items() if year in r["years"]}

    def _word_docs(self, word: str) -> set[int]:
        return set().union(*(self._postings(f, word) for f in WORD_FIELDS))

    def _all_words_docs(self, words: list[str]) -> set[int]:
        result = None
        for w in words:
            docs = self._word_docs(w) | self.literal_docs(w)
            result = docs if result is None else result & docs
            if not result:
                return set()
        return result or set()

    def _token_docs(self, token: str) -> set[int]:
        if _NUMBER.fullmatch(token):
            return self._number_docs(token)
        docs = self._word_docs(token) | self.literal_docs(token) | self._year_docs(token)
        for syn in self.lexicon.synonyms.get(token, ()):
            docs |= self._synonym_docs(syn)
        parts = self.compound_parts(token)
        if parts:
            docs |= self._all_words_docs(parts)
        return docs

    def _number_docs(self, token: str) -> set[int]:
        """A number typed among words (海外发明专利授权量8万件) matches that number, not any
        digit run holding it: 8 is in t2.r2's (8), not in 第7次 or 2018; 543 is in 543.0, the
        same figure printed with a decimal.  Deadline years too."""
        pattern = ranking.number_pattern(token)
        return {d for d in self.literal_docs(token) if pattern.search(self.records[d]["folded"])} \
            | self._year_docs(token)

    def is_generic(self, word: str) -> bool:
        """A word in at least half of all clauses (知识产权 in a plan about it) tells none apart."""
        if len(word) < 2 or not self.records:
            return False
        return len(self.literal_docs(word)) * 2 >= len(self.records)

    def compound_parts(self, token: str) -> list[str]:
        """The specific parts of a compound dictionary word, its generic words taken out:
        知识产权质押融资 → [质押融资], so a clause saying only 质押融资 is found too.
        Empty when the word has no generic part or nothing specific would remain."""
        if len(token) < 4 or not is_cjk(token[0]):
            return []
        freq = self._query_jieba.FREQ if self._query_jieba is not None else {}
        generic = [token[i:j] for i in range(len(token)) for j in range(i + 2, len(token) + 1)
                   if (i, j) != (0, len(token)) and freq.get(token[i:j]) and self.is_generic(token[i:j])]
        if not generic:
            return []
        rest = token
        for g in sorted(generic, key=len, reverse=True):
            rest = rest.replace(g, " ")
        parts = [p for p in rest.split() if len(p) >= 2]
        return parts if parts and rest.strip() else []

    def _synonym_docs(self, syn: str) -> set[int]:
        return self.literal_docs(syn) | self._all_words_docs(self.tokens(syn, drop_stop=False))

    def _term_docs(self, term: Term) -> set[int] | None:
        """Clauses a typed term matches; None when none of its words is in the plan at all
        (火星): such a term is ignored, and the reply says so, rather than emptying an AND."""
        docs = self.literal_docs(term.text)
        if term.quoted:
            return docs
        result, ignored_all = None, True
        per_unit = []
        for tok in self.units(term.text):
            d = self._token_docs(tok)
            if not d:
                # In no clause, not even by synonym: it cannot tell clauses apart, so
                # it must not veto the others (the reply names it as ignored).
                self._ignored().append(tok)
                continue
            ignored_all = False
            per_unit.append(d)
            result = d if result is None else result & d
        docs |= result or set()
        if result and len(per_unit) >= SOFT_AND_UNITS:
            # A question typed as one run (想知道同行都在申请什么专利) carries words the
            # answer need not repeat: a clause with all of its words but one is a candidate
            # too (ranking decides; typed with spaces, every word stays required).  When no
            # clause has them all, the OR fallback below takes over as before.
            counts: dict[int, int] = {}
            for d in per_unit:
                for doc in d:
                    counts[doc] = counts.get(doc, 0) + 1
            docs |= {doc for doc, n in counts.items() if n >= len(per_unit) - 1}
        for syn in self.lexicon.synonyms.get(term.text, ()):
            docs |= self._synonym_docs(syn)
        for variant in self._variants(term):
            docs |= self.literal_docs(variant)
        if not docs and ignored_all:
            return None
        return docs

    def _ignored(self) -> list[str]:
        ignored = getattr(self._local, "ignored", None)
        if ignored is None:
            ignored = self._local.ignored = []
        return ignored

    def _variants(self, term: Term, limit: int = 8) -> list[str]:
        """The term with one abbreviation spelled out: 知产金融 → 知识产权金融.

        A clause containing a variant literally is as good a literal match as one
        containing the term itself, so variants count for matching and for the tier.
        """
        if term.quoted:
            return []
        out = []
        for tok in dict.fromkeys(self.tokens(term.text, drop_stop=False)):
            if tok == term.text:
                continue
            for syn in self.lexicon.synonyms.get(tok, ()):
                v = term.text.replace(tok, syn, 1)
                if v != term.text and v not in out:
                    out.append(v)
                if len(out) >= limit:
                    return out
        return out

    def _match(self, pq: ParsedQuery) -> tuple[set[int], bool]:
        groups = []
        for g in pq.groups:
            per_term = [d for d in (self._term_docs(t) for t in g) if d is not None]
            if per_term:  # a group whose every term is absent from the plan is ignored
                groups.append(set().union(*per_term))
        matched = set.intersection(*groups) if groups else set()
        fallback = False
        if not matched:
            # OR over every typed word and each of its jieba words; a lone character
            # (链 of 区块链) would match half the plan, so it does not count here.
            units = set().union(*groups) if groups else set()
            for t in pq.positives:
                if not t.quoted:
                    for tok in self.units(t.text):
                        if len(tok) > 1:
                            units |= self._token_docs(tok)
            fallback = bool(units)
            matched = units
        for neg in pq.negatives:
            matched -= self.literal_docs(neg)
        return matched, fallback and bool(matched)

    # -- ranking -----------------------------------------------------------------
    def _scoring_query(self, pq: ParsedQuery):
        subs = []
        for t in pq.positives:
            # Single characters score where the index holds them as words (蓝剑 is
            # indexed as 蓝 + 剑); joined units add what only they have: synonyms.
            for w in dict.fromkeys(self.tokens(t.text) + self.units(t.text)):
                subs += [Q.Term(f, w) for f in WORD_FIELDS]
                for syn in self.lexicon.synonyms.get(w, ()):
                    subs += [Q.Term(f, sw, boost=SYNONYM_WEIGHT)
                             for sw in self.tokens(syn, drop_stop=False) for f in WORD_FIELDS]
            for syn in self.lexicon.synonyms.get(t.text, ()):
                subs += [Q.Term(f, sw, boost=SYNONYM_WEIGHT)
                         for sw in self.tokens(syn, drop_stop=False) for f in WORD_FIELDS]
        return Q.Or(subs) if subs else None

    def _bm25(self, q, docs: set[int]) -> dict[int, float]:
        """BM25F of ``docs`` for a query; only documents matching some term get a score.

        The scoring query is an OR of single terms (see :meth:`_scoring_query`): its
        score is the sum of the terms' whoosh scores (each times its boost).  Each
        term's scores over its whole posting list come from whoosh's own scorer once
        and are then cached, so a query adds a few arrays instead of walking every
        posting list in Python.  Anything else (``--raw``) is left to whoosh.
        """
        if q is None or not docs:
            return {}
        terms = q.subqueries if isinstance(q, Q.Or) else [q]
        if not all(type(t) is Q.Term for t in terms):
            res = self._searcher().search(q, limit=None, filter=docs, scored=True)
            return {docnum: float(score) for score, docnum in res.top_n}
        total = np.zeros(self._doc_slots)
        seen = np.zeros(self._doc_slots, dtype=bool)
        for t in terms:
            ids, scores = self._term_scores(t.fieldname, t.text)
            if len(ids):
                total[ids] += scores * t.boost if t.boost != 1.0 else scores
                seen[ids] = True
        want = np.fromiter(docs, dtype=np.int64, count=len(docs))
        want = want[seen[want]]
        return dict(zip(want.tolist(), total[want].tolist()))

    def _term_scores(self, field: str, text: str):
        """(docnums, BM25F scores) of one term over its posting list, as whoosh scores them."""
        key = (field, text)
        hit = self._score_cache.get(key)
        if hit is None:
            m = Q.Term(field, text).matcher(self._searcher())
            ids, scores = [], []
            while m.is_active():
                ids.append(m.id())
                scores.append(m.score())
                m.next()
            hit = (np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64))
            self._score_cache.put(key, hit)
        return hit

    def _tier(self, rec: dict, pq: ParsedQuery, literal_terms: list[list[str]]) -> int:
        """2: the clause holds the whole query literally; 1: each AND-group literally
        (one of its strings); else 0.  Answered from the query's literal sets, made
        once per (query, terms) and looked up per clause."""
        sets = getattr(self._local, "tiers", None)
        if sets is None or sets[0] is not pq or sets[1] is not literal_terms:
            every = None
            for alts in literal_terms:
                docs = self.all_docs if "" in alts else \
                    frozenset().union(*(self._literal_docs(s) for s in alts))
                every = docs if every is None else every & docs
            sets = self._local.tiers = (pq, literal_terms, self._literal_docs(pq.whole), every or frozenset())
        d = rec["docnum"]
        return 2 if d in sets[2] else 1 if d in sets[3] else 0

    def _coverages(self, selected: list[dict], literal_terms: list[list[str]]):
        """Docnum → :func:`_coverage` of each selected clause.  For many clauses and
        typed-length words, all clauses at once from the literal index (a few dozen
        remembered look-ups); for few clauses, or long strings (a pasted sentence: its
        runs are long, and look-ups grow with their length), clause by clause."""
        longest = max((len(a) for alts in literal_terms for a in alts), default=0)
        if len(selected) > COVERAGE_BULK_MIN and longest <= COVERAGE_BULK_MAX_CHARS:
            return self._literal.coverage(literal_terms)
        return {r["docnum"]: _coverage(r["folded"], literal_terms) for r in selected}

    def _literal_terms(self, pq: ParsedQuery) -> list[list[str]]:
        """Per AND-group, the strings whose literal presence satisfies it."""
        out = []
        for g in pq.groups:
            alts = []
            for t in g:
                alts.append(t.text)
                if not t.quoted:
                    alts += self.lexicon.synonyms.get(t.text, [])
                    alts += self._variants(t)
            out.append(alts)
        return out

    def highlight_terms(self, pq: ParsedQuery) -> list[str]:
        terms = []
        for t in pq.positives:
            terms.append(t.text)
            if t.quoted:
                continue
            terms += self.lexicon.synonyms.get(t.text, [])
            terms += self._variants(t)
            for w in dict.fromkeys(self.tokens(t.text)):
                if len(w) > 1 or len(t.text) == 1:
                    terms.append(fold(w))
                    terms += self.lexicon.synonyms.get(w, [])
        return list(dict.fromkeys(terms))

    # -- raw whoosh syntax --------------------------------------------------------
    def _raw_match(self, q: str) -> tuple[set[int], object]:
        from whoosh.qparser import MultifieldParser

        parser = MultifieldParser(list(WORD_FIELDS), build_schema(self._dict_dir))
        try:
            wq = parser.parse(q)
        except Exception as e:  # whoosh raises assorted errors on odd input
            raise QueryError(f"无法解析的 whoosh 检索式：{e}（提示：去掉 --raw 按普通检索词检索）") from None
        return self._docs(wq), wq

    # -- the public call -----------------------------------------------------------
    def search(self, q, limit=20, offset=0, document=None, chapter=None, section=None,
               box=None, kind=None, year=None, raw=False) -> dict:
        filters = self._filters(document, chapter, section, box, kind, year)
        limit = _bounded_int(limit, "limit", 0, 10000)
        offset = _bounded_int(offset, "offset", 0, 10**9)
        text = q if isinstance(q, str) else ("" if q is None else str(q))
        if not fold(text) and any(v is not None for v in filters.values()):
            return self._finish(self._listing(text, [], filters, limit, offset), offset)
        pq = parse_query(text)
        if pq.exclusion_only:
            if not raw and not self.literal_docs(pq.whole):
                return self._finish(self._listing(text, pq.negatives, filters, limit, offset, pq.messages),
                                    offset)
            # -香港-广州, pasted from 深圳-香港-广州, is text to find, not an exclusion
            pq.negatives = []
            pq.messages.append("没有可检索的词（只有排除词）：已按原文字面检索。")
        self._strip_questions(pq)
        self._local.memo = {}  # literal lookups repeat within one query; never across queries
        self._local.ignored = []
        try:
            try:
                return self._answer(q, text, pq, filters, limit, offset, raw)
            except _DAMAGE as e:
                self._recover(e)
                self._local.memo = {}
                return self._answer(q, text, pq, filters, limit, offset, raw)
        finally:
            self._local.memo = None
            self._local.ignored = None
            self._local.tiers = None

    def _answer(self, q, text, pq, filters, limit, offset, raw) -> dict:
        if not raw and is_paste(pq):
            return self._finish(self._paste(text, pq, filters, limit, offset), offset)
        return self._finish(self._search(q, pq, filters, limit, offset, raw), offset)

    def _recover(self, error: Exception) -> None:
        """The index files failed under us (deleted or damaged while serving): reopen on the
        live build if it matches this corpus, else say so — a 503 until it is rebuilt,
        never the same 500 on every search."""
        instance = self.folder.parent.parent
        cur = current_build(instance)
        if cur is None or not is_fresh(cur[1], self.meta.get("content_hash")):
            raise IndexBuildError("检索索引在使用中被删除或损坏（提示：运行 plankb build 重建索引）。") from None
        folder, meta = cur
        try:
            lease = hold_lease(folder)
            ix = open_whoosh(folder)
        except Exception:  # noqa: BLE001 — damaged in whoosh's own ways
            raise IndexBuildError("检索索引已损坏，无法打开（提示：运行 plankb build 重建索引）。") from None
        with self._open_lock:
            old_lease = self._lease
            self.folder, self.meta, self._ix, self._lease = Path(folder), meta, ix, lease
            self._new_caches()
        self._local.searcher = None
        old_lease.close()
        self._load_records()
        self._load_vectors()

    @staticmethod
    def _finish(out: dict, offset: int) -> dict:
        """A page past the last one says so, instead of a count beside 没有找到."""
        total = out["total"]
        if total and offset >= total and out["limit"]:
            last = (total - 1) // out["limit"] * out["limit"] + 1
            out["beyond"] = True
            note = f"共 {total} 条结果，第 {offset + 1} 条之后没有更多结果（最后一页从第 {last} 条开始）。"
            out["message"] = (out.get("message") or "") + note
        return out

    def _records(self, docs, filters) -> tuple[list[dict], dict]:
        records = [self.records[d] for d in docs]
        return [r for r in records if record_matches(r, filters)], facet_counts(records, filters, self.corpus)

    def _listing(self, q: str, negatives: list[str], filters: dict, limit: int, offset: int,
                 messages=()) -> dict:
        """No words to look for: every clause the filters select (专栏14: all of it), in the
        plan's order, without those containing an excluded word."""
        docs = set(self.all_docs)
        for neg in negatives:
            docs -= self.literal_docs(neg)
        selected, facets = self._records(docs, filters)
        selected.sort(key=lambda r: (r["document"], r["order"]))
        why = "不含" + "、".join(f"“{n}”" for n in negatives) if negatives else "符合筛选条件"
        hits = [self._hit(r, 0.0, 0, [], "listing") | {"why": why} for r in selected[offset:offset + limit]]
        what = "、".join(self._filter_words(filters))
        if negatives:
            said = "只有排除词：列出" + (f"{what}中" if what else "") \
                + "不含" + "、".join(f"“{n}”" for n in negatives) + f"的全部 {len(selected)} 条条款。"
        else:
            said = f"未输入检索词：列出{what}的全部 {len(selected)} 条条款。"
        return {"query": q, "total": len(selected), "offset": offset, "limit": limit, "hits": hits,
                "facets": facets, "filters": {k: v for k, v in filters.items() if v is not None},
                "listing": True, "semantic": False, "message": "".join(messages) + said}

    def _filter_words(self, filters: dict) -> list[str]:
        out = []
        if filters.get("document"):
            doc = self.corpus.document(filters["document"])
            out.append(f"《{doc.title}》" if doc is not None else filters["document"])
        if filters.get("chapter") is not None:
            out.append(f"第{cn_number(filters['chapter'])}章")
        if filters.get("section") is not None:
            out.append(f"第{cn_number(filters['section'])}节")
        if filters.get("box"):
            out.append(f"专栏{filters['box']}")
        if filters.get("kind"):
            kind = filters["kind"]
            out.append(f"类型为“{KIND_GROUP_LABELS.get(kind) or KINDS.get(kind, kind)}”")
        if filters.get("year") is not None:
            out.append(f"期限为 {filters['year']} 年")
        return out

    def _paste(self, q: str, pq: ParsedQuery, filters: dict, limit: int, offset: int) -> dict:
        """A pasted paragraph: the clause it came from first, then the clauses most like it.

        Overlap is the share of the paragraph's 4-character runs found in a clause
        (line breaks and spaces from a PDF copy do not matter); meaning compares the
        paragraph with each clause as passage to passage.  The two are fused by rank.
        """
        text = pq.whole
        grams = set(char_ngrams(text, PASTE_GRAM)) if len(text) >= PASTE_GRAM else {text}
        cand = self._paste_candidates(text)
        overlap = {}
        for d in cand:
            folded = self.records[d]["folded"]
            share = sum(g in folded for g in grams) / len(grams)
            if share >= PASTE_MIN_OVERLAP:
                overlap[d] = share
        best = max(overlap, key=overlap.get, default=None)
        if best is not None and overlap[best] >= PASTE_SOURCE and self._vec_mat is not None \
                and best in self._vec_row:
            # The paragraph is (mostly) a clause of the plan: that clause's stored vector
            # stands for it, and no paragraph has to go through the model (~0.5 s).
            vec = self._vec_mat[self._vec_row[best]]
            sims = self._cosines(self._vec_docs, self._vec_mat, vec)
        else:
            sims = self.semantic_scores(q, passage=True)
        near = sorted(sims, key=lambda d: -sims[d])[:PASTE_SIMILAR]
        docs = set(overlap) | set(near) | self.literal_docs(text)
        selected, facets = self._records(docs, filters)
        ov_rank = {d: i for i, d in enumerate(sorted(overlap, key=lambda d: -overlap[d]), 1)}
        sem_rank = {d: i for i, d in enumerate(sorted(
            (r["docnum"] for r in selected if r["docnum"] in sims), key=lambda d: -sims[d]), 1)}
        scored = []
        for r in selected:
            d = r["docnum"]
            score = ranking.rrf(ov_rank.get(d), ranking.LEXICAL_WEIGHT) \
                + ranking.rrf(sem_rank.get(d), ranking.SEMANTIC_WEIGHT if sims else 0.0) \
                + overlap.get(d, 0.0)  # a clause that holds most of the paragraph is its source
            scored.append((score, -r["order"], r))
        scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
        hits = []
        for score, _, r in scored[offset:offset + limit]:
            share = overlap.get(r["docnum"], 0.0)
            why = f"与粘贴的段落重合 {round(share * 100)}%" if share >= PASTE_SOURCE else "语义相近"
            hits.append(self._hit(r, score, 1 if share >= PASTE_SOURCE else 0, [], "paste") | {"why": why})
        source = [r for _, _, r in scored if overlap.get(r["docnum"], 0.0) >= PASTE_SOURCE]
        said = (f"按粘贴的段落（{len(text)} 字）查找出处："
                + (f"出处是 {source[0]['id']}，其后为内容相近的条款。" if source
                   else "没有条款与它大段重合，以下为内容最相近的条款。"))
        out = {"query": q, "total": len(scored), "offset": offset, "limit": limit, "hits": hits,
               "facets": facets, "filters": {k: v for k, v in filters.items() if v is not None},
               "paste": True, "semantic": bool(sims), "message": "".join(pq.messages) + said}
        if source:
            out["source"] = source[0]["id"]
        return out

    def _paste_candidates(self, text: str) -> set[int]:
        """Clauses sharing enough of the paragraph's character pairs to be worth a closer look."""
        return self._literal.sharing_pairs(text, PASTE_MIN_OVERLAP)

    def _strip_questions(self, pq: ParsedQuery) -> None:
        """Typed words lose their question phrases, so 如何加强中小企业知识产权保护 is
        matched and tiered as 加强中小企业知识产权保护; the whole query stays as typed
        for the Ctrl+F guarantee."""
        for g in pq.groups:
            for i, t in enumerate(g):
                if not t.quoted:
                    g[i] = Term(self.lexicon.strip_questions(t.text), False)

    def _search(self, q, pq, filters, limit, offset, raw) -> dict:
        if raw:
            matched, scoring_q = self._raw_match(q)
            fallback = False
        else:
            matched, fallback = self._match(pq)
            scoring_q = self._scoring_query(pq)
        matched |= self.literal_docs(pq.whole)  # the Ctrl+F promise
        if not raw:  # a 专栏 or table row named by number (专栏3讲了哪些内容)
            refs = ranking.references(_unquoted(pq), self.preferences)
            matched |= {d for d, r in self.records.items() if ranking.names_clause(refs, r["clause"], r["folded"])}

        literal = self.literal_docs(pq.whole) if not raw else set()
        # Typed in the plan's own words (some clause holds the query as typed), the words
        # decide; the query's vector (the slow part, ~30 ms) is computed for other queries.
        sims = {} if raw or (literal and SKIP_SEMANTIC_WHEN_LITERAL) \
            else self.semantic_scores(self._semantic_text(pq))
        # Meaning adds clauses only where words fall short: a query typed as one run, in
        # other words than the plan's, whose words all together found few clauses or none.  Words the
        # plan uses, or words typed apart (商业秘密 刑事案件), ask for those words.
        extras = ranking.semantic_extras(sims, matched) \
            if not literal and len(pq.positives) == 1 and (fallback or len(matched) < FEW) else []
        for neg in pq.negatives:
            extras = [d for d in extras if d not in self.literal_docs(neg)]
        records = [self.records[d] for d in sorted(matched | set(extras))]  # ties: plan order
        facets = facet_counts(records, filters, self.corpus)
        selected = [r for r in records if record_matches(r, filters)] \
            if any(v is not None for v in filters.values()) else records
        ranked = self._rank(selected, pq, scoring_q, sims, raw)

        terms = self.highlight_terms(pq)
        hits = [self._hit(r, score, tier, terms, why) for score, r, tier, why in ranked[offset:offset + limit]]
        out = {
            "query": q,
            "total": len(ranked),
            "offset": offset,
            "limit": limit,
            "hits": hits,
            "facets": facets,
            "filters": {k: v for k, v in filters.items() if v is not None},
            "semantic": bool(sims),
        }
        messages = list(pq.messages)
        ignored = [w for w in dict.fromkeys(self._ignored()) if len(w) > 1]
        if ignored and not raw:
            out["ignored"] = ignored
            messages.append("规划中没有出现" + "、".join(f"“{w}”" for w in ignored) + "，检索时已忽略。")
        if fallback:
            out["fallback"] = "or"
            messages.append("没有同时包含所有检索词的条款，以下为包含任一检索词的结果。")
        if self.semantic_note and not self._note_said:
            self._note_said = True  # said once per open index: the log has it too
            messages.append(self.semantic_note)
        if messages:
            out["message"] = "".join(messages)
        return out

    def _semantic_text(self, pq: ParsedQuery) -> str:
        """What the query's vector is computed from: the typed words, none of them quoted
        (a quoted phrase asks for those characters, not for their meaning)."""
        if any(t.quoted for t in pq.positives) or not pq.positives:
            return ""
        return " ".join(t.text for t in pq.positives)

    def _rank(self, selected: list[dict], pq: ParsedQuery, scoring_q, sims: dict, raw: bool):
        """[(score, record, tier, why)] best first: RRF of the two rankings inside the Ctrl+F tier."""
        bm25 = self._bm25(scoring_q, {r["docnum"] for r in selected})
        literal_terms = self._literal_terms(pq)
        # Each query word's clauses (by itself, a synonym or a compound's part): a clause
        # holding all of them ranks above one holding all but one (coordination).
        unit_docs = [] if raw else [u for u in (self._token_docs(w) for t in pq.positives if not t.quoted
                                                for w in self.units(t.text)) if u]
        cover = self._coverages(selected, literal_terms)
        lexical, coords = [], {}
        for r in selected:
            d = r["docnum"]
            tier = self._tier(r, pq, literal_terms)
            lexed = d in bm25 or tier > 0 or raw
            b = bm25.get(d, 0.0)
            coord = sum(d in u for u in unit_docs) / len(unit_docs) if unit_docs else 0.0
            within = ranking.within_tier(b / (b + BM25_HALF), cover[d], coord)
            lexical.append((tier + within if lexed else -1.0, -r["order"], r, tier))
            coords[d] = coord
        lexical.sort(key=lambda x: (x[0], x[1]), reverse=True)
        lex_rank = {x[2]["docnum"]: i for i, x in enumerate(lexical, 1) if x[0] >= 0}
        sem_order = sorted((r["docnum"] for r in selected if r["docnum"] in sims), key=lambda d: -sims[d])
        sem_rank = {d: i for i, d in enumerate(sem_order, 1)}
        whole = pq.whole
        prefs = self.preferences
        past, goals = prefs.asks_past(whole), prefs.asks_goals(whole)
        numbers = ranking.typed_numbers(whole, prefs) if not raw else []
        refs = ranking.references(_unquoted(pq), prefs) if not raw else ranking.References()
        background = {r["docnum"] for r in selected if prefs.is_background(r["kind"], r["role"], past, goals)}
        # Background moves below the tasks that match as well; one holding more of the query's
        # words than any task loses only part of it (农业新品种权申请了多少: the 十三五 table's
        # row 农业植物新品种权申请量 above the task naming 农业 and 品种 only).
        task_coord = max((c for d, c in coords.items() if d not in background), default=0.0)
        out = []
        for _, neg_order, r, tier in lexical:
            d = r["docnum"]
            fused = ranking.rrf(lex_rank.get(d), ranking.LEXICAL_WEIGHT) \
                + ranking.rrf(sem_rank.get(d), ranking.SEMANTIC_WEIGHT if sims else 0.0)
            stated = ranking.number_share(r["folded"], numbers, prefs)  # the figures typed, stated here
            fused += ranking.NUMBER_WEIGHT * stated
            named = ranking.names_clause(refs, r["clause"], r["folded"])
            if named:
                fused += ranking.REFERENCE_WEIGHT
            if not stated and d in background:
                fused -= ranking.BACKGROUND_PENALTY * (1.0 if coords.get(d, 0.0) <= task_coord
                                                       else ranking.BACKGROUND_BETTER_SHARE)
            why = "semantic" if d not in lex_rank else ("literal" if tier else "words")
            if named and not tier:
                why = "reference"
            out.append((tier + fused, neg_order, r, tier, why))
        out.sort(key=lambda x: (x[0], x[1]), reverse=True)
        return [(score, r, tier, why) for score, _, r, tier, why in out]

    def _filters(self, document, chapter, section, box, kind, year) -> dict:
        if document is not None and document != "" and self.corpus.document(str(document)) is None:
            known = "、".join(d.id for d in self.corpus.documents) or "（无）"
            raise QueryError(f"没有编号为“{document}”的规划（现有：{known}）。")
        if kind not in (None, "") and kind not in {r["kind"] for r in self.records.values()} \
                and kind not in KINDS:
            raise QueryError(f"未知的条款类型“{kind}”（可选：{'、'.join(KINDS)}）。")
        filters = {
            "document": str(document) if document not in (None, "") else None,
            "chapter": _opt_int(chapter, "chapter"),
            "section": _opt_int(section, "section"),
            "box": str(box) if box not in (None, "") else None,
            "kind": kind if kind not in (None, "") else None,
            "year": _opt_int(year, "year"),
        }
        self._check_structure(filters)
        return filters

    def _check_structure(self, f: dict) -> None:
        """A chapter, section or box the plans do not have is refused with what they do have,
        never shown as an active filter over an empty page (chapter=99 → 第九十九章)."""
        docs = [self.corpus.document(f["document"])] if f["document"] else list(self.corpus.documents)
        if f["chapter"] is not None:
            have = sorted({c.number for d in docs for c in d.chapters})
            if f["chapter"] not in have:
                raise QueryError(f"没有第{cn_number(f['chapter'])}章（现有：{_span(have, '第{}章')}）。")
        if f["section"] is not None:
            chapters = [c for d in docs for c in d.chapters
                        if f["chapter"] is None or c.number == f["chapter"]]
            have = sorted({s.number for c in chapters for s in c.sections})
            if f["section"] not in have:
                where = f"第{cn_number(f['chapter'])}章" if f["chapter"] is not None else "各章"
                raise QueryError(f"{where}没有第{cn_number(f['section'])}节（现有：{_span(have, '第{}节')}）。")
        if f["box"] is not None:
            have = [b.number for d in docs for b in d.boxes]
            if f["box"] not in have:
                shown = "、".join(f"专栏{b}" for b in have[:5]) + ("……" if len(have) > 5 else "")
                raise QueryError(f"没有专栏{f['box']}（现有 {len(have)} 个：{shown or '无'}）。")

    @staticmethod
    def _why(why: str, found: list[str]) -> str:
        """A short line under a hit: the words it matched, or 语义相近 when only meaning did."""
        return _why_text(why, found)

    def _hit(self, rec: dict, score: float, tier: int, terms: list[str], why: str = "words") -> dict:
        c = rec["clause"]
        doc = self.corpus.document(c.document)
        text = searchable_text(c)
        found = [t for t in terms if t and t in rec["folded"]]
        specific = [t for t in found if not self.is_generic(t)]
        found = specific or found
        return {
            "why": _reference_why(c) if why == "reference" else self._why(why, found),
            "matched_terms": found[:8],
            "id": c.id,
            "kind": c.kind,
            "kind_label": c.kind_label,
            "title": clause_title(c, doc),
            "breadcrumb": breadcrumb(c),
            "text": text,
            "snippet": snippet(text, terms, plain=rec["folded"] if rec.get("plain") else None),
            "score": round(score, 4),
            "literal": tier > 0,
            "document": c.document,
            "chapter": c.chapter,
            "section": c.section,
            "box": c.box,
            "source_lines": list(c.source_lines),
        }


def _unquoted(pq: ParsedQuery) -> str:
    """The typed words outside quotes, folded: a quoted phrase asks for its characters only."""
    return fold(" ".join(t.text for t in pq.positives if not t.quoted))


def _reference_why(c) -> str:
    """Found because the query named its part by number: say which (所问的专栏7)."""
    if c.box is not None:
        return f"所问的专栏{c.box}"
    m = re.match(r"序号：(\d+)", c.text or "")
    return f"所问的表{c.table}" + (f"第{m.group(1)}项" if m else "")


def _why_text(why: str, found: list[str]) -> str:
    if why == "semantic" or not found:
        return "语义相近"
    shown = "、".join(f"“{t}”" for t in sorted(found, key=len, reverse=True)[:4])
    return ("含原文" if why == "literal" else "含") + shown


def _longest_run(s: str, text: str) -> int:
    """Length of the longest substring of ``s`` found in ``text``.

    One pass over the start positions: from each, only a run longer than the best so
    far is worth testing, and a run that is there is extended one character at a time
    (if k characters are there, so are their first k − 1): about len(s) substring tests.
    """
    n = len(s)
    if s in text:
        return n
    best = 0
    for i in range(n):
        if n - i <= best:
            break
        j = i + best + 1
        if s[i:j] not in text:
            continue
        while j < n and s[i:j + 1] in text:
            j += 1
        best = j - i
    return best


def _coverage(folded: str, literal_terms: list[list[str]]) -> float:
    """Mean over AND-groups of the best share of a typed word (or its spelled-out
    variant) found as one unbroken run: a phrase signal the word fields lack."""
    if not literal_terms:
        return 0.0
    total = 0.0
    for alts in literal_terms:
        total += max((_longest_run(a, folded) / len(a) for a in alts if a), default=0.0)
    return total / len(literal_terms)


def _chapter_role(corpus, clause) -> str:
    doc = corpus.document(clause.document)
    chapter = doc.chapter(clause.chapter) if doc is not None and clause.chapter else None
    return chapter.role if chapter is not None else ("general" if clause.kind == "preamble" else "tasks")


def breadcrumb(clause) -> str:
    """第三章 › 第二节 › 专栏1: short, as staff cite it."""
    parts = []
    if clause.chapter:
        parts.append(f"第{cn_number(clause.chapter)}章")
    if clause.section:
        parts.append(f"第{cn_number(clause.section)}节")
    if clause.box:
        parts.append(f"专栏{clause.box}")
    if clause.table:
        parts.append(f"表{clause.table}")
    if not parts and clause.breadcrumb:
        parts = list(clause.breadcrumb)
    return " › ".join(parts)


def _span(numbers: list[int], fmt: str) -> str:
    if not numbers:
        return "无"
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 2:
        return fmt.format(cn_number(numbers[0])) + "至" + fmt.format(cn_number(numbers[-1]))
    return "、".join(fmt.format(cn_number(n)) for n in numbers)


def _opt_int(v, name: str):
    if v is None or v == "":
        return None
    try:
        return int(v)
    except (TypeError, ValueError):
        raise QueryError(f"参数 {name} 应为整数，收到“{v}”。") from None


def _bounded_int(v, name: str, lo: int, hi: int) -> int:
    n = _opt_int(v, name)
    if n is None or n < lo or n > hi:
        raise QueryError(f"参数 {name} 应在 {lo} 到 {hi} 之间，收到“{v}”。")
    return n


__all__ = ["SearchIndex", "FILTERS", "breadcrumb"]
