"""The kb commands of the ``plankb`` CLI: JSON contracts and errors, run as a user would."""
import json
from pathlib import Path

import pytest

from cli_support import run_plankb as plankb

ROOT = Path(__file__).resolve().parent.parent


def test_outline_json_contract():
    data = json.loads(plankb("outline", "--json").stdout)
    (doc,) = data["documents"]
    assert doc["id"] == "gd-ip-14fyp" and doc["title"] == "广东省知识产权保护和运用“十四五”规划"
    assert len(doc["chapters"]) == 8
    ch3 = doc["chapters"][2]
    assert set(ch3) >= {"number", "title", "sections"}
    assert ch3["number"] == 3 and ch3["title"] == "全面加强知识产权保护　激发全社会创新活力"
    sec = ch3["sections"][1]
    assert sec["number"] == 2 and sec["title"] == "加强知识产权司法保护"
    assert "gd-ip-14fyp:3.2.p3" in sec["clauses"]
    assert len(doc["boxes"]) == 20
    box = doc["boxes"][0]
    assert {k: box[k] for k in ("number", "title", "chapter", "section")} == \
        {"number": "1", "title": "打击知识产权犯罪专项工程", "chapter": 3, "section": 2}
    assert box["clauses"] == ["gd-ip-14fyp:box1.p1"]


def test_show_and_clauses_json_contract():
    c = json.loads(plankb("show", "gd-ip-14fyp:3.2.p3", "--json").stdout)
    keys = {"id", "document", "kind", "lead", "chapter", "section", "box", "text", "source_lines", "breadcrumb"}
    assert keys <= set(c)
    assert c["lead"] == "加强民事司法保护" and c["kind"] == "task" and c["source_lines"] == [207, 209]
    assert "惩罚性赔偿" in c["text"]
    allc = json.loads(plankb("clauses", "--json").stdout)
    assert len(allc) > 150 and all(keys <= set(x) for x in allc)
    assert len({x["id"] for x in allc}) == len(allc)
    box = next(x for x in allc if x["id"] == "gd-ip-14fyp:box5.p1")
    assert box["box"] == "5" and box["kind"] == "box_item" and box["breadcrumb"][-1].startswith("专栏5")
    tasks = json.loads(plankb("clauses", "--kind", "task", "--json").stdout)
    assert len(tasks) == 58


def test_indicators_json_values_units_and_met():
    data = json.loads(plankb("indicators", "--json").stdout)
    t1, t2 = data["tables"]
    assert len(t1["rows"]) == 18 and len(t2["rows"]) == 14
    assert t1["columns"] == ["序号", "分类", "指标", "单位", "目标值", "完成值"]
    r = t1["rows"][16]
    assert (r["name"], r["category"], r["unit"]) == ("知识产权保护社会满意度", "知识产权保护", "分")
    assert r["target"]["value"] == 80 and r["target"]["comparator"] == "≥"
    assert r["result"]["value"] == 75.07 and r["met"] is False
    assert t1["rows"][0]["met"] is True and t1["rows"][9]["met"] is False  # 农产品地理标志登记 54 < 100
    assert sum(1 for r in t1["rows"] if r["met"]) == 15
    r4 = t2["rows"][3]
    assert r4["category"] == "高效益运用" and r4["unit"] == "亿元、项"
    assert r4["target"]["text"] == "(2500)、(5000)" and r4["target"]["increment"] is True
    assert [v["value"] for v in r4["target"]["values"]] == [2500, 5000]
    assert [v["unit"] for v in r4["target"]["values"]] == ["亿元", "项"]
    r9 = t2["rows"][8]
    assert (r9["target"]["value"], r9["target"]["comparator"], r9["unit"]) == (3000, "≥", "件/年")
    assert t2["rows"][0]["base"]["value"] == 13.5 and t2["rows"][1]["base"] is None
    assert len(t2["notes"]) == 4


@pytest.mark.parametrize("args,needle", [
    (("show", "gd-ip-14fyp:99.9.p9"), "没有编号为"),
    (("clauses", "--kind", "nonsense"), "未知的条款类型"),
    (("--corpus", "/nonexistent/corpus", "outline"), "语料目录不存在"),
    (("ingest", "/nonexistent/plan.txt"), "找不到原始文本"),
    (("outline", "--document", "nope"), "没有编号为 nope 的文档"),
])
def test_user_errors_are_one_clear_line_and_nonzero(args, needle):
    proc = plankb(*args, ok=False)
    assert proc.returncode != 0
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ingest_writes_markdown_atomically_and_rejects_non_plans(tmp_path):
    out = tmp_path / "out"
    proc = plankb("ingest", "corpus/raw/gd-ip-14fyp.txt", "--out", str(out), "--quiet")
    assert "汉字核对：一致" in proc.stdout
    written = (out / "gd-ip-14fyp.md").read_text(encoding="utf-8")
    assert written == (ROOT / "corpus" / "gd-ip-14fyp.md").read_text(encoding="utf-8")
    assert [p.name for p in out.iterdir()] == ["gd-ip-14fyp.md"]  # no temp files left
    junk = tmp_path / "junk.txt"
    junk.write_text("今天天气很好。\n", encoding="utf-8")
    proc = plankb("ingest", str(junk), "--out", str(out), ok=False)
    assert proc.returncode == 1 and "不像一份规划" in proc.stderr
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"\x00\x01\x02")
    proc = plankb("ingest", str(binary), ok=False)
    assert proc.returncode == 1 and "不是文本文件" in proc.stderr


def test_another_corpus_folder_with_two_plans(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "raw").mkdir(parents=True)
    samples = ROOT / "tests" / "data" / "samples"
    for name in ("shandong-education-14fyp.txt", "shandong-education-14fyp.toml"):
        (corpus / "raw" / name).write_bytes((samples / name).read_bytes())
    plankb("--corpus", str(corpus), "ingest", str(corpus / "raw" / "shandong-education-14fyp.txt"),
           "--out", str(corpus), "--quiet")
    (corpus / "gd-ip-14fyp.md").write_bytes((ROOT / "corpus" / "gd-ip-14fyp.md").read_bytes())
    data = json.loads(plankb("--corpus", str(corpus), "outline", "--json").stdout)
    assert [d["id"] for d in data["documents"]] == ["gd-ip-14fyp", "sd-edu-14fyp"]
    assert len(data["documents"][1]["chapters"]) == 11


def test_year_columns_are_read_against_the_plan_period():
    from kb.indicators import column_roles

    cols = ["序号", "指标", "单位", "2015年", "2020年"]
    assert column_roles(cols, {"start": 2016, "end": 2020})["target"] == "2020年"
    assert column_roles(cols, {"start": 2016, "end": 2020})["base"] == "2015年"
    cols = ["序号", "指标", "单位", "2020年", "2025年"]
    assert column_roles(cols, {"start": 2021, "end": 2025}) == {
        "base": "2020年", "target": "2025年", "number": "序号", "name": "指标", "unit": "单位"}


def test_broken_corpus_folders_are_named_in_one_chinese_line(tmp_path):
    (tmp_path / "gd-ip-14fyp.md").write_bytes((ROOT / "corpus" / "gd-ip-14fyp.md").read_bytes())
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    proc = plankb("--corpus", str(tmp_path), "outline")  # a bad file is named, the others still served
    assert "gone.md" in proc.stderr and "失效的链接" in proc.stderr and "《广东省" in proc.stdout
    (tmp_path / "gone.md").unlink()
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe---")
    proc = plankb("--corpus", str(tmp_path), "outline")
    assert "bad.md 不是 UTF-8 编码的文本" in proc.stderr and "《广东省" in proc.stdout
    (tmp_path / "bad.md").unlink()
    (tmp_path / "copy.md").write_bytes((ROOT / "corpus" / "gd-ip-14fyp.md").read_bytes())
    proc = plankb("--corpus", str(tmp_path), "outline")
    assert "文档编号 gd-ip-14fyp 重复：gd-ip-14fyp.md 与 copy.md" in proc.stderr
    (tmp_path / "gd-ip-14fyp.md").unlink()
    (tmp_path / "copy.md").write_text("---\nid: x\n---\n", encoding="utf-8")
    proc = plankb("--corpus", str(tmp_path), "outline", ok=False)  # nothing left to serve
    assert proc.returncode == 1 and "copy.md" in proc.stderr and "缺少 id 或 title" in proc.stderr
    proc = plankb("--corpus", str(tmp_path / "copy.md"), "outline", ok=False)
    assert "语料路径不是目录" in proc.stderr
    assert all("Traceback" not in p for p in (proc.stderr,))


def test_a_plan_that_fails_to_parse_is_left_out_and_the_others_load(tmp_path):
    from kb.corpus import load_corpus

    (tmp_path / "gd-ip-14fyp.md").write_bytes((ROOT / "corpus" / "gd-ip-14fyp.md").read_bytes())
    (tmp_path / "broken.md").write_text('---\nid: "山东规划"\ntitle: "x"\n---\n', encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [d.id for d in corpus.documents] == ["gd-ip-14fyp"]
    assert len(corpus.problems) == 1 and "broken.md" in corpus.problems[0] and "文档编号只能含" in corpus.problems[0]


@pytest.mark.parametrize("name, expect", [
    ("my plan.txt", "my-plan"), ("plan(1).txt", "plan-1"), ("city_plan-2.txt", "city_plan-2"),
])
def test_badly_named_files_get_a_valid_document_id(tmp_path, name, expect):
    raw = tmp_path / name
    raw.write_bytes((ROOT / "tests" / "data" / "samples" / "shandong-education-14fyp.txt").read_bytes())
    out = tmp_path / "out"
    plankb("ingest", str(raw), "--out", str(out), "--quiet")
    assert [p.name for p in out.iterdir()] == [f"{expect}.md"]
    assert json.loads(plankb("--corpus", str(out), "outline", "--json").stdout)["documents"][0]["id"] == expect


@pytest.mark.parametrize("name", ["山东规划.txt", "2025年规划.txt"])
def test_a_file_name_without_letters_is_refused_with_a_suggested_id(tmp_path, name):
    raw = tmp_path / name
    raw.write_bytes((ROOT / "tests" / "data" / "samples" / "shandong-education-14fyp.txt").read_bytes())
    out = tmp_path / "out"
    proc = plankb("ingest", str(raw), "--out", str(out), ok=False)
    assert proc.returncode == 1 and "--id" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
    suggestion = proc.stderr.split("--id ")[-1].split()[0]
    plankb("ingest", str(raw), "--out", str(out), "--id", suggestion, "--quiet")
    assert (out / f"{suggestion}.md").exists()


def test_a_sidecar_id_never_writes_outside_out(tmp_path):
    raw = tmp_path / "plan.txt"
    raw.write_bytes((ROOT / "tests" / "data" / "samples" / "shandong-education-14fyp.txt").read_bytes())
    (tmp_path / "plan.toml").write_text('[document]\nid = "../../../tmp/x"\n', encoding="utf-8")
    out = tmp_path / "out"
    proc = plankb("ingest", str(raw), "--out", str(out), ok=False)
    assert proc.returncode == 1 and "文档编号只能含" in proc.stderr
    assert not out.exists() and not (tmp_path.parent / "x.md").exists()
    proc = plankb("ingest", str(raw), "--out", str(out), "--id", "../x", ok=False)
    assert proc.returncode == 1 and "--id" in proc.stderr


@pytest.mark.parametrize("sidecar, needle", [
    ('[document]\nissuer = "山东省人民政府"\n'.encode("gbk"), "不是 UTF-8 编码"),
    (b'document = "x"\n', "[document]"),
    (b"correction = 5\n", "[[correction]]"),
    ('[[correction]]\nwhat = "replace"\nline = "十"\nold = "a"\nnew = "b"\nwhy = "测试"\n'.encode(), "应为整数"),
    (b'[document\nid = "x"\n', "TOML 格式错误（第1行"),
])
def test_bad_sidecars_give_one_chinese_line(tmp_path, sidecar, needle):
    raw = tmp_path / "plan.txt"
    raw.write_bytes((ROOT / "tests" / "data" / "samples" / "shandong-education-14fyp.txt").read_bytes())
    (tmp_path / "plan.toml").write_bytes(sidecar)
    proc = plankb("ingest", str(raw), ok=False)
    assert proc.returncode == 1 and needle in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_an_unreadable_raw_file_gives_one_chinese_line(tmp_path):
    import os

    raw = tmp_path / "plan.txt"
    raw.write_bytes(b"x")
    os.chmod(raw, 0)
    try:
        if os.access(raw, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        proc = plankb("ingest", str(raw), ok=False)
        assert proc.returncode == 1 and "没有读取权限" in proc.stderr and "Traceback" not in proc.stderr
    finally:
        os.chmod(raw, 0o644)


def test_an_unreadable_raw_file_is_one_chinese_reason_even_as_root(tmp_path, monkeypatch):
    import errno
    from pathlib import Path as P

    from kb.ingest import IngestError, ingest_file

    raw = tmp_path / "plan.txt"
    raw.write_bytes(b"x")
    real = P.read_bytes

    def refuse(self):
        if self == raw:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(P, "read_bytes", refuse)
    with pytest.raises(IngestError, match="没有读取权限"):
        ingest_file(raw, ROOT / "corpus")


def test_a_web_page_plan_keeps_the_lines_its_raw_numbers_count(tmp_path):
    out = tmp_path / "corpus"
    src = ROOT / "tests" / "data" / "plans" / "mbhy-13fyp.html"
    plankb("ingest", str(src), "--out", str(out), "--quiet")
    md = (out / "mbhy-13fyp.md").read_text(encoding="utf-8")
    assert 'raw: "raw/mbhy-13fyp.html.txt"' in md
    lines = (out / "raw" / "mbhy-13fyp.html.txt").read_text(encoding="utf-8").splitlines()
    from kb.parse import parse_document

    doc = parse_document(md)
    box = doc.boxes[0]
    assert lines[box.source_lines[0] - 1].startswith("专栏1")
    clause = next(c for c in doc.clauses if c.lead == "建立开放合作的科技创新体系")
    assert "建立开放合作的科技创新体系" in lines[clause.source_lines[0] - 1]
