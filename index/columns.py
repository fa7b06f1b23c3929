"""The index records' fields as numpy columns, made once when an index opens.

A query matching a few thousand clauses (知识产权 at a hundred plans: 3,800) used to
cost ~10 µs of Python per match: reading each record's dict to filter it, count its
facets and rank it.  Here every field a filter, a facet or the ranking reads is one
compact array indexed by docnum (int32 codes into a small list of distinct values;
a clause's deadline years as the code of its set of years), so that work is a handful of array
operations per query, however many clauses match.  At 100 plans the columns weigh a
few hundred KB.

Codes are given in sorted value order (``None`` first), so sorting by a code sorts by
the value (the listing's plan order needs that for ``document``).
"""
from __future__ import annotations

import numpy as np

from kb.model import kinds_selected

# The fields stored as codes: the filters' fields, and the chapter role the ranking reads.
CODED = ("document", "chapter", "section", "box", "kind", "role")


def _value_key(v):
    """Sort key for one field's distinct values: None first, then by value (types apart)."""
    return (v is not None, type(v).__name__, v if v is not None else 0)


class Column:
    """One field: ``codes[docnum]`` indexes ``values``; ``code_of`` maps a value back."""

    def __init__(self, per_slot: list, key=_value_key):
        self.values = sorted(set(per_slot), key=key)
        self.code_of = {v: i for i, v in enumerate(self.values)}
        self.codes = np.fromiter((self.code_of[v] for v in per_slot), dtype=np.int32, count=len(per_slot))
        self.none = self.code_of.get(None, -1)  # the code of None, -1 when every slot has a value

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes


class Columns:
    """Per-docnum arrays of an index's records.  ``records``: docnum → record dict;
    ``slots``: one past the highest docnum (docnums without a record are not ``valid``)."""

    def __init__(self, records: dict[int, dict], slots: int):
        slots = max(slots, max(records, default=-1) + 1)
        self.slots = slots
        self.valid = np.zeros(slots, dtype=bool)
        self.valid[list(records)] = True
        self.docnums = np.flatnonzero(self.valid).astype(np.int64)
        blank = {"order": 0, "years": (), **{name: None for name in CODED}}
        rows = [records.get(d, blank) for d in range(slots)]
        self.order = np.fromiter((r["order"] for r in rows), dtype=np.int32, count=slots)
        self.fields = {name: Column([r[name] for r in rows]) for name in CODED}
        # Years: each clause's set of deadline years is one code (a plan has a few dozen
        # such sets); ``year_sets[code, i]`` says whether that set holds ``years[i]``.
        self.years = sorted({y for r in rows for y in r["years"]})
        self.year_index = {y: i for i, y in enumerate(self.years)}
        sets = Column([frozenset(r["years"]) for r in rows], key=lambda v: sorted(v))
        self.year_codes = sets.codes
        self.year_sets = np.zeros((len(sets.values), len(self.years)), dtype=bool)
        for code, ys in enumerate(sets.values):
            for y in ys:
                self.year_sets[code, self.year_index[y]] = True

    @property
    def nbytes(self) -> int:
        return (self.valid.nbytes + self.docnums.nbytes + self.order.nbytes + self.year_codes.nbytes
                + self.year_sets.nbytes + sum(c.nbytes for c in self.fields.values()))

    def codes(self, name: str, docs: np.ndarray) -> np.ndarray:
        return self.fields[name].codes[docs]

    def passes(self, docs: np.ndarray, name: str, want) -> np.ndarray:
        """Boolean per doc: does it pass the filter ``name`` = ``want`` (as
        :func:`index.facets.record_matches` decides for one record)?"""
        if name == "year":
            return self.with_year(want)[docs]
        col = self.fields[name]
        if name == "kind":
            wanted = [col.code_of[k] for k in kinds_selected(want) if k in col.code_of]
            return np.isin(col.codes[docs], wanted)
        code = col.code_of.get(want)
        return col.codes[docs] == code if code is not None else np.zeros(len(docs), dtype=bool)

    def with_year(self, year) -> np.ndarray:
        """Boolean per docnum: the clause's deadline years include ``year``."""
        i = self.year_index.get(year)
        if i is None:
            return np.zeros(self.slots, dtype=bool)
        return self.year_sets[:, i][self.year_codes]

    def year_counts(self, docs: np.ndarray) -> dict:
        """{year: how many of ``docs`` have it among their deadline years}, years held by none left out."""
        per_set = np.bincount(self.year_codes[docs], minlength=len(self.year_sets))
        per_year = (per_set @ self.year_sets.astype(np.int64)).tolist() if len(self.years) else []
        return {y: n for y, n in zip(self.years, per_year) if n}

    def select(self, docs: np.ndarray, filters: dict, skip=()) -> np.ndarray:
        """The docs passing every active filter but those in ``skip``, in their order."""
        keep = None
        for name, want in filters.items():
            if want is None or name in skip:
                continue
            ok = self.passes(docs, name, want)
            keep = ok if keep is None else keep & ok
        return docs if keep is None else docs[keep]

    def mask(self, docs) -> np.ndarray:
        """A boolean array over all slots, True at ``docs`` (an array, or a set of docnums)."""
        out = np.zeros(self.slots, dtype=bool)
        if len(docs):
            out[docs if isinstance(docs, np.ndarray) else
                np.fromiter(docs, dtype=np.int64, count=len(docs))] = True
        return out

    def as_docs(self, docs) -> np.ndarray:
        """A set of docnums as a sorted int64 array (plan order, for ties), through a mask:
        no sort."""
        return np.flatnonzero(self.mask(docs))
