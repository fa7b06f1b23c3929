"""The expensive things a request needs: corpus, search index, graph, list store.

All four are shared by all threads and kept at app level: corpus, index and graph are
read-only and rebuilt when the corpus version (content hash) changes; the list store
opens one short SQLite connection per operation, so sharing it is safe.
A library that is missing or broken becomes a 503 page that says which part is not
ready, never a crash of the whole app.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask, abort, current_app
from werkzeug.exceptions import HTTPException

log = logging.getLogger("plankb.web")

_lock = threading.RLock()


def _state() -> dict:
    return current_app.extensions.setdefault("plankb", {})


def instance_dir() -> Path:
    return Path(current_app.instance_path)


def get_corpus():
    from kb.corpus import CorpusError, load_corpus

    try:
        return load_corpus(current_app.config["CORPUS_DIR"])  # cached by the loader itself
    except CorpusError as e:
        abort(503, description=f"语料无法读取：{e}")
    except (OSError, UnicodeError) as e:  # a dangling link or a file that vanished mid-read
        abort(503, description=f"语料无法读取：{getattr(e, 'filename', None) or ''}"
                               f"{getattr(e, 'strerror', None) or e}（提示：请管理员检查语料目录）。")


def get_document(doc_id: str | None = None):
    corpus = get_corpus()
    if not corpus.documents:
        abort(503, description="语料目录中还没有规划文本（提示：先运行 plankb ingest）。")
    if doc_id:
        doc = corpus.document(doc_id)
        if doc is None:
            abort(404, description=f"没有编号为“{doc_id}”的规划。")
        return doc
    return corpus.documents[0]


def _cached(name: str, build):
    """One object per corpus version, built under a lock so two threads never build twice."""
    corpus = get_corpus()
    key = (id(corpus), corpus.content_hash())
    state = _state()
    hit = state.get(name)
    if hit and hit[0] == key:
        return hit[1]
    with _lock:
        hit = state.get(name)
        if hit and hit[0] == key:
            return hit[1]
        obj = build(corpus)
        old = state.get(name)
        state[name] = (key, obj)
    if old and hasattr(old[1], "close"):
        try:
            old[1].close()
        except Exception:  # an old index that fails to close must not break a request
            pass
    return obj


def get_index():
    factory = current_app.config.get("SEARCH_FACTORY")
    if factory is None:
        from index import open_index

        def factory(corpus):
            return open_index(corpus, instance_dir(),
                              build_if_missing=current_app.config["BUILD_INDEX_IF_MISSING"])
    try:
        return _cached("index", factory)
    except HTTPException:
        raise
    except Exception as e:  # noqa: BLE001 — open_index rebuilds a damaged index, but a
        # factory may still fail in whoosh's own ways (IndexError, struct.error): a 503, not a 500
        log.warning("search index unusable: %r", e)
        reason = getattr(e, "args", None) and e.args[0]
        if not isinstance(reason, str) or not any("\u4e00" <= ch <= "\u9fff" for ch in reason):
            reason = "检索索引无法打开，可能已损坏（提示：请管理员运行 plankb build 重建索引）。"
        abort(503, description=reason)


def get_graph():
    factory = current_app.config.get("GRAPH_FACTORY")
    if factory is None:
        from kb.graph import build_graph as factory
    return _cached("graph", factory)


def graph_or_none():
    """The graph if it can be built: pages that only decorate with it still render without."""
    try:
        return get_graph()
    except Exception as e:  # noqa: BLE001 — the clause, list and export pages only decorate
        # with links and suggestions; a graph that cannot be built must not take them down
        log.warning("graph unavailable, pages render without links: %r", e)
        return None


def get_store():
    """One ListStore per app: each thread keeps its own connection, so sharing is safe."""
    store = current_app.extensions.get("plankb_store")
    if store is None:
        from office.lists import ListStore

        store = ListStore.for_instance(instance_dir())  # a refusal is a ListError: errors.py answers it
        current_app.extensions["plankb_store"] = store
    return store


def close_all(app: Flask) -> None:
    """Close the shared index (tests and the serve command call this on shutdown)."""
    state = app.extensions.get("plankb", {})
    objs = [state.pop(name)[1] for name in list(state)]
    objs.append(app.extensions.pop("plankb_store", None))
    for obj in objs:
        if obj is not None and hasattr(obj, "close"):
            obj.close()

