"""The trace diagram is server-built SVG: readable layout, escaped text, numbered evidence."""
import re
import xml.etree.ElementTree as ET

from webapp.diagram import NODE_W, layered_svg, wrap

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
    assert labels[0] == "1 至2025年，8…"  # short evidence on the edge, full text in the list
    assert labels[2] == "3 至2025年"


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
