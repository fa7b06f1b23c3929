"""The expensive things a request needs: corpus, search index, graph, list store.

What a request reads is one *snapshot*: a corpus and the index and graph built from it,
shared read-only by every thread. A request never hashes the corpus and never waits for
a rebuild:

* the corpus's cheap version (names, sizes and mtimes of its files: kb.corpus.version)
  is checked at most once a second (``CORPUS_CHECK_SECONDS``), and once per request at
  most;
* when it changed, a background thread loads the new corpus, opens (or builds, in a new
  folder) its index and loads (or builds) its graph, while the old snapshot keeps
  serving and every page shows a small banner; the new snapshot is swapped in whole
  when all of it is ready. The snapshot before the old one is closed at the swap after
  (no request is that old);
* with ``plankb serve --workers N`` the workers are *followers*: they only notice the
  change (and show the banner); the parent process loads the new snapshot in its own
  background thread, then forks new workers that share it and lets the old ones finish
  their requests and exit (plankb/cmd_web.py). So there is one copy of each corpus in
  memory, not one per worker. Several servers on one instance (or one process without
  workers) each update themselves: one of them builds and the others wait on a lock and
  then open what it built (index/store.py's build lock for the index,
  kb/graph_store.py's for the graph, and ``update.lock`` around the whole).

Only the very first snapshot (nothing to serve yet) is built on demand, part by part;
``plankb serve`` builds it before it accepts connections (``warm``).
A library that is missing or broken becomes a 503 page that says which part is not
ready, never a crash of the whole app. The list store opens one short SQLite
connection per operation, so sharing it is safe.
"""
from __future__ import annotations

import contextlib
import gc
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import Flask, abort, current_app, g, has_app_context, has_request_context
from werkzeug.exceptions import HTTPException

from kb.filelock import exclusive

log = logging.getLogger("plankb.web")

CHECK_SECONDS = 1.0  # how often a server looks at the corpus folder's file times


class Snapshot:
    """One corpus and the parts built from it (index, graph), each built once."""

    def __init__(self, version: str, corpus):
        self.version = version
        self.corpus = corpus
        self.parts: dict[str, object] = {}
        # the process that loaded each part: with ``serve --workers`` the parent, before the
        # fork, so every worker reads the same pages (/healthz says it)
        self.loaded_by: dict[str, int] = {"corpus": os.getpid()}
        self._lock = threading.Lock()

    def part(self, name: str, build):
        hit = self.parts.get(name)
        if hit is not None:
            return hit
        with self._lock:
            hit = self.parts.get(name)
            if hit is None:
                hit = self.parts[name] = build(self.corpus)
                self.loaded_by[name] = os.getpid()
            return hit

    def close(self) -> None:
        for obj in self.parts.values():
            if hasattr(obj, "close"):
                try:
                    obj.close()
                except Exception:  # noqa: BLE001 — an old index that fails to close breaks nothing
                    pass


class Resources:
    """Per app: the live snapshot, when the corpus was last looked at, the update under way."""

    def __init__(self, app: Flask):
        self.app = app
        self.live: Snapshot | None = None
        self.retired: Snapshot | None = None
        self.checked = 0.0
        self.lock = threading.Lock()
        self.updating: str | None = None  # the version being built in the background
        self.thread: threading.Thread | None = None
        self.failed: str | None = None  # a version whose update failed (not retried)
        self.error: str | None = None
        self._root: Path | None = None  # the folder CORPUS_SYNC last named
        # a worker of ``serve --workers``: the parent loads updates and replaces this process
        self.follower = False

    @property
    def root(self) -> Path:
        return self._root or Path(self.app.config["CORPUS_DIR"])

    def sync(self) -> Path:
        """The folder to serve, from the app's ``CORPUS_SYNC`` hook if it has one (the
        bundled corpus plus the plans in the database, office.published: so a plan
        published through another server is noticed by the same cheap check). A hook that
        fails leaves the folder served as it was."""
        hook = self.app.config.get("CORPUS_SYNC")
        if hook is not None:
            try:
                self._root = Path(hook())
            except Exception as e:  # noqa: BLE001 — the database may be down: keep serving
                log.warning("database plans not synced, serving %s: %r", self.root, e)
        return self.root

    # -- the first snapshot ------------------------------------------------------
    def first(self) -> Snapshot:
        from kb.corpus import load_corpus, parse_cache_dir, version

        with self.lock:
            if self.live is None:
                self.sync()
                v = version(self.root) if self.root.is_dir() else ""
                # raises: the caller answers 503
                corpus = load_corpus(self.root, parse_cache_dir(self.app.instance_path))
                self.live = Snapshot(v, corpus)
                self.checked = time.monotonic()
            return self.live

    # -- noticing a change -------------------------------------------------------
    def check(self) -> None:
        """Look at the corpus's version (if not looked at within the interval) and start
        an update in the background if it changed. Never builds anything here."""
        from kb.corpus import version

        interval = self.app.config.get("CORPUS_CHECK_SECONDS", CHECK_SECONDS)
        now = time.monotonic()
        if now - self.checked < interval:
            return
        self.checked = now
        if not self.follower:  # (the parent syncs the folder a follower reads)
            self.sync()
        try:
            v = version(self.root)
        except OSError as e:  # the folder went away: keep serving what was loaded
            self.error = f"语料目录无法读取：{e.strerror or e}"
            return
        live = self.live
        if self.follower:  # only say it: the parent loads it and forks workers that serve it
            self.updating = None if live is None or v in (live.version, self.failed) else v
            return
        if live is None or v == live.version or v == self.updating or v == self.failed:
            return
        self.start_update(v)

    def start_update(self, v: str) -> None:
        with self.lock:
            if self.updating is not None:  # one at a time; the next check sees a newer change
                return
            self.updating = v
            self.thread = threading.Thread(target=self._update, args=(v,), name="plankb-update",
                                           daemon=True)
            self.thread.start()

    def _update(self, v: str) -> None:
        from kb.corpus import load_corpus, parse_cache_dir

        try:
            # (plans parsed before come from the instance; with serve --workers this is the parent)
            snap = Snapshot(v, load_corpus(self.root, parse_cache_dir(self.app.instance_path)))
            with self.app.app_context(), update_lock(self.app.instance_path):
                if self.app.config.get("BUILD_OUTSIDE", True) and not (
                        self.app.config.get("SEARCH_FACTORY") or self.app.config.get("GRAPH_FACTORY")) \
                        and not built(snap.corpus, self.app.instance_path):  # another worker built it
                    build_outside(self.root, self.app.instance_path)
                snap.part("index", index_factory(self.app))
                snap.part("graph", graph_factory(self.app))
            with self.lock:
                old, self.retired, self.live = self.retired, self.live, snap
                self.failed = self.error = None
            if old is not None:
                old.close()
            if gc.get_freeze_count():  # the snapshot plankb serve loaded (and froze, see
                gc.unfreeze()  # cmd_web) is no longer served: let the collector free it
            log.info("corpus %s now served (%d plans)", v, len(snap.corpus.documents))
        except Exception as e:  # noqa: BLE001 — the old snapshot keeps serving; say why
            log.warning("update to corpus %s failed, still serving %s: %r", v,
                        self.live.version if self.live else "-", e)
            with self.lock:
                self.failed = v
                self.error = getattr(e, "description", None) or str(e)
        finally:
            with self.lock:
                self.updating = None

    def drop_retired(self) -> None:
        """Close the snapshot served before the live one (the parent of ``serve --workers``,
        once no worker it forks will serve it: the old workers keep their own pages of it)."""
        with self.lock:
            old, self.retired = self.retired, None
        if old is not None:
            old.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the update under way (tests, and ``plankb serve`` before it forks)."""
        t = self.thread
        if t is not None:
            t.join(timeout)
            return not t.is_alive()
        return True

    def close(self) -> None:
        self.wait(60)
        for snap in (self.retired, self.live):
            if snap is not None:
                snap.close()
        self.live = self.retired = None


def built(corpus, instance_path) -> bool:
    """Are the index and the graph of ``corpus`` already in the instance?"""
    from index import index_status
    from kb.graph_store import graph_key, graph_path

    try:
        return bool(index_status(corpus, instance_path).get("fresh")) \
            and graph_path(instance_path, graph_key(corpus)).exists()
    except OSError:
        return False


def build_outside(root, instance_path) -> None:
    """Build the index and graph of the corpus in a child process (``python -m
    webapp.resources``): a build is seconds to minutes of Python, and in a thread it would
    hold the interpreter lock the serving threads need. The thread then only opens what
    was built; if the child failed, the thread builds (or reports) it itself."""
    cmd = [sys.executable, "-m", "webapp.resources", str(root), str(instance_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except OSError as e:
        log.warning("could not start the build process: %s", e)
        return
    if proc.returncode != 0:
        log.warning("build process failed (%s): %s", proc.returncode, proc.stderr[-2000:])


@contextlib.contextmanager
def update_lock(instance_path):
    """One process of a server updates at a time; the others then find the index and
    graph built and only open them."""
    with exclusive(Path(instance_path) / "update.lock"):
        yield


def resources(app: Flask | None = None) -> Resources:
    app = app or current_app._get_current_object()
    res = app.extensions.get("plankb")
    if not isinstance(res, Resources):
        res = app.extensions["plankb"] = Resources(app)
    return res


def snapshot() -> Snapshot:
    """The snapshot this request reads: looked up once per request, so a page never
    mixes the corpus of one version with the index of another."""
    if has_request_context():
        snap = g.get("_plankb_snapshot")
        if snap is not None:
            return snap
    res = resources()
    snap = res.live
    if snap is None:
        snap = _first(res)
    else:
        res.check()
    if has_request_context():
        g._plankb_snapshot = snap
    return snap


def _first(res: Resources) -> Snapshot:
    from kb.corpus import CorpusError

    try:
        return res.first()
    except CorpusError as e:
        abort(503, description=f"语料无法读取：{e}")
    except (OSError, UnicodeError) as e:  # a dangling link or a file that vanished mid-read
        abort(503, description=f"语料无法读取：{getattr(e, 'filename', None) or ''}"
                               f"{getattr(e, 'strerror', None) or e}（提示：请管理员检查语料目录）。")


def corpus_changed(app: Flask | None = None) -> None:
    """Say the corpus was just changed (a page that adds or publishes a plan calls this):
    the update starts now, in the background, instead of at the next check."""
    res = resources(app)
    if res.live is not None:
        res.checked = 0.0
        res.check()


def updating() -> bool:
    """Whether a newer corpus is being built (the pages show a banner meanwhile)."""
    if not has_app_context():
        return False
    res = current_app.extensions.get("plankb")
    return isinstance(res, Resources) and res.updating is not None


def status() -> dict:
    """For /healthz: the version served, an update under way, the last update's error."""
    res = resources()
    out: dict = {}
    if res.live is not None:
        out["loaded_by"] = dict(res.live.loaded_by)
    if res.updating is not None:
        out["updating"] = True
    if res.error:
        out["update_error"] = res.error
    return out


def instance_dir() -> Path:
    return Path(current_app.instance_path)


def get_corpus():
    return snapshot().corpus


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


def index_factory(app: Flask, build_if_missing: bool = True):
    factory = app.config.get("SEARCH_FACTORY")
    if factory is not None:
        return factory
    from index import open_index, start_embedder

    folder = Path(app.instance_path)

    def factory(corpus):
        # never embeds here: missing vectors are computed by a process of their own, and the
        # open index picks them up when written (issue 12: no request waits for embedding)
        ix = open_index(corpus, folder, build_if_missing=build_if_missing, vectors=False)
        start_embedder(corpus, folder)
        return ix
    return factory


def graph_factory(app: Flask):
    factory = app.config.get("GRAPH_FACTORY")
    if factory is not None:
        return factory
    from kb.graph_store import load_or_build

    folder = Path(app.instance_path)
    return lambda corpus: load_or_build(corpus, folder)


def cached(name: str, build):
    """An object built from the corpus being served, once per snapshot, so it is rebuilt when
    the corpus changes and never inside another snapshot (the 监测 page's plan, for one)."""
    return snapshot().part(name, build)


def get_index():
    snap = snapshot()
    factory = index_factory(current_app, current_app.config["BUILD_INDEX_IF_MISSING"])
    try:
        return snap.part("index", factory)
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
    return snapshot().part("graph", graph_factory(current_app))


def graph_or_none():
    """The graph if it can be built: pages that only decorate with it still render without."""
    try:
        return get_graph()
    except Exception as e:  # noqa: BLE001 — the clause, list and export pages only decorate
        # with links and suggestions; a graph that cannot be built must not take them down
        log.warning("graph unavailable, pages render without links: %r", e)
        return None


def warm(app: Flask, index: bool = True, graph: bool = True) -> Snapshot:
    """Build the first snapshot before serving: corpus, index, graph (``plankb serve``)."""
    with app.app_context():
        res = resources(app)
        snap = res.live or res.first()
        if index:
            snap.part("index", index_factory(app))
        if graph:
            snap.part("graph", graph_factory(app))
            _prefill(app, snap)
        return snap


def _prefill(app: Flask, snap: Snapshot) -> None:
    """What every process would otherwise make on its first request, made once before
    ``serve --workers`` forks: the graph's counts (a walk over every node, which in a
    worker would copy every page of the graph it touched), the index's table of words by
    sound and the compiled templates."""
    graph = snap.parts.get("graph")
    if graph is not None and hasattr(graph, "census"):
        graph.census()
    index = snap.parts.get("index")
    if index is not None and hasattr(index, "prefill"):
        index.prefill()
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith(".html")):
        app.jinja_env.get_template(name)


# Each kind of page, asked once by the parent of ``serve --workers`` before it forks (see
# warm_pages); {doc}, {clause}, {body}, {word} and {title} come from the corpus served.
WARM_PAGES = ("/healthz", "/", "/search?q={word}", "/api/search?q={word}", "/search?q={title}",
              "/outline?document={doc}", "/clauses/{clause}", "/boxes?document={doc}",
              "/indicators?document={doc}", "/targets?document={doc}", "/bodies?document={doc}",
              "/trace", "/trace?doc={doc}", "/trace/{body}", "/api/trace/{body}", "/graph", "/api/graph")


def warm_pages(app: Flask, snap: Snapshot) -> int:
    """Ask for each kind of page once, in this process, before ``serve --workers`` forks.

    Python 3.11 rewrites a function's bytecode in place as it runs it the first times (the
    specialising interpreter's counters and caches), so the first request of each kind in
    a worker wrote to the pages of every function it ran and copy-on-write gave that worker
    its own copy of them: 16 MB for a first /healthz, 30 MB with one search, at 100 plans.
    Run here, the functions are specialised once, in pages every worker shares. Only GET
    pages that read; what fails is skipped (the pages say why when asked for real).
    Returns how many answered 200."""
    docs = snap.corpus.documents
    if not docs:
        return 0
    doc = docs[0]
    clause = next((c for c in doc.clauses if c.text), None)
    graph = snap.parts.get("graph")
    bodies = graph.nodes_of("body") if graph is not None and hasattr(graph, "nodes_of") else []
    values = {"doc": doc.id, "clause": clause.id if clause else "", "body": bodies[0] if bodies else "",
              "title": doc.title or doc.id, "word": (doc.title or doc.id)[:4]}
    client = app.test_client()
    res = resources(app)
    checked, res.checked = res.checked, float("inf")  # no corpus check: no update thread before a fork
    try:
        ok = _ask(client, values)
    finally:
        res.checked = checked
    return ok


def _ask(client, values: dict) -> int:
    from urllib.parse import quote

    from webapp.auth import WARMUP

    ok = 0
    for page in WARM_PAGES:
        names = [k for k in values if "{" + k + "}" in page]
        if any(not values[k] for k in names):
            continue
        url = page.format(**{k: quote(v, safe=":") for k, v in values.items()})
        try:
            resp = client.get(url, environ_base={WARMUP: True})  # read, even where login is required
            ok += resp.status_code == 200
            resp.close()
        except Exception as e:  # noqa: BLE001 — a warm-up page that fails costs only its warm-up
            log.debug("warm-up page %s failed: %r", url, e)
    return ok


def get_store():
    """One ListStore per app: each thread keeps its own connection, so sharing is safe."""
    store = current_app.extensions.get("plankb_store")
    if store is None:
        from office.lists import ListStore

        store = ListStore.for_instance(instance_dir())  # a refusal is a ListError: errors.py answers it
        current_app.extensions["plankb_store"] = store
    return store


def init_resources(app: Flask) -> None:
    """The banner's flag for every template."""
    app.jinja_env.globals["corpus_updating"] = updating


def close_all(app: Flask) -> None:
    """Close the shared index (tests and the serve command call this on shutdown)."""
    res = app.extensions.pop("plankb", None)
    if isinstance(res, Resources):
        res.close()
    store = app.extensions.pop("plankb_store", None)
    if store is not None and hasattr(store, "close"):
        store.close()


if __name__ == "__main__":  # build_outside's child: build what is missing, store it, exit
    from index import open_index
    from kb.corpus import load_corpus, parse_cache_dir
    from kb.graph_store import load_or_build

    _corpus = load_corpus(sys.argv[1], parse_cache_dir(sys.argv[2]))
    open_index(_corpus, sys.argv[2], vectors=False).close()  # the vectors: index.embed, after
    load_or_build(_corpus, sys.argv[2])
