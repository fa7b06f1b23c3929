"""Search facets as small value objects with a toggle URL (Datasette's shape).

The search library returns, per facet value, its label, count, whether it is selected
and ``toggle``: the parameter changes that switch it on or off (choosing a chapter
clears the section, and so on). The page only needs those changes turned into a URL
on the current query, with paging reset; the JSON twin keeps the library's form.
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.model import KINDS
from kb.numerals import to_chinese

FACET_TITLES = {"document": "规划", "chapter": "章", "section": "节", "box": "专栏",
                "kind": "类型", "year": "年份"}
FILTERS = ("document", "chapter", "section", "box", "kind", "year")


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


@dataclass
class Facet:
    name: str
    title: str
    values: list[FacetValue]


def default_label(name: str, value: str) -> str:
    if name == "kind":
        return KINDS.get(value, value)
    if name in ("chapter", "section") and value.isdigit():
        return f"第{to_chinese(int(value))}{'章' if name == 'chapter' else '节'}"
    if name == "box":
        return f"专栏{value}"
    if name == "year":
        return f"{value}年"
    return value


def build_facets(raw_facets: dict, url_with, total: int | None = None) -> list[Facet]:
    """``url_with(**changes)`` makes a URL from the current one (None drops a parameter).

    The plan facet with one unselected value covering every hit (a corpus of one plan)
    narrows nothing; given ``total`` it is left off the page to keep the column short.
    Other one-value facets stay: choosing the only chapter is how its sections appear.
    The JSON twin carries every facet."""
    facets = []
    for name in FILTERS:
        values = []
        for item in (raw_facets or {}).get(name) or []:
            value = "" if item.get("value") is None else str(item["value"])
            toggle = dict(item.get("toggle") or {name: None if item.get("selected") else value})
            toggle["page"] = None
            values.append(FacetValue(value, item.get("label") or default_label(name, value),
                                     int(item.get("count", 0)), bool(item.get("selected")),
                                     url_with(**toggle)))
        if name == "document" and total is not None and len(values) == 1 and not values[0].selected \
                and values[0].count >= total:
            continue
        if values:
            facets.append(Facet(name, FACET_TITLES.get(name, name), values))
    return facets
