"""Search filters and facets as small value objects (Datasette's shape).

The search library returns raw facet counts; the page needs, for every value, its
count, whether it is selected, and the URL that toggles it. Computing that here keeps
the template a loop and the JSON twin untouched.
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.model import KINDS

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


def _items(raw) -> list[tuple[str, str | None, int]]:
    """Accept {value: count}, [{"value","count","label"?}] or [[value, count]]."""
    out = []
    if isinstance(raw, dict):
        for v, c in raw.items():
            if isinstance(c, dict):
                out.append((str(v), c.get("label"), int(c.get("count", 0))))
            else:
                out.append((str(v), None, int(c)))
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                out.append((str(item.get("value")), item.get("label"), int(item.get("count", 0))))
            elif isinstance(item, (list, tuple)) and len(item) >= 2:
                out.append((str(item[0]), None, int(item[1])))
    return out


def default_label(name: str, value: str) -> str:
    if name == "kind":
        return KINDS.get(value, value)
    if name == "chapter":
        from webapp.citation import cn_number

        return f"第{cn_number(int(value))}章" if value.isdigit() else value
    if name == "section":
        from webapp.citation import cn_number

        return f"第{cn_number(int(value))}节" if value.isdigit() else value
    if name == "box":
        return f"专栏{value}"
    if name == "year":
        return f"{value}年"
    return value


def build_facets(raw_facets: dict, selected: dict, url_with) -> list[Facet]:
    """``url_with(**changes)`` makes a URL from the current one; offsets reset on toggle."""
    facets = []
    for name in FILTERS:
        if name not in (raw_facets or {}):
            continue
        values = []
        current = selected.get(name)
        for value, label, count in _items(raw_facets[name]):
            is_sel = current is not None and str(current) == value
            changes = {name: None if is_sel else value, "page": None}
            if name == "chapter" and not is_sel:
                changes["section"] = None  # a section number means nothing in another chapter
            values.append(FacetValue(value, label or default_label(name, value), count,
                                     is_sel, url_with(**changes)))
        if values:
            facets.append(Facet(name, FACET_TITLES.get(name, name), values))
    return facets
