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

What a query costs follows what it shows, not how many clauses it matches (知识产权
matches 3,800 at a hundred plans): filtering, facet counting and every ranking signal
run as array operations over per-index columns made when the index opens
(index/columns.py, index/rank_arrays.py), in the same floats and order as the
per-clause formula; Python touches a clause only to show it, or where a signal needs
its text and it can hold (a typed figure's digits, a part named by number).  Per-word
answers (posting sets, literal matches, per-term BM25 scores) are remembered across
queries in caches bounded by their total size, BM25 adds cached per-term score arrays
instead of walking posting lists per query, and snippets are made only for the hits
shown.
"""
from __future__ import annotations

import math
import re
import struct
import threading
import time
from pathlib import Path

import numpy as np
from whoosh import query as Q
from whoosh import scoring
from whoosh.index import IndexError as WhooshIndexError  # EmptyIndexError: the folder is gone

from kb.indicators import indicator_tables
from kb.model import KIND_GROUP_LABELS, KINDS
from kb.numerals import to_chinese as cn_number

from index import adapter, query_numbers, rank_arrays, ranking, rerank, semantic
from index.homophones import Homophones
from index.analysis import JiebaTokenizer, char_ngrams, is_wordish
from index.cache import BoundedCache
from index.columns import Columns
from index.facets import FILTERS, facet_counts
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
# Coverage for all clauses at once (index/literal.py) above this many matches; else
# clause by clause (see SearchIndex._coverages) ...
COVERAGE_BULK_MIN = 60
# ... as long as it takes at most this many literal look-ups per clause matched (a
# look-up costs about what one clause's own coverage does; a sentence the plans hold at
# length needs about len²/2 look-ups, and is then done clause by clause).
COVERAGE_BULK_LOOKUPS = 0.5
SKIP_SEMANTIC_WHEN_LITERAL = True
FEW = 2  # fewer word matches than this (one or none), and meaning may add a few clauses
STANDOUT_MIN = 20  # clauses with a cosine in the best one's plan, to tell it stands out
IGNORED_SHOWN = 12  # characters of an ignored run shown in the reply's note
GLOSS_PER_WORD = 2  # a thesaurus entry's first plan words added to the query's vector text
MAX_SLIP_CHECKS = 8  # unknown query words checked for a typing slip (_correct_slips)
# Paste to find the source: a query this long with sentence punctuation is a paragraph.
PASTE_MIN_CHARS = 60
VECTOR_CHECK_SECONDS = 5.0  # how often an open index looks for vectors embedded after its build
PASTE_GRAM = 4
PASTE_MIN_OVERLAP = 0.15  # share of the paragraph's 4-grams a clause must hold to count
PASTE_SOURCE = 0.5  # … to be called the paragraph's source
PASTE_SIMILAR = 8  # clauses most alike in meaning, shown after the source
# Past this many candidates, each 4-gram's clauses come from the literal index (remembered
# look-ups) instead of testing every 4-gram in every candidate (a paragraph copied into
# twenty plans has 2,000 candidates at a hundred plans: 240,000 substring tests).
PASTE_BULK_MIN = 60
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
        self._homophones = Homophones(self._query_jieba.FREQ if self._query_jieba is not None else ())
        self._weighting = scoring.BM25F(B=0.75, K1=1.2)
        self._local = threading.local()
        self._open_lock = threading.Lock()
        self._open_searchers: list = []
        self._new_caches()
        self._load_records()
        self.preferences = ranking.load_preferences(self._dict_dir)
        self.reranker = rerank.load_reranker(self._dict_dir)
        self.adapters = adapter.load_adapters(self._dict_dir, semantic.MODEL_KEY)
        self._load_vectors()

    # -- setup -------------------------------------------------------------------
    def prefill(self) -> None:
        """What a first query would make, made now (``serve --workers``, before forking)."""
        self._homophones.prefill()

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
        self._missed = None  # (made on first need: _missed_targets)
        self._literal = LiteralIndex({d: r["folded"] for d, r in self.records.items()})
        with self._ix.searcher() as s:
            self._doc_slots = s.doc_count_all()
        self.columns = Columns(self.records, self._doc_slots)

    def _load_vectors(self) -> None:
        """The build's clause vectors, in docnum order; without them search is lexical only."""
        self._encode = semantic.QueryEncoder()
        self._vectors = None
        self.semantic_note: str | None = None
        self._note_said = False
        self._vec_stamp = semantic.vectors_stamp(self.folder)
        self._vec_checked = time.monotonic()
        if semantic.disabled():
            return  # turned off on purpose (PLANKB_SEMANTIC=0): nothing to report
        stored = semantic.read_vectors(self.folder)
        note = semantic.status()
        if stored is None or note is not None:
            pending = ((self.meta or {}).get("semantic") or {}).get("missing")
            self.semantic_note = note or (
                "语义向量尚未算完（服务在后台计算，或运行 plankb build 补齐），本次只按字词检索。" if pending
                else "检索索引建立时没有语义向量，本次只按字词检索（提示：运行 plankb build 重建）。")
            return
        ids, mat, scale = stored
        vectors = semantic.ClauseVectors(ids, mat, {r["id"]: d for d, r in self.records.items()}, scale)
        self._vectors = vectors if len(vectors) else None
        self.turn_questions()

    def turn_questions(self, adapters: dict | None = None) -> None:
        """Questions turned for each plan's clauses by ``adapters`` (index/adapter.py; by default
        the plans' own files); ``{}`` compares them as the model places them."""
        vectors = self._vectors
        if vectors is not None:
            vectors.turn_plans(self.adapters if adapters is None else adapters,
                               {d: r["document"] for d, r in self.records.items()})

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
        return self._vectors is not None

    def semantic_scores(self, text: str, passage: bool = False) -> dict[int, float]:
        """Each clause's likeness to ``text`` (empty when the model is off): a query is
        compared with clauses and their sentences, a pasted paragraph with whole clauses."""
        return self._semantic_arrays(text, passage).as_dict()

    def _semantic_arrays(self, text: str, passage: bool = False) -> "Cosines":
        """:meth:`semantic_scores` as arrays (docnums, scores); empty when the model is off."""
        self._refresh_vectors()
        vectors = self._vectors  # (another thread may be swapping them in)
        if vectors is None or not text.strip():
            return Cosines.NONE
        vec = self._encode(text) if not passage else self._encode.passage(text)
        if vec is None:
            return Cosines.NONE
        return Cosines(*vectors.arrays(vec, sentences=not passage))

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
    # Sets of clauses are boolean masks over docnums (one byte a clause: 8 KB at a hundred
    # plans), so unions and intersections of thousands of clauses are single array
    # operations.  Masks that are remembered (within a query or across queries) are made
    # read-only: combining them always makes a new one.
    def _none(self) -> np.ndarray:
        return np.zeros(self.columns.slots, dtype=bool)

    @staticmethod
    def _frozen(mask: np.ndarray) -> np.ndarray:
        mask.flags.writeable = False
        return mask

    def _docs(self, q) -> np.ndarray:
        return self.columns.mask(set(self._searcher().docs_for_query(q))) & self.columns.valid

    def _postings(self, field: str, term: str) -> np.ndarray:
        """Docnums (sorted int32) containing one term, cached: the index never changes once open."""
        key = (field, term)
        hit = self._posting_cache.get(key)
        if hit is None:
            found = np.fromiter(self._searcher().docs_for_query(Q.Term(field, term)), dtype=np.int64)
            found = found[found < self.columns.slots]
            hit = np.flatnonzero(self.columns.mask(found) & self.columns.valid).astype(np.int32)
            self._posting_cache.put(key, hit)
        return hit

    def literal_docs(self, s: str) -> frozenset[int]:
        """Clauses whose folded text contains folded ``s`` (exactly: see index/literal.py)."""
        return frozenset(np.flatnonzero(self._lit(s)).tolist())

    def _lit(self, s: str) -> np.ndarray:
        """:meth:`literal_docs` as a mask, remembered within the query."""
        s = fold(s)
        if not s:
            return self._none()
        memo = getattr(self._local, "memo", None)
        if memo is not None and s in memo:
            return memo[s]
        found = self._frozen(self._literal_mask(s))
        if memo is not None:
            memo[s] = found
        return found

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

    def units(self, text: str, drop_stop: bool = True) -> list[str]:
        """Query tokens with runs of single characters joined back into one unit.

        The query segmenter only knows the index's words, so a word the plan never
        uses (大学, 开设) comes out as single characters, each of which matches
        almost every clause.  Joined, the unit matches literally or by synonym, or
        not at all, and then it is left out of the AND (see :meth:`_term_docs`).
        With ``drop_stop=False`` a stop word stays in its run (著做权, not 著 and 权:
        a typing slip is found whole, :meth:`_correct_slips`).
        """
        out: list[str] = []
        run: list[str] = []
        for tok in self.tokens(text, drop_stop):
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
            return self._none()
        return self.columns.with_year(int(token))

    def _word_docs(self, word: str) -> np.ndarray:
        docs = self._none()
        for f in WORD_FIELDS:
            docs[self._postings(f, word)] = True
        return docs

    def _all_words_docs(self, words: list[str]) -> np.ndarray:
        result = None
        for w in words:
            docs = self._word_docs(w) | self._lit(w)
            result = docs if result is None else result & docs
            if not result.any():
                return self._none()
        return result if result is not None else self._none()

    def _token_docs(self, token: str) -> np.ndarray:
        """The clauses one query word matches: itself (as a word or literally), a deadline
        year, a synonym, or its compound's specific parts.  Asked again by the ranking
        (coordination): remembered within the query."""
        memo = getattr(self._local, "token_memo", None)
        if memo is not None and token in memo:
            return memo[token]
        if _NUMBER.fullmatch(token):
            docs = self.columns.mask(self._number_docs(token))
        else:
            docs = self._word_docs(token) | self._lit(token) | self._year_docs(token)
            for syn in self.lexicon.synonyms.get(token, ()):
                docs = docs | self._synonym_docs(syn)
            parts = self.compound_parts(token)
            if parts:
                docs = docs | self._all_words_docs(parts)
        docs = self._frozen(docs)
        if memo is not None:
            memo[token] = docs
        return docs

    def _number_docs(self, token: str) -> np.ndarray:
        """A number typed among words (海外发明专利授权量8万件) matches that number, not any
        digit run holding it: 8 is in t2.r2's (8), not in 第7次 or 2018; 543 is in 543.0, the
        same figure printed with a decimal.  Deadline years too.  Remembered across queries
        with the literal matches (a digit is in thousands of clauses at a hundred plans)."""
        key = ("figure", token)
        hit = self._literal_cache.get(key)
        if hit is None:
            pattern = ranking.number_pattern(token)
            stated = self._none()
            for d in np.flatnonzero(self._lit(token)).tolist():
                stated[d] = bool(pattern.search(self.records[d]["folded"]))
            hit = np.flatnonzero(stated | self._year_docs(token))
            self._literal_cache.put(key, hit)
        return hit

    def is_generic(self, word: str) -> bool:
        """A word in at least half of all clauses (知识产权 in a plan about it) tells none apart."""
        if len(word) < 2 or not self.records:
            return False
        return int(np.count_nonzero(self._lit(word))) * 2 >= len(self.records)

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

    def _synonym_docs(self, syn: str) -> np.ndarray:
        """The clauses a thesaurus entry's plan phrase names: where the plans print it
        verbatim, those (软著 => 著作权登记 is 4.2.p5's 著作权登记机制, not 3.3.p6's
        著作权重复登记); else the clauses holding all of its words."""
        literal = self._lit(syn)
        return literal if literal.any() else self._all_words_docs(self.tokens(syn, drop_stop=False))

    def _term_docs(self, term: Term) -> np.ndarray | None:
        """Clauses a typed term matches; None when none of its words is in the plan at all
        (火星): such a term is ignored, and the reply says so, rather than emptying an AND."""
        docs = self._lit(term.text)
        if term.quoted:
            return docs
        result, ignored_all = None, True
        per_unit = []
        for tok in self.units(term.text):
            d = self._token_docs(tok)
            if not d.any():
                # In no clause, not even by synonym: it cannot tell clauses apart, so
                # it must not veto the others (the reply names it as ignored).
                self._ignored().append(tok)
                continue
            ignored_all = False
            per_unit.append(d)
            result = d if result is None else result & d
        if result is not None:
            docs = docs | result
        if result is not None and result.any() and len(per_unit) >= SOFT_AND_UNITS:
            # A question typed as one run (想知道同行都在申请什么专利) carries words the
            # answer need not repeat: a clause with all of its words but one is a candidate
            # too (ranking decides; typed with spaces, every word stays required).  When no
            # clause has them all, the OR fallback below takes over as before.
            held = np.zeros(self.columns.slots, dtype=np.int32)
            for d in per_unit:
                held += d
            docs = docs | (held >= len(per_unit) - 1)
        for syn in self.lexicon.synonyms.get(term.text, ()):
            docs = docs | self._synonym_docs(syn)
        for variant in self._variants(term):
            docs = docs | self._lit(variant)
        if ignored_all and not docs.any():
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

    def _match(self, pq: ParsedQuery) -> tuple[np.ndarray, bool]:
        groups = []
        for g in pq.groups:
            per_term = [d for d in (self._term_docs(t) for t in g) if d is not None]
            if per_term:  # a group whose every term is absent from the plan is ignored
                groups.append(np.logical_or.reduce(per_term))
        matched = np.logical_and.reduce(groups) if groups else self._none()
        fallback = False
        if not matched.any():
            # OR over every typed word and each of its jieba words; a lone character
            # (链 of 区块链) would match half the plan, so it does not count here.
            units = np.logical_or.reduce(groups) if groups else self._none()
            for t in pq.positives:
                if not t.quoted:
                    for tok in self.units(t.text):
                        if len(tok) > 1:
                            units = units | self._token_docs(tok)
            fallback = bool(units.any())
            matched = units
        for neg in pq.negatives:
            matched = matched & ~self._lit(neg)
        return matched, fallback and bool(matched.any())

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
        """BM25F of ``docs`` for a query; only documents matching some term get a score."""
        sel = self.columns.as_docs(docs)
        scores, scored = self._bm25_arrays(q, sel)
        return dict(zip(sel[scored].tolist(), scores[scored].tolist()))

    def _bm25_arrays(self, q, sel: np.ndarray):
        """(BM25F per doc of ``sel``, whether some term matched it): 0 where none did.

        The scoring query is an OR of single terms (see :meth:`_scoring_query`): its
        score is the sum of the terms' whoosh scores (each times its boost).  Each
        term's scores over its whole posting list come from whoosh's own scorer once
        and are then cached, so a query adds a few arrays instead of walking every
        posting list in Python.  Anything else (``--raw``) is left to whoosh.
        """
        n = len(sel)
        if q is None or not n:
            return np.zeros(n), np.zeros(n, dtype=bool)
        terms = q.subqueries if isinstance(q, Q.Or) else [q]
        if not all(type(t) is Q.Term for t in terms):
            res = self._searcher().search(q, limit=None, filter=set(sel.tolist()), scored=True)
            got = {docnum: float(score) for score, docnum in res.top_n}
            return (np.fromiter((got.get(d, 0.0) for d in sel.tolist()), dtype=np.float64, count=n),
                    np.fromiter((d in got for d in sel.tolist()), dtype=bool, count=n))
        total = np.zeros(self._doc_slots)
        seen = np.zeros(self._doc_slots, dtype=bool)
        for t in terms:
            ids, scores = self._term_scores(t.fieldname, t.text)
            if len(ids):
                total[ids] += scores * t.boost if t.boost != 1.0 else scores
                seen[ids] = True
        scored = seen[sel]
        return np.where(scored, total[sel], 0.0), scored

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

    def _tiers(self, sel: np.ndarray, pq: ParsedQuery, literal_terms: list[list[str]]) -> np.ndarray:
        """Per clause of ``sel``: 2 if it holds the whole query literally; 1 if each AND-group
        literally (one of its strings); else 0.  From the query's literal sets as masks."""
        every = None
        for alts in literal_terms:
            if "" in alts:
                docs = self.columns.valid
            else:
                docs = np.zeros(self.columns.slots, dtype=bool)
                for a in alts:
                    docs |= self._lit(a)  # (folded strings: the per-query memo's look-ups)
            every = docs if every is None else every & docs
        tier = np.where(self._lit(pq.whole)[sel], 2, 0)  # (the query's own look-up, remembered)
        if every is not None:
            tier = np.where((tier == 0) & every[sel], 1, tier)
        return tier

    def _coverages(self, sel: np.ndarray, literal_terms: list[list[str]]) -> np.ndarray:
        """Per clause of ``sel``: :func:`_coverage`.  For many clauses, all clauses at once
        from the literal index (a few dozen remembered look-ups), unless the query's
        strings run long in the plans (a pasted sentence: look-ups grow with the square of
        their runs); for few clauses, or those, clause by clause.  (It was the strings'
        length that decided: a colloquial question of 17 characters with 3,000 matches
        took 130 ms clause by clause, 3 ms at once.)"""
        if len(sel) > COVERAGE_BULK_MIN:
            cover = self._literal.coverage(literal_terms, budget=int(len(sel) * COVERAGE_BULK_LOOKUPS))
            if cover is not None:
                return cover[sel]
        return np.fromiter((_coverage(self.records[d]["folded"], literal_terms) for d in sel.tolist()),
                           dtype=np.float64, count=len(sel))

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
    def _raw_match(self, q: str) -> tuple[np.ndarray, object]:
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
            if not raw and not self._lit(pq.whole).any():
                return self._finish(self._listing(text, pq.negatives, filters, limit, offset, pq.messages),
                                    offset)
            # -香港-广州, pasted from 深圳-香港-广州, is text to find, not an exclusion
            pq.negatives = []
            pq.messages.append("没有可检索的词（只有排除词）：已按原文字面检索。")
        self._strip_questions(pq)
        self._local.memo = {}  # literal lookups repeat within one query; never across queries
        self._local.token_memo = {}
        self._local.ignored = []
        try:
            try:
                return self._answer(q, text, pq, filters, limit, offset, raw)
            except _DAMAGE as e:
                self._recover(e)
                self._local.memo = {}
                self._local.token_memo = {}
                return self._answer(q, text, pq, filters, limit, offset, raw)
        finally:
            self._local.memo = None
            self._local.token_memo = None
            self._local.ignored = None

    def _correct_slips(self, pq: ParsedQuery) -> None:
        """A query word in no clause that sounds like a plan word is asked as that word
        (质压融资 → 质押融资, zhuanli → 专利; index/homophones.py); the reply says so.  Quoted
        words are kept."""
        fixed, spelt, budget = [], [], MAX_SLIP_CHECKS
        clauses = lambda w: int(np.count_nonzero(self._lit(w)))  # noqa: E731
        for term in pq.positives:
            if term.quoted:
                continue
            # runs without stop words (质压 in 质压了) and with them (著做权: 做 is one)
            runs = dict.fromkeys(self.units(term.text) + self.units(term.text, drop_stop=False))
            for unit in runs:
                if unit not in term.text or self._token_docs(unit).any():
                    continue
                budget -= 1
                if budget < 0:  # a slip or two per query; a long run of unknown words is no typo
                    break
                fix = self._homophones.correct(unit, clauses)
                if fix and not self._fits(fix, unit, pq):
                    fix = None
                latin = None if fix else self._homophones.spelt(unit, clauses)
                if fix or latin:
                    term.text = term.text.replace(unit, fix or latin)
                    pq.whole = pq.whole.replace(unit, fix or latin)
                    said = fixed if fix else spelt
                    if (unit, fix or latin) not in said:  # (zhuanli zhuanli: said once)
                        said.append((unit, fix or latin))
        if fixed or spelt:
            self._local.token_memo = {}
        if fixed:
            said = "、".join(f"“{a}”" for a, _ in fixed)
            pq.messages.append(f"规划中没有{said}，已按同音的" + "、".join(f"“{b}”" for _, b in fixed)
                               + "检索（要按原词检索，请加引号）。")
        if spelt:
            pq.messages.append("已把拼音" + "、".join(f"“{a}”按“{b}”" for a, b in spelt)
                               + "检索（要按原词检索，请加引号）。")

    def _fits(self, fix: str, unit: str, pq: ParsedQuery) -> bool:
        """A correction must stand in some clause beside another word of the query, if it has
        others the plans use: 质押 with 贷款, 赔偿 with 惩罚性; not 线下 for the 先下 of
        深圳行政部门能先下禁令 (线下 is in no clause with 行政 or 禁令)."""
        others = [d for d in (self._token_docs(u) for u in self.units(pq.whole) if u != unit and u not in fix)
                  if d.any()]
        return not others or any((self._lit(fix) & d).any() for d in others)

    def _read_numbers(self, pq: ParsedQuery) -> None:
        """Numbers as the plans print them (index/query_numbers.py: 两千五百亿 → 2500亿, 百分之六十
        → 60%); and 25年 as 2025年 when the plans name 2025 and never a span of 25 years (the
        figure 25 would otherwise name the clause stating 25, see ``ranking.typed_numbers``).
        A form some clause holds as typed is kept; so are quoted words.  The reply says so."""
        printed = lambda s: bool(self._lit(s).any())  # noqa: E731
        years: dict[str, str] = {}

        def full(m: re.Match) -> str:
            if m.group(0) not in years:
                year = 2000 + int(m.group(1))
                named = self._number_docs(str(year)).size  # (stated, or a deadline year)
                typed = re.compile(r"(?<![\d.])" + re.escape(m.group(0)))
                said = any(typed.search(self.records[d]["folded"])
                           for d in np.flatnonzero(self._lit(m.group(0))).tolist())
                years[m.group(0)] = f"{year}年" if named and not said else m.group(0)
            return years[m.group(0)]

        read: list[tuple[str, str]] = []
        for term in pq.positives:
            if term.quoted:
                continue
            text, spoken = query_numbers.arabic(term.text, printed)
            term.text = query_numbers.SHORT_YEAR.sub(full, text)
            read += spoken
        if not read and not any(a != b for a, b in years.items()):
            return
        whole = query_numbers.arabic(pq.whole, printed)[0]
        pq.whole = query_numbers.SHORT_YEAR.sub(lambda m: years.get(m.group(0), m.group(0)), whole)
        said = dict(read)
        for a, b in years.items():  # 二五年 → 25年 → 2025年 is said as 二五年 → 2025年
            if a != b:
                spoken = next((x for x, y in read if y == a), None)
                said.pop(spoken, None)
                said[spoken or a] = b
        self._local.token_memo = {}
        pq.messages.append("已把" + "、".join(f"“{a}”按“{b}”" for a, b in said.items())
                           + "检索（要按原词检索，请加引号）。")

    def _answer(self, q, text, pq, filters, limit, offset, raw) -> dict:
        if not raw and is_paste(pq):
            return self._finish(self._paste(text, pq, filters, limit, offset), offset)
        if not raw:
            self._read_numbers(pq)
            self._correct_slips(pq)  # (again after a recovery: nothing left to correct then)
            self._read_as_sentence(pq)
        return self._finish(self._search(q, pq, filters, limit, offset, raw), offset)

    def _read_as_sentence(self, pq: ParsedQuery) -> None:
        """Spaces typed for commas (voice input, chat: 煤矿钢厂这些下家不景气 炸药卖不动了 往后几年
        用量会咋走) part a sentence, not words that must all be there: where no clause holds much
        of what the parts say (``_words_held`` below WORDS_HELD_MAX), they are read as one run,
        as if typed with commas.  Words typed apart that the plan all uses (商业秘密 刑事案件 or
        three it never prints together) stay an AND: a sentence has words the plan does not."""
        if len(pq.groups) < 2 or any(len(g) > 1 or g[0].quoted for g in pq.groups):
            return
        units = [u for g in pq.groups for u in self.units(g[0].text) if len(u) > 1]
        if all(self._token_docs(u).any() for u in units) or not ranking.words_weak(self._words_held(pq)):
            return
        pq.groups = [[Term("，".join(g[0].text for g in pq.groups), False)]]

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

    def _records(self, docs, filters) -> tuple[np.ndarray, dict]:
        """The docnums (plan order) passing ``filters``, and the facets of all ``docs``."""
        docs = self.columns.as_docs(docs)
        return self.columns.select(docs, filters), facet_counts(self.columns, docs, filters, self.corpus)

    def _listing(self, q: str, negatives: list[str], filters: dict, limit: int, offset: int,
                 messages=()) -> dict:
        """No words to look for: every clause the filters select (专栏14: all of it), in the
        plan's order, without those containing an excluded word."""
        docs = self.columns.docnums
        for neg in negatives:
            docs = docs[~self._literal_mask(fold(neg))[docs]]
        selected, facets = self._records(docs, filters)
        # plan by plan (codes sort as the ids do), in order; docnums last (lexsort is stable)
        selected = selected[np.lexsort((self.columns.order[selected], self.columns.codes("document", selected)))]
        why = "不含" + "、".join(f"“{n}”" for n in negatives) if negatives else "符合筛选条件"
        hits = [self._hit(self.records[d], 0.0, 0, [], "listing") | {"why": why}
                for d in selected[offset:offset + limit].tolist()]
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
        held = self._literal.holding(grams) if len(cand) > PASTE_BULK_MIN else None
        overlap = {}
        for d in cand:
            n = int(held[d]) if held is not None else sum(g in self.records[d]["folded"] for g in grams)
            share = n / len(grams)
            if share >= PASTE_MIN_OVERLAP:
                overlap[d] = share
        best = max(overlap, key=overlap.get, default=None)
        vectors = self._vectors
        if best is not None and overlap[best] >= PASTE_SOURCE and vectors is not None and best in vectors.row:
            # The paragraph is (mostly) a clause of the plan: that clause's stored vector
            # stands for it, and no paragraph has to go through the model (~0.5 s).
            sims = vectors.scores(vectors.vector(best), sentences=False)
        else:
            sims = self.semantic_scores(q, passage=True)
        near = sorted(sims, key=lambda d: -sims[d])[:PASTE_SIMILAR]
        docs = set(overlap) | set(near) | self.literal_docs(text)
        selected, facets = self._records(docs, filters)
        selected = [self.records[d] for d in selected.tolist()]
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
        matched = matched | self._lit(pq.whole)  # the Ctrl+F promise
        if not raw:  # a 专栏 or table row named by number (专栏3讲了哪些内容)
            refs = ranking.references(_unquoted(pq), self.preferences)
            if refs:  # (names no clause when it names no part)
                matched[self._named(refs, self.columns.docnums)] = True

        literal = bool(self._lit(pq.whole).any()) if not raw else False
        # Typed in the plan's own words (some clause holds the query as typed), the words
        # decide; the query's vector (the slow part, ~30 ms) is computed for other queries.
        sims = Cosines.NONE if raw or (literal and SKIP_SEMANTIC_WHEN_LITERAL) \
            else self._semantic_arrays(self._semantic_text(pq))
        # Meaning adds clauses only where words fall short: a query typed as one run, in
        # other words than the plan's, whose words all together found few clauses or none.  Words the
        # plan uses, or words typed apart (商业秘密 刑事案件), ask for those words.
        # ... and where it is sure of a clause the words are not (国家出钱搞出来的新发明 in a national
        # plan: 国家 and 发明 are everywhere): it then adds its best and leads the ranking.
        leads = bool(sims) and not raw and self._meaning_leads(pq, sims)
        extras = ranking.semantic_extras(sims.as_dict(), set(np.flatnonzero(matched).tolist())) \
            if not literal and (leads or len(pq.positives) == 1 and (fallback or np.count_nonzero(matched) < FEW)) \
            else []
        for neg in pq.negatives:
            extras = [d for d in extras if not self._lit(neg)[d]]
        matched[extras] = True
        docs = np.flatnonzero(matched)  # ties: plan order
        facets = facet_counts(self.columns, docs, filters, self.corpus)
        selected = self.columns.select(docs, filters)
        ranked = self._rank(selected, pq, scoring_q, sims, raw, leads)

        terms = self.highlight_terms(pq)
        hits = [_asked(self._hit(self.records[d], score, tier, terms, why), asked)
                for d, score, tier, why, asked in ranked.page(offset, limit)]
        out = {
            "query": q,
            "total": len(selected),
            "offset": offset,
            "limit": limit,
            "hits": hits,
            "facets": facets,
            "filters": {k: v for k, v in filters.items() if v is not None},
            "semantic": bool(sims),
        }
        messages = list(pq.messages)
        typed = fold(re.sub(r"\s+", "，", q))  # (fold drops spaces; they part words typed)
        ignored = [w for w in dict.fromkeys(p for u in self._ignored() for p in _as_typed(u, typed)) if len(w) > 1]
        if ignored and not raw:
            out["ignored"] = ignored
            messages.append("规划中没有出现" + "、".join(f"“{_clipped(w)}”" for w in ignored) + "，检索时已忽略。")
        if fallback:
            out["fallback"] = "or"
            messages.append("没有同时包含所有检索词的条款，以下为包含任一检索词的结果。")
        if self.semantic_note and not self._note_said:
            self._note_said = True  # said once per open index: the log has it too
            messages.append(self.semantic_note)
        if messages:
            out["message"] = "".join(messages)
        return out

    def _meaning_leads(self, pq: ParsedQuery, sims: "Cosines") -> bool:
        """Meaning is sure of a clause (its cosine stands out of its plan's) and the words are
        not (no clause holds much of what was typed, words weighed by how rare they are)."""
        standout = sims.standout(self.columns.fields["document"].codes)
        # (the words are weighed only for a query the model is sure of)
        return ranking.meaning_sure(standout) and ranking.words_weak(self._words_held(pq))

    def _words_held(self, pq: ParsedQuery) -> float:
        """The largest share of the query's words one clause holds (see :meth:`_rarity_held`)."""
        held = self._rarity_held(pq)
        return float(held.max()) if held is not None else 1.0

    def _rarity_held(self, pq: ParsedQuery) -> np.ndarray | None:
        """Per docnum, the share of the query's words the clause holds (by itself, a synonym or
        a compound's part), each word weighed by its length and by how few clauses hold it, so
        that a national plan's 国家 and 发展 count for little; a word no clause holds weighs as
        the rarest.  None for a query without such words (or a plan of one clause)."""
        units = [w for t in pq.positives if not t.quoted for w in self.units(t.text)]
        n = len(self.records)
        if not units or n < 2:
            return None
        held = np.zeros(self.columns.slots)
        total = 0.0
        for w in units:
            docs = self._token_docs(w)
            df = int(np.count_nonzero(docs))
            weight = len(w) * (math.log(n / df) / math.log(n) if df else 1.0)
            total += weight
            if df:
                held += weight * docs
        return held / total if total else None

    def _semantic_text(self, pq: ParsedQuery) -> str:
        """What the query's vector is computed from: the query as typed, question words and
        all (tune sets: box 0.967 → 0.975, staff2 box 0.885 → 0.923, the rest within 0.005),
        or its positive words when it excludes some; nothing when a phrase is quoted (a
        quoted phrase asks for those characters, not for their meaning)."""
        if any(t.quoted for t in pq.positives) or not pq.positives:
            return ""
        # the question as asked: the model reads sentences, not keywords
        text = pq.whole if not pq.negatives else " ".join(t.text for t in pq.positives)
        return text + self._thesaurus_gloss(pq, text)

    def _thesaurus_gloss(self, pq: ParsedQuery, text: str) -> str:
        """The plan's words for the staff's own (说和 => 调解, 拉黑 => 失信), in brackets after
        the question, so that its vector leans towards the clauses that use them: the model
        has never read our thesaurus.  Fifteen tune sets: thirteen up or level (+0.003 to
        +0.020), two down (−0.006, −0.012); sum +0.10."""
        words: list[str] = []
        for term in pq.positives:
            for unit in self.units(term.text):
                for plan_word in self.lexicon.synonyms.get(unit, ())[:GLOSS_PER_WORD]:
                    if plan_word not in text and plan_word not in words:
                        words.append(plan_word)
        return "（" + "、".join(words) + "）" if words else ""

    def _rank(self, sel: np.ndarray, pq: ParsedQuery, scoring_q, sims: "Cosines", raw: bool,
              meaning_leads: bool = False) -> "Ranked":
        """``sel`` (docnums, plan order) best first: RRF of the two rankings inside the Ctrl+F tier.

        Every signal is an array over ``sel`` (index/rank_arrays.py computes ranking's
        formula for all of them at once, with the same floats), so a query's cost grows
        with its matches by array operations only; what needs a clause's text in Python
        (typed figures, parts named by number) is asked only of the clauses it can hold for.
        """
        n = len(sel)
        cols = self.columns
        bm25, scored = self._bm25_arrays(scoring_q, sel)
        literal_terms = self._literal_terms(pq)
        # Each query word's clauses (by itself, a synonym or a compound's part): a clause
        # holding all of them ranks above one holding all but one (coordination).  The
        # share of the typed characters in words the plan uses weighs meaning (``known``).
        units = [] if raw else [w for t in pq.positives if not t.quoted for w in self.units(t.text)]
        found = [(w, d) for w, d in ((w, self._token_docs(w)) for w in units) if d.any()]
        unit_docs = [d for _, d in found]
        known = sum(len(w) for w, _ in found) / sum(len(w) for w in units) if units else 1.0
        tier = self._tiers(sel, pq, literal_terms)
        cover = self._coverages(sel, literal_terms)
        if unit_docs:
            # A word of the staff's own that the thesaurus maps to the plan's (同行 => 专利导航,
            # 卖给外国 => 对外转让) names what the question is about: it counts twice.
            weights = [ranking.OWN_WORD_WEIGHT if self.lexicon.synonyms.get(w) and not self._lit(w).any() else 1.0
                       for w, _ in found]
            held = np.zeros(n, dtype=np.float64)
            for u, weight in zip(unit_docs, weights):
                held += weight * u[sel]
            coord = held / sum(weights)
        else:
            coord = np.zeros(n)
        # (a query word written only inside a longer word, 加盟 in 特许加盟, has no BM25)
        lexed = scored | (tier > 0) | raw | (coord > 0)
        within = rank_arrays.within_tier(bm25 / (bm25 + BM25_HALF), cover, coord)
        lex_score = np.where(lexed, tier + within, -1.0)
        order = cols.order[sel]
        # Best first, then plan order (``order``, then docnum: ``sel`` is sorted), as the
        # scalar (score, -order) sort, reversed and stable, did.
        lex_perm = rank_arrays.best_first(lex_score, order)
        lex_rank = np.zeros(n, dtype=np.int64)
        lex_rank[lex_perm] = np.arange(1, n + 1)
        lex_rank[lex_score < 0] = 0
        sem_rank = np.zeros(n, dtype=np.int64)
        if sims:
            # near-equal matches share a rank where meaning is there to order them
            lex_rank = rank_arrays.tied_ranks(lex_score, lex_rank)
            values, has = sims.dense(cols.slots)
            idx = np.flatnonzero(has[sel])
            sem_order = idx[rank_arrays.best_first(values[sel[idx]], np.zeros(len(idx), dtype=np.int32))]
            sem_rank[sem_order] = np.arange(1, len(sem_order) + 1)
        whole = pq.whole
        prefs = self.preferences
        past, goals, ahead = prefs.asks_past(whole), prefs.asks_goals(whole), prefs.asks_ahead(whole)
        asks_missed = not raw and prefs.asks_missed(whole)
        asks_definition = not raw and prefs.asks_definition(whole)
        numbers = ranking.typed_numbers(whole, prefs) if not raw else []
        refs = ranking.references(_unquoted(pq), prefs) if not raw else ranking.References()
        background = self._background(sel, past, goals, ahead)
        # Background moves below the tasks that match as well; one holding more of the query's
        # words than any task loses only part of it (农业新品种权申请了多少: the 十三五 table's
        # row 农业植物新品种权申请量 above the task naming 农业 and 品种 only).
        task_coord = float(coord[~background].max()) if (~background).any() else 0.0
        fused = rank_arrays.rrf(lex_rank, ranking.LEXICAL_WEIGHT) \
            + rank_arrays.rrf(sem_rank, ranking.semantic_weight(known, meaning_leads) if sims else 0.0)
        stated = self._stated(sel, numbers, prefs)  # the figures typed, stated here
        fused = fused + ranking.NUMBER_WEIGHT * stated
        asked = np.full(n, "", dtype=object)  # what the question asked that a clause is (its why)
        if asks_missed:
            missed = self._missed_targets()[sel]
            fused = np.where(missed, fused + ranking.MISSED_WEIGHT, fused)
            asked[missed] = "完成值未达目标值"
        if asks_definition:
            defines = self._of_kinds(sel, prefs.definition_kinds)
            fused = np.where(defines, fused + ranking.DEFINITION_WEIGHT, fused)
            asked[defines] = "解释指标的注释"
        named = self._named(refs, sel, mask=True) if refs else np.zeros(n, dtype=bool)
        fused = np.where(named, fused + ranking.REFERENCE_WEIGHT, fused)
        # (Where meaning leads, the clause it is sure of is not moved down for its kind: a
        # national plan's chapter openings say what the chapter does, 防外国间谍捣乱 → 52.p1.)
        penalty = 0.0 if meaning_leads else \
            ranking.BACKGROUND_PENALTY * np.where(coord <= task_coord, 1.0, ranking.BACKGROUND_BETTER_SHARE)
        fused = np.where(background & (stated == 0), fused - penalty, fused)
        score = tier + fused
        perm = lex_perm[rank_arrays.best_first(score[lex_perm], order[lex_perm])]  # ties: the lexical order
        # The rules above that answer what a question asks for by name (a part by number, targets
        # missed, a definition, figures, the past, goals, what is expected) stand as they are.
        ruled = raw or bool(refs) or bool(numbers) or past or goals or ahead or asks_missed or asks_definition
        if sims and not ruled and self.reranker is not None and n > 1:
            head = perm[:self.reranker.depth]
            cands = rerank.Candidates(
                fused=fused[head], cosine=np.where(has[sel[head]], values[sel[head]], np.nan),
                lexical_rank=lex_rank[head], semantic_rank=sem_rank[head], coordination=coord[head],
                coverage=cover[head], bm25=bm25[head], background=background[head], stated=stated[head],
                named=named[head], tier=tier[head], rarity_held=self._rarity_held_of(pq, sel[head]),
                length=np.array([len(self.records[int(d)]["folded"]) for d in sel[head]]),
                known=known, leads=meaning_leads)
            new = self.reranker.order(rerank.features(cands), rerank.groups(cands))
            perm = perm.copy()
            perm[:len(head)] = head[new]
            # the reported score stays monotone in the order: the head's scores, best first
            score = score.copy()
            score[head[new]] = np.sort(score[head])[::-1]
        return Ranked(sel[perm], score[perm], tier[perm], lex_rank[perm] > 0, named[perm], asked[perm])

    def _rarity_held_of(self, pq: ParsedQuery, docs: np.ndarray) -> np.ndarray:
        held = self._rarity_held(pq)
        return held[docs] if held is not None else np.zeros(len(docs))

    def _literal_mask(self, s: str) -> np.ndarray:
        """Boolean over docnums: the clause's folded text contains ``s`` (not folded here)."""
        out = np.zeros(self.columns.slots, dtype=bool)
        if s:
            out[self._literal.doc_array(s)] = True
        return out

    def _missed_targets(self) -> np.ndarray:
        """Boolean per docnum: a row of a completion table whose result fell short of its
        target (kb/indicators.py ``met``: 农产品地理标志登记 目标值 100, 完成值 54)."""
        if self._missed is None:
            docnum = {r["id"]: d for d, r in self.records.items()}
            missed = np.zeros(self.columns.slots, dtype=bool)
            for doc in self.corpus.documents:
                for table in indicator_tables(doc)["tables"]:
                    for row in table["rows"]:
                        if row.get("met") is False and row["id"] in docnum:
                            missed[docnum[row["id"]]] = True
            self._missed = missed
        return self._missed

    def _of_kinds(self, sel: np.ndarray, kinds: frozenset) -> np.ndarray:
        """Per clause of ``sel``: its kind is one of ``kinds``."""
        field = self.columns.fields["kind"]
        return np.array([v in kinds for v in field.values], dtype=bool)[field.codes[sel]]

    def _background(self, sel: np.ndarray, past: bool, goals: bool, ahead: bool) -> np.ndarray:
        """Per clause of ``sel``: background for this query (ranking's ``is_background``, asked
        once per kind and chapter role present in the index rather than once per clause)."""
        kinds, roles = self.columns.fields["kind"], self.columns.fields["role"]
        table = np.array([[self.preferences.is_background(k, r, past, goals, ahead) for r in roles.values]
                          for k in kinds.values], dtype=bool).reshape(len(kinds.values), len(roles.values))
        return table[kinds.codes[sel], roles.codes[sel]]

    def _stated(self, sel: np.ndarray, numbers: list[str], prefs) -> np.ndarray:
        """Per clause of ``sel``: the share of the typed figures it states (ranking's
        ``number_share``), asked only of the clauses holding a figure's digits; the
        clauses stating some share are remembered across queries with the literal
        matches (a one-digit figure is in thousands of clauses at a hundred plans)."""
        out = np.zeros(len(sel))
        if not numbers or not len(sel):
            return out
        key = ("stated", tuple(numbers))
        hit = self._literal_cache.get(key)
        if hit is None:
            holds = np.zeros(self.columns.slots, dtype=bool)
            for t in rank_arrays.figure_texts(numbers):
                holds |= self._literal_mask(t)
            docs = np.flatnonzero(holds)
            shares = np.fromiter((ranking.number_share(self.records[d]["folded"], numbers, prefs)
                                  for d in docs.tolist()), dtype=np.float64, count=len(docs))
            hit = _Stated(docs[shares != 0], shares[shares != 0])
            self._literal_cache.put(key, hit)
        dense = np.zeros(self.columns.slots)
        dense[hit.docs] = hit.shares
        return dense[sel]

    def _named(self, refs, docs: np.ndarray, mask: bool = False) -> np.ndarray:
        """The clauses of ``docs`` a query names by number (ranking's ``names_clause``):
        those docnums, or with ``mask`` a boolean per doc."""
        records = self.records
        hit = np.fromiter((ranking.names_clause(refs, records[d]["clause"], records[d]["folded"])
                           for d in docs.tolist()), dtype=bool, count=len(docs))
        return hit if mask else docs[hit]

    def _filters(self, document, chapter, section, box, kind, year) -> dict:
        if document is not None and document != "" and self.corpus.document(str(document)) is None:
            known = "、".join(d.id for d in self.corpus.documents) or "（无）"
            raise QueryError(f"没有编号为“{document}”的规划（现有：{known}）。")
        if kind not in (None, "") and kind not in self.columns.fields["kind"].code_of \
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


def _as_typed(unit: str, typed: str) -> list[str]:
    """An ignored unit as the pieces of it that stand in what was typed.  A unit joins single
    characters across the filler words and the commas between them (人帮着判断、做检测 gives
    人着判断检测); the note names what the user typed: 人帮着判断 and 检测.  Pieces apart only by a
    dropped filler word are one piece again; punctuation or a space parts them."""
    spans: list[tuple[int, int]] = []
    i, pos = 0, 0
    while i < len(unit):
        # the longest piece from i typed at or after pos (a shorter one is typed where a longer
        # one is: bisect, for a hostile run of a thousand characters with 的 between them)
        lo, hi = i, len(unit)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if typed.find(unit[i:mid], pos) >= 0 else (lo, mid - 1)
        j = lo
        if j == i:  # (not typed as such: folded away)
            i += 1
            continue
        start = typed.find(unit[i:j], pos)
        if spans and not _SEPARATOR.search(typed[spans[-1][1]:start]):
            spans[-1] = (spans[-1][0], start + j - i)
        else:
            spans.append((start, start + j - i))
        pos, i = start + j - i, j
    return [typed[a:b] for a, b in spans] if spans else [unit]


_SEPARATOR = re.compile(r"[\W_]")


def _clipped(word: str, most: int = IGNORED_SHOWN) -> str:
    """A run of characters the plan never prints, as the reply names it: a long one (a spoken
    sentence's words run together, 哈哈哈… pasted) is cut with an ellipsis."""
    return word if len(word) <= most else word[:most] + "…"


class Cosines:
    """A query's score with each clause that has a vector (semantic.ClauseVectors): docnums
    (the build's order) and their scores.  False when there are none (no model, no vectors)."""

    NONE: "Cosines"

    def __init__(self, docs: list[int], sims: np.ndarray):
        self.docs, self.sims = docs, sims

    def __bool__(self) -> bool:
        return len(self.docs) > 0

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.docs, self.sims.tolist()))

    def standout(self, plan_of: np.ndarray) -> float:
        """How far the best clause's cosine stands above the others of its own plan, in standard
        deviations of theirs (0 where too few clauses have one).  Within one plan: other plans,
        on other subjects, would move the mean and the spread by their number and subjects, not
        by how sure the model is of this clause."""
        if len(self.docs) < STANDOUT_MIN:
            return 0.0
        codes = plan_of[np.asarray(self.docs, dtype=np.int64)]
        own = self.sims[codes == codes[int(np.argmax(self.sims))]]
        spread = float(own.std()) if len(own) >= STANDOUT_MIN else 0.0
        return (float(own.max()) - float(own.mean())) / spread if spread else 0.0

    def dense(self, slots: int):
        """(cosine per docnum, whether the docnum has one) over all ``slots`` docnums."""
        values, has = np.zeros(slots), np.zeros(slots, dtype=bool)
        docs = np.asarray(self.docs, dtype=np.int64)
        values[docs] = self.sims
        has[docs] = True
        return values, has


Cosines.NONE = Cosines([], np.zeros(0))


class _Stated:
    """The clauses stating some of a query's typed figures, and the share each states;
    weighs its number of clauses in a cache."""

    def __init__(self, docs: np.ndarray, shares: np.ndarray):
        self.docs, self.shares = docs, shares

    def __len__(self) -> int:
        return len(self.docs)


class Ranked:
    """A query's clauses best first: docnums, scores, tiers, and what the shown ones need
    for their line under the hit (found by words or only by meaning; named by number)."""

    def __init__(self, docs, scores, tiers, lexical, named, asked=None):
        self.docs, self.scores, self.tiers, self.lexical, self.named = docs, scores, tiers, lexical, named
        self.asked = asked  # per clause: what the question asked that it is (完成值未达目标值), or ""

    def __len__(self) -> int:
        return len(self.docs)

    def page(self, offset: int, limit: int) -> list[tuple[int, float, int, str, str]]:
        """[(docnum, score, tier, why, asked)] of the clauses ranked offset+1 … offset+limit."""
        out = []
        for i in range(offset, min(offset + limit, len(self.docs))):
            tier = int(self.tiers[i])
            why = "semantic" if not self.lexical[i] else ("literal" if tier else "words")
            if self.named[i] and not tier:
                why = "reference"
            asked = self.asked[i] if self.asked is not None else ""
            out.append((int(self.docs[i]), float(self.scores[i]), tier, why, asked))
        return out


def _asked(hit: dict, asked: str) -> dict:
    """The line under a hit, with what the question asked that the clause is: 含“指标”；完成值未达目标值."""
    if asked:
        hit["why"] = f"{hit['why']}；{asked}"
    return hit


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
