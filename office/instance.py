"""Where built indexes and user data live: never in the source tree.

Order: the global ``--instance`` option, then ``PLANKB_INSTANCE``, then a per-user
default under ``$XDG_DATA_HOME`` (``~/.local/share/plankb``).
"""
from __future__ import annotations

import os
from pathlib import Path


def default_instance() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "plankb"


def resolve_instance(option: str | os.PathLike | None = None) -> Path:
    if option:
        return Path(option).expanduser().resolve()
    env = os.environ.get("PLANKB_INSTANCE")
    if env:
        return Path(env).expanduser().resolve()
    return default_instance()
