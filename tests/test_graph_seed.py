"""The plan graph on the seed plan: targets, indicators, links, bodies, regions, check."""
import networkx as nx
import pytest

from kb.graph import build_graph

DOC = "gd-ip-14fyp"


@pytest.fixture(scope="module")
def pg(corpus):
    return build_graph(corpus)


def task(corpus, lead):
    (c,) = [c for c in corpus.document(DOC).clauses if c.lead == lead]
    return c.id


def serves(pg, src, dst):
    return pg.g.has_edge(src, dst, key="serves")


def test_cached_per_corpus(pg, corpus):
    assert build_graph(corpus) is pg


def test_at_least_15_targets_each_with_value_unit_deadline_and_clause(pg, corpus):
    ts = pg.targets(DOC)
    numeric = [t for t in ts if t["value"] is not None]
    assert len(numeric) >= 14 and len(ts) >= 15
    for t in numeric:
        assert t["unit"] and t["metric"], t
        assert t["deadline"] == "annual" or 2021 <= t["deadline"] <= 2025
        assert corpus.clause(t["clause"]).document == DOC
        assert t["id"].startswith(f"target:{t['clause']}.t")
    by = {(t["metric"], t["value"]): t for t in ts}
    stations = by[("维权援助服务站", 600)]
    assert (stations["unit"], stations["comparator"], stations["deadline"], stations["clause"]) == \
        ("个", "≈", 2025, f"{DOC}:box5.p1")
    money = by[("全省专利、商标质押融资金额", 2500)]
    assert money["unit"] == "亿元" and money["deadline"] == 2025 and money["increment"]
    assert money["deadline_kind"] == "period" and money["indicator"] == f"indicator:{DOC}:t2.r4"
    sep = by[("专利转化为标准必要专利", 500)]
    assert sep["deadline"] == "annual" and sep["comparator"] == "≥"
    web = [t for t in ts if t["value"] is None and "“一张网”" in t["metric"] and t["deadline"] == 2022]
    assert len(web) == 1 and web[0]["clause"] == f"{DOC}:box5.p1"
    implied = by[("市场主体使用地理标志专用标志覆盖率", 80)]
    assert implied["implied_deadline"] and implied["deadline"] == 2025


def test_review_numbers_are_not_targets(pg):
    assert not [t for t in pg.targets(DOC) if t["clause"].startswith(f"{DOC}:1.")]


def test_main_indicators_and_history(pg):
    main = pg.indicators(DOC, history=False)
    hist = pg.indicators(DOC, history=True)
    assert len(main) == 14 and len(hist) == 18
    pledge = next(i for i in main if i["number"] == 4)
    assert pledge["id"] == f"indicator:{DOC}:t2.r4" and pledge["increment"]
    assert pledge["base"]["value"] == 907.6 and pledge["target"]["value"] == 2500
    assert next(i for i in main if i["number"] == 9)["target"]["comparator"] == "≥"


def test_every_main_indicator_is_served_by_a_task(pg):
    for ind in pg.indicators(DOC, history=False):
        t = pg.trace(ind["id"])
        assert t["tasks"], ind["name"]


def test_the_issue_examples_are_rule_links(pg, corpus):
    for lead, row in (("深化发展知识产权金融", 4), ("加大知识产权维权援助力度", 9), ("构筑版权产业发展新优势", 7)):
        src, dst = task(corpus, lead), f"indicator:{DOC}:t2.r{row}"
        assert serves(pg, src, dst), lead
        assert pg.g.edges[src, dst, "serves"]["evidence"].startswith("rule:")


def test_box_targets_serve_the_task_the_box_follows(pg, corpus):
    src = task(corpus, "加大知识产权维权援助力度")
    t = pg.trace(src)
    assert {f"target:{DOC}:box5.p1.t1", f"target:{DOC}:box5.p1.t2"} <= {x["id"] for x in t["targets"]}
    assert [d["label"] for d in t["deadlines"]] == ["2022年", "2025年"]
    assert any(link["evidence"] == "rule:box_follows" for link in t["links"])
    finance = pg.trace(task(corpus, "深化发展知识产权金融"))
    assert [src for src in finance["paths"] if src[-1] == f"indicator:{DOC}:t2.r4" and len(src) == 3]


def test_curated_links_are_marked(pg, corpus):
    src = task(corpus, "加强民事司法保护")
    e = pg.g.edges[src, f"indicator:{DOC}:t2.r10", "serves"]
    assert e["evidence"] == "curated" and "服判息诉" in e["note"]
    assert pg.warnings == []


def test_trace_from_an_indicator_lists_the_tasks_serving_it(pg, corpus):
    t = pg.trace(f"indicator:{DOC}:t2.r4")
    ids = [x["id"] for x in t["tasks"]]
    assert task(corpus, "深化发展知识产权金融") in ids
    # 专栏14's “全省专利、商标质押融资金额达2500亿元” is a target statement: drawn as its target
    assert f"{DOC}:box14.p3" not in ids and [x["id"] for x in t["targets"]] == [f"target:{DOC}:box14.p3.t1"]
    assert pg.g.nodes[f"{DOC}:box14.p3"]["statement"] and not pg.g.nodes[f"{DOC}:box8.p1"].get("statement")
    assert all(p[0] == t["start"]["id"] for p in t["paths"])


def test_trace_from_a_box_and_a_target(pg, corpus):
    t = pg.trace(f"{DOC}:box14")
    assert f"indicator:{DOC}:t2.r4" in [i["id"] for i in t["indicators"]]
    assert task(corpus, "深化发展知识产权金融") in [x["id"] for x in t["tasks"]]
    t = pg.trace(f"target:{DOC}:box5.p1.t2")
    assert {x["id"] for x in t["tasks"]} == {f"{DOC}:box5.p1", task(corpus, "加大知识产权维权援助力度")}


def test_trace_unknown_raises_key_error(pg):
    with pytest.raises(KeyError):
        pg.trace("gd-ip-14fyp:99.p1")


BODIES = {
    "国家知识产权局": f"{DOC}:6.1.p2", "广东省市场监督管理局": f"{DOC}:1.1.p2",
    "广州知识产权法院": f"{DOC}:7.1.p3", "深圳知识产权法庭": f"{DOC}:7.1.p3", "公安机关": f"{DOC}:box1.p1",
    "海关": f"{DOC}:3.3.p2", "高校": f"{DOC}:6.3.p4", "科研院所": f"{DOC}:5.2.p2",
    "行业协会": f"{DOC}:3.4.p3", "保险机构": f"{DOC}:box7.p1", "世界知识产权组织": f"{DOC}:7.3.p2",
    "国家海外知识产权纠纷应对指导中心": f"{DOC}:1.1.p4",
}


def test_bodies_found_with_their_clauses(pg):
    bodies = {b["name"]: b for b in pg.bodies(DOC)}
    for name, clause in BODIES.items():
        assert clause in bodies[name]["clauses"], name
    assert "省知识产权局" in bodies["广东省知识产权局"]["aliases"]
    assert "省市场监管局" in bodies["广东省市场监督管理局"]["aliases"]
    assert bodies["广州知识产权法院"]["kind"] == "court" and bodies["广州知识产权法院"]["kind_label"] == "审判机关"
    assert "省知识产权局" not in bodies and "广东省工作大局" not in bodies


def test_what_the_plan_asks_of_shenzhen(pg):
    t = pg.trace("深圳")
    ids = [x["id"] for x in t["tasks"]]
    assert f"{DOC}:7.2.p4" in ids and f"{DOC}:7.1.p3" in ids
    assert all(x["clause_kind"] != "review" for x in t["tasks"])
    regions = {r["name"]: r for r in pg.regions(DOC)}
    for name in ("横琴粤澳深度合作区", "前海深港现代服务业合作区", "中新广州知识城", "粤东粤西粤北", "珠海"):
        assert regions[name]["clauses"], name
    assert f"{DOC}:box14.p2" in regions["粤东粤西粤北"]["clauses"]


def test_clause_links_and_suggestions(pg, corpus):
    links = pg.clause_links(f"{DOC}:box14.p3")
    assert [t["id"] for t in links["targets"]] == [f"target:{DOC}:box14.p3.t1", f"target:{DOC}:box14.p3.t2"]
    assert [i["id"] for i in links["indicators"]] == [f"indicator:{DOC}:t2.r4"]
    assert [d["id"] for d in links["deadlines"]] == ["deadline:2025"]
    s = pg.suggest(f"{DOC}:box5.p1")
    assert s["deadline"] == "2022年底" and s["lead"] == ["广东省市场监督管理局（知识产权局）"]
    s = pg.suggest(f"{DOC}:7.1.p3")
    # the courts are named in the text, not in the title (强化粤港澳大湾区知识产权保护合作): they support
    assert s["lead"] == ["广东省市场监督管理局（知识产权局）"]
    assert s["support"][:2] == ["广州知识产权法院", "深圳知识产权法庭"]
    assert s["deadline"] == "2025年底" and s["implied_deadline"]


def test_consistency_check(pg):
    res = pg.check()
    agree = [(x["values"][0]["source"], x["values"][1]["source"], x["values"][0]["value"]) for x in res["agreements"]]
    assert (f"{DOC}:1.1.p5", f"indicator:{DOC}:t1.r2", 27.8) in agree
    assert (f"indicator:{DOC}:t1.r16", f"indicator:{DOC}:t2.r7", 8.7) in agree
    conflicts = [(x["metric"], x["values"][0]["value"], x["values"][1]["value"]) for x in res["conflicts"]]
    assert ("知识产权保护社会满意度", 75.07, 80) in conflicts
    assert len(res["conflicts"]) == 1  # nothing else in the seed disagrees


def test_tasks_reaching_a_target_or_indicator(pg):
    s = pg.stats()
    assert s["tasks"] == 58
    assert s["tasks_reaching_target_or_indicator"] >= 26


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_write_for_other_tools(pg, tmp_path, fmt):
    out = pg.write(tmp_path / f"plan.{fmt}", fmt)
    assert [p.name for p in tmp_path.iterdir()] == [f"plan.{fmt}"]
    if fmt == "graphml":
        g = nx.read_graphml(out)
        assert g.number_of_nodes() == pg.g.number_of_nodes()
        assert g.nodes[f"indicator:{DOC}:t2.r4"]["kind"] == "indicator"
        assert any(a.get("evidence") == "curated" for _, _, a in g.edges(data=True))
    elif fmt == "gexf":
        g = nx.read_gexf(out)
        assert g.number_of_nodes() == pg.g.number_of_nodes()
    else:
        import json
        data = json.loads(out.read_text(encoding="utf-8"))
        assert len(data["nodes"]) == pg.g.number_of_nodes() and data["links"]
    with pytest.raises(ValueError):
        pg.write(tmp_path / "x.dot", "dot")
