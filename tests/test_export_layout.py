"""How the DOCX and XLSX 任务分解表 look on paper, read back with python-docx and openpyxl:
column widths, fonts and their fallbacks, repeated header, page setup, print setup."""
import io
import zipfile

import pytest
from docx import Document as Docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook

from test_export_support import mini_corpus
from office.export import build_rows, clauses_in_box, clauses_in_chapter, default_title, export_bytes, options_from
from office.export.docx_writer import BODY_FONT, HEADER_FONT, TITLE_FONT, short_sources

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADER8 = ["序号", "重点任务", "具体内容", "出处", "目标/指标", "完成时限", "牵头单位", "配合单位"]


@pytest.fixture(scope="module")
def chapter3(corpus, seed):
    """Chapter 3 of the seed plan with the plan's own units and deadlines: many rows, long cells."""
    rows = build_rows(corpus, [c.id for c in clauses_in_chapter(seed, 3)], graph=None, suggest=True)
    title = default_title(doc=seed, chapter=3)
    return rows, title


@pytest.fixture(scope="module")
def chapter3_docx(chapter3):
    rows, title = chapter3
    return Docx(io.BytesIO(export_bytes(rows, "docx", title)[0]))


@pytest.fixture(scope="module")
def chapter3_xlsx(chapter3):
    rows, title = chapter3
    data = export_bytes(rows, "xlsx", title)[0]
    return load_workbook(io.BytesIO(data)).active, data


def grid_cm(table):
    return [int(g.get(qn("w:w"))) / 567 for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def test_docx_page_is_a4_landscape_with_government_margins(chapter3_docx):
    sec = chapter3_docx.sections[0]
    assert (round(sec.page_width.cm, 1), round(sec.page_height.cm, 1)) == (29.7, 21.0)
    assert round(sec.left_margin.cm, 1) == round(sec.right_margin.cm, 1) == 1.5
    assert round(sec.top_margin.cm, 1) == 1.3 and round(sec.bottom_margin.cm, 1) == 1.4
    # the footer sits inside the bottom margin, with room for its line: “— 1 —” in 宋体 四号, centred
    assert sec.bottom_margin - sec.footer_distance >= Pt(14 * 1.2)
    footer = sec.footer.paragraphs[0]
    assert footer.text == "— 1 —" and footer.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))
    assert {r.font.size.pt for r in footer.runs} == {14}


def test_docx_columns_fill_the_page_with_content_widest_and_seq_narrowest(chapter3_docx):
    doc = chapter3_docx
    table = doc.tables[0]
    widths = grid_cm(table)
    assert [c.text for c in table.rows[0].cells] == HEADER8
    sec = doc.sections[0]
    usable = (sec.page_width - sec.left_margin - sec.right_margin) / 360000  # EMU per cm
    assert abs(sum(widths) - usable) < 0.05
    assert widths[2] == max(widths) and widths[2] >= 8.0  # 具体内容: about 20 characters a line
    assert widths[0] == min(widths) and widths[0] <= 1.2
    assert round(widths[5], 2) >= 2.0  # 完成时限: “2025年底前” on one line in 小五
    # Word keeps these widths only with a fixed layout and a fixed total width
    tblpr = table._tbl.tblPr
    assert tblpr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    tblw = tblpr.find(qn("w:tblW"))
    assert tblw.get(qn("w:type")) == "dxa" and abs(int(tblw.get(qn("w:w"))) / 567 - sum(widths)) < 0.05
    for row in table.rows[:3]:
        assert [round(c.width.cm, 2) for c in row.cells] == [round(w, 2) for w in widths]


def test_docx_cells_are_padded_and_vertically_centred(chapter3_docx):
    table = chapter3_docx.tables[0]
    mar = table._tbl.tblPr.find(qn("w:tblCellMar"))
    assert mar is not None
    pads = {side: int(mar.find(qn(f"w:{side}")).get(qn("w:w"))) for side in ("top", "bottom", "left", "right")}
    assert pads["top"] > 0 and pads["bottom"] > 0 and pads["left"] >= 85
    for row in (table.rows[0], table.rows[5]):
        cells = [c for i, c in enumerate(row.cells) if i != 1]  # 重点任务 may be a merged cell
        assert {c.vertical_alignment for c in cells} == {WD_CELL_VERTICAL_ALIGNMENT.CENTER}
    # a merged 重点任务 names its group at the top: the group may run on to the next page
    assert table.rows[5].cells[1].vertical_alignment == WD_CELL_VERTICAL_ALIGNMENT.TOP


def test_docx_header_repeats_and_long_rows_may_break_across_pages(chapter3_docx):
    """Issue 11 #14: rows kept whole pushed each long row to the next page (3 pages for 6 rows)."""
    rows = chapter3_docx.tables[0].rows
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None
    assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in rows[1:])
    assert all(r._tr.trPr is None or r._tr.trPr.find(qn("w:cantSplit")) is None for r in rows[1:])


def test_docx_fonts_title_header_body_and_alignment(chapter3_docx, chapter3):
    doc = chapter3_docx
    title = doc.paragraphs[0]
    assert title.text == chapter3[1] and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    run = title.runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT and run.font.size.pt == 22
    table = doc.tables[0]

    def style_of(cell):
        return cell.paragraphs[0].style

    header = style_of(table.rows[0].cells[0])
    assert header.element.rPr.rFonts.get(qn("w:eastAsia")) == HEADER_FONT
    body = table.rows[1].cells
    for i in range(8):
        st = style_of(body[i])
        assert st.element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
        # the task and its content in 五号 on a 12 pt pitch; the columns beside them in 小五 on 10 pt
        assert (st.font.size.pt, st.paragraph_format.line_spacing.pt) == ((10.5, 12) if i < 3 else (9, 10))
        assert st.element.rPr.rFonts.get(qn("w:ascii")) == "Times New Roman"
    align = [style_of(c).paragraph_format.alignment for c in body]
    assert align[2] == WD_ALIGN_PARAGRAPH.JUSTIFY  # 具体内容
    assert align[1] == align[3] == align[4] == WD_ALIGN_PARAGRAPH.LEFT  # short cells are not spread out
    assert align[0] == align[5] == align[6] == align[7] == WD_ALIGN_PARAGRAPH.CENTER


def test_docx_is_chinese_throughout_with_font_fallbacks(chapter3_docx):
    doc = chapter3_docx
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = defaults.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == BODY_FONT and rfonts.get(qn("w:eastAsiaTheme")) is None
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert doc.settings.element.find(qn("w:themeFontLang")).get(qn("w:eastAsia")) == "zh-CN"

    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from lxml import etree

    fonts = etree.fromstring(doc.part.part_related_by(RT.FONT_TABLE).blob)
    alt = {f.get(W + "name"): f.find(W + "altName").get(W + "val")
           for f in fonts.findall(W + "font") if f.find(W + "altName") is not None}
    assert alt[BODY_FONT] == "仿宋" and alt[TITLE_FONT] == "宋体" and alt[HEADER_FONT] == "SimHei"
    charsets = {f.get(W + "name"): f.find(W + "charset").get(W + "val") for f in fonts.findall(W + "font")}
    assert charsets[BODY_FONT] == charsets[TITLE_FONT] == "86"  # GB2312
    assert "80" not in charsets.values()  # no Japanese fonts left from the template


def test_docx_quotes_and_dashes_are_east_asian(chapter3_docx):
    """“” in a run without w:hint are drawn in Times New Roman: narrow Latin quotes."""
    title = chapter3_docx.paragraphs[0].runs[0]
    assert "“" in title.text and title._element.rPr.rFonts.get(qn("w:hint")) == "eastAsia"
    runs = [r for row in chapter3_docx.tables[0].rows[1:] for c in row.cells for p in c.paragraphs for r in p.runs]
    quoted = [r for r in runs if "“" in r.text]
    plain = [r for r in runs if not any(ch in r.text for ch in "“”‘’—…·") and not r.bold]
    assert quoted and plain
    assert all(r._element.rPr.rFonts.get(qn("w:hint")) == "eastAsia" for r in quoted)
    assert all(r._element.rPr is None for r in plain)  # the style sets the fonts, not each run
    footer = chapter3_docx.sections[0].footer.paragraphs[0].runs[0]
    assert footer.text == "— " and footer._element.rPr.rFonts.get(qn("w:hint")) == "eastAsia"


def test_docx_source_is_short_and_the_plan_named_once(chapter3_docx, corpus, seed):
    """Issue 11 #12: 出处 as staff write it (第三章第二节 / 专栏14); the plan once, in the heading."""
    table = chapter3_docx.tables[0]
    sources = [row.cells[3].text for row in table.rows[1:]]
    assert sources[0] == "第三章" and "第三章第二节" in sources and "专栏1" in sources
    assert not any("《" in s or "“" in s for s in sources)
    rows = build_rows(corpus, [c.id for c in clauses_in_box(seed, 14)], graph=None)
    doc = Docx(io.BytesIO(export_bytes(rows, "docx", "知识产权金融重点任务")[0]))
    assert doc.tables[0].rows[1].cells[3].text == "专栏14"
    assert [p.text for p in doc.paragraphs[:2]] == ["知识产权金融重点任务", "（《广东省知识产权保护和运用“十四五”规划》）"]


def test_docx_full_source_is_an_option(chapter3, corpus, seed):
    from office.export import options_from

    rows, title = chapter3
    doc = Docx(io.BytesIO(export_bytes(rows, "docx", title, options_from({"full_source": "1"}))[0]))
    assert doc.tables[0].rows[1].cells[3].text == "第三章“全面加强知识产权保护\u3000激发全社会创新活力”"
    assert len(doc.paragraphs) == 1 or "（《" not in doc.paragraphs[1].text  # the title names the plan
    # a title that does not name the plan keeps the full citation
    rows = build_rows(corpus, [c.id for c in clauses_in_box(seed, 14)], graph=None)
    doc = Docx(io.BytesIO(export_bytes(rows, "docx", "知识产权金融重点任务", options_from({"full_source": "on"}))[0]))
    assert doc.tables[0].rows[1].cells[3].text.startswith("《广东省知识产权保护和运用“十四五”规划》第五章")
    # the other formats keep it in every case: they are data, sorted and filtered
    ws = load_workbook(io.BytesIO(export_bytes(rows, "xlsx", default_title(doc=seed, box=14),
                                                options_from({"full_source": "1"}))[0])).active
    assert ws["D3"].value.startswith("《广东省知识产权保护和运用“十四五”规划》")


def test_short_sources_only_strips_the_titled_plan():
    corpus = mini_corpus()
    rows = build_rows(corpus, ["mini-ip:3.2.p1", "mini-ip:box1.p1", "mini-ip:p1"], graph=None)
    plan = "《某省知识产权保护“十四五”规划》"
    assert all(r.source.startswith(plan) for r in rows)
    short = short_sources(rows, plan + "任务分解表")
    assert short[0] == "第三章第二节“加强知识产权司法保护”"
    assert short[1].startswith("第三章第二节专栏1")
    assert short[2] == "前言"
    assert short_sources(rows, "《另一个规划》任务分解表") == [r.source for r in rows]


def test_docx_note_column_squeezes_content_but_it_stays_widest():
    corpus = mini_corpus()
    rows = build_rows(corpus, [{"clause_id": "mini-ip:3.2.p1", "note": "需省财政厅审核"}], graph=None)
    table = Docx(io.BytesIO(export_bytes(rows, "docx", "测试")[0])).tables[0]
    widths = grid_cm(table)
    assert [c.text for c in table.rows[0].cells][-1] == "备注"
    assert widths[2] == max(widths) and abs(sum(widths) - 26.7) < 0.05


def test_xlsx_columns_wrap_and_the_header_is_frozen(chapter3_xlsx, chapter3):
    ws, _ = chapter3_xlsx
    rows, title = chapter3
    assert ws["A1"].value == title and ws["A1"].alignment.horizontal == "center"
    assert [c.value for c in ws[2]][:8] == HEADER8
    assert ws.freeze_panes == "A3"
    width = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJ"}
    assert width["C"] == max(width.values()) and width["A"] == min(width.values())
    # the printed columns fit A4 landscape at no less than about 80%
    assert sum(width[c] for c in "ABCDEFGHI") <= 180
    for cell in ws[5]:
        assert cell.alignment.wrap_text and cell.alignment.vertical == "center"
    assert ws["C5"].alignment.horizontal == "justify" and ws["G5"].alignment.horizontal == "center"
    assert ws["A2"].font.name == "黑体" and ws["C5"].font.name == "仿宋" and ws["C5"].font.charset == 134
    assert ws["A1"].font.name == "方正小标宋简体" and ws["A1"].font.charset == 134
    assert ws.row_dimensions[1].height >= 38


def test_xlsx_prints_a4_landscape_fit_to_width_with_the_header_on_every_page(chapter3_xlsx, chapter3):
    ws, data = chapter3_xlsx
    rows, _ = chapter3
    ps = ws.page_setup
    assert ps.orientation == "landscape" and int(ps.paperSize) == int(ws.PAPERSIZE_A4) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0
    assert ws.print_title_rows == "$2:$2"
    assert ws.print_area == f"'任务分解表'!$A$1:$I${len(rows) + 2}"  # 条款编号 is not printed
    assert ws.merged_cells.ranges and str(next(iter(ws.merged_cells.ranges))) == "A1:I1"
    assert ws.print_options.horizontalCentered
    assert ws.oddFooter.center.text == "— &P —"
    workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
    assert "_xlnm.Print_Titles" in workbook and "_xlnm.Print_Area" in workbook


def test_xlsx_long_title_gets_a_taller_row():
    from office.export.xlsx_writer import title_height

    assert title_height("短标题") == 38
    assert title_height("很长的标题" * 20) >= 2 * 30


def test_docx_long_titles_break_after_the_plan_name():
    from office.export.docx_writer import title_lines

    plan = "《广东省知识产权保护和运用“十四五”规划》"
    assert title_lines(plan + "第三章重点任务分解表") == [plan + "第三章重点任务分解表"]  # fits one line
    assert title_lines(plan + "专栏14“知识产权金融创新工程”任务分解表") == [
        plan, "专栏14“知识产权金融创新工程”任务分解表"]
    long_plain = "关于" + "加强知识产权保护" * 6 + "的任务分解表"
    assert title_lines(long_plain) == [long_plain]  # no plan name to break after: Word wraps it
    too_long_rest = plan + "第三章" + "重点任务" * 10
    assert title_lines(too_long_rest) == [too_long_rest]
