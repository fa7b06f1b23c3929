"""Plans as users have them: PDF text layers, Word files, web pages and text in the usual
encodings, read by content, into the same outline."""
import io
import re
from pathlib import Path

import pytest

from kb.ingest import IngestError, ingest_file, ingest_text
from kb.ingest.readers import sniff
from kb.parse import parse_document

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
PLANS = Path(__file__).resolve().parent / "data" / "plans"
VARIANTS = Path(__file__).resolve().parent / "data" / "variants"
ORIGINALS = ROOT.parent / "shared" / "corpus-samples" / "originals"
needs_originals = pytest.mark.skipif(not ORIGINALS.exists(), reason="shared corpus samples not present")


def _clause(doc, cid):
    return next(c for c in doc.clauses if c.id == cid)


def _clean(result):
    assert result.report.stats["missing"] == "" and result.report.stats["invented"] == ""
    return parse_document(result.markdown)


@needs_originals
def test_pdf_proposal_chapters_and_sections_numbered_through():
    r = ingest_file(ORIGINALS / "cpc-14fyp-proposal-2020.pdf", CORPUS)
    doc = _clean(r)
    assert doc.title == "中共中央关于制定国民经济和社会发展第十四个五年规划和二〇三五年远景目标的建议"
    assert len(doc.chapters) == 15
    assert [s.number for ch in doc.chapters for s in ch.sections] == list(range(1, 61))
    assert doc.chapters[1].sections[0].heading == "4.“十四五”时期经济社会发展指导思想"
    # a chapter heading wrapped onto a second line is one heading
    assert doc.chapters[14].title == "全党全国各族人民团结起来，为实现“十四五”规划和二〇三五年远景目标而奋斗"
    # page numbers (- 1 -) are page furniture, reported with page and line
    furniture = [x for x in r.report.removals if x.reason in ("页码", "页眉页脚")]
    assert len(furniture) >= 38
    assert r.report.where(furniture[0].lines[0]) == "第1页第17行"
    first = _clause(doc, doc.chapters[0].sections[0].clauses[0])
    assert first.text.startswith("“十三五”时期是全面建成小康社会决胜阶段。") and "全面从严治党取得重大成果" in first.text


@needs_originals
def test_word_file_with_the_whole_text_in_one_paragraph_is_split_at_its_headings():
    r = ingest_file(ORIGINALS / "cpc-14fyp-proposal-2020.docx", CORPUS)
    doc = _clean(r)
    assert len(doc.chapters) == 15 and sum(len(ch.sections) for ch in doc.chapters) == 60
    assert doc.chapters[2].title == "坚持创新驱动发展，全面塑造发展新优势"
    assert _clause(doc, doc.chapters[2].clauses[0]).text.startswith("坚持创新在我国现代化建设全局中的核心地位")
    assert any(d.kind == "runon" for d in r.report.decisions)


@needs_originals
def test_pdf_national_outline_parts_and_boxes_printed_as_images_are_reported(tmp_path):
    r = ingest_file(ORIGINALS / "national-14fyp-outline.pdf", CORPUS)
    doc = _clean(r)
    assert len(doc.chapters) == 65 and sum(len(ch.sections) for ch in doc.chapters) == 192
    parts = list(dict.fromkeys(ch.part for ch in doc.chapters))
    assert len(parts) == 19 and parts[17] == "第十八篇　坚持“一国两制”推进祖国统一"
    images = [w for w in r.report.warnings if "图片" in w]
    assert len(images) == 27 and images[0].startswith("第16页")
    assert not doc.boxes  # the boxes are pictures: reported, not invented
    # the preamble's first line (no comma in it) ends the contents: it is not a contents entry
    assert doc.clauses[0].text.startswith("中华人民共和国国民经济和社会发展第十四个五年（2021－2025年）规划")
    assert not [x for x in r.report.removals if x.reason == "目录" and "2021" in x.text]


def test_web_page_headings_boxes_and_tables():
    r = ingest_file(PLANS / "mbhy-13fyp.html", CORPUS)
    doc = _clean(r)
    assert [ch.heading for ch in doc.chapters][:2] == ["一、回顾与总结", "二、面临的形势"]
    assert [len(ch.sections) for ch in doc.chapters] == [2, 4, 3, 8, 6]
    assert [b.title for b in doc.boxes] == ["实施行业科技水平提升专项行动", "实施行业安全水平提升专项行动",
                                           "实施产品质量水平提升专项行动"]
    assert doc.tables[0].title.endswith("“十三五”时期民爆行业发展主要目标") and len(doc.tables[0].rows) == 11


def _docx(tmp_path, with_table=True) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("测试市知识产权“十四五”规划")
    d.add_heading("一、总体要求", level=1)
    d.add_heading("（一）指导思想", level=2)
    d.add_paragraph("坚持创新引领，全面加强知识产权保护。")
    d.add_heading("二、主要指标", level=1)
    if with_table:
        t = d.add_table(rows=3, cols=3)
        for r, row in enumerate([["序号", "指标", "2025年"], ["1", "发明专利拥有量（件）", "5000"],
                                 ["2", "商标注册量（万件）", "20"]]):
            for c, v in enumerate(row):
                t.cell(r, c).text = v
    d.add_paragraph("到2025年，各项指标全面完成。")
    path = tmp_path / "plan.docx"
    d.save(path)
    return path


def test_word_headings_and_a_real_table(tmp_path):
    r = ingest_file(_docx(tmp_path), CORPUS)
    doc = _clean(r)
    assert doc.title == "测试市知识产权“十四五”规划"
    assert [ch.heading for ch in doc.chapters] == ["一、总体要求", "二、主要指标"]
    assert doc.chapters[0].sections[0].title == "指导思想"
    assert doc.tables and doc.tables[0].columns == ["序号", "指标", "2025年"]
    assert doc.tables[0].rows[1]["指标"] == "商标注册量（万件）"


def test_kind_is_told_by_content_not_by_name(tmp_path):
    src = _docx(tmp_path).read_bytes()
    disguised = tmp_path / "plan.txt"
    disguised.write_bytes(src)
    assert sniff(src, "plan.txt") == "zip"
    assert len(parse_document(ingest_file(disguised, CORPUS).markdown).chapters) == 2
    page = (PLANS / "mbhy-13fyp.html").read_bytes()
    assert sniff(page, "plan.txt") == "html"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom", "gb18030", "utf-8-sig"])
def test_text_in_notepad_unicode_and_gb18030_reads_the_same(tmp_path, encoding):
    text = (SAMPLES / "shandong-education-14fyp.txt").read_text(encoding="utf-8")
    path = tmp_path / "sd.txt"
    data = b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom" else text.encode(encoding)
    path.write_bytes(data)
    expected = ingest_file(SAMPLES / "shandong-education-14fyp.txt", CORPUS).markdown
    got = ingest_file(path, CORPUS).markdown
    assert got.replace('"sd"', '"sd-edu-14fyp"') == expected.replace('"sd-edu-14fyp"', '"sd-edu-14fyp"') or \
        got.split("---", 2)[2] == expected.split("---", 2)[2]


def test_control_characters_and_a_nul_after_4kb_never_reach_the_markdown(tmp_path):
    text = (SAMPLES / "shandong-education-14fyp.txt").read_text(encoding="utf-8")
    cut = text.index("四、着力提升人才培养质量")
    assert len(text[:cut].encode()) > 4096
    dirty = text[:cut] + "\x00\x07\x1b\ufffe" + text[cut:]
    path = tmp_path / "sd.txt"
    path.write_bytes(dirty.encode("utf-8"))
    r = ingest_file(path, CORPUS)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]", r.markdown)
    assert any(x.reason == "控制字符" for x in r.report.removals)
    assert len(parse_document(r.markdown).chapters) == 11


MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.mark.parametrize("data, needle", [
    (MINIMAL_PDF, "扫描版 PDF"),
    (b"%PDF-1.4\ngarbage", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".docx"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "图片"),
    (b"PK\x03\x04" + b"\0" * 100, "压缩"),
])
def test_files_that_are_not_plans_get_one_chinese_reason(tmp_path, data, needle):
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    with pytest.raises(IngestError, match=re.escape(needle)):
        ingest_file(path, CORPUS)


def test_issued_plan_notice_and_closing_lines_are_metadata_not_clauses():
    r = ingest_file(VARIANTS / "province-plan-pdftext.txt", CORPUS)
    doc = _clean(r)
    assert doc.title == "测试省“十四五”知识产权发展规划"
    assert doc.meta["doc_number"] == "测政办发〔2021〕43号" and doc.meta["issuer"] == "测试省人民政府办公厅"
    assert doc.meta["date"] == "2021-10-09" and doc.meta["printed"] == "2021-10-12"
    texts = " ".join(c.text for c in doc.clauses)
    assert "印发给你们" not in texts and "抄送" not in texts and "印发" not in texts.replace("印发给", "")
    reasons = {x.reason for x in r.report.removals}
    assert {"印发通知", "抄送印发", "页码"} <= reasons
    from kb.citation import citation

    task = _clause(doc, doc.chapters[2].sections[0].clauses[0])
    assert citation(doc, task).startswith("《测试省“十四五”知识产权发展规划》（测政办发〔2021〕43号）第三部分（一）")


def test_sections_standing_alone_in_ascii_brackets_and_after_boxes():
    doc = _clean(ingest_file(VARIANTS / "province-plan-pdftext.txt", CORPUS))
    assert [[s.heading for s in ch.sections] for ch in doc.chapters] == [
        [], ["（一）指导思想", "（二）基本原则", "（三）发展目标"],
        ["（一）全面加强知识产权保护", "（二）促进知识产权转化运用", "（三）提升知识产权公共服务水平"],
        ["（一）加强组织领导", "（二）强化督促检查"]]
    # boxes of numbered items end where their items end
    assert [len(b.clauses) for b in doc.boxes] == [2, 2]
    after = _clause(doc, doc.chapters[2].sections[1].clauses[-1])
    assert after.text.startswith("深化知识产权金融服务") and after.box is None


def test_an_unnumbered_heading_in_a_web_page_is_not_glued_to_the_next_paragraph(tmp_path):
    page = ("<html><body><div id='nav'>首页 | 政策</div><div class='content'>"
            "<p>测试市“十四五”知识产权规划</p><h1>一、总体要求</h1><h2>工作思路</h2>"
            "<p>坚持创新引领，全面加强知识产权保护。</p><h1>二、主要任务</h1>"
            "<p>完善知识产权保护体系。</p></div></body></html>")
    path = tmp_path / "plan.htm"
    path.write_text(page, encoding="utf-8")
    r = ingest_file(path, CORPUS)
    doc = _clean(r)
    texts = [c.text for c in doc.clauses]
    assert "工作思路" in texts and "坚持创新引领，全面加强知识产权保护。" in texts
    assert any(d.kind == "heading_candidate" for d in r.report.decisions)


def test_word_automatic_numbering_is_printed_back_into_the_headings(tmp_path):
    """Word keeps 一、 of a numbered list out of the text; the reader prints it back."""
    import docx
    from docx.oxml.ns import qn

    d = docx.Document()
    d.add_paragraph("测试市知识产权“十四五”规划")
    for title, text in (("总体要求", "坚持创新引领，全面加强知识产权保护。"), ("主要任务", "完善知识产权保护体系。")):
        d.add_paragraph(title, style="List Number")
        d.add_paragraph(text)
    style = d.styles["List Number"].element
    num_id = style.pPr.find(qn("w:numPr")).find(qn("w:numId")).get(qn("w:val"))
    numbering = d.part.numbering_part.element
    num = next(n for n in numbering.findall(qn("w:num")) if n.get(qn("w:numId")) == num_id)
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next(a for a in numbering.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == abstract_id)
    lvl = next(v for v in abstract.findall(qn("w:lvl")) if v.get(qn("w:ilvl")) == "0")
    lvl.find(qn("w:numFmt")).set(qn("w:val"), "chineseCounting")
    lvl.find(qn("w:lvlText")).set(qn("w:val"), "%1、")
    path = tmp_path / "numbered.docx"
    d.save(path)
    doc = _clean(ingest_file(path, CORPUS))
    assert [ch.heading for ch in doc.chapters] == ["一、总体要求", "二、主要任务"]
