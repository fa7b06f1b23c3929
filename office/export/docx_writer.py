"""DOCX 任务分解表 in the style of a Chinese government document.

The house style (page, fonts, named styles, table plumbing) is office.export.docx_style,
shared with the evaluation report; here is what makes a 任务分解表: its columns and their
widths, the 附件 heading and title block, 序号 as 1, 1.1, 1.2… and a 重点任务 cell merged
over its rows.
"""
from __future__ import annotations

import copy
import io
import re
import unicodedata

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from office.export.docx_style import (  # noqa: F401 — the font names, importable from here as before
    BODY_FONT,
    HEADER_FONT,
    LABEL_PT,
    MARGIN_LR,
    PAGE_W,
    SUBTITLE_FONT,
    SUBTITLE_PT,
    TITLE_FONT,
    TITLE_PT,
    house_styles,
    landscape_page,
    new_table,
    row_flags,
    set_font,
    text_lines,
    text_run,
)
from office.export.options import ExportOptions
from office.export.rows import (
    CENTRED,
    FIELDS,
    HEADERS,
    TRACKING_FIELDS,
    ExportRow,
    numbering,
    runs,
    tracked,
    xml_safe,
)

# the eight columns of a 任务分解表; 备注 joins them when a row has a note (columns_for)
TABLE_FIELDS = [f for f in FIELDS if f not in ("note", "clause_id")]
# widths in cm for each column: (when the column has text, when it is empty for hand-filling);
# 具体内容 takes what is left, the long prose being what makes a table tall. Sized for
# 五号 (0.37 cm a character): 完成时限 holds “2025年底前” on one line, a unit's name
# five characters a line; 出处 is sized to its longest entry (source_width).
# 序号 holds its header on one line (a two-line header row is a row taller); 重点任务, in
# 五号, six characters a line; 配合单位, often three units' full names, eight (小五).
WIDTHS = {
    "seq": (1.1, 1.1), "task": (2.6, 2.6), "source": (3.0, 3.0), "targets": (2.8, 2.2),
    "deadline": (2.0, 2.0), "lead_unit": (2.3, 2.3), "support_units": (2.9, 2.3), "note": (2.4, 2.0),
    "progress": (4.0, 3.0), "status": (1.6, 1.6),
}
CHAR_CM, PAD_CM = 0.32, 0.35  # a 小五 character, and both paddings
JUSTIFIED = {"content"}
# points after the 附件 label, before each line under the title, and above the table
# (the 附件 label's own line height sets it apart from the title; 4 pt keeps the table
# off the last line above it)
HEADING_GAPS = {"label": 0, "line": 0, "table": 4}
# the columns beside the task, in 小五: indicators with their values and units' full
# names (广东省市场监督管理局（知识产权局）) are long in narrow columns, and in 五号 they,
# not the task, set the height of the rows (a 6-row list took two pages)
SMALL = {"source", "targets", "deadline", "lead_unit", "support_units", "note", "progress", "status"}


def cell_style(field: str) -> str:
    size = "small-" if field in SMALL else ""
    if field in CENTRED:
        return size + "center" if field != "seq" else "center"
    if field in JUSTIFIED:
        return "body"
    return "small" if size else "left"  # long prose; short cells justified spread their characters apart


def columns_for(rows: list[ExportRow]) -> list[str]:
    """The eight columns of the 任务分解表, plus 备注 when any row has a note, plus
    进展情况 and 完成状态 when any row has one (a table sent out before any work was
    tracked keeps its eight columns and its one page)."""
    return (TABLE_FIELDS + (["note"] if any(r.note for r in rows) else [])
            + (TRACKING_FIELDS if tracked(rows) else []))


def widths_for(fields: list[str], rows: list[ExportRow]) -> list[float]:
    usable = (PAGE_W - 2 * MARGIN_LR) / 360000  # EMU per cm
    w = {}
    for f in fields:
        if f == "content":
            continue
        used, empty = WIDTHS[f]
        w[f] = used if any(getattr(r, f) for r in rows) else empty
    if "source" in w:
        w["source"] = source_width(rows)
    w["content"] = round(usable - sum(w.values()), 2)
    return [w[f] for f in fields]


def source_width(rows: list[ExportRow]) -> float:
    """出处 in the short form (第三章第二节, 专栏14) on one line, in full about eight characters a line."""
    longest = max((_chars(r.source) for r in rows), default=0)
    return min(WIDTHS["source"][0], max(1.6, round(longest * CHAR_CM + PAD_CM, 1)))


_PLAN = re.compile(r"^《[^《》]+》")


def short_sources(rows: list[ExportRow], title: str) -> list[str]:
    """出处 without the plan's name where the title already names that plan: 32 rows
    of “《广东省知识产权保护和运用“十四五”规划》第三章…” tell a reader nothing the title
    did not, and take three lines each. Rows from another plan keep the full name."""
    out = []
    for r in rows:
        m = _PLAN.match(r.source or "")
        rest = r.source[m.end():] if m else ""
        out.append(rest if m and rest and m.group(0) in title else r.source)
    return out


def _chars(text: str) -> float:
    """Width in Chinese characters; “” and — are full width in a Chinese font."""
    return sum(1 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def title_lines(title: str) -> list[str]:
    """A title one character too long for the line leaves 表 alone on the next; a clerk
    breaks it after the plan's name instead (《…规划》 / 第三章第二节重点任务分解表),
    so each line reads as a whole. Other long titles are left to Word."""
    per_line = int((PAGE_W - 2 * MARGIN_LR) / 12700 / TITLE_PT)  # EMU per point
    if _chars(title) <= per_line:
        return [title]
    m = _PLAN.match(title)
    if m and title[m.end():].strip() and _chars(m.group(0)) <= per_line and _chars(title[m.end():]) <= per_line:
        return [m.group(0), title[m.end():].strip()]
    return [title]


def _row_template(table, widths: list[float], cell_styles: list) -> tuple:
    """A body row made once through python-docx (flags, widths, centring, one styled empty
    paragraph a cell) and copied for every row: setting those through the API for each of
    1,400 cells took most of the time of a whole-plan export."""
    row = table.add_row()
    row_flags(row)
    for i, cell in enumerate(row.cells):
        cell.width = Cm(widths[i])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        cell.paragraphs[0]._p.get_or_add_pPr().style = cell_styles[i].style_id
    tr = row._tr
    tr.getparent().remove(tr)
    return tr, [copy.deepcopy(tc.find(qn("w:p"))) for tc in tr.findall(qn("w:tc"))]


class Lead(str):
    """A cell value whose first line starts with a bold lead (a grouped row's own task)."""

    def __new__(cls, lead: str, rest: str):
        obj = super().__new__(cls, lead + rest)
        obj.lead = lead
        return obj


def _merge(tc, how: str) -> None:
    """Vertical merge: "restart" opens a merged cell, "continue" extends the one above."""
    tcpr = tc.find(qn("w:tcPr"))
    vm = OxmlElement("w:vMerge")
    if how == "restart":
        vm.set(qn("w:val"), "restart")
    tcw = tcpr.find(qn("w:tcW"))
    if tcw is not None:
        tcw.addnext(vm)  # schema order: tcW, gridSpan, vMerge, …, vAlign
    else:
        tcpr.insert(0, vm)
    valign = tcpr.find(qn("w:vAlign"))
    if valign is not None:  # the name at the top: a group may run on to the next page
        valign.set(qn("w:val"), "top")


def _fill_row(tbl, template, paragraphs, values: list, merges: dict | None = None) -> None:
    tr = copy.deepcopy(template)
    for col, (tc, p_template, value) in enumerate(zip(tr.findall(qn("w:tc")), paragraphs, values)):
        how = (merges or {}).get(col)
        if how:
            _merge(tc, how)
            if how == "continue":
                continue
        p = tc.find(qn("w:p"))
        lead = getattr(value, "lead", "")
        for i, line in enumerate(text_lines(value)):
            if i:
                p = copy.deepcopy(p_template)
                tc.append(p)
            if i == 0 and lead and line.startswith(lead):
                p.append(text_run(lead, bold=True))
                line = line[len(lead):]
            if line:
                p.append(text_run(line))
    tbl.append(tr)


def _cells(rows: list[ExportRow], fields: list[str], sources: list[str]):
    """(values, merges) for each body row: 序号 as 1, 1.1, 1.2…; a run of rows under one
    重点任务 shares a merged 重点任务 cell naming it, and each row's own task opens its
    具体内容 in bold, so nothing the flat table said is lost."""
    numbers = numbering(rows)
    task_col = fields.index("task")
    for run in runs(rows):
        merged = len(run) > 1
        for k, i in enumerate(run):
            r = rows[i]
            values = []
            for f in fields:
                if f == "seq":
                    values.append(numbers[i])
                elif f == "task":
                    values.append(r.group if merged else r.task)
                elif f == "source":
                    values.append(sources[i])
                elif f == "content" and merged and r.task and r.task != r.group \
                        and not r.content.startswith(r.task):
                    values.append(Lead(r.task + "：", r.content))
                else:
                    values.append(getattr(r, f))
            yield values, ({task_col: "restart" if k == 0 else "continue"} if merged else {})


def _heading(doc, title: str, options: ExportOptions) -> None:
    """What stands above the table of an attachment: “附件1” at the left in 黑体 三号,
    the title in 小标宋 二号, the plan it comes from once (when the title does not
    already name it), and the document's title block (发文单位　文号　日期) as filled."""
    first = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    if options.attachment:
        first.alignment = WD_ALIGN_PARAGRAPH.LEFT
        first.paragraph_format.space_after = Pt(HEADING_GAPS["label"])
        set_font(first.add_run(options.attachment), HEADER_FONT, LABEL_PT)
        first = doc.add_paragraph()
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first.paragraph_format.line_spacing = 1.0
    set_font(first.add_run("\n".join(title_lines(xml_safe(title)))), TITLE_FONT, TITLE_PT)
    last = first
    for text in (f"（{options.plan}）" if options.plan and options.plan not in title else "",
                 options.title_block):
        if text:
            last = doc.add_paragraph()
            last.alignment = WD_ALIGN_PARAGRAPH.CENTER
            last.paragraph_format.space_before = Pt(HEADING_GAPS["line"])
            set_font(last.add_run(text), SUBTITLE_FONT, SUBTITLE_PT)
    last.paragraph_format.space_after = Pt(HEADING_GAPS["table"])


def render(rows: list[ExportRow], title: str, options: ExportOptions | None = None) -> bytes:
    doc = Document()
    styles = house_styles(doc)
    landscape_page(doc)
    doc.core_properties.title = xml_safe(title)[:250]
    doc.core_properties.author = "plankb"
    doc.core_properties.language = "zh-CN"

    _heading(doc, title, options or ExportOptions())

    fields = columns_for(rows)
    widths = widths_for(fields, rows)
    sources = short_sources(rows, title) if options and options.full_source else [r.source for r in rows]
    cell_styles = [styles[cell_style(f)] for f in fields]
    table = new_table(doc, [HEADERS[f] for f in fields], widths, styles["header"])

    template, paragraphs = _row_template(table, widths, cell_styles)
    tbl = table._tbl
    for values, merges in _cells(rows, fields, sources):
        _fill_row(tbl, template, paragraphs, values, merges)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
