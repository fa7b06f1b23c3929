"""A process's memory as Linux's /proc reports it, for ``serve --worker-memory`` and the
scale benchmark: one reader of /proc/PID/status and smaps_rollup fields for both."""
from __future__ import annotations


def proc_kb(path: str, field: str) -> int:
    """The value in kB of ``field`` (``Pss:``, ``Private_Dirty:``, ``VmRSS:``) in a /proc
    file; 0 where the file cannot be read or holds no such line (another OS, a process gone)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
