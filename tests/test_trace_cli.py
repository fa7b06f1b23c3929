"""The tracing commands of the ``plankb`` CLI, run as a user would: JSON contracts and errors."""
import json
from pathlib import Path

import networkx as nx

from cli_support import run_plankb as plankb

ROOT = Path(__file__).resolve().parent.parent
DOC = "gd-ip-14fyp"


def test_targets_json_contract():
    data = json.loads(plankb("targets", "--json").stdout)
    keys = ["id", "text", "metric", "value", "comparator", "unit", "deadline", "implied_deadline", "clause",
            "indicator"]
    assert all(list(t)[:len(keys)] == keys for t in data)
    assert len(data) >= 15
    (t,) = [t for t in data if t["value"] == 600]
    assert (t["metric"], t["unit"], t["comparator"], t["deadline"], t["implied_deadline"], t["clause"]) == \
        ("维权援助服务站", "个", "≈", 2025, False, f"{DOC}:box5.p1")
    (t,) = [t for t in data if t["value"] == 2500]
    assert t["indicator"] == f"indicator:{DOC}:t2.r4"


def test_bodies_json_contract():
    data = json.loads(plankb("bodies", "--json").stdout)
    assert all({"id", "name", "aliases", "kind", "clauses"} <= set(b) for b in data)
    by = {b["name"]: b for b in data}
    assert by["海关"]["id"] == "body:海关" and by["海关"]["clauses"] == [f"{DOC}:3.3.p2"]
    courts = json.loads(plankb("bodies", "--kind", "court", "--json").stdout)
    assert {"广州知识产权法院", "深圳知识产权法庭"} <= {b["name"] for b in courts}
    assert all(b["kind"] == "court" for b in courts)


def test_trace_json_contract_for_task_indicator_and_body():
    keys = {"start", "targets", "indicators", "deadlines", "tasks", "bodies", "paths"}
    t = json.loads(plankb("trace", f"{DOC}:box14.p3", "--json").stdout)
    assert keys <= set(t)
    assert [i["id"] for i in t["indicators"]] == [f"indicator:{DOC}:t2.r4"]
    assert [f"{DOC}:box14.p3", f"target:{DOC}:box14.p3.t1", f"indicator:{DOC}:t2.r4"] in t["paths"]
    t = json.loads(plankb("trace", f"indicator:{DOC}:t2.r9", "--json").stdout)
    assert f"{DOC}:3.4.p4" in [x["id"] for x in t["tasks"]]
    t = json.loads(plankb("trace", "国家知识产权局", "--json").stdout)
    assert t["start"]["id"] == "body:国家知识产权局" and f"{DOC}:6.1.p2" in [x["id"] for x in t["tasks"]]


def test_trace_text_output_is_chinese():
    out = plankb("trace", f"{DOC}:3.4.p4").stdout
    assert "加大知识产权维权援助力度" in out and "目标：维权援助服务站 约600个（2025年底" in out
    assert "指标：9. 知识产权维权援助和调解办案量" in out


def test_check_json_lists_agreements_and_conflicts():
    data = json.loads(plankb("check", "--json").stdout)
    assert data["summary"]["conflicts"] == len(data["conflicts"]) >= 1
    (c,) = [c for c in data["conflicts"] if c["metric"] == "知识产权保护社会满意度"]
    assert [v["value"] for v in c["values"]] == [75.07, 80]
    assert any(a["values"][0]["value"] == 27.8 for a in data["agreements"])


def test_graph_export(tmp_path):
    out = tmp_path / "plan.graphml"
    summary = json.loads(plankb("graph", "--format", "graphml", "-o", str(out), "--json").stdout)
    g = nx.read_graphml(out)
    assert summary["nodes"] == g.number_of_nodes() and summary["tasks"] == 58
    assert g.nodes["body:深圳知识产权法庭"]["kind"] == "body"
    gexf = tmp_path / "plan.gexf"
    assert "已写出" in plankb("graph", "--format", "gexf", "-o", str(gexf)).stdout
    assert nx.read_gexf(gexf).number_of_nodes() == g.number_of_nodes()


def test_user_errors_are_one_chinese_line_and_non_zero():
    p = plankb("trace", "gd-ip-14fyp:99.p9", ok=False)
    assert p.returncode != 0 and "找不到 gd-ip-14fyp:99.p9" in p.stderr and "Traceback" not in p.stderr
    p = plankb("targets", "--document", "nope", ok=False)
    assert p.returncode != 0 and "没有编号为 nope 的规划" in p.stderr
    p = plankb("graph", "--format", "dot", "-o", "x.dot", ok=False)
    assert p.returncode != 0
    p = plankb("graph", "-o", "/nonexistent-dir/x.graphml", ok=False)
    assert p.returncode != 0 and "目录不存在" in p.stderr


def test_a_broken_links_file_is_a_clear_error(tmp_path):
    import shutil
    shutil.copy(ROOT / "corpus" / f"{DOC}.md", tmp_path / f"{DOC}.md")
    (tmp_path / "links.toml").write_text("[[link]\nbroken", encoding="utf-8")
    p = plankb("--corpus", str(tmp_path), "targets", ok=False)
    assert p.returncode != 0 and "无法读取人工链接文件" in p.stderr and "Traceback" not in p.stderr


def test_trace_says_what_each_body_is_and_pages_a_hub():
    out = plankb("trace", f"{DOC}:box5.p1").stdout
    assert "高校（提及）" in out
    out = plankb("trace", f"{DOC}:3.2.p3").stdout
    assert "广东省高级人民法院（建议）" in out
    out = plankb("trace", "deadline:2025", "--limit", "2").stdout
    assert "列出 2/" in out and "--limit 可调" in out
    r = plankb("trace", "deadline:2025", "--document", "nope", ok=False)
    assert r.returncode != 0 and "没有编号为 nope 的规划" in r.stderr
