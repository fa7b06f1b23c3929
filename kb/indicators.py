"""Indicator tables read as data: cells as printed plus the numbers in them.

Plans print targets as ``≥3000``, ``(2500)`` (a bracketed value counts what is added
over the plan period), ``13.5`` or two values in one cell (``(907.6)、(3765)`` in
``亿元、项``). Columns are recognised by their header words, so the same code reads a
national, provincial or city plan's tables.
"""
from __future__ import annotations

import re
from typing import Optional

from kb.model import Document, Table

COLUMN_ROLES = {
    "number": ("序号",),
    "category": ("分类", "类别", "领域"),
    "name": ("指标",),
    "unit": ("单位",),
    "base": ("基期", "基准"),
    "target": ("目标值", "规划值", "目标"),
    "result": ("完成值", "实际值", "完成情况", "实现值"),
    "attribute": ("属性", "性质"),
}

_NUM = re.compile(r"(?P<open>[(（])?\s*(?P<cmp>≥|≤|>|<|＞|＜)?\s*(?P<val>-?\d+(?:\.\d+)?)\s*(?P<close>[)）])?")


def column_roles(columns: list[str], period: dict | None = None) -> dict[str, str]:
    """role → column name. Earlier roles win a column (序号 before 指标…). Year columns
    are read against the plan's own period: the year before it starts is the base, its
    last year the target (a 十三五 plan's 2020年 is a target, a 十四五 plan's a base)."""
    roles: dict[str, str] = {}
    taken = set()
    years = {}
    if period and period.get("start") and period.get("end"):
        years = {"base": (str(period["start"] - 1),), "target": (str(period["end"]),)}
    for col in columns:
        for role, ys in years.items():
            if role not in roles and any(y in col for y in ys):
                roles[role] = col
                taken.add(col)
    for role, words in COLUMN_ROLES.items():
        if role in roles:
            continue
        for col in columns:
            if col not in taken and any(w in col for w in words):
                roles[role] = col
                taken.add(col)
                break
    return roles


def parse_cell(text: str, unit: str = "") -> Optional[dict]:
    """``≥3000`` → value 3000, comparator ≥; ``(2500)`` → value 2500, increment."""
    text = (text or "").strip()
    if not text:
        return None
    units = [u for u in re.split(r"[、,，/]", unit)] if unit and "、" in unit else [unit]
    values = []
    for i, m in enumerate(_NUM.finditer(text)):
        v = float(m.group("val"))
        values.append({
            "value": int(v) if v.is_integer() and "." not in m.group("val") else v,
            "comparator": {"＞": ">", "＜": "<"}.get(m.group("cmp"), m.group("cmp")) or "=",
            "increment": bool(m.group("open") and m.group("close")),
            "unit": units[i] if i < len(units) else units[-1],
        })
    if not values:
        return {"text": text, "value": None, "comparator": None, "increment": False, "values": []}
    first = values[0]
    return {"text": text, "value": first["value"], "comparator": first["comparator"],
            "increment": first["increment"], "values": values}


def _met(target: Optional[dict], result: Optional[dict]) -> Optional[bool]:
    if not target or not result or target["value"] is None or result["value"] is None:
        return None
    t, r = target["value"], result["value"]
    cmp = target["comparator"]
    if cmp in ("≤", "<"):
        return r <= t if cmp == "≤" else r < t
    return r >= t if cmp in ("=", "≥") else r > t


def table_rows(table: Table, period: dict | None = None) -> list[dict]:
    roles = column_roles(table.columns, period)
    rows = []
    for i, cells in enumerate(table.rows):
        get = lambda role: cells.get(roles[role], "") if role in roles else ""  # noqa: E731
        unit = get("unit")
        num = get("number")
        row = {
            "id": table.clauses[i] if i < len(table.clauses) else None,
            "number": int(num) if num.isdigit() else (i + 1),
            "category": get("category"),
            "name": get("name"),
            "unit": unit,
            "cells": dict(cells),
            "attribute": get("attribute") or None,
        }
        for role in ("base", "target", "result"):
            if role in roles:
                row[role] = parse_cell(get(role), unit)
        if "result" in roles:
            row["met"] = _met(row.get("target"), row.get("result"))
        rows.append(row)
    return rows


def indicator_tables(doc: Document) -> dict:
    """The ``plankb indicators --json`` contract: tables with columns, rows, notes."""
    out = []
    for t in doc.tables:
        period = doc.meta.get("period") if isinstance(doc.meta.get("period"), dict) else None
        roles = column_roles(t.columns, period)
        out.append({
            "document": doc.id,
            "number": t.number,
            "id": f"{doc.id}:t{t.number}",
            "title": t.title,
            "columns": t.columns,
            "roles": roles,
            "kind": "completion" if "result" in roles else "plan",
            "chapter": t.chapter,
            "section": t.section,
            "source_lines": list(t.source_lines),
            "rows": table_rows(t, period),
            "notes": list(t.notes),
        })
    return {"tables": out}
