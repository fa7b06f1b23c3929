"""The ingest on the seed plan, on two real plans of other shapes, and on variants."""
import re
from collections import Counter
from pathlib import Path

import pytest

from kb.ingest import IngestError, ingest_file, ingest_text
from kb.parse import parse_document
from kb.text import cjk_chars

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "corpus" / "raw" / "gd-ip-14fyp.txt"
SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
VARIANTS = Path(__file__).resolve().parent / "data" / "variants"
CJK = "\u4e00-\u9fff"


@pytest.fixture(scope="module")
def seed_result():
    return ingest_file(RAW, ROOT / "corpus")


def _body(md: str) -> str:
    return md.split("---", 2)[2]


def test_raw_copy_is_byte_identical_to_the_seed():
    seed = ROOT.parent / "shared" / "seeds" / "000_e3f5c9806edd8e3f.txt"
    if not seed.exists():
        pytest.skip("shared/ seeds not beside this checkout")
    assert RAW.read_bytes() == seed.read_bytes()


def test_committed_markdown_is_exactly_what_ingest_produces(seed_result):
    committed = (ROOT / "corpus" / "gd-ip-14fyp.md").read_text(encoding="utf-8")
    assert seed_result.markdown == committed


def test_nothing_is_lost_every_chinese_character_accounted_for(seed_result):
    stats = seed_result.report.stats
    assert stats["missing"] == "" and stats["invented"] == ""
    raw = Counter(cjk_chars(RAW.read_text(encoding="utf-8").replace("単", "单")))
    out = Counter(cjk_chars(_body(seed_result.markdown))) + Counter(cjk_chars("广东省知识产权保护和运用十四五规划"))
    removed = Counter()
    for r in seed_result.report.removals:
        removed.update(cjk_chars(r.text))
    assert raw - out - removed == Counter()
    assert stats["raw_chars"] == sum(raw.values())


def test_report_lists_contents_duplicates_and_garbage_with_raw_lines(seed_result):
    by_reason = {}
    for r in seed_result.report.removals:
        by_reason.setdefault(r.reason, []).append(r)
    toc_lines = sorted(n for r in by_reason["目录"] for n in r.lines)
    assert toc_lines[0] == 3 and toc_lines[-1] == 43
    dups = by_reason["重复"]
    assert [r.lines[0] for r in dups] == [221, 487]
    assert "驰名商标的预警监" in dups[0].text
    assert "促进深港科技创新成果转移转化" in dups[1].text
    assert by_reason["重复表头"][0].lines == [94]
    assert by_reason["表头乱码"][0].lines == [157]


def test_no_raw_artefact_left_in_canonical_text(seed_result):
    body = _body(seed_result.markdown)
    text_lines = [ln for ln in body.split("\n") if ln and not ln.startswith(("#", "{", "> #", "> {"))]
    text = "\n".join(text_lines)
    assert "\t" not in body
    assert not re.search(f"[{CJK}] +[{CJK}]", body)  # headings included: they use 　
    assert not re.search(f"[{CJK}],|,[{CJK}]", body)
    assert '"' not in text.replace('rows="', "")
    assert "冒 录" not in body and "•••" not in body and "Ξ" not in body
    # the page-break duplicates are gone, the sentences intact
    assert body.count("建立对高价值专利、驰名商标的预警监测") == 1
    assert "驰名商标的预警监测制度，加大高价值专利" in body
    assert body.count("促进深港科技创新成果转移转化") == 1
    assert "知识产权保护工作关系国家治理体系" in body  # 知识 产权 rejoined
    assert "特别是2020年" in body and "35.1万件" in body


def test_paragraph_split_by_a_footnote_is_rejoined_and_footnote_attached(seed):
    c = next(c for c in seed.clauses if c.lead == "知识产权转化运用成果丰硕")
    assert "深入实施知识产权促进运用工程，支持3个重点城市" in c.text
    assert c.source_lines == (67, 71)
    fn = seed.footnotes[0]
    assert fn.label == "1" and fn.source_lines == (69, 69)
    assert fn.text.startswith("每万人口发明专利拥有量按第7次全国人口普查数据计算")
    marked = next(c for c in seed.clauses if "[^1]" in c.markdown)
    assert "每万人口发明专利拥有量达27.8件" in marked.text


def test_emphasis_stays_emphasis(seed):
    c = next(c for c in seed.clauses if "三是" in c.text)
    assert "**三是**" in c.markdown and "**" not in c.text


def test_seed_structure_chapters_sections(seed):
    assert [ch.number for ch in seed.chapters] == list(range(1, 9))
    assert [len(ch.sections) for ch in seed.chapters] == [2, 3, 5, 3, 3, 4, 3, 3]
    assert sum(len(ch.sections) for ch in seed.chapters) == 26
    assert seed.chapters[2].heading == "第三章　全面加强知识产权保护　激发全社会创新活力"
    assert seed.chapters[0].title == "“十三五”时期工作成效和“十四五”时期发展形势"
    assert seed.chapters[6].sections[1].title == "强化“两个合作区”和“双城联动”引领区域协调发展"
    assert seed.chapters[7].sections[2].title == "加强监测评估"
    assert [ch.role for ch in seed.chapters] == ["review", "general"] + ["tasks"] * 5 + ["safeguards"]


BOXES = [
    ("1", "打击知识产权犯罪专项工程", 3, 2, 1), ("2", "专业市场和中小企业知识产权保护工程", 3, 3, 2),
    ("3", "商业秘密保护工程", 3, 3, 1), ("4", "地理标志保护工程", 3, 3, 1),
    ("5", "知识产权维权援助“一张网”工程", 3, 4, 1), ("6", "加强国际展会知识产权保护工程", 3, 5, 1),
    ("7", "知识产权海外侵权责任保险推广工程", 3, 5, 1), ("8", "高价值专利培育工程", 4, 2, 1),
    ("9", "高价值商标品牌培育工程", 4, 2, 1), ("10", "版权创新发展工程", 4, 2, 1),
    ("11", "标准必要专利发展工程", 4, 3, 1), ("12", "战略性产业集群和园区知识产权协同运营体系建设工程", 5, 1, 1),
    ("13", "专利转化助力中小企业创新发展工程", 5, 2, 1), ("14", "知识产权金融创新工程", 5, 2, 3),
    ("15", "知识产权“一站式”集成服务工程", 6, 1, 1), ("16", "实施知识产权信息公共服务体系建设工程", 6, 1, 1),
    ("17", "建设粤港澳大湾区知识产权人才港", 6, 3, 1),
    ("18", "粤港澳大湾区知识产权交易博览会暨中国（国际）地理标志产品交易博览会", 7, 1, 1),
    ("19", "建设粤港澳大湾区知识产权创造、保护和运用生态示范区", 7, 2, 4),
    ("20", "粤港澳大湾区知识产权国际合作高地建设工程", 7, 3, 1),
]


def test_seed_boxes_titles_places_and_extent(seed):
    got = [(b.number, b.title, b.chapter, b.section, len(b.clauses)) for b in seed.boxes]
    assert got == BOXES
    box14 = seed.box("14")
    last = [c for c in seed.clauses if c.id == box14.clauses[-1]][0]
    assert "质押融资金额达2500亿元" in last.text and last.kind == "box_item"


def test_seed_has_58_task_leads_in_chapters_3_to_7(seed):
    tasks = [c for c in seed.clauses if c.kind == "task"]
    assert len(tasks) == 58
    assert {c.chapter for c in tasks} == {3, 4, 5, 6, 7}
    leads = [c.lead for c in tasks]
    for lead in ("健全知识产权法规体系", "加强民事司法保护", "深化发展知识产权金融", "加大知识产权维权援助力度",
                 "构筑版权产业发展新优势", "构建“一核一带一区”知识产权发展新格局", "支持深圳打造知识产权标杆城市"):
        assert lead in leads
    assert all(c.box is None for c in tasks)


def test_clause_ids_are_stable_unique_and_cite_raw_lines(seed):
    ids = [c.id for c in seed.clauses]
    assert len(ids) == len(set(ids))
    again = parse_document((ROOT / "corpus" / "gd-ip-14fyp.md").read_text(encoding="utf-8"))
    assert [c.id for c in again.clauses] == ids
    c = next(c for c in seed.clauses if c.lead == "加强民事司法保护")
    assert c.id == "gd-ip-14fyp:3.2.p3" and c.source_lines == (207, 209)
    assert c.breadcrumb == ["第三章　全面加强知识产权保护　激发全社会创新活力", "第二节　加强知识产权司法保护"]
    raw = RAW.read_text(encoding="utf-8").split("\n")
    for c in seed.clauses:
        first, last = c.source_lines
        assert 1 <= first <= last <= len(raw), c.id
        span = "".join(raw[first - 1:last])
        head = re.sub(r"[^\u4e00-\u9fff]", "", c.text)[:4]
        if c.kind not in ("table_row",):
            assert head[:2] in span.replace("単", "单"), (c.id, head)


def test_seed_tables_complete_with_categories_units_and_notes(seed):
    t1, t2 = seed.tables
    assert t1.title == "广东省“十三五”时期知识产权主要指标完成情况"
    assert len(t1.rows) == 18 and t1.columns == ["序号", "分类", "指标", "单位", "目标值", "完成值"]
    cats = [r["分类"] for r in t1.rows]
    assert cats == ["知识产权创造"] * 11 + ["知识产权运用"] * 5 + ["知识产权保护", "知识产权服务"]
    assert t1.rows[0]["完成值"] == "35.1" and t1.rows[12]["单位"] == "亿元" and t1.rows[16]["目标值"] == "≥80"
    assert t2.title == "广东省“十四五”知识产权发展主要指标表"
    assert len(t2.rows) == 14
    cats = [r["类别"] for r in t2.rows]
    assert cats == ["高质量创造"] * 3 + ["高效益运用"] * 5 + ["高标准保护"] * 3 + ["高水平服务"] * 3
    r4 = t2.rows[3]
    assert r4["主要指标"] == "知识产权质押融资登记金额、项目数" and r4["单位"] == "亿元、项"
    assert r4["2025年规划值"] == "(2500)、(5000)"
    assert t2.rows[8]["2025年规划值"] == "≥3000" and t2.rows[8]["单位"] == "件/年"
    assert t2.rows[0]["2020年基期值"] == "13.5"
    assert len(t2.notes) == 4 and t2.notes[3] == "（）内为规划期间新增数。"


def test_samples_shandong_outline_and_accounting():
    r = ingest_file(SAMPLES / "shandong-education-14fyp.txt", ROOT / "corpus")
    assert r.report.stats["missing"] == "" and r.report.stats["invented"] == ""
    doc = parse_document(r.markdown)
    assert doc.id == "sd-edu-14fyp" and doc.title == "山东省“十四五”教育事业发展规划"
    assert len(doc.chapters) == 11
    assert doc.chapters[0].heading == "一、总体要求" and doc.chapters[0].role == "general"
    assert sum(len(ch.sections) for ch in doc.chapters) == 59
    sec = doc.chapters[1].sections[0]
    assert sec.heading == "（一）构建全学段一体化的思政工作体系"
    first = next(c for c in doc.clauses if c.id == sec.clauses[0])
    assert first.text.startswith("坚持不懈用习近平新时代中国特色社会主义思想")
    tagged = [c for c in doc.clauses if re.search(r"（[^（）]*负责[^（）]*）", c.text)]
    assert len(tagged) == 56
    # each （一）… section is one task: its title is the lead
    assert first.kind == "task" and first.lead == "构建全学段一体化的思政工作体系"
    assert sum(1 for c in doc.clauses if c.kind == "task") == 54
    assert doc.chapters[-1].role == "safeguards"
    assert doc.meta["period"] == {"start": 2021, "end": 2025}


def test_samples_yunnan_ocr_outline_and_accounting():
    r = ingest_file(SAMPLES / "yunnan-10fyp-outline-ocr.txt", ROOT / "corpus")
    stats = r.report.stats
    assert stats["missing"] == "" and stats["invented"] == ""
    reasons = Counter(x.reason for x in r.report.removals)
    assert reasons["页眉"] == 2 and reasons["目录"] >= 10 and reasons["重复"] == 1
    doc = parse_document(r.markdown)
    assert doc.title == "云南省国民经济和社会发展第十个五年计划纲要"
    assert doc.meta["period"] == {"start": 2001, "end": 2005}
    numbered = [ch for ch in doc.chapters if ch.number]
    assert [ch.number for ch in numbered] == list(range(1, 27))
    assert doc.chapters[0].heading == "序言"
    assert {ch.part for ch in numbered} >= {"第一篇　指导思想和发展目标", "第八篇　“十五”计划实施"}
    no_sections = [ch.number for ch in numbered if not ch.sections]
    assert {1, 2, 18, 25, 26} <= set(no_sections)
    ch7 = doc.chapter(7)
    assert [s.title for s in ch7.sections][:2] == ["改造提升传统服务业", "积极发展现代服务业"]
    assert any("6.5%左右" in c.text for c in doc.clauses)
    assert not any(re.search(r"\d \d", c.text) for c in doc.clauses if c.kind != "table_row")
    assert not re.search(f"[{CJK}] +[{CJK}]", r.markdown)
    assert any(c.text.startswith("——坚持以发展为主题") for c in doc.clauses)


def test_variants_box_numbering_page_numbers_split_tables_no_contents():
    r = ingest_file(VARIANTS / "city-plan-variants.txt", ROOT / "corpus")
    assert r.report.stats["missing"] == "" and r.report.stats["invented"] == ""
    doc = parse_document(r.markdown)
    assert [ch.number for ch in doc.chapters] == [1, 2, 3]
    assert [len(ch.sections) for ch in doc.chapters] == [0, 2, 0]  # chapters without sections
    assert [(b.number, b.heading) for b in doc.boxes] == [("1-1", "专栏1-1 知识产权保护工作站建设工程"),
                                                          ("1", "专栏一　知识产权金融服务工程")]
    # the box's last line ran into the next chapter heading: split, and the box closed
    assert doc.boxes[1].clauses == ["city-plan-variants:box1.p1"]
    assert doc.chapters[2].heading == "第三章　保障措施"
    # a page number alone on a line mid-sentence is dropped and the sentence rejoined
    task = next(c for c in doc.clauses if c.lead == "加强行政执法")
    assert "到2023年，建成知识产权保护工作站10个。" in task.text
    # a table over two pages is one table
    assert len(doc.tables) == 1 and len(doc.tables[0].rows) == 3
    assert doc.tables[0].rows[2]["2025年"] == "(50)"
    assert [x.reason for x in r.report.removals] == ["页码", "页码", "重复表头"]


def test_not_a_plan_is_rejected_with_a_reason():
    with pytest.raises(IngestError, match="不像一份规划"):
        ingest_text("今天天气很好。\n\n我们去公园散步。\n", doc_id="x")
    with pytest.raises(IngestError):
        ingest_text("", doc_id="x")


def test_variants_parts_wrapped_lines_running_titles_appendix():
    """第X部分 chapters, a heading whose title is on the next line, contents whose entries
    reappear as body headings, a running title, full-width digits, a box titled after a
    colon, text hard-wrapped with no blank line between paragraphs, an appendix."""
    r = ingest_file(VARIANTS / "national-plan-variants.txt", ROOT / "corpus")
    assert r.report.stats["missing"] == "" and r.report.stats["invented"] == ""
    removed = [(x.reason, x.lines) for x in r.report.removals]
    assert removed == [("目录", [3]), ("目录", [5]), ("目录", [6]), ("页眉", [14])]
    doc = parse_document(r.markdown)
    assert [(ch.number, ch.heading) for ch in doc.chapters] == [
        (1, "第一部分　发展环境"), (2, "第二部分　重点任务"), (0, "附件：测试机构名录")]
    assert [s.heading for s in doc.chapters[1].sections] == ["（一）加强测试能力建设", "（二）完善测试标准体系"]
    assert doc.boxes[0].title == "测试能力提升工程"
    texts = [c.text for c in doc.clauses]
    assert "“十三五”时期，测试事业取得积极进展，全国测试机构数量达到1200家，测试能力显著增强。" in texts
    assert "到2025年，建成国家级测试中心30个。（国家测试局牵头，科技部、工业和信息化部配合）" in texts
    sec2 = [c for c in doc.clauses if c.chapter == 2 and c.section == 2]
    assert [c.text[:6] for c in sec2] == ["加快制定测试", "积极参与国际"]  # wrapped lines → 2 paragraphs
    assert sec2[0].kind == "task" and sec2[0].lead == "完善测试标准体系"


def test_markup_written_in_a_plan_stays_its_text():
    md = '---\nid: "x"\ntitle: "测试规划"\n---\n\n{raw=3}\n## 第一章 总则\n\n{raw=5}\n公告见<b>附件</b>，不得删改。\n'
    doc = parse_document(md)
    assert doc.clauses[0].text == "公告见<b>附件</b>，不得删改。"
    r = ingest_text("测试规划\n\n第一章 总则\n\n公告见<b>附件</b>，不得删改。\n", doc_id="x")
    assert "公告见&lt;b>附件&lt;/b>" in r.markdown
    assert parse_document(r.markdown).clauses[0].text == "公告见<b>附件</b>，不得删改。"
