"""Write a file so readers see the old one or the new one, never half of either.

The one helper for every write the project makes (canonical Markdown, index pointers
and metadata, graph files, exports): an export may be written over last week's
任务分解表 while someone has it open in a file share, an index pointer may be read by
a server while a build finishes, and any process may be killed mid-write. The bytes
go to a temporary file in the same folder (same file system, so the rename is
atomic), are flushed to disk, and only then replace the target.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes, durable: bool = True) -> Path:
    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    return atomic_write_with(path, write, durable=durable)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """UTF-8 with LF line ends whatever the platform, as the corpus and indexes expect."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_with(path: str | os.PathLike, write, durable: bool = True) -> Path:
    """For writers that want a file name (networkx's graphml/gexf): ``write(tmp_path)``
    fills a temporary file beside ``path``, which then replaces it. ``durable=False``
    skips the flush to disk, for caches (a cache lost in a power cut is rebuilt; a
    hundred flushes are not free)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        if durable:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path
