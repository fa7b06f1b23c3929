"""The house style of the Word documents an office sends out (任务分解表, 评估报告).

A4 landscape; titles in 方正小标宋简体, headings and table headers in 黑体, the body in
仿宋_GB2312, digits and Latin text in Times New Roman; the header row of a table repeats
on every page; page numbers as “— 1 —” in the footer; a font table that tells Word what
to use where an office PC lacks a font. Chinese font names must go in the w:eastAsia
attribute: Word ignores ``font.name`` for Chinese characters.

One module for both writers (office.export.docx_writer, office.tracking.report_docx),
so the documents look alike and a fix to one fixes both.
"""
from __future__ import annotations

import re

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from office.export.rows import xml_safe

TITLE_FONT = "方正小标宋简体"
HEADER_FONT = "黑体"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
SUBTITLE_FONT = "楷体_GB2312"
LABEL_PT, SUBTITLE_PT = 16, 14  # 三号 for “附件1”, and for the plan's name and the title block
# What Word should use when an office PC lacks the font: w:altName in the font table.
# 仿宋_GB2312 and 方正小标宋简体 are installed by hand in most offices; 仿宋/宋体/黑体 ship
# with every Chinese Windows. (name, altName, panose, family, pitch)
FONT_TABLE = [
    (BODY_FONT, "仿宋", "02010609030101010101", "modern", "fixed"),
    (TITLE_FONT, "宋体", "02010600030101010101", "auto", "variable"),
    (HEADER_FONT, "SimHei", "02010609060101010101", "modern", "fixed"),
    ("仿宋", "FangSong", "02010609060101010101", "modern", "fixed"),
    (PAGE_NUMBER_FONT, "SimSun", "02010600030101010101", "auto", "variable"),
    (SUBTITLE_FONT, "楷体", "02010609030101010101", "modern", "fixed"),
]

BODY_PT, HEADER_PT, TITLE_PT, PAGE_NUMBER_PT = 10.5, 11, 22, 14  # 五号, 五号+, 二号, 四号
SMALL_PT = 9  # 小五: the narrow columns beside the text
# Table text on a fixed line pitch (Word's 固定值), about 1.14 times the type: how tall a
# row is then depends on the characters a line holds, not on the font a PC substitutes
# for 仿宋_GB2312 (LibreOffice's fallback set lines 1.17 apart, Word's 仿宋 otherwise).
LINE_PT = {BODY_PT: 12, SMALL_PT: 10}
PAGE_W, PAGE_H = Cm(29.7), Cm(21.0)
# top and bottom as a landscape table attachment is printed: a 6-row list, with the
# 附件 label and the plan's name over its title, fits one page at 五号
MARGIN_LR, MARGIN_TOP, MARGIN_BOTTOM = Cm(1.5), Cm(1.3), Cm(1.4)
FOOTER_DISTANCE = Cm(0.7)  # the page number line (四号) sits inside the bottom margin
# cell padding in twips: the default Table Grid has none above and below, so text
# touched the rules; 0.7 pt keeps it off them
PAD_TOP_BOTTOM, PAD_LEFT_RIGHT = 14, 85
# characters Word draws in the Latin font unless the run says it is East Asian text:
# “” ‘’ would come out as narrow Times New Roman quotes, — and … half-width
AMBIGUOUS = re.compile("[\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u00b7]")


def set_font(run, east_asia: str, size_pt: float | None = None) -> None:
    run.font.name = LATIN_FONT
    rfonts = east_asian(run._element, east_asia)
    if AMBIGUOUS.search(run.text or ""):
        rfonts.set(qn("w:hint"), "eastAsia")
    if size_pt is not None:
        run.font.size = Pt(size_pt)


def east_asian(style_or_run_element, east_asia: str):
    rfonts = style_or_run_element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    return rfonts


def paragraph_style(doc, name: str, style_id: str, east_asia: str, size_pt: float, align=None,
                    line_pt: float | None = None):
    """Named styles rather than per-run fonts: the file stays small and fast to write,
    and a clerk who restyles the table in Word changes one style, not every run.
    ``line_pt``: a fixed line pitch (固定值) instead of single spacing."""
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id  # the Chinese name shows in Word; the id stays ASCII
    style.base_style = doc.styles["Normal"]
    style.font.size = Pt(size_pt)
    east_asian(style.element, east_asia)
    pf = style.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = Pt(line_pt) if line_pt else 1.0
    if align is not None:
        pf.alignment = align
    return style


def chinese_defaults(doc) -> None:
    """python-docx's template is set up for English and Japanese: the document defaults
    name the theme's East-Asian font and language en-US, and the theme's East-Asian
    language is ja-JP, so text outside our styles (a row a clerk adds, a footnote) would
    come out in MS Mincho with Japanese line breaking. Make them Chinese."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:eastAsiaTheme", "w:asciiTheme", "w:hAnsiTheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")
    font_table(doc)


def font_table(doc) -> None:
    """Entries for our Chinese fonts, each with the alternative Word falls back to where
    the font is not installed (仿宋_GB2312 → 仿宋, 方正小标宋简体 → 宋体), and charset 86
    (GB2312) so a substitute is at least a Chinese font of the same kind."""
    from lxml import etree

    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    part = doc.part.part_related_by(RT.FONT_TABLE)
    root = etree.fromstring(part.blob)
    w = root.nsmap.get("w") or "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def el(parent, tag, **attrs):
        child = etree.SubElement(parent, f"{{{w}}}{tag}")
        for k, v in attrs.items():
            child.set(f"{{{w}}}{k}", v)
        return child

    for font in root.findall(f"{{{w}}}font"):  # the template's Japanese fonts
        if font.find(f"{{{w}}}charset") is not None and font.find(f"{{{w}}}charset").get(f"{{{w}}}val") == "80":
            root.remove(font)
    for name, alt, panose, family, pitch in FONT_TABLE:
        font = el(root, "font", name=name)
        el(font, "altName", val=alt)
        el(font, "panose1", val=panose)
        el(font, "charset", val="86")
        el(font, "family", val=family)
        el(font, "pitch", val=pitch)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def house_styles(doc) -> dict:
    chinese_defaults(doc)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    east_asian(normal.element, BODY_FONT)
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    return {
        "header": paragraph_style(doc, "任务表表头", "PlankbTableHeader", HEADER_FONT, HEADER_PT,
                                   WD_ALIGN_PARAGRAPH.CENTER),
        "body": paragraph_style(doc, "任务表正文", "PlankbTableBody", BODY_FONT, BODY_PT, WD_ALIGN_PARAGRAPH.JUSTIFY,
                                LINE_PT[BODY_PT]),
        "left": paragraph_style(doc, "任务表左对齐", "PlankbTableLeft", BODY_FONT, BODY_PT, WD_ALIGN_PARAGRAPH.LEFT,
                                LINE_PT[BODY_PT]),
        "center": paragraph_style(doc, "任务表居中", "PlankbTableCenter", BODY_FONT, BODY_PT,
                                  WD_ALIGN_PARAGRAPH.CENTER, LINE_PT[BODY_PT]),
        "small": paragraph_style(doc, "任务表小字", "PlankbTableSmall", BODY_FONT, SMALL_PT, WD_ALIGN_PARAGRAPH.LEFT,
                                 LINE_PT[SMALL_PT]),
        "small-center": paragraph_style(doc, "任务表小字居中", "PlankbTableSmallCenter", BODY_FONT, SMALL_PT,
                                        WD_ALIGN_PARAGRAPH.CENTER, LINE_PT[SMALL_PT]),
    }


def landscape_page(doc) -> None:
    s = doc.sections[0]
    s.orientation = WD_ORIENT.LANDSCAPE
    s.page_width, s.page_height = PAGE_W, PAGE_H
    s.left_margin = s.right_margin = MARGIN_LR
    s.top_margin, s.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    s.header_distance = Cm(1.2)
    s.footer_distance = FOOTER_DISTANCE
    p = s.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
    page_number_field(p)
    set_font(p.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)


def page_number_field(paragraph) -> None:
    """A PAGE field (begin / instruction / separate / cached 1 / end), as Word writes it."""
    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    for part in ("begin", "instr", "separate", "value", "end"):
        run = paragraph.add_run()
        set_font(run, PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
        if part == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = " PAGE "
            run._element.append(instr)
        elif part == "value":
            run.text = "1"
        else:
            run._element.append(fld(part))


def row_flags(row, header: bool = False) -> None:
    """The header row stays whole and repeats on every page. Body rows may break across
    pages: kept whole, each long row pushed to the next page and left half a page empty
    (six rows took three pages); the 重点任务 cell is merged over its rows and its name
    sits at the top, so a row continued on the next page still reads under its header."""
    trpr = row._tr.get_or_add_trPr()
    if header:
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        trpr.append(el)
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        trpr.append(el)
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(int(0.8 * 567)))
        height.set(qn("w:hRule"), "atLeast")
        trpr.append(height)


def fix_widths(table, widths: list[float]) -> None:
    """A fixed total width and cell padding, so Word keeps the column widths we chose
    instead of fitting them to the text, and text does not touch the rules."""
    tblpr = table._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(int(w * 567) for w in widths)))
    mar = OxmlElement("w:tblCellMar")
    for side, value in (("top", PAD_TOP_BOTTOM), ("left", PAD_LEFT_RIGHT),
                        ("bottom", PAD_TOP_BOTTOM), ("right", PAD_LEFT_RIGHT)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(value))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tblpr.find(qn("w:tblLayout")).addnext(mar)  # schema order: … tblLayout, tblCellMar, tblLook


def text_lines(text) -> list[str]:
    text = xml_safe(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return text.split("\n") if text else [""]


def text_run(line: str, bold: bool = False):
    r = OxmlElement("w:r")
    if AMBIGUOUS.search(line) or bold:
        rpr = OxmlElement("w:rPr")
        if AMBIGUOUS.search(line):
            fonts = OxmlElement("w:rFonts")
            fonts.set(qn("w:hint"), "eastAsia")
            rpr.append(fonts)
        if bold:
            rpr.append(OxmlElement("w:b"))
        r.append(rpr)
    t = OxmlElement("w:t")
    if line != line.strip():
        t.set(qn("xml:space"), "preserve")
    t.text = line
    r.append(t)
    return r


def cell_text(cell, text: str, style) -> None:
    for i, line in enumerate(text_lines(text)):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p._p.get_or_add_pPr().style = style.style_id  # p.style = … looks the style up each time
        if line:
            p._p.append(text_run(line))




def new_table(doc, headers: list[str], widths: list[float], header_style):
    """A table of fixed column widths (cm), centred on the page, with its header row
    drawn in ``header_style`` and repeated on every page."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    fix_widths(table, widths)
    for i, gc in enumerate(table._tbl.tblGrid.findall(qn("w:gridCol"))):
        gc.set(qn("w:w"), str(int(widths[i] * 567)))  # twips per cm
    row_flags(table.rows[0], header=True)
    for i, h in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.width = Cm(widths[i])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        cell_text(cell, h, header_style)
    return table
