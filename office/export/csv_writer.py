"""CSV for Excel users: UTF-8 with a BOM (or Excel shows mojibake), and no formulas.

A clause or a note a user typed may begin with = + - @ (or a tab / carriage return);
Excel would run it as a formula (CSV injection). Such cells get a leading single
quote, which Excel shows as text and hides.
"""
from __future__ import annotations

import csv
import io

from office.export.rows import ExportRow, columns_of

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def render(rows: list[ExportRow], title: str, options=None) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    columns = columns_of(rows)
    fields = [f for f, _ in columns]
    w.writerow([h for _, h in columns])
    for r in rows:
        w.writerow([neutralise(c) for c in r.cells(fields)])
    return buf.getvalue().encode("utf-8-sig")
