"""The trace diagram is server-built SVG: readable layout, escaped text, numbered evidence."""
import re
import xml.etree.ElementTree as ET

from webapp.diagram import FIT_WIDTH, NODE_W, layered_svg, wrap

COLS = [("task", "任务"), ("target", "目标"), ("indicator", "指标"), ("deadline", "时限")]
SVG = "{http://www.w3.org/2000/svg}"


def _nodes():
    return [
        {"id": "t1", "kind": "task", "label": "完善知识产权快保护机构建设", "url": "/clauses/x:3.3.p2"},
        {"id": "g1", "kind": "target", "label": "80%以上地市建立知识产权快保护机制"},
        {"id": "i1", "kind": "indicator", "label": "知识产权保护社会满意度"},
        {"id": "d1", "kind": "deadline", "label": "2025年"},
        {"id": "b1", "kind": "body", "label": "不画出来的种类"},
    ]


def _edges():
    return [
        {"source": "t1", "target": "g1", "kind": "sets", "evidence": "至2025年，80%以上地市建立知识产权快保护机制"},
        {"source": "g1", "target": "i1", "kind": "measured_by", "evidence": "保护水平显著提升"},
        {"source": "g1", "target": "d1", "kind": "due", "evidence": "至2025年"},
        {"source": "t1", "target": "b1", "kind": "led_by", "evidence": "x"},
    ]


def test_wrap_breaks_chinese_by_width_and_ellipsises():
    text = "加强知识产权快保护机构能力建设为产业发展提供集快速审查快速确权快速维权于一体的一站式综合服务"
    lines = wrap(text)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert all(len(line) <= 15 for line in lines)  # 13px glyphs in a 190px text box
    assert wrap("短") == ["短"]
    assert "".join(wrap("2025年")) == "2025年"


def test_layout_columns_left_to_right_and_parses_as_svg():
    d = layered_svg(_nodes(), _edges(), COLS, start="t1", title="追踪")
    root = ET.fromstring(str(d.svg))
    assert root.tag == SVG + "svg"
    xs = {}
    for g in root.iter():
        if g.get("data-node"):
            rect = g.find(SVG + "rect")
            xs[g.get("data-node")] = float(rect.get("x"))
    assert set(xs) == {"t1", "g1", "i1", "d1"}  # the body kind has no column here
    assert xs["t1"] < xs["g1"] < xs["i1"] < xs["d1"]
    assert xs["g1"] - xs["t1"] > NODE_W
    heads = [t.text for t in root.iter(SVG + "text") if t.get("class") == "colhead"]
    assert heads == ["任务（1）", "目标（1）", "指标（1）", "时限（1）"]
    # the start node is marked and linked
    start = [g for g in root.iter() if g.get("data-node") == "t1"][0]
    assert "start" in start.get("class") and start.get("href") == "/clauses/x:3.3.p2"


def test_edges_are_numbered_with_evidence_and_drop_dangling():
    d = layered_svg(_nodes(), _edges(), COLS)
    assert [e["n"] for e in d.edges] == [1, 2, 3]
    assert d.edges[0]["evidence"].startswith("至2025年")
    assert d.edges[0]["source_label"] == "完善知识产权快保护机构建设"
    labels = re.findall(r'<text class="edgelabel"[^>]*>([^<]*)</text>', str(d.svg))
    assert labels == ["1", "2", "3"]  # four columns: numbers only, evidence in the list below
    three = layered_svg(_nodes(), _edges(), COLS[:2] + COLS[3:])  # task, target, deadline
    labels = re.findall(r'<text class="edgelabel"[^>]*>([^<]*)</text>', str(three.svg))
    assert labels[0] == "1 至2025年，8…"  # room to spare: short evidence on the edge too
    assert labels[1] == "2 至2025年"


def test_text_is_escaped():
    nodes = [{"id": "a", "kind": "task", "label": "<script>alert(1)</script>&"},
             {"id": "b", "kind": "target", "label": "\"引号\""}]
    d = layered_svg(nodes, [{"source": "a", "target": "b", "evidence": "<b>x</b>"}], COLS)
    s = str(d.svg)
    assert "<script>" not in s and "<b>" not in s
    assert "&lt;script&gt;" in s
    ET.fromstring(s)  # still well-formed


def test_barycenter_ordering_reduces_crossings():
    nodes = [{"id": f"t{i}", "kind": "task", "label": f"任务{i}"} for i in range(2)]
    nodes += [{"id": f"g{i}", "kind": "target", "label": f"目标{i}"} for i in range(2)]
    # t0→g1, t1→g0: drawn in input order these would cross; ordering must uncross them
    d = layered_svg(nodes, [{"source": "t0", "target": "g1"}, {"source": "t1", "target": "g0"}], COLS)
    root = ET.fromstring(str(d.svg))
    y = {g.get("data-node"): float(g.find(SVG + "rect").get("y")) for g in root.iter() if g.get("data-node")}
    assert (y["t0"] < y["t1"]) == (y["g1"] < y["g0"])


FIVE = [("body", "责任单位"), ("task", "任务"), ("target", "目标"), ("indicator", "指标"),
        ("deadline", "时限")]


def _wide():
    """The shape of gd-ip-14fyp:5.2.p4: a task, two targets, an indicator, a deadline,
    bodies; targets link straight to the deadline, past the indicator column."""
    nodes = [{"id": "t", "kind": "task", "label": "深化发展知识产权金融"},
             {"id": "g1", "kind": "target", "label": "全省专利、商标质押融资金额达2500亿元"},
             {"id": "g2", "kind": "target", "label": "发行知识产权证券化产品达50个"},
             {"id": "i", "kind": "indicator", "label": "知识产权质押融资登记金额、项目数"},
             {"id": "d", "kind": "deadline", "label": "2025年"},
             {"id": "b1", "kind": "body", "label": "金融机构"},
             {"id": "b2", "kind": "body", "label": "知识产权服务机构"}]
    edges = [("t", "b1"), ("t", "b2"), ("t", "g1"), ("g1", "d"), ("g1", "i"), ("i", "d"),
             ("t", "g2"), ("g2", "d"), ("t", "i")]
    return nodes, [{"source": a, "target": b, "evidence": "依据"} for a, b in edges]


def _label_boxes(svg):
    root = ET.fromstring(str(svg))
    out = {}
    for g in root.iter(SVG + "g"):
        if g.get("data-label"):
            r = g.find(SVG + "rect")
            out[int(g.get("data-label"))] = tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
    nodes = [tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
             for el in root.iter() if el.get("data-node") for r in [el.find(SVG + "rect")]]
    return root, out, nodes


def _overlap(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_five_columns_fit_a_1280_screen_at_full_size():
    nodes, edges = _wide()
    d = layered_svg(nodes, edges, FIVE, start="t")
    assert d.width <= FIT_WIDTH  # shown 1:1, so the 13px text stays 13px
    root = ET.fromstring(str(d.svg))
    widths = {float(el.find(SVG + "rect").get("width")) for el in root.iter() if el.get("data-node")}
    assert min(widths) >= 160


def test_every_edge_number_is_visible_none_hidden_by_a_node_or_another_label():
    nodes, edges = _wide()
    d = layered_svg(nodes, edges, FIVE, start="t")
    _, labels, node_boxes = _label_boxes(d.svg)
    assert sorted(labels) == list(range(1, len(edges) + 1))
    for n, box in labels.items():
        assert not any(_overlap(box, nb) for nb in node_boxes), f"label {n} under a node"
        assert 0 <= box[1] and box[1] + box[3] <= d.height
    nums = sorted(labels)
    for i in nums:
        for j in nums:
            if i < j:
                assert not _overlap(labels[i], labels[j]), (i, j)
