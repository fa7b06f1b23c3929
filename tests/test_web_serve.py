"""`plankb serve`: waitress, first start builds the index and says so, clear port errors."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from click.testing import CliRunner

from cli_support import ROOT, free_port



def test_serve_builds_index_on_first_start_then_serves(tmp_path):
    port = free_port()
    inst = tmp_path / "inst"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "plankb", "--instance", str(inst), "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.time() + 120
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "已启动" in line:
                break
        out = "".join(lines)
        assert "首次启动：正在为 1 份规划建立检索索引" in out, out
        assert f"plankb 已启动：http://127.0.0.1:{port}/" in out, out
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            assert json.load(r)["status"] == "ok"
            assert r.headers["Server"] == "plankb"  # waitress, not the Flask dev server
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=%E5%95%86%E4%B8%9A%E7%A7%98%E5%AF%86",
                                    timeout=10) as r:
            assert json.load(r)["total"] > 0
        assert (inst / "secret_key").exists()
    finally:
        proc.terminate()
        proc.wait(10)


def test_busy_port_is_one_clear_line(tmp_path):
    from plankb.cli import cli

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = CliRunner().invoke(cli, ["--instance", str(tmp_path / "i"), "serve", "--port", str(port)])
    assert r.exit_code == 1
    assert f"无法在 127.0.0.1:{port} 上启动" in r.output and f"换用 --port {port + 1}" in r.output
    assert "Traceback" not in r.output


def test_bad_corpus_is_one_clear_line(tmp_path):
    from plankb.cli import cli

    r = CliRunner().invoke(cli, ["--corpus", str(tmp_path / "none"), "--instance", str(tmp_path / "i"),
                                 "serve", "--port", "5999"])
    assert r.exit_code == 1 and "语料目录不存在" in r.output


def test_bad_port_rejected_by_click(tmp_path):
    from plankb.cli import cli

    r = CliRunner().invoke(cli, ["--instance", str(tmp_path / "i"), "serve", "--port", "70000"])
    assert r.exit_code == 2 and "70000" in r.output
