"""Rows of a 任务分解表: task names, clean content, citations, links, list fields."""
import pytest

from test_export_support import FakeGraph, mini_corpus, mini_plan, numbered_plan
from office.export import ExportError, build_rows
from kb.citation import printed_number, quoted
from office.export.rows import clean_text, head_of
from office.export.selection import clauses_in_box, clauses_in_chapter, default_title, resolve_document

PLAN = "《广东省知识产权保护和运用“十四五”规划》"


def by_id(rows):
    return {r.clause_id: r for r in rows}


def test_seed_task_rows_name_the_task_and_cite_the_section(corpus):
    rows = by_id(build_rows(corpus, ["gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:3.2.p1"], graph=None))
    r = rows["gd-ip-14fyp:3.2.p2"]
    assert r.seq == 1
    assert r.task == "依法严打知识产权犯罪"
    assert r.content.startswith("聚焦保护创新和优化营商环境，以侵犯商业秘密")  # lead not repeated
    assert r.content.endswith("探索完善数据化打假情报导侦工作机制。")
    assert r.source == f"{PLAN}第三章第二节“加强知识产权司法保护”"
    intro = rows["gd-ip-14fyp:3.2.p1"]
    assert intro.seq == 2 and intro.task == "加强知识产权司法保护"  # an intro is named by its section


def test_seed_box_table_goal_and_footnote_rows(corpus):
    rows = by_id(build_rows(corpus, ["gd-ip-14fyp:box1.p1", "gd-ip-14fyp:box5.p1", "gd-ip-14fyp:t2.r1",
                                     "gd-ip-14fyp:2.3.p3", "gd-ip-14fyp:fn1", "gd-ip-14fyp:3.p1"], graph=None))
    box1 = rows["gd-ip-14fyp:box1.p1"]
    assert box1.task == "打击知识产权犯罪专项工程"
    assert box1.source == f"{PLAN}第三章第二节专栏1“打击知识产权犯罪专项工程”"
    # quotes inside a quoted title nest as ‘’
    assert rows["gd-ip-14fyp:box5.p1"].source.endswith("专栏5“知识产权维权援助‘一张网’工程”")
    t = rows["gd-ip-14fyp:t2.r1"]
    assert t.task == "每万人口高价值发明专利拥有量"
    assert "表2“广东省‘十四五’知识产权发展主要指标表”" in t.source
    assert not t.content.startswith("序号")
    goal = rows["gd-ip-14fyp:2.3.p3"]
    assert goal.task == "知识产权保护水平显著提升" and goal.content.startswith("知识产权保护体系更加健全")
    assert rows["gd-ip-14fyp:fn1"].source == f"{PLAN}脚注1"
    ch3 = rows["gd-ip-14fyp:3.p1"]
    assert ch3.task == "全面加强知识产权保护\u3000激发全社会创新活力"
    assert ch3.source == f"{PLAN}第三章“全面加强知识产权保护\u3000激发全社会创新活力”"


def test_no_cell_has_stray_spaces_or_markdown(corpus, seed):
    rows = build_rows(corpus, [c.id for c in seed.clauses], graph=None)
    assert len(rows) == len(seed.clauses)
    for r in rows:
        for cell in (r.task, r.content, r.source):
            assert "**" not in cell and "[^" not in cell and "  " not in cell, (r.clause_id, cell)
            assert cell == cell.strip()
        assert len(r.task) <= 40, r.task


def test_unknown_ids_are_an_error_or_a_placeholder(corpus):
    with pytest.raises(ExportError, match="找不到 1 个条款：gd-ip-14fyp:99.9.p9"):
        build_rows(corpus, ["gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:99.9.p9"], graph=None)
    rows = build_rows(corpus, [{"clause_id": "gd-ip-14fyp:99.9.p9", "lead_unit": "省法院"},
                               "gd-ip-14fyp:3.2.p2"], graph=None, missing="keep")
    assert rows[0].task == "（条款已不在当前语料中）" and rows[0].lead_unit == "省法院"
    assert rows[1].seq == 2


def test_list_items_fields_and_duplicates(corpus, tmp_path):
    from office.lists import ListStore

    store = ListStore.for_instance(tmp_path)
    lst = store.create_list("l")
    a, b = store.add_items(lst.id, ["gd-ip-14fyp:box5.p1", "gd-ip-14fyp:3.4.p4"])
    store.update_item(a.id, 1, lead_unit="省市场监管局（知识产权局）", support_units="各地级以上市人民政府",
                      deadline="2022年底前", note="按季度报送")
    rows = build_rows(corpus, store.items(lst.id) + ["gd-ip-14fyp:box5.p1"], graph=None)
    assert [r.clause_id for r in rows] == ["gd-ip-14fyp:box5.p1", "gd-ip-14fyp:3.4.p4"]
    assert (rows[0].lead_unit, rows[0].support_units, rows[0].deadline, rows[0].note) == (
        "省市场监管局（知识产权局）", "各地级以上市人民政府", "2022年底前", "按季度报送")
    assert rows[1].lead_unit == ""


def test_targets_and_suggestions_come_from_the_graph():
    corpus = mini_corpus()
    graph = FakeGraph(  # shaped like kb.graph's answers
        links={"mini-ip:box1.p1": {
            "targets": [{"text": "到2025年，侦破一批案件。", "label": "侦破一批案件", "deadline": 2025,
                         "deadline_label": "2025年底", "implied_deadline": False},
                        {"text": "全面建成集受理、办理、反馈于一体的“一张网”；", "label": "2022年底：全面建成集受理…",
                         "deadline": 2022, "deadline_label": "2022年底", "implied_deadline": False}],
            "indicators": [{"name": "知识产权保护社会满意度", "unit": "分", "target_year": 2025,
                            "target": {"text": "≥83", "increment": False}},
                           {"name": "地理标志产品交易额", "unit": "亿元", "target_year": 2025, "increment": True,
                            "target": {"text": "(1510)"}}],
            "deadlines": [], "bodies": []}},
        suggestions={"mini-ip:box1.p1": {"lead": ["省公安厅"], "support": ["省市场监管局", "省公安厅", "海关"],
                                         "deadline": "2025年底"}})
    rows = build_rows(corpus, [{"clause_id": "mini-ip:box1.p1", "deadline": "2023年"}], graph=graph, suggest=True)
    r = rows[0]
    assert r.targets.split("；") == [
        "知识产权保护社会满意度（2025年目标值：≥83分）",
        "地理标志产品交易额（2025年目标值：新增1510亿元）",
        "2025年底：侦破一批案件",
        "全面建成集受理、办理、反馈于一体的“一张网”",  # a cut label gives way to the full text
    ]
    assert r.lead_unit == "省公安厅" and r.support_units == "省市场监管局、省公安厅、海关"
    assert r.deadline == "2023年"  # what the user typed wins over the suggestion
    plain = build_rows(corpus, ["mini-ip:box1.p1"], graph=graph)[0]
    assert plain.lead_unit == "" and plain.deadline == "" and plain.targets  # suggestions only on request


def test_real_graph_links_targets_on_the_seed(corpus):
    pytest.importorskip("kb.graph")
    rows = by_id(build_rows(corpus, ["gd-ip-14fyp:3.3.p3", "gd-ip-14fyp:t2.n4", "gd-ip-14fyp:3.2.p2"], suggest=True))
    fast = rows["gd-ip-14fyp:3.3.p3"]  # 至2025年，80%以上地市建立知识产权快保护机制
    assert "80%" in fast.targets and "快保护机制" in fast.targets
    assert "2025" in fast.deadline and fast.lead_unit
    assert rows["gd-ip-14fyp:t2.n4"].targets == "" and rows["gd-ip-14fyp:t2.n4"].lead_unit == ""


def test_plans_numbered_differently_are_cited_as_printed():
    corpus = mini_corpus(numbered_plan())
    (r,) = build_rows(corpus, ["mini-edu:2.3.p1"], graph=None)
    assert r.source == "《某省“十四五”教育事业发展规划》第二部分（三）“加强和改进学校体育美育”"
    assert r.task == "加强和改进学校体育美育"  # first sentence too long: the section names it


def test_text_helpers():
    assert clean_text("组建 6 家国家级\n知识产权 保护中心[^1]**。**") == "组建 6 家国家级知识产权保护中心。"
    assert head_of("健全知识产权法规体系。严格执行民法典。") == "健全知识产权法规体系"
    long = head_of("聚焦保护创新和优化营商环境，以侵犯商业秘密、假冒注册商标、跨国境制售假、侵犯重点领域著作权等犯罪为重点")
    assert long.endswith("……") and len(long) <= 32
    assert printed_number("第十二章 保障措施", 12, "chapter") == "第十二章"
    assert printed_number("", 12, "chapter") == "第十二章"
    assert printed_number("（二）基本原则", 2, "section") == "（二）"
    assert quoted("强化“两个合作区”和“双城联动”") == "“强化‘两个合作区’和‘双城联动’”"


def test_selection_of_chapter_section_and_box(corpus, seed):
    ids = [c.id for c in clauses_in_chapter(seed, 3, 2)]
    assert ids == ["gd-ip-14fyp:3.2.p1", "gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:box1.p1",
                   "gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4"]
    whole = clauses_in_chapter(seed, 3)
    assert {c.section for c in whole} == {None, 1, 2, 3, 4, 5} and len(whole) > len(ids)
    assert [c.id for c in clauses_in_box(seed, "专栏19")] == [f"gd-ip-14fyp:box19.p{i}" for i in range(1, 5)]
    with pytest.raises(ExportError, match="没有第 9 章"):
        clauses_in_chapter(seed, 9)
    with pytest.raises(ExportError, match="没有第 7 节"):
        clauses_in_chapter(seed, 3, 7)
    with pytest.raises(ExportError, match="没有专栏21"):
        clauses_in_box(seed, 21)
    assert resolve_document(corpus) is seed
    with pytest.raises(ExportError, match="多个规划"):
        resolve_document(mini_corpus(mini_plan(), numbered_plan()))
    assert default_title(doc=seed, chapter=3, section=2) == f"{PLAN}第三章第二节重点任务分解表"
    assert default_title(doc=seed, box="5") == f"{PLAN}专栏5“知识产权维权援助‘一张网’工程”任务分解表"


# -- issue 11 #13, #14: indicator rows as sentences; 重点任务 groups numbered 1, 1.1, 1.2 --

def test_indicator_rows_read_as_a_sentence_with_full_width_brackets(corpus):
    rows = {r.clause_id: r for r in build_rows(corpus, [
        "gd-ip-14fyp:t2.r4", "gd-ip-14fyp:t2.r2", "gd-ip-14fyp:t2.r9", "gd-ip-14fyp:t1.r1"], graph=None)}
    assert rows["gd-ip-14fyp:t2.r4"].content == (
        "知识产权质押融资登记金额、项目数：2020年基期值907.6亿元、3765项，2025年规划值新增2500亿元、5000项")
    assert rows["gd-ip-14fyp:t2.r2"].content == "海外发明专利授权量：2025年规划值新增8万件"
    assert rows["gd-ip-14fyp:t2.r9"].content == "知识产权维权援助和调解办案量：2025年规划值≥3000件/年"
    assert rows["gd-ip-14fyp:t1.r1"].content == "发明专利有效量：目标值20万件，完成值35.1万件"
    for r in rows.values():
        assert "(" not in r.content and "类别" not in r.content and "；" not in r.content
    assert rows["gd-ip-14fyp:t2.r4"].source_short == "表2第4行"


def test_rows_under_one_task_are_numbered_1_1_1_1_2(corpus):
    from office.export.rows import numbering, runs

    ids = ["gd-ip-14fyp:3.2.p1", "gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:box1.p1", "gd-ip-14fyp:3.3.p2",
           "gd-ip-14fyp:box14.p1", "gd-ip-14fyp:box14.p2", "gd-ip-14fyp:t2.r4"]
    rows = build_rows(corpus, ids, graph=None)
    assert [r.group for r in rows[:3]] == ["加强知识产权司法保护"] * 3  # a box belongs to its section
    assert runs(rows) == [[0, 1, 2], [3], [4, 5], [6]]
    assert numbering(rows) == ["1", "1.1", "1.2", "2", "3.1", "3.2", "4"]
    assert [r.source_short for r in rows] == ["第三章第二节", "第三章第二节", "专栏1", "第三章第三节",
                                              "专栏14", "专栏14", "表2第4行"]
