"""`plankb serve`: waitress, first start builds the index and says so, clear port errors."""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

from click.testing import CliRunner

from cli_support import ROOT, free_port


def _start(inst, port, *args):
    """``plankb serve`` in a subprocess; returns it and its output once it says it started."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "plankb", "--instance", str(inst), "serve", "--port", str(port), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    while True:  # ends when it starts or exits; no clock involved
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "已启动" in line:
            break
    return proc, "".join(lines)


def _raw_get(host, port, path, host_header, timeout=60):
    """One HTTP/1.1 GET with the Host header we choose; (status, body)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")



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


def test_healthz_answers_with_110_idle_connections_open_and_only_known_hosts_are_served(tmp_path):
    """On waitress's defaults 100 idle connections stopped it accepting for two minutes
    (channel_timeout 120 s), /healthz included: an office's open tabs are enough."""
    port = free_port()
    proc, out = _start(tmp_path / "inst", port, "--host", "127.0.0.2")
    idle = []
    try:
        assert "plankb 已启动" in out, out
        assert "允许的主机名：localhost、127.0.0.1、::1、127.0.0.2" in out, out
        for _ in range(110):
            idle.append(socket.create_connection(("127.0.0.2", port), timeout=60))
        idle[-1].sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.2\r\n")  # half a request, too
        status, body = _raw_get("127.0.0.2", port, "/healthz", f"127.0.0.2:{port}")
        assert status == 200 and json.loads(body)["status"] == "ok"
        # the address it listens on is an allowed name; a rebound name is not
        status, body = _raw_get("127.0.0.2", port, "/lists", "evil.example")
        assert status == 400 and "主机名“evil.example”不在本服务允许的主机名之中" in body
        assert 'csrf-token" content=""' in body
    finally:
        for s in idle:
            s.close()
        proc.terminate()
        proc.wait(60)


def test_office_settings_are_the_serve_defaults():
    from plankb.cli import cli

    r = CliRunner().invoke(cli, ["serve", "--help"])
    assert "--connection-limit" in r.output and "--channel-timeout" in r.output
    from plankb import cmd_web

    assert cmd_web.CONNECTION_LIMIT >= 500 and cmd_web.CHANNEL_TIMEOUT <= 60 and cmd_web.THREADS >= 8


def _worker_pid(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60) as r:
        assert json.load(r)["status"] == "ok"
        return int(r.headers["X-Plankb-Worker"])


def _pids_until(port, wanted, tries=400):
    """Worker pids seen on /healthz until ``wanted(seen)``; each request a new connection,
    which the kernel gives to whichever worker accepts first. Bounded by tries, not time."""
    seen = set()
    for _ in range(tries):
        seen.add(_worker_pid(port))
        if wanted(seen):
            break
    return seen


def _loaded_by(port, workers, tries=400):
    """Per worker pid, /healthz's ``loaded_by``: which process loaded each part it serves."""
    seen = {}
    for _ in range(tries):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60) as r:
            seen[int(r.headers["X-Plankb-Worker"])] = json.load(r).get("loaded_by")
        if len(seen) >= workers:
            break
    return seen


def _parent_of(pid):
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])


def test_serve_with_two_workers_answers_from_two_processes_and_stops_cleanly(tmp_path):
    import signal

    port = free_port()
    proc, out = _start(tmp_path / "inst", port, "--workers", "2")
    try:
        assert "plankb 已启动" in out and "2 个工作进程" in out, out
        pids = _pids_until(port, lambda seen: len(seen) >= 2)
        assert len(pids) == 2 and proc.pid not in pids
        assert {_parent_of(p) for p in pids} == {proc.pid}
        # corpus, index and graph were loaded once, by the parent before the fork: the
        # workers share those pages instead of each loading its own copy
        loaded = _loaded_by(port, 2)
        assert set(loaded) == pids
        assert all(by == {"corpus": proc.pid, "graph": proc.pid, "index": proc.pid}
                   for by in loaded.values()), loaded
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=%E5%95%86%E4%B8%9A%E7%A7%98%E5%AF%86",
                                    timeout=60) as r:
            assert json.load(r)["total"] > 0
        # a worker that dies is replaced
        victim = sorted(pids)[0]
        os.kill(victim, signal.SIGKILL)
        while True:  # the parent says it restarts it, the new worker says it is ready
            line = proc.stdout.readline()
            assert line, "the server ended"
            ready = re.search(r"工作进程 (\d+) 已就绪", line)
            if ready and int(ready.group(1)) not in pids:
                break
        after = _pids_until(port, lambda seen: len(seen - pids) >= 1)
        assert after - pids, "the dead worker was not replaced"
        assert {_parent_of(p) for p in after - pids} == {proc.pid}
        workers = (pids | after) - {victim}
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, rest
    assert "已停止" in rest and "Traceback" not in out + rest
    for pid in workers:  # every worker ended with the server
        assert not os.path.exists(f"/proc/{pid}") or "Z" in open(f"/proc/{pid}/stat").read().split()[2]
