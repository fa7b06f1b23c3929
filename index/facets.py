"""Facet counts as small value objects, Datasette style.

Each facet dimension is counted over the hits that match the query and every
*other* active filter, so a user can see how many hits switching to another
chapter would give without first clearing the current one.  ``toggle`` is the
change to the filter parameters that selecting (or clearing) the value makes.

Counting runs over the index's columns (index/columns.py): a query's hits are an
array of docnums, each active filter is tested once for all of them, and each facet's
values are counted with array operations.  ``record_matches`` is the definition for
one record (the columns agree with it; tests check both).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from kb.model import KIND_GROUP_LABELS, KIND_GROUPS, KINDS, kinds_selected
from kb.numerals import to_chinese as cn_number

from index.columns import Columns

FILTERS = ("document", "chapter", "section", "box", "kind", "year")


@dataclass
class FacetValue:
    value: object
    label: str
    count: int
    selected: bool = False
    toggle: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        # what dataclasses.asdict gives, without its deep copy (a third of facet time)
        return {"value": self.value, "label": self.label, "count": self.count,
                "selected": self.selected, "toggle": dict(self.toggle)}


# Choosing a value of one facet clears these others (a section number means nothing in
# another chapter), so its counts must not be narrowed by them either: a count is what
# clicking the value shows.
RESETS = {"chapter": {"section"}, "document": {"chapter", "section", "box"}}


def record_matches(rec: dict, filters: dict, skip=None) -> bool:
    """Does an index record pass the active filters (all but those in ``skip``)?"""
    skip = {skip} if isinstance(skip, str) else set(skip or ())
    for name, want in filters.items():
        if want is None or name in skip:
            continue
        if name == "year":
            if want not in rec["years"]:
                return False
        elif name == "kind":
            if rec["kind"] not in kinds_selected(want):
                return False
        elif rec[name] != want:
            return False
    return True


def _labels(corpus, name: str, value, filters: dict) -> str:
    docs = corpus.documents if corpus is not None else []
    doc = None
    if filters.get("document") and corpus is not None:
        doc = corpus.document(filters["document"])
    elif len(docs) == 1:
        doc = docs[0]
    if name == "document":
        d = corpus.document(value) if corpus is not None else None
        return d.title if d else str(value)
    if name == "kind":
        return KIND_GROUP_LABELS.get(value) or KINDS.get(value, value)
    if name == "year":
        return f"{value}年"
    if name == "chapter":
        ch = doc.chapter(value) if doc else None
        return ch.heading if ch else f"第{cn_number(value)}章"
    if name == "section":
        chapter, section = value
        ch = doc.chapter(chapter) if doc else None
        sec = next((s for s in ch.sections if s.number == section), None) if ch else None
        prefix = f"第{cn_number(chapter)}章\u3000"
        return prefix + (sec.heading if sec else f"第{cn_number(section)}节")
    if name == "box":
        box = doc.box(value) if doc else None
        return box.heading if box else f"专栏{value}"
    return str(value)


def _sort_key(name: str, value):
    if name == "box":
        return tuple(int(p) if p.isdigit() else 0 for p in str(value).split("-"))
    if name == "kind":
        keys = list(KINDS)
        return keys.index(value) if value in keys else len(keys)
    return value


def _group_kinds(kind: str) -> list[str]:
    return [g for g, kinds in KIND_GROUPS.items() if kind in kinds and g != kind]


def _first_counts(codes: np.ndarray, size: int) -> list[tuple[int, int]]:
    """(code, count) of each code in ``codes`` (all below ``size``), in the order the codes
    first occur: what a ``Counter`` over the records in plan order holds, so values the
    facet sort ranks equal stay in that order."""
    if not len(codes):
        return []
    counts = np.bincount(codes, minlength=size)
    first = np.full(size, len(codes))
    np.minimum.at(first, codes, np.arange(len(codes)))
    present = np.flatnonzero(counts)
    present = present[np.argsort(first[present])]  # (first positions are distinct)
    return list(zip(present.tolist(), counts[present].tolist()))


def count_values(columns: Columns, docs: np.ndarray, filters: dict) -> dict[str, Counter]:
    """Per facet, its values' counts over ``docs`` (docnums in plan order) passing every
    *other* active filter (and those its choice resets).  Each active filter is tested
    once for all docs (index/columns.py); each facet then counts its eligible docs with
    array operations, not a Python loop per record per facet."""
    active = [(n, filters[n]) for n in FILTERS if filters.get(n) is not None]
    passed = {n: columns.passes(docs, n, want) for n, want in active}
    counts: dict[str, Counter] = {}
    for name in FILTERS:
        skip = {name} | RESETS.get(name, set())
        keep = None
        for n, _ in active:
            if n not in skip:
                keep = passed[n] if keep is None else keep & passed[n]
        eligible = docs if keep is None else docs[keep]
        counts[name] = _count(columns, name, eligible)
    return counts


def _count(columns: Columns, name: str, docs: np.ndarray) -> Counter:
    if name == "year":
        return Counter(columns.year_counts(docs))
    if name == "section":
        chapter, section = columns.fields["chapter"], columns.fields["section"]
        sec = section.codes[docs]
        has = sec != section.none
        width = len(section.values)
        pair = chapter.codes[docs][has].astype(np.int64) * width + sec[has]
        return Counter({(chapter.values[p // width], section.values[p % width]): n
                        for p, n in _first_counts(pair, len(chapter.values) * width)})
    col = columns.fields[name]
    values = Counter({col.values[c]: n for c, n in _first_counts(col.codes[docs], len(col.values))
                      if c != col.none})
    if name == "kind":
        out = Counter(values)
        for k, n in values.items():
            for g in _group_kinds(k):
                out[g] += n
        return out
    return values


def facet_counts(columns: Columns, docs: np.ndarray, filters: dict, corpus=None) -> dict[str, list[dict]]:
    """``docs``: every hit of the query before filtering (docnums in plan order)."""
    out: dict[str, list[dict]] = {}
    all_counts = count_values(columns, docs, filters)
    for name in FILTERS:
        counts = all_counts[name]
        selected_value = filters.get(name)
        values = []
        if name == "section":
            # Section numbers restart in every chapter: offer them only inside one
            # chapter (the selected one, or the only one the hits fall in), so a
            # value never means "section 2 of any chapter".
            chapters = {c for c, _ in counts}
            only = filters.get("chapter") if filters.get("chapter") is not None else \
                (next(iter(chapters)) if len(chapters) == 1 else None)
            counts = Counter({k: v for k, v in counts.items() if k[0] == only}) if only is not None \
                else Counter()
        for value in sorted(counts, key=lambda v: _sort_key(name, v)):
            if name == "section":
                chapter, section = value
                selected = selected_value == section and filters.get("chapter") in (None, chapter)
                toggle = {"section": None} if selected else {"chapter": chapter, "section": section}
                fv = FacetValue(section, _labels(corpus, name, value, filters), counts[value],
                                selected, toggle)
            else:
                selected = selected_value == value
                toggle = {name: None if selected else value}
                if name == "chapter":
                    toggle["section"] = None
                if name == "document":
                    toggle.update({"chapter": None, "section": None, "box": None})
                fv = FacetValue(value, _labels(corpus, name, value, filters), counts[value],
                                selected, toggle)
            values.append(fv.to_json())
        if selected_value is not None and not any(v["selected"] for v in values):
            # Keep a selected value visible (count 0) so it can be cleared.
            values.insert(0, FacetValue(selected_value, str(selected_value), 0, True,
                                        {name: None}).to_json())
        out[name] = values
    return out
