"""Running the ``plankb`` command in tests as a user runs it. A module of its own (not
conftest): ``from conftest import`` is ambiguous once tests/browser/conftest.py exists."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_plankb(*args, ok=True, cwd=ROOT, env=None):
    """The ``plankb`` command as a user runs it: a separate process, exit code and stderr."""
    proc = subprocess.run([sys.executable, "-m", "plankb", *args], capture_output=True, text=True,
                          cwd=cwd, env=env)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc
