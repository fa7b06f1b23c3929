"""Deadline years a clause names, for the search year filter.

Plans state deadlines in a few fixed ways: 到2025年 / 至 2022 年 / 2025年前, and
“十四五”期间 or 规划期内, which mean the plan's own end year (taken from the
document's metadata, never from the numeral, so other plan periods work).  This is
deliberately small: the graph area extracts full targets separately.
"""
from __future__ import annotations

import re

from kb.numerals import five_year_period, to_int

from index.normalize import fold

_YEAR = r"((?:19|20)\d{2})"
_EXPLICIT = [
    re.compile(r"(?:到|至|截至|截止到?|力争到|展望)" + _YEAR + r"年"),
    re.compile(_YEAR + r"年(?:前|底前|以前)"),
]
# “十四五”期间 / “十四五”末: the document's end year, but only when the numeral is the
# plan's own period (a review of “十三五”期间 states results, not deadlines).
_FIVE_YEAR = re.compile(r"\"?([一二三四五六七八九十]+)五\"?(?:期间|末)")
_PLAN_PERIOD = re.compile(r"规划期(?:内|间|末)")


def _five_year_plan_end(numeral: str) -> int | None:
    n = to_int(numeral)
    return five_year_period(n)[1] if n and n >= 3 else None


_COLUMN_YEAR = re.compile(_YEAR + r"\s*年")


def table_row_years(columns, row: dict, period: tuple) -> list[int]:
    """Years of a table row's filled columns headed by a year inside the plan period.

    Indicator tables print targets under headers like “2025年规划值” beside a
    baseline “2020年基期值”; only the former lies inside the plan's own period.
    """
    start, end = period
    if not start or not end:
        return []
    years = set()
    for col in columns:
        m = _COLUMN_YEAR.search(fold(col))
        if m and start <= int(m.group(1)) <= end and str(row.get(col, "")).strip():
            years.add(int(m.group(1)))
    return sorted(years)


def deadline_years(text: str, period_end: int | None = None) -> list[int]:
    """Sorted distinct deadline years in ``text`` (folded: spaces and quote forms ignored)."""
    folded = fold(text)
    years = set()
    for rx in _EXPLICIT:
        years.update(int(m.group(1)) for m in rx.finditer(folded))
    if period_end:
        if _PLAN_PERIOD.search(folded):
            years.add(int(period_end))
        for m in _FIVE_YEAR.finditer(folded):
            # “十四” + “五”: the numeral before the final 五 is the plan number.
            end = _five_year_plan_end(m.group(1))
            if end is None or end == int(period_end):
                years.add(int(period_end))
    return sorted(years)
