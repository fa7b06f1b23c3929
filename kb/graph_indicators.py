"""Indicator rows for the graph, read through ``kb.indicators`` (the table parser).

This module only adapts that parser's output to graph nodes: which table is the plan's own
main-indicator table and which the previous plan's completion table (kept as history),
and unit arithmetic for comparing a number in the text with one in a table (the text keeps
its printed figure, 35.1 with unit 万件, so magnitudes are applied only here).
"""
from __future__ import annotations

import re
from typing import Optional

from kb.indicators import indicator_tables
from kb.model import Document

_MAG = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3}


def unit_base(unit: str) -> tuple[str, float]:
    """'万件' → ('件', 1e4); '亿元、项' → ('元', 1e8); '件/年' → ('件', 1); '%' → ('%', 1)."""
    u = (unit or "").strip()
    u = re.split(r"[、，,]", u)[0]
    u = re.sub(r"/(?:年|人|次)$", "", u).replace("％", "%")
    for mag, f in _MAG.items():
        if u.startswith(mag) and len(u) > len(mag):
            return u[len(mag):], f
    return u, 1.0


def same_quantity(v1: float, u1: str, v2: float, u2: str, rel: float = 1e-6) -> Optional[bool]:
    """True/False when the units are comparable, None when they are not."""
    b1, f1 = unit_base(u1)
    b2, f2 = unit_base(u2)
    if not b1 or not b2 or b1 != b2:
        return None
    a, b = v1 * f1, v2 * f2
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-9)


def _parsed(row: dict, key: str) -> Optional[dict]:
    """A parsed cell that holds a number (a blank or textual cell is no value to compare)."""
    v = row.get(key)
    return v if isinstance(v, dict) and v.get("value") is not None else None


def indicator_rows(doc: Document) -> list[dict]:
    """Every row of the indicator tables as a plain dict the graph turns into a node."""
    start, end = doc.period
    out = []
    for table in indicator_tables(doc)["tables"]:
        rows = table["rows"]
        # the plan's own table has a base column or its end year; else it reports the last plan
        current = any("base" in r for r in rows) or bool(end and str(end) in "".join(table["columns"]))
        tno = table["number"]
        for j, r in enumerate(rows):
            clause = r["id"] or f"{doc.id}:t{tno}.r{j + 1}"
            base = _parsed(r, "base")
            target = _parsed(r, "target")
            result = _parsed(r, "result") if not current else None
            out.append({
                "id": f"indicator:{clause}", "clause": clause, "document": doc.id, "table": tno,
                "table_title": table["title"],
                "number": r["number"], "category": r["category"] or "",
                "name": (r["name"] or "").replace(" ", ""), "unit": (r["unit"] or "").replace(" ", ""),
                "base": base, "target": target, "result": result,
                "met": r.get("met"), "attribute": r["attribute"] or "",
                "increment": any(bool(p and p.get("increment")) for p in (base, target)),
                "comparator": (target or {}).get("comparator") or "", "history": not current,
                "base_year": start - 1 if (current and start) else None,
                "target_year": end if current else (start - 1 if start else None),
            })
    return out
