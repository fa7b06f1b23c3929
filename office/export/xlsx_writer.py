"""XLSX: a title row, a styled and frozen header, wrapped text, printable on A4 landscape.

Cells are always written as text: openpyxl would otherwise store a value starting
with "=" as a formula, so a note typed as "=HYPERLINK(…)" would run in Excel.
"""
from __future__ import annotations

import io
import math
import unicodedata

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from office.export.rows import CENTRED, FIELDS, ExportRow, columns_of, xml_safe

WIDTHS = {  # in Excel character units; Chinese characters count about two
    "seq": 5, "task": 16, "content": 50, "source": 24, "targets": 22, "deadline": 11,
    "lead_unit": 14, "support_units": 14, "note": 14, "clause_id": 22, "progress": 30, "status": 10,
}
# 仿宋 and 黑体 ship with every Chinese Windows (仿宋_GB2312 does not since Windows 7);
# a sheet has no font fallback list, only the charset that tells Excel to substitute
# a Chinese font where 方正小标宋简体 is missing.
TITLE_FONT = "方正小标宋简体"
FONT = "仿宋"
HEADER_FONT = "黑体"
GB2312 = 134
# printed: the task table proper; 条款编号 stays in the sheet for sorting and lookups
PRINTED = [f for f in FIELDS if f != "clause_id"]

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


def title_height(title: str, printed: list[str] = PRINTED) -> float:
    """An 18-point title wraps in the merged cell: about 3.4 width units a character."""
    span = sum(WIDTHS[f] for f in printed)
    lines = max(1, math.ceil(_display_width(title) * 1.7 / span))
    return 30 * lines + 8


def _text(value) -> str:
    return xml_safe(value)


def render(rows: list[ExportRow], title: str, options=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    columns = columns_of(rows)
    fields = [f for f, _ in columns]
    printed = [f for f in fields if f != "clause_id"]
    n = len(fields)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.cell(row=1, column=1, value=_text(title)).data_type = "s"
    # merged across the printed columns only, so the title is centred on the paper
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(printed))
    ws["A1"].font = Font(name=TITLE_FONT, size=18, charset=GB2312)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = title_height(title, printed)

    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for col, (_, label) in enumerate(columns, start=1):
        c = ws.cell(row=2, column=col, value=label)
        c.font = Font(name=HEADER_FONT, size=11, bold=True, charset=GB2312)
        c.fill = header_fill
        c.border = border
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS.get(fields[col - 1], 16)
    ws.row_dimensions[2].height = 24

    aligns = {f: Alignment(vertical="center", wrap_text=True,
                           horizontal="center" if f in CENTRED else "justify" if f == "content" else "left")
              for f in fields}
    body = Font(name=FONT, size=11, charset=GB2312)
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
            c.alignment = aligns[field]

    ws.freeze_panes = "A3"
    if rows:
        ws.auto_filter.ref = f"A2:{get_column_letter(n)}{len(rows) + 2}"
    ws.print_title_rows = "2:2"  # the header on every printed page, the title on the first
    ws.print_area = f"A1:{get_column_letter(len(printed))}{len(rows) + 2}"
    ws.print_options.horizontalCentered = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.oddFooter.center.text = "— &P —"
    ws.oddFooter.center.size = 12
    wb.properties.title = _text(title)[:250]
    wb.properties.creator = "plankb"

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
