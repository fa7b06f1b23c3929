"""Trace diagram, targets timeline, bodies and graph overview pages (kb.graph on the seed)."""
import re
import xml.etree.ElementTree as ET

from test_web_support import app, client, web_instance  # noqa: F401 (fixtures)

SVG = "{http://www.w3.org/2000/svg}"
BOX5 = "gd-ip-14fyp:box5.p1"


def _n_targets() -> int:
    """Target extraction improves over time (kb.graph): compare against it, not a frozen 17."""
    from kb.corpus import load_corpus
    from kb.graph import build_graph

    g = build_graph(load_corpus())
    n = sum(1 for _, a in g.g.nodes(data=True) if a["kind"] == "target")
    assert n >= 17  # the seed plan's dated targets, at the least
    return n


def _svg(html: str) -> ET.Element:
    m = re.search(r"<svg .*?</svg>", html, re.S)
    assert m, "an inline SVG diagram"
    return ET.fromstring(m.group(0))


def test_trace_api_chain_task_target_indicator_deadline(client):
    d = client.get(f"/api/trace/{BOX5}").json
    assert d["start"]["id"] == BOX5 and d["start"]["kind_label"] == "条文"
    kinds = {n["id"]: n["kind"] for n in d["nodes"]}
    assert kinds[BOX5] == "task"
    assert kinds["target:gd-ip-14fyp:box5.p1.t2"] == "target"
    assert kinds["indicator:gd-ip-14fyp:t2.r9"] == "indicator"
    assert kinds["deadline:2025"] == "deadline" and kinds["deadline:2022"] == "deadline"
    edges = {(e["source"], e["target"]): e for e in d["edges"]}
    e = edges[("target:gd-ip-14fyp:box5.p1.t2", "deadline:2025")]
    assert e["evidence"] == "条文写明时限：“到2025年”"
    assert edges[(BOX5, "target:gd-ip-14fyp:box5.p1.t2")]["evidence"] == "同一条文提出"
    assert all(e["evidence"] for e in d["edges"])


def test_trace_page_draws_layered_svg_with_evidence(client):
    html = client.get(f"/trace/{BOX5}").get_data(as_text=True)
    root = _svg(html)
    x = {}
    for el in root.iter():
        if el.get("data-node"):
            x[el.get("data-node")] = float(el.find(SVG + "rect").get("x"))
    # left to right: body, task, target, indicator, deadline
    assert x["body:科研院所"] < x[BOX5] < x["target:gd-ip-14fyp:box5.p1.t2"] \
        < x["indicator:gd-ip-14fyp:t2.r9"] < x["deadline:2025"]
    heads = [t.text for t in root.iter(SVG + "text") if t.get("class") == "colhead"]
    api = client.get(f"/api/trace/{BOX5}").json
    per_kind = {k: sum(1 for n in api["nodes"] if n["kind"] == k)
                for k in ("body", "task", "target", "indicator", "deadline")}
    assert heads == [f"单位（{per_kind['body']}）", "任务（1）", f"目标（{per_kind['target']}）",
                     f"指标（{per_kind['indicator']}）", f"时限（{per_kind['deadline']}）"]
    assert per_kind["target"] >= 2 and per_kind["deadline"] == 2
    labels = [t.text for t in root.iter(SVG + "text") if t.get("class") == "edgelabel"]
    n_edges = len(client.get(f"/api/trace/{BOX5}").json["edges"])
    # five columns: edges carry their number only, so the drawing fits a 1280px screen at 1:1
    assert labels == [str(i) for i in range(1, n_edges + 1)]
    assert float(root.get("width")) <= 1150
    items = re.findall(r'<li value="(\d+)">', html)
    assert items == [str(i) for i in range(1, n_edges + 1)]  # numbered evidence list
    assert "维权援助服务站约600个</b> → <b>2025年</b>：条文写明时限：“到2025年”" in html
    assert "链上全部任务加入清单" in html


def test_trace_from_target_indicator_deadline_and_body(client):
    for nid, must in [("target:gd-ip-14fyp:3.3.p3.t1", "gd-ip-14fyp:3.3.p3"),
                      ("indicator:gd-ip-14fyp:t2.r1", "gd-ip-14fyp:4.1.p3"),
                      ("deadline:2022", BOX5),
                      ("body:海关", "gd-ip-14fyp:3.3.p2")]:
        d = client.get(f"/api/trace/{nid}").json
        assert must in {n["id"] for n in d["nodes"]}, nid
        r = client.get(f"/trace/{nid}")
        assert r.status_code == 200 and 'data-node="%s"' % must in r.get_data(as_text=True)
    # a body may be given by name, as staff type it
    assert client.get("/api/trace/海关").json["start"]["id"] == "body:海关"


def test_trace_unknown_is_404(client):
    r = client.get("/trace/target:nope")
    assert r.status_code == 404 and "无法追踪" in r.get_data(as_text=True)
    assert client.get("/api/trace/target:nope").status_code == 404


def test_trace_index_lists_starting_points(client):
    html = client.get("/trace").get_data(as_text=True)
    assert f"目标（{_n_targets()}）" in html and "时限（3）" in html
    assert 'href="/trace/deadline:2025"' in html
    d = client.get("/api/trace").json
    assert len(d["targets"]) == _n_targets() and [x["label"] for x in d["deadlines"]] == ["2022年", "2025年", "每年"]
    r = client.get("/trace?id=body:海关")
    assert r.status_code == 302 and r.headers["Location"].endswith("/trace/body:%E6%B5%B7%E5%85%B3")


def test_clause_page_shows_links_with_evidence(client):
    d = client.get("/api/clauses/gd-ip-14fyp:3.3.p3").json["links"]
    assert [t["label"] for t in d["targets"]] == ["地市建立知识产权快保护机制80%以上"]
    assert d["targets"][0]["evidence"] == "同一条文提出"
    assert "广州商标审查协作中心" in [b["label"] for b in d["bodies"]]
    assert d["suggest"]["deadline"] == "2025年底"
    html = client.get("/clauses/gd-ip-14fyp:3.3.p3").get_data(as_text=True)
    assert "地市建立知识产权快保护机制80%以上" in html and "依据：同一条文提出" in html
    assert "任务分解建议" in html


def test_targets_timeline_ordered_by_year(client):
    d = client.get("/api/targets").json
    assert [y["label"] for y in d["years"]] == ["2022年", "2025年", "每年"]
    assert d["total"] == _n_targets() == sum(len(y["targets"]) for y in d["years"])
    html = client.get("/targets").get_data(as_text=True)
    assert html.index('id="year-2022"') < html.index('id="year-2025"') < html.index('id="year-annual"')
    assert "地市建立知识产权快保护机制80%以上" in html


def test_bodies_page_lists_each_body_with_its_tasks(client):
    d = client.get("/api/bodies").json
    customs = next(b for b in d["bodies"] if b["name"] == "海关")
    assert [t["id"] for t in customs["tasks"] if t["role"] == "提及"] == ["gd-ip-14fyp:3.3.p2"]
    # the other tasks are where its kind of work (跨境, 进出口) suggests it, and say so
    assert {t["role"] for t in customs["tasks"][1:]} == {"建议"}
    assert sum(d["kinds"].values()) == d["total"] == len(d["bodies"])
    html = client.get("/bodies").get_data(as_text=True)
    assert html.count('class="body-card"') == d["total"]
    assert "强化知识产权行政执法和行政裁决" in html


def test_graph_overview_and_kind_filter(client):
    d = client.get("/api/graph").json
    counts = {n["kind"]: n["count"] for n in d["nodes_by_kind"]}
    assert counts["target"] == _n_targets() and counts["box"] == 20
    assert d["nodes"] == []  # the overview lists kinds, not nodes
    d = client.get("/api/graph?kind=target").json
    assert d["total"] == _n_targets() and all(n["kind"] == "target" for n in d["nodes"])
    d = client.get("/api/graph?kind=body&q=海关").json
    assert [n["label"] for n in d["nodes"]] == ["海关"]
    html = client.get("/graph").get_data(as_text=True)
    root = _svg(html)
    assert any(el.get("data-node") == "kind:clause" for el in root.iter())
    assert "条文 —提及→ 责任单位" in html
    html = client.get("/graph?kind=deadline").get_data(as_text=True)
    assert 'href="/trace/deadline:2025"' in html
    r = client.get("/api/graph?kind=planet")
    assert r.status_code == 400 and "参数 kind" in r.json["error"]["message"]


def test_trace_index_lists_tasks_and_regions(client):
    d = client.get("/api/trace").json
    tasks = {t["id"]: t for t in d["tasks"]}
    assert "gd-ip-14fyp:5.2.p4" in tasks and tasks["gd-ip-14fyp:5.2.p4"]["label"] == "深化发展知识产权金融"
    assert "gd-ip-14fyp:box14.p3" not in tasks  # a target statement is listed as its targets
    regions = {r["label"]: r for r in d["regions"]}
    assert {"深圳", "广州", "前海深港现代服务业合作区", "横琴粤澳深度合作区"} <= set(regions)
    html = client.get("/trace").get_data(as_text=True)
    assert f"任务（{len(d['tasks'])}）" in html and f"地区（{len(d['regions'])}）" in html
    assert 'href="/trace/region:%E6%B7%B1%E5%9C%B3"' in html or 'href="/trace/region:深圳"' in html
    assert client.get("/api/trace?doc=nope").status_code == 400


def test_bodies_page_reaches_regions_and_marks_roles(client):
    d = client.get("/api/bodies").json
    assert {"深圳", "前海深港现代服务业合作区", "横琴粤澳深度合作区"} <= {r["name"] for r in d["regions"]}
    court = next(b for b in d["bodies"] if b["name"] == "广东省高级人民法院")
    assert {t["role"] for t in court["tasks"]} == {"建议"}
    assert "gd-ip-14fyp:3.2.p3" in [t["id"] for t in court["tasks"]]
    html = client.get("/bodies").get_data(as_text=True)
    assert "地区：" in html and "/trace/region:" in html and 'class="role role-建议"' in html


def test_trace_labels_bodies_as_what_they_are(client):
    d = client.get("/api/trace/gd-ip-14fyp:box5.p1").json
    subs = {n["label"]: n["sub"] for n in d["nodes"] if n["kind"] == "body"}
    assert subs["高校"].startswith("提及")
    d = client.get("/api/trace/gd-ip-14fyp:3.2.p3").json
    subs = {n["label"]: n["sub"] for n in d["nodes"] if n["kind"] == "body"}
    assert subs["广东省高级人民法院"].startswith("建议")
    html = client.get("/trace/gd-ip-14fyp:3.2.p3").get_data(as_text=True)
    assert "stroke-dasharray" in html and "点线为按职能建议" in html


def test_one_count_one_meaning(client):
    outline = client.get("/api/outline").json
    n_clauses = outline["document"]["clauses"]
    n_indicators = len(client.get("/api/indicators").json["indicators"])
    counts = {n["kind"]: n["count"] for n in client.get("/api/graph").json["nodes_by_kind"]}
    assert (counts["clause"], counts["indicator"]) == (n_clauses, n_indicators) == (178, 14)
    assert counts["history"] == 18
    assert client.get("/api/graph?kind=clause&limit=5000").json["total"] == n_clauses
    assert client.get("/api/graph?kind=indicator").json["total"] == n_indicators


def test_a_hub_trace_is_paged_by_plan(client):
    full = client.get("/api/trace/deadline:2025?limit=0").json
    page = client.get("/api/trace/deadline:2025?limit=5").json
    assert page["truncated"] and not full["truncated"]
    assert page["counts"]["tasks"] <= 5 < full["counts"]["tasks"]
    html = client.get("/trace/deadline:2025?limit=5").get_data(as_text=True)
    assert "显示更多" in html and "limit=0" in html
    assert client.get("/api/trace/deadline:2025?doc=nope").status_code == 400
    assert client.get("/api/trace/deadline:2025?limit=-1").status_code == 400


def test_evidence_says_a_mention_is_only_a_mention(client):
    html = client.get(f"/trace/{BOX5}").get_data(as_text=True)
    assert "<b>高校</b>：条文提及该单位（未写明由其负责）" in html


def test_bodies_page_lists_tasks_not_the_review(client):
    d = client.get("/api/bodies").json
    ids = {t["id"] for b in d["bodies"] for t in b["tasks"]}
    assert not [i for i in ids if i.startswith("gd-ip-14fyp:1.") or i == "gd-ip-14fyp:p1"]
    assert "党中央" not in {b["name"] for b in d["bodies"]}  # named only in the preamble, review, principles
