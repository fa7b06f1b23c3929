"""whoosh reads its segment files through the memory map, without a private copy.

whoosh maps a segment's compound file (``*.seg``) and hands each part of it to a
reader as a ``BufferFile`` over a memoryview of the map. ``BufferFile`` then wraps
that view in ``io.BytesIO``, which copies it: every searcher held a private copy of
the postings (24 MB at 100 plans) and the term table (3.4 MB), and the web app keeps
one searcher per thread, so eight threads held eight copies (about 220 MB of a
400 MB server), none of it shared between worker processes.

:func:`install` gives ``BufferFile`` a reader that reads from the view itself:
``get`` already did; ``read``/``seek``/``tell`` (block headers, pickled block info)
now do too. The pages stay the page cache's, shared by every thread and every
worker, and a searcher costs a few kilobytes. Idempotent; installed on import of
``index``.
"""
from __future__ import annotations

from whoosh.filedb import structfile

_LINE_CHUNK = 256


class ViewReader:
    """A read-only, seekable file over a memoryview: what whoosh calls on ``BufferFile.file``
    (read, readline, seek, tell, iteration, close), reading the view without copying it."""

    __slots__ = ("_buf", "_pos", "_len")

    def __init__(self, buf):
        self._buf = buf
        self._pos = 0
        self._len = len(buf)

    def read(self, n: int | None = -1) -> bytes:
        start = self._pos
        end = self._len if n is None or n < 0 else min(self._len, start + n)
        if end <= start:
            return b""
        self._pos = end
        return bytes(self._buf[start:end])

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def readline(self, limit: int | None = -1) -> bytes:
        stop = self._len if limit is None or limit < 0 else min(self._len, self._pos + limit)
        pos = self._pos
        while pos < stop:
            chunk = bytes(self._buf[pos:min(stop, pos + _LINE_CHUNK)])
            i = chunk.find(b"\n")
            if i >= 0:
                stop = pos + i + 1
                break
            pos += len(chunk)
        return self.read(stop - self._pos)

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def seek(self, pos: int, whence: int = 0) -> int:
        base = 0 if whence == 0 else self._pos if whence == 1 else self._len
        if base + pos < 0:
            raise ValueError("negative seek position")
        self._pos = base + pos
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = memoryview(b"")
        self._len = self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False


def _buffer_file_init(self, buf, name=None, onclose=None):
    self._buf = buf
    self._name = name
    self.file = ViewReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install() -> None:
    """Make whoosh's ``BufferFile`` read its view without copying it (once per process)."""
    if structfile.BufferFile.__init__ is not _buffer_file_init:
        structfile.BufferFile.__init__ = _buffer_file_init
