"""Indicator rows for the graph, read through ``kb.indicators`` (the table parser).

This module only adapts that parser's output to graph nodes: which table is the plan's own
main-indicator table and which the previous plan's completion table (kept as history),
and unit arithmetic for comparing a number in the text with one in a table.
"""
from __future__ import annotations

import re
from typing import Optional

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


def _parsed(row: dict, *keys) -> Optional[dict]:
    for k in keys:
        v = row.get(k)
        if isinstance(v, dict) and v.get("value") is not None:
            return v
    return None


def _tables(doc: Document) -> list[dict]:
    try:
        from kb.indicators import indicator_tables
    except ImportError:
        indicator_tables = None
    if indicator_tables is not None:
        return list((indicator_tables(doc) or {}).get("tables") or [])
    # no parser yet: names and units only, values unknown
    out = []
    for t in doc.tables:
        name_col = next((c for c in t.columns if "指标" in c), None)
        if not name_col:
            continue
        unit_col = next((c for c in t.columns if "单位" in c or "単位" in c), None)
        rows = [{"number": i + 1, "name": r.get(name_col, ""), "unit": r.get(unit_col, "") if unit_col else ""}
                for i, r in enumerate(t.rows)]
        out.append({"title": t.title, "columns": t.columns, "rows": rows, "notes": t.notes,
                    "number": t.number})
    return out


def _match_table(doc: Document, itable: dict, i: int):
    n = itable.get("number") or itable.get("table")
    if n is not None:
        t = next((t for t in doc.tables if t.number == n), None)
        if t:
            return t
    title = itable.get("title") or ""
    for t in doc.tables:
        if title and t.title == title:
            return t
    tables = [t for t in doc.tables if any("指标" in c for c in t.columns)] or doc.tables
    return tables[i] if i < len(tables) else None


def indicator_rows(doc: Document) -> list[dict]:
    """Every row of the indicator tables as a plain dict the graph turns into a node."""
    start, end = doc.period
    out = []
    for i, it in enumerate(_tables(doc)):
        table = _match_table(doc, it, i)
        rows = it.get("rows") or []
        current = any("base" in r for r in rows) or bool(end and str(end) in "".join(it.get("columns") or []))
        for j, r in enumerate(rows):
            if r.get("id"):
                clause = str(r["id"])
                tno = table.number if table else i + 1
            elif table is not None and j < len(table.rows) and j < len(table.clauses):
                clause = table.clauses[j]
                tno = table.number
            else:
                tno = table.number if table else i + 1
                clause = f"{doc.id}:t{tno}.r{j + 1}"
            base = _parsed(r, "base")
            target = _parsed(r, "target", "goal")
            result = _parsed(r, "actual", "result", "completed", "done", "value") if not current else None
            inc = any(bool(p and p.get("increment")) for p in (base, target))
            comparator = (target or {}).get("comparator") or ""
            out.append({
                "id": f"indicator:{clause}", "clause": clause, "document": doc.id, "table": tno,
                "table_title": it.get("title") or (table.title if table else ""),
                "number": r.get("number", j + 1), "category": r.get("category") or "",
                "name": (r.get("name") or "").replace(" ", ""), "unit": (r.get("unit") or "").replace(" ", ""),
                "base": base, "target": target, "result": result,
                "met": r.get("met"), "attribute": r.get("attribute") or r.get("属性") or "",
                "increment": inc, "comparator": comparator, "history": not current,
                "base_year": start - 1 if (current and start) else None,
                "target_year": end if current else (start - 1 if start else None),
            })
    return out
