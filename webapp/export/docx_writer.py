"""DOCX 任务分解表 in the style of a Chinese government document.

A4 landscape; the title in 方正小标宋简体 (二号), the table header in 黑体 and the body in
仿宋_GB2312, digits and Latin text in Times New Roman; the header row repeats on every
page; page numbers as “— 1 —” in the footer. Chinese font names must go in the
w:eastAsia attribute: Word ignores ``font.name`` for Chinese characters.
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from webapp.export.rows import COLUMNS, HEADERS, ExportRow

TITLE_FONT = "方正小标宋简体"
HEADER_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"

FIELDS = ["seq", "task", "content", "source", "targets", "deadline", "lead_unit", "support_units"]
PAGE_W, PAGE_H = Cm(29.7), Cm(21.0)
MARGIN_LR, MARGIN_TOP, MARGIN_BOTTOM = Cm(2.0), Cm(2.5), Cm(2.2)
# widths in cm for each column: (when the column has text, when it is empty for hand-filling);
# 具体内容 takes what is left
WIDTHS = {
    "seq": (1.2, 1.2), "task": (3.4, 3.4), "source": (3.8, 3.8), "targets": (3.4, 2.0),
    "deadline": (2.0, 2.0), "lead_unit": (2.4, 2.2), "support_units": (2.8, 2.2), "note": (2.4, 2.0),
}


def set_font(run, east_asia: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    if size_pt is not None:
        run.font.size = Pt(size_pt)
    if bold is not None:
        run.font.bold = bold


def _east_asian(style_or_run_element, east_asia: str) -> None:
    rfonts = style_or_run_element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)


def _paragraph_style(doc, name: str, style_id: str, east_asia: str, size_pt: float, align=None):
    """Named styles rather than per-run fonts: the file stays small and fast to write,
    and a clerk who restyles the table in Word changes one style, not every run."""
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id  # the Chinese name shows in Word; the id stays ASCII
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(size_pt)
    _east_asian(style.element, east_asia)
    pf = style.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    if align is not None:
        pf.alignment = align
    return style


def _style_defaults(doc) -> dict:
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(10.5)
    _east_asian(normal.element, BODY_FONT)
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    return {
        "header": _paragraph_style(doc, "任务表表头", "PlankbTableHeader", HEADER_FONT, 11, WD_ALIGN_PARAGRAPH.CENTER),
        "body": _paragraph_style(doc, "任务表正文", "PlankbTableBody", BODY_FONT, 10.5, WD_ALIGN_PARAGRAPH.JUSTIFY),
        "center": _paragraph_style(doc, "任务表居中", "PlankbTableCenter", BODY_FONT, 10.5, WD_ALIGN_PARAGRAPH.CENTER),
    }


def _page(doc) -> None:
    s = doc.sections[0]
    s.orientation = WD_ORIENT.LANDSCAPE
    s.page_width, s.page_height = PAGE_W, PAGE_H
    s.left_margin = s.right_margin = MARGIN_LR
    s.top_margin, s.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    s.footer_distance = Cm(1.2)
    p = s.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), PAGE_NUMBER_FONT, 14)
    _page_field(p)
    set_font(p.add_run(" —"), PAGE_NUMBER_FONT, 14)


def _page_field(paragraph) -> None:
    """A PAGE field (begin / instruction / separate / cached 1 / end), as Word writes it."""
    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    for part in ("begin", "instr", "separate", "value", "end"):
        run = paragraph.add_run()
        set_font(run, PAGE_NUMBER_FONT, 14)
        if part == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = " PAGE "
            run._element.append(instr)
        elif part == "value":
            run.text = "1"
        else:
            run._element.append(fld(part))


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def columns_for(rows: list[ExportRow]) -> list[str]:
    """The eight columns of the 任务分解表, plus 备注 when any row has a note."""
    return FIELDS + (["note"] if any(r.note for r in rows) else [])


def widths_for(fields: list[str], rows: list[ExportRow]) -> list[float]:
    usable = (PAGE_W - 2 * MARGIN_LR) / 360000  # EMU per cm
    w = {}
    for f in fields:
        if f == "content":
            continue
        used, empty = WIDTHS[f]
        w[f] = used if any(getattr(r, f) for r in rows) else empty
    w["content"] = round(usable - sum(w.values()), 2)
    return [w[f] for f in fields]


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _cell_text(cell, text: str, style) -> None:
    text = _NOT_XML.sub("", str(text)).replace("\r\n", "\n").replace("\t", " ")
    lines = text.split("\n") if text else [""]
    p = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i:
            p = cell.add_paragraph()
        p._p.get_or_add_pPr().style = style.style_id  # p.style = … looks the style up each time
        if line:
            p.add_run(line)


def render(rows: list[ExportRow], title: str) -> bytes:
    doc = Document()
    styles = _style_defaults(doc)
    _page(doc)
    doc.core_properties.title = title[:250]
    doc.core_properties.author = "plankb"

    tp = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    tp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tp.paragraph_format.space_after = Pt(18)
    tp.paragraph_format.line_spacing = 1.2
    set_font(tp.add_run(_NOT_XML.sub("", title)), TITLE_FONT, 22)

    fields = columns_for(rows)
    widths = widths_for(fields, rows)
    table = doc.add_table(rows=1, cols=len(fields))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, gc in enumerate(table._tbl.tblGrid.findall(qn("w:gridCol"))):
        gc.set(qn("w:w"), str(int(widths[i] * 567)))  # twips per cm

    header = table.rows[0]
    _repeat_header(header)
    _cant_split(header)
    for i, f in enumerate(fields):
        cell = header.cells[i]
        cell.width = Cm(widths[i])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_text(cell, HEADERS[f], styles["header"])

    for r in rows:
        cells = table.add_row().cells
        for i, f in enumerate(fields):
            cells[i].width = Cm(widths[i])
            cells[i].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            _cell_text(cells[i], getattr(r, f), styles["center" if f in ("seq", "deadline") else "body"])

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
