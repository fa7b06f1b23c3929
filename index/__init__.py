"""Chinese full-text search over plan clauses (whoosh + jieba words; literal matching in memory).

The web app and the CLI call only what is exported here.  The index lives in the
instance folder, never in the source tree, and is rebuilt when the corpus's
content hash changes.
"""
from __future__ import annotations

import threading
from pathlib import Path

from index.lexicon import LexiconError
from index.query import QueryError, parse_query
from index.search import SearchIndex
from index.store import IndexBuildError, build_index, build_lock, current_build, index_status, \
    is_fresh, search_dir
from index.years import deadline_years

__all__ = ["open_index", "build_index", "index_status", "SearchIndex", "QueryError",
           "IndexBuildError", "LexiconError", "deadline_years", "parse_query"]

_open_lock = threading.Lock()


def open_index(corpus, instance_dir, build_if_missing: bool = True) -> SearchIndex:
    """Open the live index for ``corpus``; build it first if missing or stale.

    With ``build_if_missing=False`` a missing or stale index raises
    :class:`IndexBuildError` instead (for callers that must not block on a build).
    """
    instance_dir = Path(instance_dir)
    corpus_hash = corpus.content_hash()
    cur = current_build(instance_dir)
    if cur is None or not is_fresh(cur[1], corpus_hash):
        if not build_if_missing:
            why = "尚未建立" if cur is None else "已过期（语料已更改）"
            raise IndexBuildError(f"检索索引{why}（提示：运行 plankb build）。")
        try:
            with _open_lock:
                with build_lock(search_dir(instance_dir)):
                    cur = current_build(instance_dir)
                    fresh = cur is not None and is_fresh(cur[1], corpus_hash)
                if not fresh:
                    build_index(corpus, instance_dir)
                cur = current_build(instance_dir)
        except OSError as e:
            raise IndexBuildError(f"无法在 {search_dir(instance_dir)} 建立检索索引：{e.strerror or e}"
                                  f"（提示：用 --instance 指定可写目录）") from None
        if cur is None:
            raise IndexBuildError(f"无法建立检索索引：{search_dir(instance_dir)}")
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
            build_index(corpus, instance_dir)
        folder, meta = current_build(instance_dir)
        return SearchIndex(corpus, folder, meta)
    except OSError as e:
        raise IndexBuildError(f"检索索引已损坏，且无法在 {search_dir(instance_dir)} 重建：{e.strerror or e}"
                              f"（提示：用 --instance 指定可写目录）") from None
