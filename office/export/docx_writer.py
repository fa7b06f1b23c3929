"""DOCX 任务分解表 in the style of a Chinese government document.

A4 landscape; the title in 方正小标宋简体 (二号), the table header in 黑体 and the body in
仿宋_GB2312, digits and Latin text in Times New Roman; the header row repeats on every
page; page numbers as “— 1 —” in the footer. Chinese font names must go in the
w:eastAsia attribute: Word ignores ``font.name`` for Chinese characters.
"""
from __future__ import annotations

import copy
import io
import re
import unicodedata

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

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

# the eight columns of a 任务分解表; 备注 joins them when a row has a note (columns_for)
TABLE_FIELDS = [f for f in FIELDS if f not in ("note", "clause_id")]
BODY_PT, HEADER_PT, TITLE_PT, PAGE_NUMBER_PT = 10, 11, 22, 14  # 五号 a half point smaller, 五号+, 二号, 四号
PAGE_W, PAGE_H = Cm(29.7), Cm(21.0)
# top and bottom as a landscape table attachment is printed: a 6-row list fits one page
MARGIN_LR, MARGIN_TOP, MARGIN_BOTTOM = Cm(1.5), Cm(1.8), Cm(1.6)
# cell padding in twips: the default Table Grid has none above and below, so text
# touched the rules
PAD_TOP_BOTTOM, PAD_LEFT_RIGHT = 28, 85
# widths in cm for each column: (when the column has text, when it is empty for hand-filling);
# 具体内容 takes what is left, the long prose being what makes a table tall. Sized for
# 五号 (0.37 cm a character): 完成时限 holds “2025年底前” on one line, a unit's name
# five characters a line; 出处 is sized to its longest entry (source_width).
WIDTHS = {
    "seq": (1.0, 1.0), "task": (2.2, 2.2), "source": (3.0, 3.0), "targets": (2.8, 2.2),
    "deadline": (2.0, 2.0), "lead_unit": (2.3, 2.3), "support_units": (2.3, 2.3), "note": (2.4, 2.0),
    "progress": (4.0, 3.0), "status": (1.6, 1.6),
}
CHAR_CM, PAD_CM = 0.34, 0.35  # a 小五 character, and both paddings
JUSTIFIED = {"content"}
# the columns beside the task, in 小五: indicators with their values and units' full
# names (广东省市场监督管理局（知识产权局）) are long in narrow columns, and in 五号 they,
# not the task, set the height of the rows (a 6-row list took two pages)
SMALL, SMALL_PT = {"source", "targets", "deadline", "lead_unit", "support_units", "note", "progress", "status"}, 9


def cell_style(field: str) -> str:
    size = "small-" if field in SMALL else ""
    if field in CENTRED:
        return size + "center" if field != "seq" else "center"
    if field in JUSTIFIED:
        return "body"
    return "small" if size else "left"  # long prose; short cells justified spread their characters apart
# characters Word draws in the Latin font unless the run says it is East Asian text:
# “” ‘’ would come out as narrow Times New Roman quotes, — and … half-width
_AMBIGUOUS = re.compile("[\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u00b7]")


def set_font(run, east_asia: str, size_pt: float | None = None) -> None:
    run.font.name = LATIN_FONT
    rfonts = _east_asian(run._element, east_asia)
    if _AMBIGUOUS.search(run.text or ""):
        rfonts.set(qn("w:hint"), "eastAsia")
    if size_pt is not None:
        run.font.size = Pt(size_pt)


def _east_asian(style_or_run_element, east_asia: str):
    rfonts = style_or_run_element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    return rfonts


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


def _chinese_defaults(doc) -> None:
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
    _font_table(doc)


def _font_table(doc) -> None:
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


def _style_defaults(doc) -> dict:
    _chinese_defaults(doc)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_PT)
    _east_asian(normal.element, BODY_FONT)
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.0
    return {
        "header": _paragraph_style(doc, "任务表表头", "PlankbTableHeader", HEADER_FONT, HEADER_PT,
                                   WD_ALIGN_PARAGRAPH.CENTER),
        "body": _paragraph_style(doc, "任务表正文", "PlankbTableBody", BODY_FONT, BODY_PT, WD_ALIGN_PARAGRAPH.JUSTIFY),
        "left": _paragraph_style(doc, "任务表左对齐", "PlankbTableLeft", BODY_FONT, BODY_PT, WD_ALIGN_PARAGRAPH.LEFT),
        "center": _paragraph_style(doc, "任务表居中", "PlankbTableCenter", BODY_FONT, BODY_PT, WD_ALIGN_PARAGRAPH.CENTER),
        "small": _paragraph_style(doc, "任务表小字", "PlankbTableSmall", BODY_FONT, SMALL_PT, WD_ALIGN_PARAGRAPH.LEFT),
        "small-center": _paragraph_style(doc, "任务表小字居中", "PlankbTableSmallCenter", BODY_FONT, SMALL_PT,
                                         WD_ALIGN_PARAGRAPH.CENTER),
    }


def _page(doc) -> None:
    s = doc.sections[0]
    s.orientation = WD_ORIENT.LANDSCAPE
    s.page_width, s.page_height = PAGE_W, PAGE_H
    s.left_margin = s.right_margin = MARGIN_LR
    s.top_margin, s.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    s.header_distance = Cm(1.2)
    s.footer_distance = Cm(0.8)
    p = s.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)
    _page_field(p)
    set_font(p.add_run(" —"), PAGE_NUMBER_FONT, PAGE_NUMBER_PT)


def _page_field(paragraph) -> None:
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


def _row_flags(row, header: bool = False) -> None:
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


def _table_props(table, widths: list[float]) -> None:
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


def _lines(text) -> list[str]:
    text = xml_safe(text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return text.split("\n") if text else [""]


def _run(line: str, bold: bool = False):
    r = OxmlElement("w:r")
    if _AMBIGUOUS.search(line) or bold:
        rpr = OxmlElement("w:rPr")
        if _AMBIGUOUS.search(line):
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


def _cell_text(cell, text: str, style) -> None:
    for i, line in enumerate(_lines(text)):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p._p.get_or_add_pPr().style = style.style_id  # p.style = … looks the style up each time
        if line:
            p._p.append(_run(line))


def _row_template(table, widths: list[float], cell_styles: list) -> tuple:
    """A body row made once through python-docx (flags, widths, centring, one styled empty
    paragraph a cell) and copied for every row: setting those through the API for each of
    1,400 cells took most of the time of a whole-plan export."""
    row = table.add_row()
    _row_flags(row)
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
        for i, line in enumerate(_lines(value)):
            if i:
                p = copy.deepcopy(p_template)
                tc.append(p)
            if i == 0 and lead and line.startswith(lead):
                p.append(_run(lead, bold=True))
                line = line[len(lead):]
            if line:
                p.append(_run(line))
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
        first.paragraph_format.space_after = Pt(6)
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
            last.paragraph_format.space_before = Pt(4)
            set_font(last.add_run(text), SUBTITLE_FONT, SUBTITLE_PT)
    last.paragraph_format.space_after = Pt(8)


def render(rows: list[ExportRow], title: str, options: ExportOptions | None = None) -> bytes:
    doc = Document()
    styles = _style_defaults(doc)
    _page(doc)
    doc.core_properties.title = xml_safe(title)[:250]
    doc.core_properties.author = "plankb"
    doc.core_properties.language = "zh-CN"

    _heading(doc, title, options or ExportOptions())

    fields = columns_for(rows)
    widths = widths_for(fields, rows)
    sources = short_sources(rows, title) if options and options.full_source else [r.source for r in rows]
    cell_styles = [styles[cell_style(f)] for f in fields]
    table = doc.add_table(rows=1, cols=len(fields))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_props(table, widths)
    for i, gc in enumerate(table._tbl.tblGrid.findall(qn("w:gridCol"))):
        gc.set(qn("w:w"), str(int(widths[i] * 567)))  # twips per cm

    header = table.rows[0]
    _row_flags(header, header=True)
    for i, f in enumerate(fields):
        cell = header.cells[i]
        cell.width = Cm(widths[i])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_text(cell, HEADERS[f], styles["header"])

    template, paragraphs = _row_template(table, widths, cell_styles)
    tbl = table._tbl
    for values, merges in _cells(rows, fields, sources):
        _fill_row(tbl, template, paragraphs, values, merges)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
