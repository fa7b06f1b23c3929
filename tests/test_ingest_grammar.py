"""The heading grammar: one module reads heading numbers and prints them again."""
from pathlib import Path

import pytest

from kb.citation import citation
from kb.headings import form_of, printed_number
from kb.ingest import ingest_file
from kb.parse import parse_document

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = Path(__file__).resolve().parent / "data" / "variants"


@pytest.mark.parametrize("heading, level, printed", [
    ("第三章　全面加强知识产权保护", "chapter", "第三章"),
    ("第 二 节 加强司法保护", "section", "第二节"),
    ("二、总体要求", "chapter", "第二部分"),
    ("(一)指导思想", "section", "（一）"),
    ("（三）发展目标", "section", "（三）"),
    ("4.“十四五”时期经济社会发展指导思想", "section", "第4条"),
    ("第十八篇　坚持“一国两制”", "chapter", "第十八篇"),
    ("序言", "chapter", ""),
])
def test_printed_numbers(heading, level, printed):
    number = form_of(heading)[1] if form_of(heading) else 0
    assert printed_number(heading, number, level) == printed


def test_forms_are_told_apart():
    assert form_of("1.5倍") is None and form_of("2025年") is None
    assert form_of("1．加强保护")[:2] == ("decimal", 1)
    assert form_of("（12）推进")[:2] == ("paren_decimal", 12)
    assert form_of("第二部分 重点任务")[:2] == ("part_bu", 2)


def test_parts_above_enumerated_chapters_keep_chapters_and_citations_apart():
    r = ingest_file(VARIANTS / "parts-over-enum.txt", ROOT / "corpus")
    doc = parse_document(r.markdown)
    assert [(ch.part, ch.heading) for ch in doc.chapters] == [
        ("第一部分　发展基础与形势", "一、发展基础"), ("第一部分　发展基础与形势", "二、面临形势"),
        ("第二部分　总体要求与主要任务", "一、总体要求"), ("第二部分　总体要求与主要任务", "二、主要任务")]
    ids = [c.id for c in doc.clauses]
    assert len(ids) == len(set(ids)) and "parts-over-enum:pt2.1.2.p1" in ids
    goal = next(c for c in doc.clauses if c.id == "parts-over-enum:pt2.1.2.p1")
    assert citation(doc, goal).startswith("《测试市知识产权“十四五”规划》第二部分第一项（二）")


def test_contents_entries_not_found_in_the_body_are_reported():
    from kb.ingest import ingest_text

    text = (VARIANTS / "national-plan-variants.txt").read_text(encoding="utf-8")
    assert not [w for w in ingest_text(text, doc_id="v").report.warnings if "目录" in w]
    text = text.replace("第二部分  重点任务 ………………… 3\n",
                        "第二部分  重点任务 ………………… 3\n第三部分  保障措施 ………………… 5\n", 1)
    r = ingest_text(text, doc_id="v")
    assert [w for w in r.report.warnings if "目录" in w] == ["目录条目在正文中未找到（第7行）：第三部分 保障措施"]


def test_uncertain_decisions_come_with_their_raw_places():
    from kb.ingest.review import uncertain_decisions

    r = ingest_file(VARIANTS / "province-plan-pdftext.txt", ROOT / "corpus")
    decisions = uncertain_decisions(r)
    kinds = [d["kind"] for d in decisions]
    assert "front_matter" in kinds and "back_matter" in kinds and "box_end" in kinds
    box_end = next(d for d in decisions if d["kind"] == "box_end")
    assert box_end["line"] == 59 and box_end["raw"].strip().startswith("深化知识产权金融服务")
    assert box_end["where"] == "第59行" and box_end["fix"]


def test_ocr_pages_wrapped_in_image_markers_and_page_counters_are_not_text():
    r = ingest_file(VARIANTS / "ocr-pages-image-markers.txt", ROOT / "corpus")
    assert r.report.stats["missing"] == "" and r.report.stats["invented"] == ""
    doc = parse_document(r.markdown)
    assert [ch.heading for ch in doc.chapters] == ["一、发展基础", "二、主要任务", "三、保障措施"]
    assert [s.title for s in doc.chapters[1].sections] == ["优化营商环境", "加强质量监管", "守牢安全底线"]
    removed = [(x.reason, x.text.strip()) for x in r.report.removals]
    assert ("图片标记", "![](images/page2.png)") in removed and ("图片标记", "【图片】") in removed
    assert ("页码", "第 1 页 共 3 页") in removed and ("页码", "·2·") in removed
    assert not any("<" in c.text or "图片" in c.text for c in doc.clauses)


def test_chapters_without_sections_numbered_yi_have_yi_sections():
    """第一章 … 一、… 二、… with no 第X节: the 一、 headings are the sections, standing alone
    or run into their text; （一） below them stays text."""
    doc = parse_document(ingest_file(VARIANTS / "chapters-with-enum-sections.txt", ROOT / "corpus").markdown)
    assert [[s.heading for s in ch.sections] for ch in doc.chapters] == [
        ["一、发展成效", "二、面临形势"], ["一、全面加强知识产权保护", "二、促进知识产权转化运用"], []]
    assert [(b.title, len(b.clauses)) for b in doc.boxes] == [("知识产权保护工程", 2)]
    sec = doc.chapters[1].sections[1]
    assert [c for c in doc.clauses if c.id == sec.clauses[0]][0].text.startswith("推动知识产权运用")


def test_chapters_without_sections_numbered_paren_have_paren_sections():
    from kb.ingest import ingest_text

    text = (VARIANTS / "chapters-with-enum-sections.txt").read_text(encoding="utf-8")
    for old, new in (("一、发展成效", "（一）发展成效"), ("二、面临形势", "（二）面临形势"),
                     ("一、全面加强", "（一）全面加强"), ("二、促进", "（二）促进"),
                     ("（一）完善保护体系", "1.完善保护体系"), ("（二）强化行政执法", "2.强化行政执法")):
        text = text.replace(old, new)
    doc = parse_document(ingest_text(text, doc_id="x").markdown)
    assert [[s.heading for s in ch.sections] for ch in doc.chapters] == [
        ["（一）发展成效", "（二）面临形势"], ["（一）全面加强知识产权保护", "（二）促进知识产权转化运用"], []]


def test_sections_paren_in_one_chapter_and_numbered_through_in_the_others():
    from kb.ingest import ingest_text

    text = ("测试省关于加快知识产权强省建设的实施意见\n\n一、总体要求\n\n（一）指导思想。坚持创新引领。\n\n"
            "（二）主要目标。到2025年，知识产权强省建设取得明显成效。\n\n二、重点任务\n\n"
            "1.加强知识产权保护。完善保护体系。\n\n2.促进知识产权运用。提升转化效益。\n\n三、保障措施\n\n"
            "3.加强组织领导。落实工作责任。\n\n4.强化督促检查。建立评估机制。\n")
    doc = parse_document(ingest_text(text, doc_id="x").markdown)
    assert [[s.title for s in ch.sections] for ch in doc.chapters] == [
        ["指导思想", "主要目标"], ["加强知识产权保护", "促进知识产权运用"], ["加强组织领导", "强化督促检查"]]
    assert [s.number for s in doc.chapters[2].sections] == [3, 4]


def test_running_headers_of_a_gazette_copied_as_text_are_page_furniture():
    from kb.ingest import ingest_text

    page = "测试省人民政府公报\n2021年第{n}期\n"
    body = ["测试省“十四五”市场监管规划", "", "一、发展基础", "", "“十三五”时期，全省市场监管工作取得显著成效。",
            "", "二、主要任务", "", "（一）优化营商环境。深化商事制度改革。", "", "（二）加强质量监管。实施质量提升行动。",
            "", "三、保障措施", "", "加强组织领导，确保规划目标任务如期完成。"]
    text = ""
    for i, line in enumerate(body):
        if i % 4 == 0:
            text += page.format(n=30 + i // 4)
        text += line + "\n"
    r = ingest_text(text, doc_id="x")
    doc = parse_document(r.markdown)
    assert [ch.heading for ch in doc.chapters] == ["一、发展基础", "二、主要任务", "三、保障措施"]
    assert not any("公报" in c.text or "期" == c.text[-1:] for c in doc.clauses)
    assert sum(1 for x in r.report.removals if x.reason == "页眉页脚") >= 6


def test_a_title_printed_over_two_lines_after_a_notice_is_one_title():
    from kb.ingest import ingest_text

    text = (VARIANTS / "province-plan-pdftext.txt").read_text(encoding="utf-8").replace(
        "测试省“十四五”知识产权发展规划\n\n    为全面", "测试省“十四五”知识产权\n发展规划\n\n    为全面")
    doc = parse_document(ingest_text(text, doc_id="x").markdown)
    assert doc.title == "测试省“十四五”知识产权发展规划" and doc.meta["doc_number"] == "测政办发〔2021〕43号"
