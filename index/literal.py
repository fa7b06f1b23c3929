"""Literal ("Ctrl+F") matching in memory, from the folded clause texts.

Staff expect every clause that contains what they typed, character for character
(after folding: full-width forms, quotes, spaces from a PDF line break).  That
used to be two n-gram fields of the whoosh index (character pairs with positions,
and single characters): most of its postings and most of its build time, for a
question a substring test answers exactly.

Here the folded texts of one open index are turned, at open, into two compact
inverted maps held in numpy arrays: character → clauses and character pair →
clauses (a few MB at 100 plans, a fraction of a second to make).  A string is
looked up by intersecting the clause lists of its rarest pairs, and every
candidate is confirmed by ``s in folded``: the answer is exactly the clauses
whose folded text contains ``s``, as a brute-force scan would give, without
scanning.  No folded text or query holds whitespace (``fold`` drops it), so
joining the texts with a line break can never make a match across two clauses.
"""
from __future__ import annotations

import numpy as np

from index.cache import BoundedCache

SEP = "\n"  # never inside a folded text or a folded query
_SEP_CP = ord(SEP)
_SHIFT = np.uint64(21)  # code points fit in 21 bits: a pair is one 42-bit code
INTERSECT = 3  # candidate lists intersected before the substring check
ROWS_CACHE_BUDGET = 100_000  # clause positions remembered across queries (int32 each)


def _distinct(a):
    """Sorted distinct values (np.unique's hashing path is many times slower here)."""
    a = np.sort(a)
    return a[np.diff(a, prepend=a[:1] + np.uint64(1)) != 0] if len(a) else a


class _Postings:
    """Sorted codes, each with a run of clause positions (int32) in one flat array."""

    def __init__(self, codes, rows, n: int):
        keys = _distinct(codes * np.uint64(n) + rows.astype(np.uint64))
        code_of = keys // np.uint64(n)
        self.rows = (keys % np.uint64(n)).astype(np.int32)
        first = np.flatnonzero(np.diff(code_of, prepend=code_of[:1] + np.uint64(1)) != 0) \
            if len(code_of) else np.zeros(0, np.int64)
        self.codes = code_of[first]
        self.starts = first
        self.ends = np.append(first[1:], len(self.rows))

    def get(self, code: int):
        i = int(self.codes.searchsorted(np.uint64(code)))  # (a Python int would cast the array)
        if i >= len(self.codes) or int(self.codes[i]) != code:
            return self.rows[:0]
        return self.rows[self.starts[i]:self.ends[i]]

    @property
    def nbytes(self) -> int:
        return self.rows.nbytes + self.codes.nbytes + self.starts.nbytes + self.ends.nbytes


class LiteralIndex:
    """Which clauses contain a folded string.  ``texts``: docnum → folded text."""

    def __init__(self, texts: dict[int, str]):
        self.docnums = sorted(texts)
        self._docnum_array = np.array(self.docnums, dtype=np.int64)
        self._slots = (self.docnums[-1] + 1) if self.docnums else 0
        self._rows_cache = BoundedCache(ROWS_CACHE_BUDGET)
        self._texts = [texts[d] for d in self.docnums]
        n = max(1, len(self.docnums))
        joined = SEP.join(self._texts)
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lengths = np.fromiter((len(t) + 1 for t in self._texts), dtype=np.int64, count=len(self._texts))
        row = np.repeat(np.arange(len(self._texts), dtype=np.int64), lengths)[:len(cps)]
        real = cps != _SEP_CP
        self._chars = _Postings(cps[real], row[real], n)
        pair = real[:-1] & real[1:]
        self._pairs = _Postings(((cps[:-1] << _SHIFT) | cps[1:])[pair], row[:-1][pair], n)

    @property
    def nbytes(self) -> int:
        return self._chars.nbytes + self._pairs.nbytes

    def _pair_rows(self, s: str):
        return [self._pairs.get((ord(a) << 21) | ord(b)) for a, b in {s[i:i + 2] for i in range(len(s) - 1)}]

    def find(self, s: str) -> frozenset[int]:
        """Docnums whose folded text contains the folded string ``s``."""
        if not s:
            return frozenset()
        docnums = self.docnums
        return frozenset(docnums[r] for r in self.rows(s).tolist())

    def doc_array(self, s: str):
        """Docnums (sorted, int64) whose folded text contains ``s``: :meth:`find` as an array."""
        if not s:
            return self._docnum_array[:0]
        return self._docnum_array[self.rows(s)]

    def rows(self, s: str):
        """Positions (in ``docnums``) of the clauses containing ``s``, sorted; remembered."""
        hit = self._rows_cache.get(s)
        if hit is None:
            hit = self._rows(s)
            self._rows_cache.put(s, hit)
        return hit

    def _rows(self, s: str):
        if len(s) == 1:
            rows = self._chars.get(ord(s))
        else:
            lists = sorted(self._pair_rows(s), key=len)
            rows = lists[0]
            for other in lists[1:INTERSECT]:
                if not len(rows):
                    break
                rows = np.intersect1d(rows, other, assume_unique=True)
        if len(s) > 2:
            texts = self._texts
            rows = np.array([r for r in rows.tolist() if s in texts[r]], dtype=np.int32)
        # (a character or a pair: its list is the answer)
        return rows

    def longest_runs(self, s: str, budget: int | None = None):
        """Per clause position, the length of the longest substring of ``s`` its text holds;
        None when that takes more than ``budget`` look-ups.

        From each start i, a run is extended while some clause still holds it (a clause
        holding s[i:i+k] holds s[i:i+k-1]): as many look-ups as the runs are long, each
        remembered, for every clause at once instead of a substring search per clause.
        A string the plans hold at length (a pasted sentence) takes about len(s)²/2."""
        got = self._runs(s, budget)
        return None if got is None else got[0]

    def _runs(self, s: str, budget: int | None):
        """(:meth:`longest_runs`, the look-ups it took), or None past ``budget`` look-ups."""
        found = []
        n = len(s)
        looked = 0
        for i in range(n):
            for k in range(1, n - i + 1):
                looked += 1
                if budget is not None and looked > budget:
                    return None
                rows = self.rows(s[i:i + k])
                if not len(rows):
                    break
                found.append((k, rows))
        run = np.zeros(len(self.docnums), dtype=np.int32)
        for k, rows in sorted(found, key=lambda f: f[0]):  # longer runs written last: the max
            run[rows] = k
        return run, looked

    def coverage(self, groups: list[list[str]], budget: int | None = None):
        """Indexed by docnum: the mean over ``groups`` of the best share of one of its
        strings found unbroken in the clause (longest run / length); None when the look-ups
        (:meth:`longest_runs`) would pass ``budget``."""
        total = np.zeros(len(self.docnums))
        for alts in groups:
            best = np.zeros(len(self.docnums))
            for a in alts:
                if a:
                    got = self._runs(a, budget)
                    if got is None:
                        return None
                    run, looked = got
                    if budget is not None:
                        budget -= looked
                    np.maximum(best, run / len(a), out=best)
            total += best
        out = np.zeros(self._slots)
        if groups:
            out[self._docnum_array] = total / len(groups)
        return out

    def holding(self, strings) -> np.ndarray:
        """Indexed by docnum: how many of the distinct ``strings`` each clause contains."""
        found = [self.rows(t) for t in set(strings) if t]
        counts = np.bincount(np.concatenate(found), minlength=len(self.docnums)) if found \
            else np.zeros(len(self.docnums), dtype=np.int64)
        out = np.zeros(self._slots, dtype=np.int64)
        out[self._docnum_array] = counts
        return out

    def sharing_pairs(self, s: str, share: float) -> set[int]:
        """Docnums holding at least ``share`` of the distinct character pairs of ``s``
        (a pasted paragraph's candidates for a closer look)."""
        lists = self._pair_rows(s)
        if not lists:
            return set()
        counts = np.bincount(np.concatenate(lists), minlength=len(self.docnums))
        need = max(1, int(len(lists) * share))
        docnums = self.docnums
        return {docnums[r] for r in np.flatnonzero(counts >= need).tolist()}
