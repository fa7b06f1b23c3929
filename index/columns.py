"""The index records' fields as numpy columns, made once when an index opens.

A query matching a few thousand clauses (知识产权 at a hundred plans: 3,800) used to
cost ~10 µs of Python per match: reading each record's dict to filter it, count its
facets and rank it.  Here every field a filter, a facet or the ranking reads is one
compact array indexed by docnum (int32 codes into a small list of distinct values;
years as a clause × year matrix of booleans), so that work is a handful of array
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

    def __init__(self, per_slot: list):
        self.values = sorted(set(per_slot), key=_value_key)
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
        self.years = sorted({y for r in rows for y in r["years"]})
        self.year_index = {y: i for i, y in enumerate(self.years)}
        self.year_matrix = np.zeros((slots, len(self.years)), dtype=bool)
        for d, r in enumerate(rows):
            for y in r["years"]:
                self.year_matrix[d, self.year_index[y]] = True

    @property
    def nbytes(self) -> int:
        return (self.valid.nbytes + self.docnums.nbytes + self.order.nbytes + self.year_matrix.nbytes
                + sum(c.nbytes for c in self.fields.values()))

    def codes(self, name: str, docs: np.ndarray) -> np.ndarray:
        return self.fields[name].codes[docs]

    def passes(self, docs: np.ndarray, name: str, want) -> np.ndarray:
        """Boolean per doc: does it pass the filter ``name`` = ``want`` (as
        :func:`index.facets.record_matches` decides for one record)?"""
        if name == "year":
            i = self.year_index.get(want)
            return self.year_matrix[docs, i] if i is not None else np.zeros(len(docs), dtype=bool)
        col = self.fields[name]
        if name == "kind":
            wanted = [col.code_of[k] for k in kinds_selected(want) if k in col.code_of]
            return np.isin(col.codes[docs], wanted)
        code = col.code_of.get(want)
        return col.codes[docs] == code if code is not None else np.zeros(len(docs), dtype=bool)

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
        """A boolean array over all slots, True at ``docs``."""
        out = np.zeros(self.slots, dtype=bool)
        if len(docs):
            out[docs] = True
        return out


def as_docs(docs) -> np.ndarray:
    """A set (or any iterable) of docnums as a sorted int64 array: plan order for ties."""
    if isinstance(docs, np.ndarray):
        return np.sort(docs.astype(np.int64, copy=False))
    arr = np.fromiter(docs, dtype=np.int64, count=len(docs)) if hasattr(docs, "__len__") \
        else np.fromiter(docs, dtype=np.int64)
    arr.sort()
    return arr
