"""Running the ``plankb`` command in tests as a user runs it. A module of its own (not
conftest): ``from conftest import`` is ambiguous once tests/browser/conftest.py exists."""
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_plankb(*args, ok=True, cwd=ROOT, env=None, input=None):
    """The ``plankb`` command as a user runs it: a separate process, exit code and stderr
    (``input``: what is typed on standard input)."""
    proc = subprocess.run([sys.executable, "-m", "plankb", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, input=input)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def free_port() -> int:
    """A loopback port nothing listens on now, for starting ``plankb serve`` in a test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
