"""bench/serve_process.py: the one way benchmarks and tests start ``plankb serve``."""
import os
import socket
import sys
import urllib.error
import urllib.request

import pytest

from cli_support import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from serve_process import ServeFailed, free_port, start_serve, stop  # noqa: E402


def test_a_started_server_answers_until_stopped(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    port = free_port()
    proc = start_serve(tmp_path / "inst", port, env, "--threads", "2")
    try:
        for _ in range(50):  # whatever it logs meanwhile is read, not left to fill the pipe
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=60).close()
            except urllib.error.HTTPError as e:
                assert e.code == 404
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lists", timeout=60) as r:
            assert r.status == 200
    finally:
        stop([proc])
    assert proc.returncode is not None


def test_a_server_that_cannot_start_raises_with_what_it_said(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(ServeFailed) as e:
            start_serve(tmp_path / "inst", busy.getsockname()[1], env)
    assert e.value.returncode != 0 and e.value.output.strip()
