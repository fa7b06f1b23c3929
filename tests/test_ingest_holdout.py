"""The second hold-out round (tests/data/holdout/): real documents the ingest was not written
for, as web text and printed to PDF (hard-wrapped lines, — N — footers)."""
from __future__ import annotations

from pathlib import Path

from kb.ingest import ingest_file
from kb.parse import parse_document

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT = Path(__file__).resolve().parent / "data" / "holdout"


def _outline(path: Path):
    r = ingest_file(path, ROOT / "corpus")
    return r, parse_document(r.markdown)


def test_run_in_section_title_cut_by_the_wrap_is_completed_from_the_next_line():
    # （一）发展草牧业是统筹农村牧区生态与生产的重要平 / 台。草牧业以…: the title ends at “台。”
    r, doc = _outline(HOLDOUT / "caomuye-guidance.pdf")
    assert [s.title for s in doc.chapters[0].sections] == [
        "发展草牧业是统筹农村牧区生态与生产的重要平台", "发展草牧业是推进农业供给侧结构性改革的重要切入点",
        "发展草牧业是农牧业增效和农牧民增收的重要举措"]
    first = doc.clauses[1]
    assert first.text.startswith("草牧业以饲草资源的保护利用为基础") and "台。" not in first.text[:3]
    assert any(d for d in r.report.decisions if "标题跨行且接正文" in str(d))
    # standing-alone section titles of the same plan are not touched
    assert [s.title for s in doc.chapters[1].sections] == ["指导思想", "基本原则", "主要目标"]


def test_holdout_texts_and_pdfs_give_the_same_outline():
    for name in ("caomuye-guidance", "tcm-14fyp-part"):
        _, a = _outline(HOLDOUT / f"{name}.txt")
        _, b = _outline(HOLDOUT / f"{name}.pdf")
        assert [(c.title, [s.title for s in c.sections]) for c in a.chapters] == \
               [(c.title, [s.title for s in c.sections]) for c in b.chapters]


VARIANTS = Path(__file__).resolve().parent / "data" / "variants"


def test_sections_numbered_through_chapters_in_hard_wrapped_pdf_text():
    # 1.–10. straight through four 一、 chapters, no indents, 27 characters a line, a lead the
    # wrap cut (…规模化 / 应用。), — 3 — and -4- in mid-text, a box of 01 items followed directly
    # by section 7., an issuing notice on top and 抄送/印发 at the end
    r, doc = _outline(VARIANTS / "sections-through-chapters-pdftext.txt")
    assert [(c.title, [s.title for s in c.sections]) for c in doc.chapters] == [
        ("发展基础", ["发展成效显著", "面临的形势"]),
        ("总体要求", ["指导思想", "发展目标"]),
        ("主要任务", ["加快建设新型数字基础设施和算力网络枢纽节点",
                  "推动工业互联网平台在重点产业集群和专精特新企业规模化应用", "培育数字产业集群", "提升数字政府服务水平"]),
        ("保障措施", ["加强组织领导", "强化要素保障"])]
    assert [b.title for b in doc.boxes] == ["数字经济重点工程"] and len(doc.boxes[0].clauses) == 2
    texts = [c.text for c in doc.clauses]
    assert "推进5G网络和千兆光网协同建设，布局城市算力中心，提升算力供给能力，建成全市一体化算力调度平台。" in texts
    assert not any("抄送" in t or "— 3 —" in t or "-4-" in t for t in texts)
    assert 'doc_number: "测市府办〔2022〕8号"' in r.markdown
    assert r.report.stats["missing"] == "" and r.report.stats["invented"] == ""


def test_a_number_or_token_cut_by_the_wrap_is_rejoined_without_a_space():
    from kb.ingest import ingest_text

    text = ("测试规划\n\n一、总体要求\n（一）发展目标。到2025年，全市专利授权量达到300\n"
            "0件，建成5\nG基站2000个，引进Open\nSource社区。\n")
    r = ingest_text(text, {}, doc_id="wrap")
    body = parse_document(r.markdown).clauses[0].text
    assert "达到3000件" in body and "5G基站" in body and "Open Source" in body


def test_title_whose_genre_word_the_wrap_cut_and_no_heading_taken_for_the_title():
    # printed small: 国务院办公厅关于印发“十四五”中医药发展规 / 划的通知; before, 一、规划背景 became the
    # title and the opening paragraph above it was dropped as a page header
    r, doc = _outline(HOLDOUT / "tcm-14fyp-part-small.pdf")
    assert doc.title == "国务院办公厅关于印发“十四五”中医药发展规划的通知"
    assert [c.title for c in doc.chapters] == ["规划背景", "总体要求"]
    assert doc.clauses[0].text.startswith("为贯彻落实党中央、国务院关于中医药工作的决策部署")


def test_a_line_ending_in_a_bracket_at_the_margin_goes_on_in_the_next_line(tmp_path):
    # the PDF's text layer as plain text (pdfminer puts a blank line between the lines):
    # …每千人口卫生机构中医类别执业（助理） / 医师数达到0.48人…: one paragraph, not two
    from pdfminer.high_level import extract_text

    txt = tmp_path / "tcm-small.txt"
    txt.write_text(extract_text(str(HOLDOUT / "tcm-14fyp-part-small.pdf")), encoding="utf-8")
    _, doc = _outline(txt)
    assert any("中医类别执业（助理）医师数达到0.48人" in c.text for c in doc.clauses)


def test_a_responsibility_tag_at_the_margin_still_ends_its_paragraph():
    # text layer with a blank line after every line (as pdfminer gives it), 28 characters a
    # line: a short bracketed word at the margin goes on (…执业（助理） / 医师数…), a
    # responsibility tag at the margin ends its paragraph
    from kb.ingest import ingest_text

    w = 28
    fill = "深入实施知识产权强市战略加快建设知识产权强市全面提升创造运用保护管理服务水平"
    tag = "（牵头单位：市市场监管局）"
    lines = [fill[:w - 1] + "。"] * 10 + [
        fill[:w - 6] + "执业（助理）", "医师队伍建设，完善快速协同保护机制。",
        fill[:w - len(tag)] + tag, "推进专利转化运用，提升知识产权运用效益。"]
    text = "测试规划\n\n一、主要任务\n\n" + "\n\n".join(lines) + "\n"
    doc = parse_document(ingest_text(text, {}, doc_id="tag").markdown)
    texts = [c.text for c in doc.clauses]
    assert any("执业（助理）医师队伍建设" in t for t in texts)
    assert any(t.endswith(tag) for t in texts) and "推进专利转化运用，提升知识产权运用效益。" in texts


def test_a_wrapped_line_that_starts_like_a_heading_goes_on_with_its_paragraph():
    # the 山东 plan printed small: …更加注重知行合 / 一、学以致用，更加注重融合创新…: the line
    # above runs to the margin mid-sentence and this one fills the width, so 一、 is no chapter
    from kb.ingest import ingest_text

    lines = ["“十四五”时期是山东开启新时代现代化强省建设新征程的关键时期，教育是实现现代化",
             "的基础，强省必先强教。为加快推进教育高质量发展，根据规划纲要等，制定本规划。", "",
             "一、总体要求", "",
             "（一）指导思想。高举中国特色社会主义伟大旗帜，以习近平新时代中国特色社会主义思",
             "为根本动力，更加注重以德为本、以文化人，更加注重有教无类、因材施教，更加注重知行合",
             "一、学以致用，更加注重融合创新、共建共享，系统推进教育综合改革，统筹实施各类工程项",
             "目和行动计划，持续提高服务经济社会发展能力，不断增强人民群众教育获得感，为新时代现",
             "代化强省建设作出更大贡献。",
             "（二）基本原则。", "",
             "坚持党的全面领导。完善党领导教育工作的体制机制，坚持为党育人、为国育才，走中国",
             "特色社会主义教育发展道路，着力加强教育系统党的政治建设、思想建设、组织建设、作风建",
             "设和纪律建设，把制度建设贯穿其中，牢牢掌握教育领域意识形态工作的领导权、管理权、话",
             "语权，为教育高质量发展提供坚强的政治保证和组织保障。", "",
             "二、全面落实立德树人根本任务", "",
             "（一）构建全学段一体化的思政工作体系。坚持用习近平新时代中国特色社会主义思想铸魂育",
             "人，推进大中小学思政课一体化建设，完善思政课程与课程思政协同育人机制。"]
    doc = parse_document(ingest_text("山东省“十四五”教育事业发展规划\n\n" + "\n\n".join(lines) + "\n",
                                     {}, doc_id="wrapped").markdown)
    assert [c.title for c in doc.chapters] == ["总体要求", "全面落实立德树人根本任务"]
    assert [s.title for s in doc.chapters[0].sections] == ["指导思想", "基本原则"]
    assert any("更加注重知行合一、学以致用，更加注重融合创新" in c.text for c in doc.clauses)


def test_blank_lines_between_wrapped_lines_of_a_pdf_text_are_no_paragraph_breaks():
    # pdfminer's text of a printed 实施意见: a blank line after every line. Item 1 is one long
    # sentence (no lead, so no section title); its first line filled the width and, standing
    # alone between blank lines, was taken for a section 以数字技术…以数据要素市场
    from kb.ingest import ingest_text

    lines = ["为加快发展数字经济，推动数字技术与实体经济深度融合，",
             "根据《测试市国民经济和社会发展第十四个五年规划和二〇三五", "年远景目标纲要》，制定本意见。",
             "一、发展基础",
             "1.以数字技术与实体经济深度融合为主线，以数据要素市场", "化配置改革为动力，加快建设数字基础设施，推动数字产业化和",
             "产业数字化，全面提升全市数字经济发展水平，为建设现代化城", "市提供有力支撑。",
             "2.面临的形势。当前，新一轮科技革命和产业变革深入发", "展，数字技术加速融入经济社会各领域，全市数字经济发展既面",
             "临重大机遇，也面临关键核心技术受制于人等挑战。（牵头单", "位：市发展改革委，配合单位：市工业和信息化局）",
             "二、总体要求",
             "3.推动工业互联网平台在重点产业集群和专精特新企业规模化", "应用。依托龙头企业建设行业级工业互联网平台，推动中小企",
             "业上云用数赋智。"]
    text = "关于加快发展数字经济的实施意见\n\n" + "\n\n".join(lines) + "\n"
    doc = parse_document(ingest_text(text, {}, doc_id="opinion").markdown)
    assert [(c.title, [s.title for s in c.sections]) for c in doc.chapters] == [
        ("发展基础", ["面临的形势"]),
        ("总体要求", ["推动工业互联网平台在重点产业集群和专精特新企业规模化应用"])]
    assert any(c.text.startswith("1.以数字技术与实体经济深度融合为主线，以数据要素市场化配置改革为动力")
               or c.text.startswith("以数字技术与实体经济深度融合为主线，以数据要素市场化配置改革为动力")
               for c in doc.clauses)
