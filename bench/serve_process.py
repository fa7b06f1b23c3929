"""Start real ``plankb serve`` processes for benchmarks and tests, the one way.

bench/two_servers.py and tests/test_two_servers.py both start servers and wait for
them; each had its own copy of the loop, and only one kept reading the server's output
afterwards (a server whose log fills an unread pipe blocks on its next write). Here:
wait for the start line however slow the machine is (no timeout to tune), then keep
the pipe drained in the background; a server that exits instead raises with all it said.

Importable from the repository root (``sys.path`` holding ``bench/``, as the tests that
use bench modules already do).
"""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTED = "已启动"  # plankb serve's start line: “plankb 已启动：http://…”


class ServeFailed(RuntimeError):
    """``plankb serve`` exited before it started; ``output`` is everything it printed."""

    def __init__(self, returncode: int, output: str):
        super().__init__(f"plankb serve did not start (exit {returncode}):\n{output}")
        self.returncode, self.output = returncode, output


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serve(instance, port: int, env: dict, *args: str) -> subprocess.Popen:
    """``plankb --instance INSTANCE serve --port PORT ARGS…``, returned once it listens."""
    proc = subprocess.Popen([sys.executable, "-m", "plankb", "--instance", str(instance), "serve",
                             "--port", str(port), *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:  # blocks until the start line or the end of the output
        lines.append(line)
        if STARTED in line:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep the pipe drained
            return proc
    raise ServeFailed(proc.wait(), "".join(lines))


def stop(procs) -> None:
    """Terminate servers started here and reap them."""
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(30)
