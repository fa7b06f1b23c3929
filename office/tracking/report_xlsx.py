"""The evaluation report as an Excel workbook: one sheet per table, charts on their own.

Yearly values and 完成值 are numbers (so staff can compute with them) shown with as
many decimals as were entered (``1020.50`` displays ``1020.50``); base and target
values stay the text the plan prints (``(2500)``, ``≥83``). Text cells are written as
text, never as formulas.
"""
from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from office.tracking.report import INDICATOR_HEADERS, TARGET_HEADERS, TASK_HEADERS, Report

FONT, HEADER_FONT, GB2312 = "仿宋", "黑体", 134
NUMERIC_HEADERS = {"完成值"}
CHART_ROWS = 14  # rows a chart takes at its drawn size (234 px at 20 px a row, plus a gap)


def number_format(text: str) -> str:
    """The display format that shows ``text`` as entered: 0, 0.0, 0.00…"""
    if "." not in text:
        return "0"
    return "0." + "0" * len(text.split(".", 1)[1])


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except Exception:  # noqa: BLE001 — decimal's InvalidOperation and friends
        return False
    return bool(text) and text not in ("—",) and text.replace(".", "").lstrip("-").isdigit()


def _sheet(wb, title: str, headers: list[str], rows: list[list[str]], widths: list[int], heading: str,
           numeric=lambda h: False, spans=(), merged=(), note: str = ""):
    """One table a sheet; ``spans`` (first data row, rows) merge the ``merged`` columns
    (1-based) of an indicator with several figures; ``note`` goes under the table."""
    ws = wb.create_sheet(title)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.cell(row=1, column=1, value=heading).font = Font(name=HEADER_FONT, size=14, charset=GB2312)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws.row_dimensions[1].height = 26
    for c, h in enumerate(headers, 1):
        cell = ws.cell(row=2, column=c, value=h)
        cell.font = Font(name=HEADER_FONT, size=11, bold=True, charset=GB2312)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = widths[c - 1] if c - 1 < len(widths) else 12
    body = Font(name=FONT, size=11, charset=GB2312)
    for r, values in enumerate(rows, 3):
        for c, v in enumerate(values, 1):
            cell = ws.cell(row=r, column=c)
            if numeric(headers[c - 1]) and _is_number(v):
                d = Decimal(v)
                cell.value = int(d) if "." not in v else float(d)
                cell.number_format = number_format(v)
            elif c == 1 and v.isdigit():
                cell.value = int(v)
            else:
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", v)
                cell.data_type = "s"
            cell.font = body
            cell.border = border
            cell.alignment = Alignment(vertical="center", wrap_text=True,
                                       horizontal="left" if c in (2, 3) and len(v) > 6 else "center")
    for first, n in spans:
        for col in merged:
            ws.merge_cells(start_row=3 + first, start_column=col, end_row=2 + first + n, end_column=col)
    if note:
        ws.cell(row=3 + len(rows) + 1, column=1, value=note).font = body
    ws.freeze_panes = "A3"
    return ws


def render(report: Report) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    ind_rows = [row + [e["rule"]] for row, e in zip(report.indicator_rows(), report.figures)]
    _sheet(wb, "主要指标完成情况", INDICATOR_HEADERS + ["判断依据"], ind_rows, [6, 12, 30, 10, 10, 10, 10, 16, 60],
           f"{report.title}：主要指标完成情况", numeric=lambda h: h in NUMERIC_HEADERS,
           spans=report.spans(), merged=[1, 2], note=report.summary())
    headers = report.yearly_headers()
    _sheet(wb, "逐年实际值", headers, report.yearly_rows(), [6, 30, 10] + [11] * len(report.years) + [20],
           "主要指标逐年实际值", numeric=lambda h: h.endswith("年"), spans=report.spans(), merged=[1])
    if not report.previous:
        tgt_rows = [row + [e["rule"]] for row, e in zip(report.target_rows(), report.targets)]
        _sheet(wb, "文本目标完成情况", TARGET_HEADERS + ["判断依据"], tgt_rows, [6, 40, 22, 14, 10, 16, 60],
               "规划文本中的目标完成情况", numeric=lambda h: h in NUMERIC_HEADERS)
        task_rows = [[row[0], t.title] + row[1:] for t in report.tasks for row in t.rows]
        ws = _sheet(wb, "重点任务进展", ["序号", "任务清单"] + TASK_HEADERS[1:], task_rows, [6, 16, 40, 16, 40, 12],
                    "重点任务进展")
        if not report.tasks:
            ws.cell(row=3, column=1, value=report.tasks_note)
    charts = wb.create_sheet("指标图表")
    charts.column_dimensions["A"].width = 4
    if report.charts:
        for i, (_, png) in enumerate(report.charts):
            img = Image(io.BytesIO(png))
            img.width, img.height = img.width * 0.6, img.height * 0.6
            charts.add_image(img, f"B{1 + i * CHART_ROWS}")
    else:
        charts["A1"] = report.charts_note or "没有可绘制的指标。"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
