"""`plankb export` and the list commands, end to end through click."""
import csv
import os
import stat
import io
import json

import pytest
from click.testing import CliRunner
from docx import Document as Docx
from openpyxl import load_workbook

from plankb.cli import cli


@pytest.fixture
def run(instance):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, ["--instance", str(instance), *args], input=input, catch_exceptions=False)

    return invoke


def test_export_a_section_as_docx(run, tmp_path):
    out = tmp_path / "司法保护.docx"
    r = run("export", "--chapter", "3.2", "--format", "docx", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "已导出 5 项" in r.output
    doc = Docx(str(out))
    # one character too long for a line: broken after the plan's name, not before 表
    assert doc.paragraphs[0].text == "《广东省知识产权保护和运用“十四五”规划》第三章第二节重点任务分解表"
    cells = [[c.text for c in row.cells[:3]] for row in doc.tables[0].rows[1:]]
    # the section's own paragraph is 1, its tasks 1.1…, under one merged 重点任务 cell
    assert [c[0] for c in cells] == ["1", "1.1", "1.2", "1.3", "1.4"]
    assert {c[1] for c in cells} == {"加强知识产权司法保护"}
    assert [c[2].split("：")[0] for c in cells[1:]] == ["依法严打知识产权犯罪", "打击知识产权犯罪专项工程",
                                                      "加强民事司法保护", "推进司法改革创新"]


def test_export_ids_as_csv_and_box_as_xlsx_format_from_suffix(run, tmp_path):
    out = tmp_path / "a.csv"
    r = run("export", "--ids", "gd-ip-14fyp:box3.p1, gd-ip-14fyp:3.3.p6", "-o", str(out), "--title", "商业秘密")
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [row[-1] for row in rows[1:]] == ["gd-ip-14fyp:box3.p1", "gd-ip-14fyp:3.3.p6"]
    assert rows[1][1] == "商业秘密保护工程"

    out = tmp_path / "b.xlsx"
    assert run("export", "--box", "19", "-o", str(out)).exit_code == 0
    ws = load_workbook(out).active
    assert ws["A1"].value.endswith("专栏19“建设粤港澳大湾区知识产权创造、保护和运用生态示范区”任务分解表")
    assert ws.max_row == 2 + 4


def test_export_query_uses_the_search_index(run, tmp_path):
    out = tmp_path / "q.json"
    r = run("export", "--query", "商业秘密", "--limit", "3", "-o", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["title"] == "“商业秘密”相关条款任务分解表"
    assert 1 <= data["count"] <= 3
    assert all("商业秘密" in row["task"] + row["content"] for row in data["rows"])


def test_list_commands_and_export_of_a_list(run, instance, tmp_path):
    assert run("list-create", "司法保护", "--title", "司法保护任务分解表").exit_code == 0
    r = run("list-add", "司法保护", "--chapter", "3.2")
    assert r.exit_code == 0 and "加入 5 项" in r.output
    r = run("list-add", "司法保护", "--ids", "gd-ip-14fyp:box1.p1,gd-ip-14fyp:box3.p1")
    assert "加入 1 项，跳过已有的 1 项" in r.output
    from office.lists import ListStore

    store = ListStore.for_instance(instance)
    lst = store.find_list("司法保护")
    first = store.items(lst.id)[1]
    store.update_item(first.id, first.version, lead_unit="省公安厅", deadline="持续推进")

    listed = json.loads(run("lists", "--json").output)
    assert [(x["name"], x["item_count"]) for x in listed] == [("司法保护", 6)]
    assert "省公安厅" in run("list-show", "司法保护").output

    out = tmp_path / "list.md"
    r = run("export", "--list", "司法保护", "-o", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 司法保护任务分解表")
    assert "| 2 | 依法严打知识产权犯罪 |" in text and "| 持续推进 | 省公安厅 |" in text
    assert text.rstrip().endswith("共 6 项。")

    assert run("list-delete", "司法保护", input="n\n").exit_code != 0
    assert run("list-delete", "司法保护", "--yes").exit_code == 0
    assert "还没有清单" in run("lists").output


def test_stdout_output(run):
    r = run("export", "--box", "1", "--format", "json", "-o", "-")
    assert r.exit_code == 0
    assert json.loads(r.stdout_bytes)["rows"][0]["clause_id"] == "gd-ip-14fyp:box1.p1"


@pytest.mark.parametrize("args, message", [
    (["--ids", "gd-ip-14fyp:3.2.p2,gd-ip-14fyp:99.p1"], "找不到 1 个条款：gd-ip-14fyp:99.p1"),
    (["--chapter", "9"], "没有第 9 章"),
    (["--chapter", "三"], "章节写法不正确"),
    (["--box", "99"], "没有专栏99"),
    (["--list", "没有这个清单"], "找不到清单：没有这个清单"),
    (["--doc", "nope", "--box", "1"], "找不到规划：nope"),
])
def test_bad_selections_give_one_clear_line(run, tmp_path, args, message):
    out = tmp_path / "x.docx"
    r = run("export", *args, "-o", str(out))
    assert r.exit_code == 1
    assert message in r.output
    assert "Traceback" not in r.output
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["--box", "1", "--chapter", "3"], "只给出一种选择方式"),
    ([], "只给出一种选择方式"),
    (["--box", "1", "-o", "x.txt"], "--format"),
])
def test_usage_errors_exit_2(run, tmp_path, args, message):
    if "-o" not in args:
        args = [*args, "-o", str(tmp_path / "x.docx")]
    r = run("export", *args)
    assert r.exit_code == 2 and message in r.output


def test_unwritable_output_is_refused_without_a_traceback(run, tmp_path):
    r = run("export", "--box", "1", "-o", str(tmp_path / "missing" / "x.docx"))
    assert r.exit_code == 1 and "输出目录不存在" in r.output
    r = run("export", "--box", "1", "-o", "/proc/plankb-test.docx")
    assert r.exit_code == 1 and "无法写入" in r.output
    r = run("export", "--box", "1", "--format", "csv", "-o", str(tmp_path))
    assert r.exit_code == 2 and "是一个目录" in r.output


def test_suggest_fills_units_and_deadline_from_the_plan(run):
    pytest.importorskip("kb.graph")
    args = ["export", "--ids", "gd-ip-14fyp:3.3.p3", "--format", "json", "-o", "-"]
    plain = json.loads(run(*args).stdout_bytes)["rows"][0]
    assert plain["lead_unit"] == "" and plain["deadline"] == ""
    assert "80%" in plain["targets"]  # targets are always linked; units only on request
    filled = json.loads(run(*args, "--suggest").stdout_bytes)["rows"][0]
    assert filled["lead_unit"] and "2025" in filled["deadline"]


def test_export_through_a_symlink_writes_its_target(run, tmp_path):
    """A 任务分解表 linked into a shared folder: the shared file is updated, the link stays."""
    target = tmp_path / "共享" / "任务分解表.docx"
    target.parent.mkdir()
    target.write_bytes(b"last week")
    link = tmp_path / "link.docx"
    link.symlink_to(target)
    r = run("export", "--chapter", "3.2", "-o", str(link))
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert Docx(str(target)).tables[0].rows[1].cells[1].text == "加强知识产权司法保护"
    # a dangling link creates its target
    target.unlink()
    r = run("export", "--chapter", "3.2", "-o", str(link))
    assert r.exit_code == 0 and link.is_symlink() and target.is_file()


@pytest.mark.parametrize("via_link", [False, True])
def test_export_refuses_a_fifo_instead_of_replacing_it(run, tmp_path, via_link):
    fifo = tmp_path / "pipe.docx"
    os.mkfifo(fifo)
    out = fifo
    if via_link:
        out = tmp_path / "link.docx"
        out.symlink_to(fifo)
    r = run("export", "--chapter", "3.2", "-o", str(out))
    assert r.exit_code != 0
    assert "不是普通文件（而是命名管道）" in r.output and "Traceback" not in r.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still a FIFO, not a file


def test_write_export_refuses_a_character_device(corpus):
    """/dev/null stands for /dev/full (which root once replaced); only the refusal is tested."""
    from office.export import ExportError, build_rows, write_export

    rows = build_rows(corpus, ["gd-ip-14fyp:3.2.p1"], graph=None)
    with pytest.raises(ExportError, match="不是普通文件（而是字符设备）"):
        write_export(rows, "csv", "t", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_export_as_an_attachment_from_the_command_line(run, tmp_path):
    out = tmp_path / "附件.docx"
    r = run("export", "--box", "14", "-o", str(out), "--attachment", "3", "--issuer", "广东省知识产权局",
            "--date", "2024年3月1日")
    assert r.exit_code == 0, r.output
    doc = Docx(str(out))
    assert doc.paragraphs[0].text == "附件3" and doc.paragraphs[-1].text == "广东省知识产权局\u30002024年3月1日"
    assert doc.tables[0].rows[1].cells[3].text == "专栏14"
    r = run("export", "--box", "14", "-o", str(out), "--full-source")
    # in full; the plan is left out because the default title already names it
    assert Docx(str(out)).tables[0].rows[1].cells[3].text == "第五章第二节专栏14“知识产权金融创新工程”"
    r = run("export", "--box", "14", "-o", str(out), "--doc-number", "号" * 41)
    assert r.exit_code != 0 and "文号过长" in r.output
