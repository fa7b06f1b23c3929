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

SEP = "\n"  # never inside a folded text or a folded query
_SEP_CP = ord(SEP)
_SHIFT = np.uint64(21)  # code points fit in 21 bits: a pair is one 42-bit code
INTERSECT = 3  # candidate lists intersected before the substring check


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
        i = int(np.searchsorted(self.codes, code))
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
            rows = [r for r in rows.tolist() if s in texts[r]]
        else:
            rows = rows.tolist()  # a character or a pair: its list is the answer
        docnums = self.docnums
        return frozenset(docnums[r] for r in rows)

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
