"""Each writer, read back with the library a user's software would use."""
import csv
import io
import json
import os
import zipfile

import pytest
from docx import Document as Docx
from docx.oxml.ns import qn
from openpyxl import load_workbook

from test_export_support import mini_corpus
from office.export import (
    FORMATS,
    ExportError,
    build_rows,
    content_disposition,
    export_bytes,
    safe_filename,
    write_export,
)
from office.export.docx_writer import BODY_FONT, HEADER_FONT, TITLE_FONT

SECTION_32 = ["gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:box1.p1", "gd-ip-14fyp:3.2.p3"]
HEADER8 = ["序号", "重点任务", "具体内容", "出处", "目标/指标", "完成时限", "牵头单位", "配合单位"]
TITLE = "司法保护重点任务分解表"


@pytest.fixture
def rows(corpus):
    entries = [{"clause_id": SECTION_32[0], "lead_unit": "省公安厅", "support_units": "省法院、省检察院",
                "deadline": "2025年底前"}] + SECTION_32[1:]
    return build_rows(corpus, entries, graph=None)


@pytest.fixture
def hostile():
    """Cells a user could type into a list, each an attack on some reader of the file."""
    corpus = mini_corpus()
    return build_rows(corpus, [
        {"clause_id": "mini-ip:3.2.p2", "lead_unit": "+SUM(A1:A9)", "support_units": "@cmd",
         "deadline": "-2+3", "note": "=HYPERLINK(\"http://evil\")|x\n第二行<script>"},
        {"clause_id": "mini-ip:3.1.p1", "note": "\t=1+1"},
    ], graph=None)


def test_docx_is_a_landscape_task_table_in_government_fonts(rows, tmp_path):
    path = write_export(rows, "docx", TITLE, tmp_path / "out.docx")
    doc = Docx(str(path))
    sec = doc.sections[0]
    assert sec.page_width > sec.page_height
    assert round(sec.page_width.cm, 1) == 29.7 and round(sec.page_height.cm, 1) == 21.0
    title = doc.paragraphs[0]
    assert title.text == TITLE
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == HEADER8  # no 备注 column: no notes
    assert len(table.rows) == 1 + len(rows)
    first = [c.text for c in table.rows[1].cells]
    # three rows of one section: one merged 重点任务 cell, numbered 1.1, 1.2, 1.3, and each
    # row's own task opens its content in bold
    assert first[:2] == ["1.1", "加强知识产权司法保护"]
    assert first[2].startswith("依法严打知识产权犯罪：")
    assert table.rows[1].cells[2].paragraphs[0].runs[0].bold
    assert first[3] == "第三章第二节"
    assert first[5:] == ["2025年底前", "省公安厅", "省法院、省检察院"]
    second = [c.text for c in table.rows[2].cells]
    assert second[:2] == ["1.2", "加强知识产权司法保护"] and second[2].startswith("打击知识产权犯罪专项工程：")
    assert second[3] == "专栏1"
    # the header row repeats on every page
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None

    def east_asian_font(paragraph):
        return paragraph.style.element.rPr.rFonts.get(qn("w:eastAsia"))

    assert east_asian_font(table.rows[0].cells[0].paragraphs[0]) == HEADER_FONT
    assert east_asian_font(table.rows[1].cells[2].paragraphs[0]) == BODY_FONT
    assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
    # content gets the widest column
    widths = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert widths[2] == max(widths)
    footer_xml = sec.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and "fldChar" in footer_xml


def test_docx_adds_a_note_column_only_when_there_are_notes(hostile):
    data, mimetype, name = export_bytes(hostile, "docx", "测试")
    assert mimetype.endswith("wordprocessingml.document") and name == "测试.docx"
    table = Docx(io.BytesIO(data)).tables[0]
    assert [c.text for c in table.rows[0].cells] == HEADER8 + ["备注"]
    note = table.rows[1].cells[8]
    assert [p.text for p in note.paragraphs] == ["=HYPERLINK(\"http://evil\")|x", "第二行<script>"]


def test_xlsx_has_title_frozen_header_and_text_only_cells(rows, hostile, tmp_path):
    path = write_export(rows, "xlsx", TITLE, tmp_path / "out.xlsx")
    ws = load_workbook(path).active
    assert ws["A1"].value == TITLE
    assert [c.value for c in ws[2]][:8] == HEADER8
    assert ws.freeze_panes == "A3"
    assert ws["A2"].font.b and ws["C3"].alignment.wrap_text
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width
    assert ws["B3"].value == "依法严打知识产权犯罪" and ws["A5"].value == 3
    assert ws.max_row == 2 + len(rows)

    data, _, _ = export_bytes(hostile, "xlsx", "测试")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["G3"].value == "+SUM(A1:A9)" and ws["G3"].data_type == "s"
    assert ws["I3"].data_type == "s"
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere


def test_csv_has_bom_and_neutralises_formulas(hostile):
    data, mimetype, name = export_bytes(hostile, "csv", "测试")
    assert data.startswith(b"\xef\xbb\xbf") and name == "测试.csv" and "charset=utf-8" in mimetype
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = table[0]
    assert header[:8] == HEADER8 and header[-2:] == ["备注", "条款编号"]
    row = dict(zip(header, table[1]))
    assert row["牵头单位"] == "'+SUM(A1:A9)"
    assert row["配合单位"] == "'@cmd"
    assert row["完成时限"] == "'-2+3"
    assert row["备注"].startswith("'=HYPERLINK")
    assert row["具体内容"].startswith("'=HYPERLINK")  # clause text is neutralised too
    assert dict(zip(header, table[2]))["备注"] == "'\t=1+1"
    for line in table[1:]:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t"))


def test_markdown_table_escapes_pipes_and_html(hostile):
    data, mimetype, _ = export_bytes(hostile, "md", "测试")
    text = data.decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "# 测试"
    header = lines[2]
    assert header.startswith("| 序号 | 重点任务 | 具体内容 |")
    row = lines[4]
    assert row.count(" | ") == header.count(" | ")  # an escaped | does not add a column
    assert "\\|x<br>第二行&lt;script&gt;" in row
    assert "<script>" not in text
    assert text.rstrip().endswith("共 2 项。")


def test_json_keeps_every_field(rows):
    data, mimetype, _ = export_bytes(rows, "json", TITLE)
    doc = json.loads(data)
    assert doc["title"] == TITLE and doc["count"] == 3
    assert [c["label"] for c in doc["columns"]][:8] == HEADER8
    assert doc["rows"][0]["clause_id"] == SECTION_32[0]
    assert doc["rows"][0]["lead_unit"] == "省公安厅"
    assert doc["rows"][1]["kind"] == "box_item"


def test_writes_are_atomic_and_leave_no_temp_files(rows, tmp_path, monkeypatch):
    target = tmp_path / "表.csv"
    target.write_bytes(b"old")
    write_export(rows, "csv", TITLE, target)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["表.csv"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # not left private like a temp file

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ExportError, match="磁盘空间不足"):
        write_export(rows, "md", TITLE, target)
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # the old file is intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["表.csv"]


def test_bad_requests_are_export_errors(rows, tmp_path):
    with pytest.raises(ExportError, match="不支持的导出格式"):
        export_bytes(rows, "exe", TITLE)
    with pytest.raises(ExportError, match="没有可导出的条款"):
        export_bytes([], "docx", TITLE)
    with pytest.raises(ExportError, match="输出目录不存在"):
        write_export(rows, "docx", TITLE, tmp_path / "missing" / "a.docx")
    with pytest.raises(ExportError, match="是一个目录"):
        write_export(rows, "docx", TITLE, tmp_path)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_renders_the_whole_seed_plan(corpus, seed, fmt):
    rows = build_rows(corpus, [c.id for c in seed.clauses], graph=None)
    data, mimetype, name = export_bytes(rows, fmt, "《广东省知识产权保护和运用“十四五”规划》全部条款")
    assert len(data) > 1000 and name.endswith(FORMATS[fmt].ext)


def test_download_names_cannot_be_paths():
    assert safe_filename("../../etc/passwd", ".csv") == "etc_passwd.csv"
    assert safe_filename("《规划》第三章/第二节", ".docx") == "《规划》第三章_第二节.docx"
    assert safe_filename("...", ".md") == "任务分解表.md"
    assert safe_filename("a" * 200, ".md") == "a" * 60 + ".md"
    header = content_disposition("司法保护.docx")
    assert header.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E5%8F%B8%E6%B3%95" in header
    assert "\n" not in content_disposition("a\r\nSet-Cookie: x.docx")


def test_xlsx_rows_are_tall_enough_for_wrapped_text(rows):
    from office.export.xlsx_writer import row_height

    ws = load_workbook(io.BytesIO(export_bytes(rows, "xlsx", TITLE)[0])).active
    # 3.2.p3's content is ~190 characters in a 60-unit column: several lines, not one
    assert ws.row_dimensions[5].height >= 4 * 15
    assert ws.row_dimensions[5].height > ws.row_dimensions[2].height
    assert row_height({"note": "短"}) == 19
    assert row_height({"note": "一\n二\n三"}) == 49


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_characters_outside_xml_never_make_an_export_fail(tmp_path, corpus, fmt):
    """A list saved before the store cleaned its input (or a plan's own text) may hold
    U+FFFE, U+FFFF or control characters: the export drops them and is written."""
    import sqlite3

    from office.lists import ListStore

    store = ListStore.for_instance(tmp_path)
    tl = store.create_list("旧清单")
    item = store.add_items(tl.id, [SECTION_32[0]])[0]
    conn = sqlite3.connect(tmp_path / "plankb.sqlite3")  # as an older plankb stored them
    conn.execute("UPDATE lists SET title = ? WHERE id = ?", ("旧\ufffe标题\x01", tl.id))
    conn.execute("UPDATE items SET lead_unit = ?, note = ? WHERE id = ?", ("省\uffff公安厅", "备\x0b注\ufffe", item.id))
    conn.commit()
    conn.close()
    tl = store.get_list(tl.id)
    data, _, name = export_bytes(build_rows(corpus, store.items(tl.id), graph=None), fmt, tl.display_title)
    assert name == f"旧标题.{fmt}"
    if fmt == "docx":
        doc = Docx(io.BytesIO(data))
        assert doc.paragraphs[0].text == "旧标题" and doc.core_properties.title == "旧标题"
        assert [c.text for c in doc.tables[0].rows[1].cells][6:] == ["省公安厅", "", "备注"]
    else:
        ws = load_workbook(io.BytesIO(data)).active
        assert ws["A1"].value == "旧标题" and ws["G3"].value == "省公安厅" and ws["I3"].value == "备注"


def test_docx_as_an_attachment_with_the_documents_title_block(rows):
    """Issue 11 #12: “附件1”, the title, the plan once, and 发文单位　文号　日期 as filled."""
    from office.export import options_from

    options = options_from({"attachment": "1", "issuer": " 广东省知识产权局 ", "doc_number": "粤知〔2024〕12号",
                            "date": "2024年3月1日"})
    doc = Docx(io.BytesIO(export_bytes(rows, "docx", TITLE, options)[0]))
    texts = [p.text for p in doc.paragraphs[:4]]
    assert texts == ["附件1", TITLE, "（《广东省知识产权保护和运用“十四五”规划》）",
                     "广东省知识产权局\u3000粤知〔2024〕12号\u30002024年3月1日"]
    assert doc.paragraphs[0].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == HEADER_FONT
    # only what is filled; a label typed in full is kept
    doc = Docx(io.BytesIO(export_bytes(rows, "docx", TITLE, options_from({"attachment": "附件 2",
                                                                          "date": "2024年5月"}))[0]))
    assert [p.text for p in doc.paragraphs[:4]][:2] == ["附件2", TITLE] and doc.paragraphs[3].text == "2024年5月"


def test_export_options_are_checked(rows):
    from office.export import options_from

    with pytest.raises(ExportError, match="发文单位过长"):
        options_from({"issuer": "局" * 61})
    assert options_from({"doc_number": "粤知\ufffe〔2024〕1号"}).doc_number == "粤知〔2024〕1号"
    assert options_from(None).title_block == ""


def test_xlsx_seq_is_a_number(rows):
    ws = load_workbook(io.BytesIO(export_bytes(rows, "xlsx", TITLE)[0])).active
    assert [ws.cell(row=r, column=1).value for r in range(3, 3 + len(rows))] == [1, 2, 3]
    assert {ws.cell(row=r, column=1).data_type for r in range(3, 3 + len(rows))} == {"n"}


def test_source_is_short_in_word_and_excel_and_full_in_the_data_formats(rows):
    ws = load_workbook(io.BytesIO(export_bytes(rows, "xlsx", TITLE)[0])).active
    assert [ws.cell(row=r, column=4).value for r in (3, 4)] == ["第三章第二节", "专栏1"]
    data = json.loads(export_bytes(rows, "json", TITLE)[0])
    assert data["rows"][0]["source"] == "《广东省知识产权保护和运用“十四五”规划》第三章第二节“加强知识产权司法保护”"
    assert data["rows"][0]["source_short"] == "第三章第二节"
    table = list(csv.reader(io.StringIO(export_bytes(rows, "csv", TITLE)[0].decode("utf-8-sig"))))
    assert table[1][3].startswith("《广东省知识产权保护和运用")


def test_rows_from_two_plans_keep_the_plan_in_their_source():
    from office.export import ExportRow

    rows = [ExportRow(1, "甲", "内容", "《甲规划》第一章", source_short="第一章"),
            ExportRow(2, "乙", "内容", "《乙规划》第二章", source_short="第二章")]
    doc = Docx(io.BytesIO(export_bytes(rows, "docx", "两个规划的任务")[0]))
    assert [r.cells[3].text for r in doc.tables[0].rows[1:]] == ["《甲规划》第一章", "《乙规划》第二章"]
    assert "（《甲规划》）" not in [p.text for p in doc.paragraphs]
    one = [rows[0], ExportRow(2, "甲2", "内容", "《甲规划》第二章", source_short="第二章")]
    doc = Docx(io.BytesIO(export_bytes(one, "docx", "一个规划的任务")[0]))
    assert [r.cells[3].text for r in doc.tables[0].rows[1:]] == ["第一章", "第二章"]
    assert doc.paragraphs[1].text == "（《甲规划》）"
