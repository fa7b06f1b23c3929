"""Chinese full-text search over plan clauses (whoosh + jieba words; literal matching in memory).

The web app and the CLI call only what is exported here.  The index lives in the
instance folder, never in the source tree, and is rebuilt when the corpus's
content hash changes.
"""
from __future__ import annotations

import threading
from pathlib import Path

from index import whoosh_files
from index.lexicon import LexiconError
from index.query import QueryError, parse_query
from index.search import SearchIndex
from index.store import IndexBuildError, build_index, build_key, build_lock, current_build, \
    embed_missing, index_status, is_fresh, search_dir, vectors_missing
from index.years import deadline_years

__all__ = ["open_index", "build_index", "embed_missing", "start_embedder", "index_status", "SearchIndex", "QueryError",
           "IndexBuildError", "LexiconError", "deadline_years", "parse_query"]

whoosh_files.install()  # searchers read the segment's memory map, not a copy each

_open_lock = threading.Lock()


def open_index(corpus, instance_dir, build_if_missing: bool = True, vectors: bool = True) -> SearchIndex:
    """Open the live index for ``corpus``; build it first if missing or stale.

    With ``build_if_missing=False`` a missing or stale index raises
    :class:`IndexBuildError` instead (for callers that must not block on a build).
    With ``vectors=True`` clause vectors the build lacks are computed first (minutes for
    a big corpus); a server passes False and computes them in the background
    (:func:`start_embedder`): the index it opened picks them up when they are written.
    """
    instance_dir = Path(instance_dir)
    corpus_hash = corpus.content_hash()
    key = build_key(corpus)
    cur = current_build(instance_dir)
    if cur is None or not is_fresh(cur[1], corpus_hash, key):
        if not build_if_missing:
            why = "尚未建立" if cur is None else "已过期（语料已更改）"
            raise IndexBuildError(f"检索索引{why}（提示：运行 plankb build）。")
        try:
            with _open_lock:
                with build_lock(search_dir(instance_dir)):
                    cur = current_build(instance_dir)
                    fresh = cur is not None and is_fresh(cur[1], corpus_hash, key)
                if not fresh:
                    build_index(corpus, instance_dir, vectors=vectors)
                cur = current_build(instance_dir)
        except OSError as e:
            raise IndexBuildError(f"无法在 {search_dir(instance_dir)} 建立检索索引：{e.strerror or e}"
                                  f"（提示：用 --instance 指定可写目录）") from None
        if cur is None:
            raise IndexBuildError(f"无法建立检索索引：{search_dir(instance_dir)}")
    if vectors and vectors_missing(cur[1]):
        embed_missing(corpus, instance_dir)
        cur = current_build(instance_dir) or cur
    folder, meta = cur
    try:
        return SearchIndex(corpus, folder, meta)
    except Exception as e:  # noqa: BLE001 — a damaged index fails in whoosh's own ways
        # (OSError, IndexError "created on different architecture", struct.error…); it is
        # derived data, so rebuild it from the corpus rather than show the user the error.
        if not build_if_missing:
            raise IndexBuildError(f"检索索引已损坏（{type(e).__name__}）（提示：运行 plankb build 重建）。") from None
    try:
        with _open_lock:
            build_index(corpus, instance_dir, full=True, vectors=vectors)  # (not an update of the damaged one)
        folder, meta = current_build(instance_dir)
        return SearchIndex(corpus, folder, meta)
    except OSError as e:
        raise IndexBuildError(f"检索索引已损坏，且无法在 {search_dir(instance_dir)} 重建：{e.strerror or e}"
                              f"（提示：用 --instance 指定可写目录）") from None


def start_embedder(corpus, instance_dir) -> bool:
    """Compute the live build's missing clause vectors in a process of their own
    (``python -m index.embed``), detached: a server keeps answering meanwhile, and its open
    index picks the vectors up when they are written. False if none are missing."""
    import os
    import subprocess
    import sys

    cur = current_build(instance_dir)
    if cur is None or not vectors_missing(cur[1]):
        return False
    try:
        subprocess.Popen([sys.executable, "-m", "index.embed", str(corpus.root), str(instance_dir),
                          str(os.getpid())],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    except OSError:
        return False
    return True
