"""What can be tracked: a plan's main indicators and the quantitative targets in its text.

One :class:`Measure` per figure the plan asks for. Ids are the ones staff already see:
an indicator row's id from ``plankb indicators --json`` (``gd-ip-14fyp:t2.r9``), a
target's id from ``plankb targets --json`` (``target:gd-ip-14fyp:box5.p1.t2``). A row
that asks for two figures in one cell (``(2500)、(5000)`` in ``亿元、项``) gives two
measures: the row id names the first, ``<row id>.m2`` the second, so every row id
from ``plankb indicators`` is one a value can be entered for.

A completion table (the previous plan's 目标值 and 完成值) is read too, as history, with
the previous period of the same length (a 十四五 plan's 十三五 table covers 2016–2020)
and its 完成值 as the value of that period's last year: that is how the status rules
are checked against the plan's own judgement.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from kb.indicators import indicator_tables
from office.tracking.rules import Goal

MEASURE_SUFFIX = ".m"


@dataclass
class Measure:
    id: str
    kind: str                      # "indicator" or "target"
    document: str
    name: str
    unit: str
    goal: Goal
    category: str = ""
    number: int = 0                # 序号 in its table, or the order in the text
    base_text: str = ""            # as printed
    target_text: str = ""          # as printed
    attribute: str = ""            # 预期性 / 约束性
    clause: str = ""               # the clause that states it
    table: str = ""                # the table id for an indicator
    history: bool = False          # a completion table of the previous plan
    result_text: str = ""          # 完成值 as printed (completion tables)
    result: Optional[Decimal] = None  # 完成值 as a number
    linked: Optional[str] = None   # the indicator a text target restates (shares its values)
    period: tuple[Optional[int], Optional[int]] = (None, None)
    years: list[int] = field(default_factory=list)
    row_name: str = ""             # the table row's name as printed (both figures' names)

    @property
    def quantitative(self) -> bool:
        return self.goal.value is not None


def _dec(v) -> Optional[Decimal]:
    if v is None or isinstance(v, bool):
        return None
    return Decimal(str(v))


def plan_period(doc) -> tuple[Optional[int], Optional[int]]:
    p = doc.meta.get("period") if isinstance(doc.meta.get("period"), dict) else {}
    return p.get("start"), p.get("end")


def _previous(period):
    start, end = period
    if start is None or end is None:
        return (None, None)
    n = end - start + 1
    return (start - n, start - 1)


def _part_names(name: str, n: int) -> list[str]:
    """知识产权质押融资登记金额、项目数 → 知识产权质押融资登记金额, 知识产权质押融资项目数:
    a short later part (four characters at most) names the same thing's other figure, so
    it takes the first part's head — the first part less its last len(part)+1 characters
    (登记金额 for 项目数). A longer part is a name of its own and is kept as printed."""
    parts = [p for p in re.split(r"[、，,]", name) if p]
    if len(parts) != n:
        return [name] + [f"{name}（{i}）" for i in range(2, n + 1)]
    out = [parts[0]]
    for p in parts[1:]:
        head = parts[0][: max(0, len(parts[0]) - len(p) - 1)] if len(p) <= 4 else ""
        out.append(head + p)
    return out


def _cell_parts(cell: Optional[dict], i: int) -> Optional[dict]:
    if not cell or not cell.get("values"):
        return None
    vals = cell["values"]
    return vals[i] if i < len(vals) else None


def _cell_text(text: str, i: int, n: int) -> str:
    if n == 1:
        return text
    parts = re.split(r"[、，,]", text or "")
    return parts[i] if i < len(parts) else ""


def indicator_measures(corpus) -> list[Measure]:
    """Every row of every indicator table; the plan tables first, then history."""
    out = []
    for doc in corpus.documents:
        period = plan_period(doc)
        for t in indicator_tables(doc)["tables"]:
            history = t["kind"] == "completion"
            per = _previous(period) if history else period
            for row in t["rows"]:
                out += _row_measures(doc.id, t, row, per, history)
    return sorted(out, key=lambda m: m.history)


def _row_measures(doc_id, table, row, period, history) -> list[Measure]:
    target = row.get("target")
    n = max(1, len((target or {}).get("values") or []))
    names = _part_names(row["name"], n) if n > 1 else [row["name"]]
    cells = row["cells"]
    roles = table["roles"]
    out = []
    for i in range(n):
        t = _cell_parts(target, i)
        b = _cell_parts(row.get("base"), i)
        r = _cell_parts(row.get("result"), i)
        unit = (t or {}).get("unit") or row["unit"]
        increment = bool(t and t["increment"])
        attribute = row.get("attribute") or ""
        goal = Goal(value=_dec(t["value"]) if t else None, unit=unit,
                    comparator=(t or {}).get("comparator") or "=", increment=increment,
                    deadline=period[1], start=period[0], end=period[1],
                    base=None if (increment or not b or b["increment"]) else _dec(b["value"]),
                    binding="约束" in attribute,
                    text=_cell_text(cells.get(roles.get("target", ""), ""), i, n))
        out.append(Measure(
            id=row["id"] if i == 0 else f"{row['id']}{MEASURE_SUFFIX}{i + 1}",
            kind="indicator", document=doc_id, name=names[i], unit=unit, goal=goal,
            category=row["category"], number=row["number"],
            base_text=_cell_text(cells.get(roles.get("base", ""), ""), i, n),
            target_text=goal.text, attribute=attribute, clause=row["id"], table=table["id"],
            history=history, result_text=_cell_text(cells.get(roles.get("result", ""), ""), i, n)
            if r else "", result=_dec(r["value"]) if r else None, period=period, years=_years(period),
            row_name=row["name"]))
    return out


def _years(period) -> list[int]:
    start, end = period
    return list(range(start, end + 1)) if start is not None and end is not None else []


def target_measures(graph, indicators: list[Measure]) -> list[Measure]:
    """The targets stated in the text (``plankb targets``), in the text's order. A target
    the graph links to a main indicator in the same unit shares that indicator's values."""
    by_id = {m.id: m for m in indicators}
    out = []
    for i, t in enumerate(graph.targets(), 1):
        doc = graph.corpus.document(t["document"])
        period = plan_period(doc)
        annual = bool(t.get("annual")) or t["deadline"] == "annual"
        deadline = t["deadline"] if isinstance(t["deadline"], int) else period[1]
        linked = _linked(t, by_id)
        base = None
        if linked and not t.get("increment"):
            base = by_id[linked].goal.base
        comparator = t["comparator"] or "="
        goal = Goal(value=_dec(t["value"]), unit=t["unit"] or "",
                    comparator="≥" if comparator == "range" else comparator,
                    increment=bool(t.get("increment")), annual=annual, deadline=deadline,
                    start=period[0], end=period[1], base=base, text=t.get("value_text") or "")
        out.append(Measure(
            id=t["id"], kind="target", document=t["document"], name=t["metric"], unit=t["unit"] or "",
            goal=goal, number=i, target_text=t.get("value_text") or "", clause=t["clause"],
            linked=linked, period=period, years=_years(period)))
    return out


def _linked(t: dict, by_id: dict) -> Optional[str]:
    ind = t.get("indicator")
    if not ind:
        return None
    row_id = ind.split(":", 1)[1] if ind.startswith("indicator:") else ind
    for mid in [row_id] + [f"{row_id}{MEASURE_SUFFIX}{k}" for k in range(2, 6)]:
        m = by_id.get(mid)
        if m is not None and not m.history and m.unit == (t["unit"] or ""):
            return mid
    return None


def plan_measures(corpus, graph) -> tuple[list[Measure], list[Measure]]:
    """(indicators, targets) of the corpus, history rows included among the indicators."""
    indicators = indicator_measures(corpus)
    return indicators, target_measures(graph, indicators)


def plan_results(measure: Measure) -> dict[int, Decimal]:
    """A completion table's 完成值 as the value of its period's last year."""
    if measure.result is None or measure.period[1] is None:
        return {}
    return {measure.period[1]: measure.result}
