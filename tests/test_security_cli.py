"""The CLI against a careless user and a hostile disk: every failure is one Chinese line
on stderr and a non-zero exit, never a traceback, a half-written file or a leftover
temp file. Run as real processes (``python -m plankb``) so the top-level handler, exit
codes and signals are the ones staff get.
"""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_support import ROOT, free_port

SEED_MD = ROOT / "corpus" / "gd-ip-14fyp.md"
CLAUSE = "gd-ip-14fyp:3.2.p1"


def plankb(*args, instance=None, env=None, timeout=180, code=None):
    e = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    e.pop("PLANKB_DEBUG", None)
    if instance is not None:
        e["PLANKB_INSTANCE"] = str(instance)
    e.update(env or {})
    cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "plankb", *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                          env=e, timeout=timeout, cwd=str(ROOT))


def assert_one_line_error(r, rc=1, *needles):
    """Non-zero exit; stderr ends in one 错误： line in Chinese naming the problem."""
    assert r.returncode == rc, (r.returncode, r.stdout[-500:], r.stderr[-1500:])
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("错误："), r.stderr
    assert "PLANKB_DEBUG" not in last, f"a bug's generic line, not a user error: {last}"
    for n in needles:
        assert n in last, (n, last)
    return last


def no_temp_files(folder: Path):
    return [p.name for p in folder.iterdir() if p.name.startswith(".") or p.name.endswith(".tmp")]


# -- -o ----------------------------------------------------------------------------------

def test_output_is_a_directory(tmp_path):
    r = plankb("export", "--ids", CLAUSE, "-o", str(tmp_path), instance=tmp_path / "i")
    assert_one_line_error(r, 2, "是一个目录")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_output_folder_missing_or_a_file(tmp_path):
    r = plankb("export", "--ids", CLAUSE, "-o", str(tmp_path / "no" / "x.docx"), instance=tmp_path / "i")
    assert_one_line_error(r, 1, "输出目录不存在")
    (tmp_path / "afile").write_text("x")
    r = plankb("export", "--ids", CLAUSE, "-o", str(tmp_path / "afile" / "x.docx"), instance=tmp_path / "i")
    assert_one_line_error(r, 1)
    assert (tmp_path / "afile").read_text() == "x"


def test_output_name_too_long(tmp_path):
    r = plankb("export", "--ids", CLAUSE, "-f", "csv", "-o", str(tmp_path / ("长" * 200 + ".csv")),
               instance=tmp_path / "i")
    assert_one_line_error(r, 1, "文件名过长")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_output_folder_not_writable(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        r = plankb("export", "--ids", CLAUSE, "-o", str(ro / "x.docx"), instance=tmp_path / "i")
        assert_one_line_error(r, 1, "没有写入权限")
    finally:
        ro.chmod(0o755)


def test_overwrite_is_whole_and_leaves_no_temp_file(tmp_path):
    out = tmp_path / "表.csv"
    out.write_text("上周的表\n", encoding="utf-8")
    r = plankb("export", "--ids", CLAUSE, "-o", str(out), instance=tmp_path / "i")
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8-sig").startswith("序号,重点任务")
    assert no_temp_files(tmp_path) == []
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask():
    m = os.umask(0)
    os.umask(m)
    return m


INTERRUPT = """
import os, signal, sys
def boom(fd):
    {action}
os.fsync = boom
from plankb.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("action,rc,said", [
    # Ctrl+C mid-write: click turns it into Abort, which plankb.cli reports as 已中断 (exit 130)
    ("raise KeyboardInterrupt", 130, "已中断"),
    ("os.kill(os.getpid(), signal.SIGTERM); import time; time.sleep(5)", 143, None),  # kill
])
def test_interrupted_export_keeps_the_old_file_and_no_temp(tmp_path, action, rc, said):
    out = tmp_path / "表.docx"
    out.write_bytes(b"old")
    r = plankb("export", "--ids", CLAUSE, "-o", str(out), instance=tmp_path / "i",
               code=INTERRUPT.format(action=action))
    assert r.returncode == rc, r.stderr
    assert "Traceback" not in r.stderr
    if said:
        assert said in r.stderr
    assert out.read_bytes() == b"old"
    assert no_temp_files(tmp_path) == []


def test_export_to_stdout_into_a_closed_pipe_is_quiet(tmp_path):
    p = subprocess.Popen([sys.executable, "-m", "plankb", "export", "--chapter", "3", "-f", "md", "-o", "-"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT),
                         env=dict(os.environ, PYTHONPATH=str(ROOT), PLANKB_INSTANCE=str(tmp_path / "i")))
    p.stdout.close()  # like `| head -0`
    err = p.stderr.read().decode("utf-8", "replace")
    p.wait(timeout=120)
    assert "Traceback" not in err


@pytest.mark.parametrize("args,needle", [
    (["--ids", "../../etc/passwd"], "找不到"),
    (["--ids", "gd-ip-14fyp:../../../etc/passwd"], "找不到"),
    (["--ids", ""], "只给出一种"),
    (["--box", "../1"], ""),
    (["--chapter", "1;rm -rf /"], ""),
    (["--chapter", "99"], ""),
    (["--list", "不存在的清单"], "找不到清单"),
])
def test_bad_selections_are_one_line(tmp_path, args, needle):
    r = plankb("export", *args, "-o", str(tmp_path / "x.csv"), instance=tmp_path / "i")
    assert r.returncode in (1, 2)
    assert_one_line_error(r, r.returncode, needle)
    assert not (tmp_path / "x.csv").exists()


def test_unknown_format(tmp_path):
    r = plankb("export", "--ids", CLAUSE, "-o", str(tmp_path / "x.exe"), instance=tmp_path / "i")
    assert_one_line_error(r, 2, "--format")
    r = plankb("export", "--ids", CLAUSE, "-f", "exe", "-o", str(tmp_path / "x.csv"), instance=tmp_path / "i")
    assert r.returncode == 2 and "Traceback" not in r.stderr


# -- the instance folder ---------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["lists"], ["list-create", "甲"], ["list-show", "甲"], ["list-add", "甲", "--ids", CLAUSE, "--create"],
    ["export", "--list", "甲", "-o", "{tmp}/x.csv"], ["search", "专利"], ["build"],
    ["serve", "--port", "1"],
])
def test_instance_folder_that_cannot_be_a_folder(tmp_path, args):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    for inst in (blocker, blocker / "inst"):
        r = plankb("--instance", str(inst), *args)
        assert_one_line_error(r, 1)
    assert blocker.read_text() == "not a folder"


def _db(tmp_path, data: bytes) -> Path:
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "plankb.sqlite3").write_bytes(data)
    return inst


@pytest.mark.parametrize("args", [
    ["lists"], ["list-create", "乙"], ["list-show", "甲"], ["list-delete", "甲", "--yes"],
    ["list-add", "甲", "--ids", CLAUSE, "--create"], ["export", "--list", "甲", "-o", "{tmp}/x.csv"],
])
def test_a_damaged_list_database_is_named_and_left_alone(tmp_path, args):
    data = random.Random(7).randbytes(8192)
    inst = _db(tmp_path, data)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    r = plankb("--instance", str(inst), *args)
    assert_one_line_error(r, 1, "清单数据库已损坏", "plankb.sqlite3")
    assert (inst / "plankb.sqlite3").read_bytes() == data
    assert not (tmp_path / "x.csv").exists()


def test_a_locked_list_database_says_so(tmp_path):
    inst = tmp_path / "inst"
    assert plankb("--instance", str(inst), "list-create", "甲").returncode == 0
    con = sqlite3.connect(inst / "plankb.sqlite3", isolation_level=None)
    con.execute("BEGIN EXCLUSIVE")
    try:
        r = plankb("--instance", str(inst), "list-create", "乙")
    finally:
        con.rollback()
        con.close()
    assert_one_line_error(r, 1, "清单数据库正忙")


BUSY_AFTER_OPEN = """
import sys
from office.lists import ListStore, StoreUnavailable
def busy(self, *args, **kwargs):
    raise StoreUnavailable("清单数据库正忙（另一程序正在写入），请稍后重试。")
ListStore.{method} = busy
from plankb.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("method,args", [
    ("lists", ["lists"]), ("items", ["list-show", "甲"]), ("delete_list", ["list-delete", "甲", "--yes"]),
    ("add_items", ["list-add", "甲", "--ids", CLAUSE]), ("create_list", ["list-create", "乙"]),
])
def test_a_list_database_that_turns_busy_after_opening_is_one_line(tmp_path, method, args):
    """The store opened fine, then a later call found the database locked: no traceback."""
    inst = tmp_path / "inst"
    assert plankb("--instance", str(inst), "list-create", "甲").returncode == 0
    r = plankb("--instance", str(inst), *args, code=BUSY_AFTER_OPEN.format(method=method))
    assert_one_line_error(r, 1, "清单数据库正忙")


def test_a_damaged_search_index_never_shows_a_traceback(tmp_path):
    inst = tmp_path / "inst"
    assert plankb("--instance", str(inst), "build").returncode == 0
    rng = random.Random(3)
    for f in (inst / "search").glob("ix-*/*"):
        if f.suffix in (".seg", ".toc"):
            f.write_bytes(rng.randbytes(100))
    r = plankb("--instance", str(inst), "export", "--query", "专利", "-o", str(tmp_path / "x.csv"))
    if r.returncode:
        assert_one_line_error(r, 1, "plankb build")
    assert no_temp_files(tmp_path) == []


# -- the corpus folder ------------------------------------------------------------------------

def _corpus(tmp_path, name: str, data: bytes) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "gd-ip-14fyp.md").write_bytes(SEED_MD.read_bytes())
    (corpus / name).write_bytes(data)
    return corpus


BROKEN = [
    ("bad.md", b"\xff\xfe garbage", "bad.md"),
    ("bad.md", "---\nid: [broken\n---\n## 第一章\n".encode(), "bad.md"),
    ("bad.md", "没有文首元数据\n".encode(), "bad.md"),
    ("dup.md", SEED_MD.read_bytes(), "重复"),  # names one of the two files
]


@pytest.mark.parametrize("name,data,needle", BROKEN)
@pytest.mark.parametrize("args", [["outline"], ["search", "专利"], ["export", "--chapter", "3", "-o", "{tmp}/x.csv"]])
def test_a_broken_markdown_file_is_named_and_left_out(tmp_path, name, data, needle, args):
    """Issue 8.5: a plan that fails to parse is named and left out; the other plans are
    still served (it used to stop every command)."""
    corpus = _corpus(tmp_path, name, data)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    r = plankb("--corpus", str(corpus), *args, instance=tmp_path / "i")
    assert r.returncode == 0, r.stderr[-1500:]
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_a_broken_markdown_file_alone_is_one_line(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.md").write_bytes(b"\xff\xfe garbage")
    r = plankb("--corpus", str(corpus), "outline", instance=tmp_path / "i")
    assert_one_line_error(r, 1, "bad.md")


def test_a_dangling_link_in_the_corpus_is_named_and_left_out(tmp_path):
    corpus = _corpus(tmp_path, "ok.txt", b"")
    (corpus / "gone.md").symlink_to(tmp_path / "nowhere.md")
    r = plankb("--corpus", str(corpus), "outline", instance=tmp_path / "i")
    assert r.returncode == 0 and "gone.md" in r.stderr and "《广东省" in r.stdout


def test_a_missing_corpus_folder(tmp_path):
    r = plankb("--corpus", str(tmp_path / "nope"), "outline", instance=tmp_path / "i")
    assert_one_line_error(r, 1, "语料目录不存在")


# -- --queries -----------------------------------------------------------------------------

def test_queries_file_that_is_not_utf8(tmp_path):
    f = tmp_path / "q.txt"
    f.write_bytes("专利\n".encode("gbk") + b"\xff\xfe\n")
    r = plankb("search", "--queries", str(f), "--json", instance=tmp_path / "i")
    assert_one_line_error(r, 1, "UTF-8")


def test_queries_file_missing_or_a_folder(tmp_path):
    r = plankb("search", "--queries", str(tmp_path / "none.txt"), "--json", instance=tmp_path / "i")
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr
    r = plankb("search", "--queries", str(tmp_path), "--json", instance=tmp_path / "i")
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr


# -- Ctrl+C on the server ------------------------------------------------------------------


def test_serve_stops_cleanly_on_ctrl_c_and_refuses_a_busy_port(tmp_path):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), PLANKB_INSTANCE=str(tmp_path / "i"), PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-m", "plankb", "serve", "--port", str(port)], cwd=str(ROOT),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.time() + 120
        line = ""
        while time.time() < deadline and "已启动" not in line:
            line = p.stdout.readline().decode("utf-8", "replace")
            if not line and p.poll() is not None:
                break
        assert "已启动" in line, p.stderr.read().decode("utf-8", "replace")
        busy = plankb("serve", "--port", str(port), instance=tmp_path / "i2")
        assert_one_line_error(busy, 1, f"{port}")
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode in (0, 130), err
    assert "Traceback" not in err.decode("utf-8", "replace")
