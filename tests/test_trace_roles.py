"""Tracing as staff read it (issue 11): who is asked and who is only named, bodies
suggested by the kind of work, target statements as targets, hubs shown a page at a time."""
import pytest

from kb.extract import find_bodies, load_gazetteer
from kb.extract.bodies import acts
from kb.extract.text import clip
from kb.graph import build_graph
from webapp.diagram import wrap

DOC = "gd-ip-14fyp"


@pytest.fixture(scope="module")
def pg(corpus):
    return build_graph(corpus)


def roles(t: dict) -> dict:
    return {b["label"]: b["role"] for b in t["bodies"]}


def test_named_places_are_mentioned_not_responsible(pg):
    t = pg.trace(f"{DOC}:box5.p1")  # 在……重点高校院所等建立约600个维权援助服务站
    r = roles(t)
    assert r["高校"] == "提及" and r["科研院所"] == "提及"


def test_preamble_and_review_ask_nothing_of_the_centre(pg):
    for body in ("body:党中央", "body:国务院"):
        tasks = [x["id"] for x in pg.trace(body)["tasks"]]
        assert f"{DOC}:p1" not in tasks and not [x for x in tasks if x.startswith(f"{DOC}:1.")], tasks
    # what stays is named, not asked: no co-bodies only named beside it
    t = pg.trace("body:党中央")
    assert all(b["role"] != "提及" for b in t["bodies"])


def test_a_subject_that_acts_is_responsible():
    gaz = load_gazetteer().for_province("广东省")
    text = "由省版权局负责开展版权示范创建。支持高校开展知识产权普及教育。"
    found = {b.name: acts(text, b, gaz) for b in find_bodies(text, gaz)}
    assert found == {"广东省版权局": True, "高校": False}


def test_courts_reach_the_judicial_protection_tasks_as_suggested(pg):
    t = pg.trace("body:人民法院")
    ids = [x["id"] for x in t["tasks"]]
    assert f"{DOC}:3.2.p3" in ids and f"{DOC}:3.2.p4" in ids  # 加强民事司法保护, 推进司法改革创新
    assert roles(pg.trace(f"{DOC}:3.2.p3"))["广东省高级人民法院"] == "建议"
    e = pg.g.edges[f"{DOC}:3.2.p3", "body:广东省高级人民法院", "suggested"]
    assert e["evidence"] == "rule:duty_of_title" and "司法" in e["terms"]


def test_a_target_statement_is_drawn_as_its_targets(pg):
    t = pg.trace(f"{DOC}:box14")
    assert f"{DOC}:box14.p3" not in [x["id"] for x in t["tasks"]]
    assert "全省专利、商标质押融资金额达2500亿元" in [x["label"] for x in t["targets"]]


def test_no_label_cuts_or_wraps_inside_a_number():
    text = "“十四五”期间，全省专利、商标质押融资金额达2500亿元，发行知识产权证券化产品50个以上。"
    assert clip(text, 24) == "“十四五”期间，全省专利、商标质押融资金额达2500亿元……"
    assert clip("短句", 24) == "短句"
    for width in range(110, 200, 7):  # wide enough for three lines to hold it
        lines = wrap("全省专利、商标质押融资金额达2500亿元", width)
        assert any("2500亿元" in line for line in lines), (width, lines)


def test_a_hub_is_shown_a_page_at_a_time(pg):
    full = pg.trace("deadline:2025")
    page = pg.trace("deadline:2025", limit=3)
    (g,) = page["groups"]
    assert g["document"] == DOC and g["shown"] == 3 and g["tasks"] == len(full["tasks"]) > 3
    assert len(page["tasks"]) == 3 and len(page["paths"]) < len(full["paths"])
    assert pg.trace("deadline:2025", document="nope")["tasks"] == []


def test_rebuilding_the_graph_does_not_grow_the_extractor_caches(corpus):
    """Each build used to expand the gazetteer anew and compile its matchers again, one
    cache entry per plan per build, never freed (issue 12: bounded caches)."""
    import kb.extract.bodies as bodies
    import kb.extract.gazetteer as gazetteer
    import kb.graph as graph

    sizes = []
    for _ in range(3):
        graph._cache.clear()
        graph.build_graph(corpus)
        sizes.append((len(bodies._CACHE), len(gazetteer._INDEX_CACHE)))
    assert sizes[0] == sizes[1] == sizes[2]


def test_suggested_units_are_known_bodies_of_their_kind(pg):
    a = pg.g.nodes["body:人民银行广州分行"]
    assert (a["body_kind"], a["kind_label"]) == ("finance", "金融管理部门")
    assert roles(pg.trace(f"{DOC}:5.2.p4"))["人民银行广州分行"] == "建议"


def test_a_hub_of_many_plans_draws_a_few_and_lists_the_rest(tmp_path):
    """Five plans naming 高校: the page draws the first plans' first tasks (``limit`` shared
    among them) and lists every plan with its counts, to be opened one at a time (?doc=)."""
    import shutil
    from pathlib import Path

    from kb.corpus import load_corpus
    from kb.graph import TRACE_PLANS

    src = Path(__file__).resolve().parent.parent / "corpus"
    shutil.copytree(src / "gazetteer", tmp_path / "gazetteer")
    seed = (src / f"{DOC}.md").read_text(encoding="utf-8")
    for i in range(5):
        (tmp_path / f"plan-{i}.md").write_text(seed.replace(f'id: "{DOC}"', f'id: "plan-{i}"', 1), encoding="utf-8")
    pg = build_graph(load_corpus(tmp_path))
    t = pg.trace("body:高校", limit=2 * TRACE_PLANS)
    assert len(t["groups"]) == 5 and TRACE_PLANS < 5
    drawn = [g for g in t["groups"] if g["tasks_shown"]]
    assert len(drawn) == TRACE_PLANS and all(g["tasks_shown"] == 2 < g["tasks"] for g in drawn)
    assert len(t["tasks"]) == 2 * TRACE_PLANS
    one = pg.trace("body:高校", document="plan-4", limit=2)
    assert {x["document"] for x in one["tasks"]} == {"plan-4"}
