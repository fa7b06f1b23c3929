"""The built graph kept in the instance folder, so a restart loads it instead of building.

Building the graph of 100 plans takes seconds; loading it back takes a fraction of
that. The file is keyed by what shaped it: the corpus's content hash (plans and data
files) and a fingerprint of the code that builds graphs (the ``kb`` sources, the Python
and networkx versions), so a changed corpus or an upgraded plankb never loads a stale
graph. A file that is damaged, stale or unreadable is ignored and the graph rebuilt;
the write is atomic (kb/atomic.py), so a reader never sees half a file.

Clauses and documents are not stored twice: the pickle names them by id and they are
taken from the corpus on load, so the graph's targets point at the corpus's own
clauses, as after a build. The file is pickle, read only from the instance folder
plankb itself writes (the same trust as the index and the list database there).

Only one process builds at a time (a lock file beside the graphs): with several web
workers, the others wait and then load what the first one wrote.
"""
from __future__ import annotations

import contextlib
import functools
import io
import logging
import pickle
import sys
from pathlib import Path

from kb.atomic import atomic_write_bytes
from kb.filelock import exclusive
from kb.model import Clause, Document

log = logging.getLogger("plankb.graph")

SUBDIR = "graph"
FORMAT = 1  # of the file's envelope; the graph's own shape is covered by code_version()


def graph_dir(instance_dir: Path | str) -> Path:
    return Path(instance_dir) / SUBDIR


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the sources that build graphs (every module of ``kb``) and of the
    libraries whose objects the file holds: a new plankb rebuilds, it never loads a
    graph an older one built."""
    import networkx

    from kb.corpus import sources_digest

    root = Path(__file__).resolve().parent
    files = ((p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*.py")))
    return sources_digest(files, f"{FORMAT}\0{sys.version_info[:2]}\0{networkx.__version__}\0")[:12]


def graph_key(corpus) -> str:
    return f"{corpus.content_hash()}-{code_version()}"


def graph_path(instance_dir: Path | str, key: str) -> Path:
    return graph_dir(instance_dir) / f"graph-{key}.pickle"


@contextlib.contextmanager
def graph_lock(instance_dir: Path | str):
    with exclusive(graph_dir(instance_dir) / "build.lock"):
        yield


class _Pickler(pickle.Pickler):
    def __init__(self, file, corpus):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._corpus = corpus

    def persistent_id(self, obj):
        if isinstance(obj, Clause) and self._corpus.clause(obj.id) is obj:
            return ("clause", obj.id)
        if isinstance(obj, Document) and self._corpus.document(obj.id) is obj:
            return ("document", obj.id)
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, corpus):
        super().__init__(file)
        self._corpus = corpus

    def persistent_load(self, pid):
        kind, ident = pid
        obj = self._corpus.clause(ident) if kind == "clause" else self._corpus.document(ident)
        if obj is None:
            raise pickle.UnpicklingError(f"{kind} {ident} is not in the corpus")
        return obj


def compact(pg) -> None:
    """Make equal strings one object and equal edge attributes one dict, in place.

    The graph is built from f-strings and per-edge dicts: a node id is a new string in
    every adjacency dict it is a key of, and 35,000 edges at 100 plans had 35,000
    attribute dicts of which 16,000 differ. Shared, they are stored once in the file
    (pickle writes an object once however often it is referred to) and loaded once: 13 MB
    less at 100 plans in the process that loads it, which ``serve --workers`` shares
    with every worker. Nothing changes a built graph's attributes, so sharing is safe."""
    strings: dict[str, str] = {}
    attrs: dict[tuple, dict] = {}

    def one(x):
        if type(x) is str:
            return strings.setdefault(x, x)
        if type(x) is tuple:
            return tuple(one(v) for v in x)
        if type(x) is list:
            x[:] = [one(v) for v in x]
        elif type(x) is dict:
            items = [(one(k), one(v)) for k, v in x.items()]
            x.clear()
            x.update(items)
        elif type(x) is set:
            items = [one(v) for v in x]
            x.clear()
            x.update(items)
        return x

    def shared(a: dict) -> dict:
        a = one(a)
        try:
            key = tuple(sorted(a.items()))
            hash(key)
        except TypeError:  # an unhashable value (a list): kept as it is
            return a
        return attrs.setdefault(key, a)

    g = pg.g
    one(g._node)
    for adj in (g._succ, g._pred):  # the key dicts (edge kind → attributes) are shared by both
        for nbrs in adj.values():
            for kd in nbrs.values():
                for k in list(kd):
                    kd[k] = shared(kd[k])
    for adj in (g._succ, g._pred):
        for nbrs in adj.values():
            items = [(one(v), one_keys(kd, one)) for v, kd in nbrs.items()]
            nbrs.clear()
            nbrs.update(items)
        items = [(one(u), nbrs) for u, nbrs in adj.items()]
        adj.clear()
        adj.update(items)
    for name, value in list(pg.__dict__.items()):
        if name not in ("g", "corpus"):
            pg.__dict__[name] = one(value)


def one_keys(kd: dict, one) -> dict:
    """A key dict with its keys (edge kinds) made one object, in place (its values are shared)."""
    items = [(one(k), v) for k, v in kd.items()]
    kd.clear()
    kd.update(items)
    return kd


def save_graph(pg, instance_dir: Path | str, key: str) -> Path:
    """Write ``pg`` for ``key`` and remove the files of other keys."""
    state = {k: v for k, v in pg.__dict__.items() if k != "corpus"}
    buf = io.BytesIO()
    _Pickler(buf, pg.corpus).dump({"key": key, "class": type(pg).__name__, "state": state})
    path = graph_path(instance_dir, key)
    atomic_write_bytes(path, buf.getvalue())
    for old in graph_dir(instance_dir).glob("graph-*.pickle"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()
    return path


def load_graph(corpus, instance_dir: Path | str, key: str):
    """The stored graph for ``key``, or None if there is none usable (missing, damaged,
    of another key or another code)."""
    from kb.graph import PlanGraph

    path = graph_path(instance_dir, key)
    try:
        with open(path, "rb") as f:
            data = _Unpickler(f, corpus).load()
        if not isinstance(data, dict) or data.get("key") != key or data.get("class") != PlanGraph.__name__:
            raise ValueError("not a graph of this key")
        pg = PlanGraph.__new__(PlanGraph)
        pg.__dict__.update(data["state"])
        pg.corpus = corpus
        return pg
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001 — a damaged file fails in pickle's many ways;
        # it is derived data, so it is rebuilt rather than shown to anyone
        log.warning("stored graph %s unusable, rebuilding: %r", path, e)
        return None


def load_or_build(corpus, instance_dir: Path | str, build=None):
    """The graph of ``corpus``: loaded from the instance if stored for this corpus and
    code, else built (by one process at a time) and stored."""
    if build is None:
        from kb.graph import build_graph as build
    key = graph_key(corpus)
    pg = load_graph(corpus, instance_dir, key)
    if pg is not None:
        return pg
    try:
        with graph_lock(instance_dir):
            pg = load_graph(corpus, instance_dir, key)  # another process may have built it
            if pg is not None:
                return pg
            pg = build(corpus)
            compact(pg)
            try:
                save_graph(pg, instance_dir, key)
            except OSError as e:  # a read-only instance still gets a graph, built each start
                log.warning("graph not stored in %s: %s", graph_dir(instance_dir), e.strerror or e)
            return pg
    except OSError as e:  # the lock file cannot be made: build without storing
        log.warning("graph lock unavailable in %s: %s", graph_dir(instance_dir), e.strerror or e)
        pg = build(corpus)
        compact(pg)
        return pg


def stored_keys(instance_dir: Path | str) -> list[str]:
    """Keys of the graphs stored in the instance (for tests and status pages)."""
    return sorted(p.name[len("graph-"):-len(".pickle")]
                  for p in graph_dir(instance_dir).glob("graph-*.pickle"))


__all__ = ["load_or_build", "load_graph", "save_graph", "graph_key", "graph_path", "stored_keys",
           "code_version"]
