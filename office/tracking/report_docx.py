"""The evaluation report as a Word document, in the house style of the 任务分解表.

A4 landscape, 方正小标宋简体 title, 黑体 headings and table headers, 仿宋_GB2312 body, the
table header repeated on every page and “— 1 —” page numbers: the fonts, styles and
table plumbing are the house style (office.export.docx_style) the 任务分解表 uses too, so both
documents an office sends out look alike and a fix to one fixes both.
"""
from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from office.export.docx_style import (
    HEADER_FONT,
    MARGIN_LR,
    PAGE_W,
    TITLE_FONT,
    TITLE_PT,
    cell_text,
    house_styles,
    landscape_page,
    new_table,
    row_flags,
    set_font,
)
from office.tracking.report import INDICATOR_HEADERS, TARGET_HEADERS, TASK_HEADERS, Report

HEADING_PT = 16  # 三号
USABLE_CM = (PAGE_W - 2 * MARGIN_LR) / 360000
CHART_CM = 15.0
# widths in cm; the widest text column takes what is left of the line
INDICATOR_WIDTHS = [1.2, 2.6, None, 1.8, 2.2, 2.2, 2.2, 3.6]
TARGET_WIDTHS = [1.2, None, 4.2, 2.6, 2.2, 3.6]
TASK_WIDTHS = [1.2, None, 3.6, 6.0, 2.4]
CENTRED_HEADERS = {"序号", "单位", "基期值", "目标值", "完成值", "完成情况", "完成状态"}


def _widths(spec: list) -> list[float]:
    fixed = sum(w for w in spec if w is not None)
    return [round(USABLE_CM - fixed, 2) if w is None else w for w in spec]


def _year_widths(n_years: int) -> list[float]:
    return _widths([1.2, None, 1.8] + [1.9] * n_years + [3.0])


def _heading(doc, text: str) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(12)
    p.paragraph_format.space_after = Pt(6)
    p.paragraph_format.keep_with_next = True
    set_font(p.add_run(text), HEADER_FONT, HEADING_PT)


def _para(doc, text: str, style, size=None) -> None:
    p = doc.add_paragraph(style=style)
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    p.paragraph_format.space_after = Pt(3)
    run = p.add_run(text)
    if size:
        run.font.size = Pt(size)


def _merge_down(table, spans: list[tuple[int, int]], columns: list[int]) -> None:
    """One 序号 (and 类别) cell over the rows of an indicator with several figures; the
    lower cells are empty, so nothing is appended to the top cell's text."""
    for first, n in spans:
        for col in columns:
            table.cell(1 + first, col).merge(table.cell(first + n, col))


def _table(doc, styles, headers: list[str], rows: list[list[str]], widths: list[float]):
    table = new_table(doc, headers, widths, styles["header"])
    centred = [h in CENTRED_HEADERS or h.endswith("年") for h in headers]
    for values in rows:
        row = table.add_row()
        row_flags(row)
        for i, v in enumerate(values):
            cell = row.cells[i]
            cell.width = Cm(widths[i])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell_text(cell, v, styles["center" if centred[i] else "left"])
    return table


def render(report: Report) -> bytes:
    doc = Document()
    styles = house_styles(doc)
    landscape_page(doc)
    doc.core_properties.title = report.title[:250]
    doc.core_properties.author = "plankb"
    doc.core_properties.language = "zh-CN"

    tp = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    tp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tp.paragraph_format.space_after = Pt(6)
    set_font(tp.add_run(report.title), TITLE_FONT, TITLE_PT)
    d = report.generated
    sub = doc.add_paragraph(style=styles["center"])
    sub.add_run("（目标值与完成值据规划文本，完成情况按本库规则判断）" if report.previous
                else f"（数据截至{d.year}年{d.month}月{d.day}日）")

    _heading(doc, "一、主要指标完成情况")
    _para(doc, report.summary(), styles["left"])
    table = _table(doc, styles, INDICATOR_HEADERS, report.indicator_rows(), _widths(INDICATOR_WIDTHS))
    _merge_down(table, report.spans(), [0, 1])
    _para(doc, "注：括号内为规划期间新增数；完成值为判断所用的数值（水平类指标为时限年份或最近一年的值，"
               "新增类指标为各年新增之和），判断依据见附。", styles["left"])

    _heading(doc, "二、主要指标逐年实际值")
    table = _table(doc, styles, report.yearly_headers(), report.yearly_rows(), _year_widths(len(report.years)))
    _merge_down(table, report.spans(), [0])

    numbers = iter(["三", "四", "五"])
    if not report.previous:
        _heading(doc, f"{next(numbers)}、规划文本中的目标完成情况")
        _table(doc, styles, TARGET_HEADERS, report.target_rows(), _widths(TARGET_WIDTHS))

        _heading(doc, f"{next(numbers)}、重点任务进展")
        if report.tasks:
            for t in report.tasks:
                _para(doc, f"任务清单：{t.title}", styles["left"])
                _table(doc, styles, TASK_HEADERS, t.rows, _widths(TASK_WIDTHS))
        else:
            _para(doc, report.tasks_note, styles["left"])

    _heading(doc, f"{next(numbers)}、主要指标图表")
    if report.charts:
        for _, png in report.charts:
            p = doc.add_paragraph(style=styles["center"])
            p.paragraph_format.keep_together = True
            p.add_run().add_picture(io.BytesIO(png), width=Cm(CHART_CM))
    else:
        _para(doc, report.charts_note or "没有可绘制的指标。", styles["left"])

    _heading(doc, "附：完成情况的判断依据")
    for what, rule in report.rules():
        _para(doc, f"{what}：{rule}", styles["body"])

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
