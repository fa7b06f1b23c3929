"""One process at a time: an exclusive lock on a file in the instance folder.

The index build, the graph build, a server's corpus update and a plan's publication can
each be started by several processes at once (the CLI beside the server, the workers of
``plankb serve --workers``, two administrators): each holds its own lock file through
this one helper. ``flock`` is released by the kernel when a process dies, so a killed
build never leaves a stale lock behind.
"""
from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: str | Path):
    """Hold an exclusive lock on ``path`` (created, with its folder, if missing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
