"""Regions named in a text (cities, zones, areas), from the gazetteer.

Longest match wins and matches do not overlap: 中新广州知识城 is one zone, not 广州.
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.extract.gazetteer import CACHE_BOUND, Gazetteer, name_matcher


@dataclass(frozen=True)
class RegionMention:
    name: str     # canonical
    surface: str  # as written
    kind: str
    start: int
    end: int


_RE_CACHE: dict[int, tuple] = {}


def _matcher(g: Gazetteer):
    hit = _RE_CACHE.get(id(g))
    if hit and hit[0] is g.regions:
        return hit[1], hit[2]
    rx, forms = name_matcher(g.regions)
    if len(_RE_CACHE) > CACHE_BOUND:
        _RE_CACHE.clear()
    _RE_CACHE[id(g)] = (g.regions, rx, forms)
    return rx, forms


def find_regions(text: str, gazetteer: Gazetteer) -> list[RegionMention]:
    rx, forms = _matcher(gazetteer)
    if rx is None:
        return []
    out = []
    for m in rx.finditer(text):
        e = forms[m.group()]
        out.append(RegionMention(e.name, m.group(), e.kind, m.start(), m.end()))
    return out
