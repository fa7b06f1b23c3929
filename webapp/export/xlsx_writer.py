"""XLSX: a title row, a styled and frozen header, wrapped text, printable on A4 landscape.

Cells are always written as text: openpyxl would otherwise store a value starting
with "=" as a formula, so a note typed as "=HYPERLINK(…)" would run in Excel.
"""
from __future__ import annotations

import io
import math
import unicodedata

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from webapp.export.rows import COLUMNS, ExportRow

WIDTHS = {  # in Excel character units; Chinese characters count about two
    "seq": 6, "task": 22, "content": 60, "source": 30, "targets": 26, "deadline": 12,
    "lead_unit": 16, "support_units": 20, "note": 18, "clause_id": 20,
}
FONT = "仿宋"
HEADER_FONT = "黑体"


LINE_HEIGHT = 15  # points per wrapped line at 11 pt


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def row_height(values: dict) -> float:
    """Excel does not grow rows for wrapped text written by a library until the user
    asks it to, so estimate the lines each cell needs and size the row for the tallest."""
    lines = 1
    for field, text in values.items():
        width = WIDTHS.get(field, 16) - 1
        n = sum(max(1, math.ceil(_display_width(part) / width)) for part in str(text).split("\n"))
        lines = max(lines, n)
    return min(409, LINE_HEIGHT * lines + 4)


def _text(value) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))


def render(rows: list[ExportRow], title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    fields = [f for f, _ in COLUMNS]
    n = len(fields)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.cell(row=1, column=1, value=_text(title)).data_type = "s"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws["A1"].font = Font(name=HEADER_FONT, size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 36

    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for col, (_, label) in enumerate(COLUMNS, start=1):
        c = ws.cell(row=2, column=col, value=label)
        c.font = Font(name=HEADER_FONT, size=11, bold=True)
        c.fill = header_fill
        c.border = border
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS.get(fields[col - 1], 16)
    ws.row_dimensions[2].height = 24

    body = Font(name=FONT, size=11)
    for r, row in enumerate(rows, start=3):
        ws.row_dimensions[r].height = row_height({f: getattr(row, f) for f in fields if f != "seq"})
        for col, field in enumerate(fields, start=1):
            value = getattr(row, field)
            c = ws.cell(row=r, column=col)
            if field == "seq":
                c.value = int(value)
            else:
                c.value = _text(value)
                c.data_type = "s"  # never a formula, whatever the text starts with
            c.font = body
            c.border = border
            c.alignment = Alignment(vertical="top", wrap_text=True,
                                    horizontal="center" if field in ("seq", "deadline") else "left")

    ws.freeze_panes = "A3"
    if rows:
        ws.auto_filter.ref = f"A2:{get_column_letter(n)}{len(rows) + 2}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    wb.properties.title = _text(title)[:250]
    wb.properties.creator = "plankb"

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
