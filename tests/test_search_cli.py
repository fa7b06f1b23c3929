"""``plankb search`` and ``plankb build`` through click, as a user runs them."""
import json

import pytest
from click.testing import CliRunner

from plankb.cli import cli

SEED = "gd-ip-14fyp"


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    path = tmp_path_factory.mktemp("instance")
    r = CliRunner().invoke(cli, ["--instance", str(path), "build"])
    assert r.exit_code == 0, r.output
    assert "条条款" in r.output
    return path


def run(inst, *args, input=None):
    return CliRunner().invoke(cli, ["--instance", str(inst), *args], input=input)


def test_search_json_shape(inst):
    r = run(inst, "search", "商业秘密", "--json", "--limit", "3")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["query"] == "商业秘密" and data["total"] >= 3 and len(data["hits"]) == 3
    hit = data["hits"][0]
    assert {"id", "kind", "title", "breadcrumb", "text", "snippet", "score"} <= set(hit)
    assert set(data["facets"]) == {"document", "chapter", "section", "box", "kind", "year"}


def test_search_filters(inst):
    r = run(inst, "search", "知识产权", "--json", "--chapter", "7", "--section", "2", "--limit", "100")
    hits = json.loads(r.output)["hits"]
    assert hits and all((h["chapter"], h["section"]) == (7, 2) for h in hits)
    r = run(inst, "search", "维权援助", "--json", "--year", "2022")
    assert [h["id"] for h in json.loads(r.output)["hits"]] == [f"{SEED}:box5.p1"]
    r = run(inst, "search", "专利", "--json", "--kind", "table_row", "--document", SEED, "--limit", "50")
    assert {h["kind"] for h in json.loads(r.output)["hits"]} == {"table_row"}
    r = run(inst, "search", "知识产权", "--json", "--box", "14")
    assert {h["box"] for h in json.loads(r.output)["hits"]} == {"14"}


def test_batch_mode_prints_one_json_object_per_line(inst, tmp_path):
    f = tmp_path / "q.txt"
    f.write_text("商业秘密\n\n\"蓝剑\"\n" + "知" * 10000 + "\n两个合作区\n", encoding="utf-8")
    r = run(inst, "search", "--queries", str(f), "--json", "--limit", "2")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["query"] for d in lines][:2] == ["商业秘密", '"蓝剑"']
    assert len(lines) == 4
    assert "过长" in lines[2]["error"]
    assert lines[3]["hits"]
    assert r.exit_code == 1  # one query failed; the others were still answered
    r = run(inst, "search", "--queries", "-", "--json", input="专利导航\n")
    assert r.exit_code == 0 and json.loads(r.stdout)["hits"][0]["id"] == f"{SEED}:5.1.p2"


def test_readable_table(inst):
    r = run(inst, "search", "蓝剑")
    assert r.exit_code == 0
    assert "共 2 条结果" in r.output
    assert f"{SEED}:box1.p1" in r.output and "第三章 › 第二节 › 专栏1" in r.output
    assert "<mark>" not in r.output


@pytest.mark.parametrize("args,needle", [
    (["search"], "检索词"),
    (["search", "   "], "检索词"),
    (["search", "知" * 10000], "过长"),
    (["search", "x", "--document", "nope"], "规划"),
    (["search", "x", "--queries", "/no/such/file"], "二选一"),
    (["search", "--queries", "/no/such/file"], "找不到"),
    (["search", "x", "--kind", "bogus"], "bogus"),
])
def test_user_errors_are_one_clear_line(inst, args, needle):
    r = run(inst, *args)
    assert r.exit_code != 0
    assert needle in r.output
    assert "Traceback" not in r.output


def test_build_status(inst):
    r = run(inst, "build", "--status", "--json")
    data = json.loads(r.output)
    assert data["exists"] and data["fresh"]


def test_build_names_the_plans_whose_questions_are_turned(tmp_path, monkeypatch):
    """The seed ships a turn of question vectors fitted on its judged sets (index/adapter.py)."""
    monkeypatch.delenv("PLANKB_SEMANTIC", raising=False)  # (vectors come from the shared cache)
    data = json.loads(run(tmp_path, "build", "--json").output)
    if "off" in data["semantic"]:
        pytest.skip("the embedding model is not installed")
    assert data["semantic"]["turned"] == [SEED]
    r = run(tmp_path, "build")
    assert r.exit_code == 0 and "语义校准：《广东省知识产权保护和运用“十四五”规划》" in r.output
    monkeypatch.setenv("PLANKB_SEMANTIC", "0")  # turned off: nothing to say
    assert "语义校准" not in run(tmp_path, "build").output
