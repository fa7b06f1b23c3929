"""Where the index lives in the instance folder, and how it is (re)built safely.

Layout under ``<instance>/search/``: one folder per build (``ix-<hash>-<time>``) and
a ``CURRENT`` pointer file naming the live one.  A build writes a new folder,
then replaces ``CURRENT`` atomically (temp file + ``os.replace``), so a reader
never sees a half-written index and a failed build leaves the old one in place.
The previous build is kept one round so a searcher opened on it keeps working.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from whoosh import index as whoosh_index

from kb.atomic import atomic_write_text
from kb.filelock import exclusive

from index import semantic
from index.lexicon import inner_words, load_lexicon, vocabulary
from index.schema import SCHEMA_VERSION, build_schema, clause_fields, searchable_text

log = logging.getLogger("plankb.index")

SUBDIR = "search"
POINTER = "CURRENT"
META = "plankb-meta.json"
VOCAB = "plankb-vocab.json"  # query-time jieba dictionary slice (see lexicon.vocabulary)
INNER = "plankb-inner-words.json"  # per plan: words written inside longer words (lexicon.inner_words)
LEASE = ".in-use"  # a shared lock on this file: an open index reads the folder (see hold_lease)


class IndexBuildError(Exception):
    """The index folder cannot be written or read (message in Chinese)."""


def search_dir(instance_dir: Path | str) -> Path:
    return Path(instance_dir) / SUBDIR


def dict_dir(corpus) -> Path:
    return Path(corpus.root) / "dict"


def _write_atomic(path: Path, text: str) -> None:
    atomic_write_text(path, text)


def current_build(instance_dir: Path | str) -> tuple[Path, dict] | None:
    """The live build folder and its metadata, or None if there is none usable."""
    base = search_dir(instance_dir)
    try:
        name = json.loads((base / POINTER).read_text(encoding="utf-8"))["dir"]
        folder = base / name
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return folder, meta


@contextlib.contextmanager
def build_lock(base: Path):
    """One builder at a time per instance (CLI and web app may race)."""
    with exclusive(Path(base) / "build.lock"):
        yield


# What an index's content depends on besides the plans: these modules' code (the schema,
# the analysis and what it calls). A change to any of them, to the schema version or to
# the corpus's dictionary files rebuilds the index in full; otherwise it is updated by plan.
INDEX_MODULES = ("index.schema", "index.analysis", "index.normalize", "index.lexicon", "index.years")
MAX_SEGMENTS = 8  # more than this after an update: the small ones are merged
PARALLEL_MIN_CLAUSES = 1500  # a smaller full build is not worth a second process


def build_key(corpus) -> str:
    """The version of everything an index is built with except the plans themselves."""
    from kb.corpus import source_hash

    h = hashlib.sha256(f"{SCHEMA_VERSION}\0{source_hash(INDEX_MODULES)}\0{dict_dir(corpus)}\0".encode())
    folder = dict_dir(corpus)
    for p in sorted(folder.glob("**/*")) if folder.is_dir() else []:
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0")
            try:
                h.update(p.read_bytes())
            except OSError:
                h.update(b"\0unreadable")
    return h.hexdigest()[:16]


def is_fresh(meta: dict | None, corpus_hash: str, key: str | None = None) -> bool:
    """Built from this corpus by this schema, code and dictionary (``key``: build_key)."""
    # (Vectors missing from a build do not make it stale: embed_missing adds them to it.)
    return bool(meta) and meta.get("content_hash") == corpus_hash \
        and meta.get("schema_version") == SCHEMA_VERSION and "build_key" in meta \
        and (key is None or meta.get("build_key") == key)


def vectors_missing(meta: dict | None) -> bool:
    """Does this build lack clause vectors that could be computed (the model permitting)?"""
    sem = (meta or {}).get("semantic") or {}
    if "off" in sem:  # built without the model: missing if it loads now
        return semantic.wanted()
    return not semantic.disabled() and bool(sem.get("missing"))


def build_index(corpus, instance_dir: Path | str, full: bool = False, vectors: bool = True) -> dict:
    """Build the index of every clause into a new folder and make it the live one.

    When the live build was made with the same schema, code and dictionary, only the
    plans added, changed or removed since are re-indexed (``full=True`` rebuilds all).
    The lexical index is published first, with the clause vectors already in the cache;
    then (``vectors=True``) the missing vectors are computed and swapped in, see
    :func:`embed_missing` (``vectors=False`` leaves that to a later call).
    """
    base = search_dir(instance_dir)
    try:
        with build_lock(base):
            meta = _build_locked(corpus, base, full)
    except OSError as e:
        raise IndexBuildError(f"无法写入实例目录 {base}：{e.strerror or e}（提示：用 --instance 指定可写目录）") from None
    if vectors and vectors_missing(meta):
        meta["semantic"] = embed_missing(corpus, instance_dir)
    return meta


def embed_missing(corpus, instance_dir: Path | str, progress=None) -> dict:
    """Compute the clause vectors the live build of ``corpus`` lacks and swap them into it.

    One embedder at a time per instance (``embed.lock``, not the build lock: a lexical
    update is never kept waiting by minutes of embedding). Stopped early (Ctrl+C), the
    vectors computed so far are in the cache and in the build; the next call resumes.
    Returns the build's ``semantic`` stats.
    """
    base = search_dir(instance_dir)
    try:
        with exclusive(base / "embed.lock"):
            done = None
            try:
                done = semantic.embed_corpus(corpus, base, progress=progress)
            finally:  # also when interrupted: what the cache has now goes into the build
                stats = _swap_vectors(corpus, base, done)
            return stats
    except OSError as e:
        raise IndexBuildError(f"无法写入实例目录 {base}：{e.strerror or e}（提示：用 --instance 指定可写目录）") from None


def _from_cache(corpus, base: Path):
    """(ids, matrix, the build's semantic stats) of the vectors the cache has for ``corpus``."""
    ids, mat, missing = semantic.cached_vectors(corpus, base)
    return ids, mat, {"model": semantic.MODEL_KEY, "vectors": len(ids), "missing": missing}


def _swap_vectors(corpus, base: Path, done) -> dict:
    """Write the vectors of ``corpus`` into its live build and say so in its metadata."""
    if done is None and (semantic.disabled() or semantic.model() is None):
        stats = {"off": semantic.status()}
        ids = None
    elif done is not None:
        ids, mat, extra = done
        stats = {"model": semantic.MODEL_KEY, "vectors": len(ids), "missing": 0, **extra}
    else:
        ids, mat, stats = _from_cache(corpus, base)
    cur = current_build(base.parent)
    if cur is None or cur[1].get("content_hash") != corpus.content_hash():
        return stats  # a newer build is live: its own embedding fills it
    folder, meta = cur
    if ids is not None:
        semantic.write_vectors(folder, ids, mat)
    meta["semantic"] = stats
    _write_atomic(folder / META, json.dumps(meta, ensure_ascii=False, indent=2))
    return stats


def _inner_words(corpus, lex, docs: dict, previous: Path | None) -> dict:
    """{document key: its inner words} (lexicon.inner_words): an update scans only the plans
    it re-indexes (the scan takes seconds at a hundred plans), the rest come from ``previous``."""
    known = {}
    if previous is not None:
        try:
            known = json.loads((previous / INNER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
    out = {}
    for d in corpus.documents:
        k = docs[d.id]
        out[k] = known[k] if k in known else inner_words(lex.jieba.FREQ, (searchable_text(c) for c in d.clauses))
    return out


def _build_locked(corpus, base: Path, full: bool = False) -> dict:
    started = time.perf_counter()
    corpus_hash = corpus.content_hash()
    key = build_key(corpus)
    docs = {d.id: corpus.document_key(d.id) for d in corpus.documents}
    previous = current_build(base.parent)
    tmp = Path(tempfile.mkdtemp(dir=base, prefix=".building-"))
    # unique even for two builds in one second (an update takes less)
    name = f"ix-{corpus_hash}-{time.strftime('%Y%m%d%H%M%S')}{tmp.name[-6:]}-{os.getpid()}"
    try:
        update = None if full or previous is None else _update_plan(previous, key, docs)
        if update is not None:
            changed, removed = update
            try:
                count = _update_whoosh(corpus, previous[0], tmp, changed, removed)
                how = {"mode": "update", "reindexed": sorted(changed), "removed": sorted(removed)}
            except Exception as e:  # noqa: BLE001 — the live build is damaged in whoosh's own ways
                log.warning("index update failed (%r); building it anew", e)
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir()
                update = None
        if update is None:
            count = _write_whoosh(corpus, tmp)
            how = {"mode": "full"}
        ix = whoosh_index.open_dir(str(tmp))
        with ix.reader() as reader:
            terms = {t.decode("utf-8") if isinstance(t, bytes) else t
                     for f in ("title", "body", "heading") for t in reader.lexicon(f)}
            segments = len(ix._segments())
        ix.close()
        lex = load_lexicon(dict_dir(corpus))
        inner = _inner_words(corpus, lex, docs, previous[0] if update is not None else None)
        _write_atomic(tmp / INNER, json.dumps(inner, ensure_ascii=False))
        vocab = vocabulary(lex, terms, inner.values())
        _write_atomic(tmp / VOCAB, json.dumps(vocab, ensure_ascii=False))
        if semantic.disabled():
            sem = {"off": semantic.status()}
        else:  # the vectors the cache has; the others are computed after publishing
            ids, mat, sem = _from_cache(corpus, base)
            if ids:
                semantic.write_vectors(tmp, ids, mat)
        meta = {
            "schema_version": SCHEMA_VERSION,
            "build_key": key,
            "content_hash": corpus_hash,
            "corpus": str(corpus.root),
            "documents": len(corpus.documents),
            "clauses": count,
            "segments": segments,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.perf_counter() - started, 3),
            "build": how,
            "docs": docs,
            "semantic": sem,
        }
        _write_atomic(tmp / META, json.dumps(meta, ensure_ascii=False, indent=2))
        os.replace(tmp, base / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _write_atomic(base / POINTER, json.dumps({"dir": name}))
    _prune(base, keep={name, previous[0].name if previous else ""})
    out = {k: v for k, v in meta.items() if k != "docs"}  # each plan's key: for the next build
    out["path"] = str(base / name)
    return out


def _update_plan(previous: tuple[Path, dict], key: str, docs: dict[str, str]):
    """(plans to (re)index, plans to remove) against the live build, or None when the
    live build cannot be updated (another schema, code or dictionary; or unreadable)."""
    folder, meta = previous
    old = meta.get("docs")
    if meta.get("build_key") != key or meta.get("schema_version") != SCHEMA_VERSION \
            or not isinstance(old, dict):
        return None
    try:
        whoosh_index.open_dir(str(folder)).close()
    except Exception:  # noqa: BLE001 — damaged in whoosh's own ways: build it anew
        return None
    changed = {d for d, k in docs.items() if old.get(d) != k}
    removed = set(old) - set(docs)
    return changed, removed


# Files of a build that are not whoosh's: written anew for each build, never linked.
_OWN_FILES = {META, VOCAB, INNER, LEASE, semantic.VECTORS}


def _update_whoosh(corpus, old: Path, tmp: Path, changed: set[str], removed: set[str]) -> int:
    """Copy the live index into ``tmp`` and update the copy by plan.

    The copy is hard links: whoosh never rewrites a segment file (deletions and the list
    of segments live in the new table of contents it writes), so the folder a reader has
    open is never touched, and the copy costs no data. Where links cannot be made
    (another file system) the files are copied.
    """
    for f in old.iterdir():
        if f.is_file() and f.name not in _OWN_FILES and not f.name.endswith(".lock") \
                and "WRITELOCK" not in f.name and not f.name.startswith(semantic.MATRIX_PREFIX):
            try:
                os.link(f, tmp / f.name)
            except OSError:
                shutil.copy2(f, tmp / f.name)
    ix = whoosh_index.open_dir(str(tmp))
    writer = ix.writer(limitmb=128)
    try:
        for doc_id in sorted(changed | removed):
            writer.delete_by_term("document", doc_id)
        for doc in corpus.documents:
            if doc.id in changed:
                for clause in doc.clauses:
                    writer.add_document(**clause_fields(clause, doc))
        writer.commit(mergetype=_merge_small)
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()
    return sum(len(d.clauses) for d in corpus.documents)


def _merge_small(writer, segments):
    """Whoosh merge policy for an update, bounded work: a segment whose clauses are all
    deleted (a plan changed again) is dropped; a small one mostly deleted is merged into
    the new segment; past ``MAX_SEGMENTS`` the smaller half is merged too. Big segments
    stay as they are (their deleted clauses cost a little space until ``--full``)."""
    from whoosh.reading import SegmentReader

    total = sum(s.doc_count_all() for s in segments) or 1
    live = [s for s in segments if s.doc_count() > 0]
    worn = [s for s in live if s.deleted_count() * 2 > s.doc_count_all() and s.doc_count_all() * 10 < total]
    keep = [s for s in live if s not in worn]
    if len(keep) + 1 > MAX_SEGMENTS:
        keep.sort(key=lambda s: s.doc_count(), reverse=True)
        keep, worn = keep[:MAX_SEGMENTS // 2], worn + keep[MAX_SEGMENTS // 2:]
    for seg in worn:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return keep


def _write_whoosh(corpus, tmp: Path) -> int:
    """A new index of every clause in ``tmp``: on two processes (one segment each) when
    the corpus is big enough and this process may fork, else here."""
    import threading

    schema = build_schema(dict_dir(corpus))
    ix = whoosh_index.create_in(str(tmp), schema)
    total = sum(len(d.clauses) for d in corpus.documents)
    procs = min(os.cpu_count() or 1, 2)
    if procs > 1 and total >= PARALLEL_MIN_CLAUSES and threading.active_count() == 1:
        from whoosh.multiproc import MpWriter

        load_lexicon(dict_dir(corpus)).jieba  # loaded once here, shared by the forked writers
        writer = MpWriter(ix, procs=procs, batchsize=64, multisegment=True, limitmb=128)
    else:
        writer = ix.writer(limitmb=256)
    try:
        for doc in corpus.documents:
            for clause in doc.clauses:
                writer.add_document(**clause_fields(clause, doc))
        writer.commit()
    except BaseException:
        for task in getattr(writer, "tasks", ()):  # forked writers wait on their queue: end them
            task.terminate()
        writer.cancel()
        raise
    finally:
        ix.close()
    return total


def _prune(base: Path, keep: set[str]) -> None:
    for p in base.iterdir():
        if p.is_dir() and p.name.startswith(("ix-", ".building-")) and p.name not in keep:
            # A .building- folder here belongs to a crashed build (we hold the lock).
            # A build some open index still reads stays until it is closed (the next build
            # after that removes it): `plankb build` twice under a running server broke
            # every search until restart when the server's folder was deleted.
            if not p.name.startswith("ix-") or not in_use(p):
                shutil.rmtree(p, ignore_errors=True)


def hold_lease(folder: Path):
    """An open file holding a shared lock on ``folder``'s lease; close it to let go.

    flock locks belong to the open file, so a build in the same process (the web app
    rebuilding itself) sees the lease of its own open index too.
    """
    path = Path(folder) / LEASE
    try:
        f = open(path, "a+")
    except OSError:  # a read-only instance folder: a lease file a build left, or none
        try:
            f = open(path, "r")
        except OSError:
            return _NoLease()
    try:
        fcntl.flock(f, fcntl.LOCK_SH)
    except OSError:
        f.close()
        return _NoLease()
    return f


class _NoLease:
    """Where no lease can be taken (nothing here can be written, so no build prunes either)."""

    def close(self) -> None:
        pass


def in_use(folder: Path) -> bool:
    """Does an open index (in any process) hold ``folder``'s lease?"""
    try:
        with open(Path(folder) / LEASE, "a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
    except OSError:
        return False
    return False


def index_status(corpus, instance_dir: Path | str) -> dict:
    """Is there an index, and does it match the corpus as it is now?"""
    corpus_hash = corpus.content_hash()
    key = build_key(corpus)
    cur = current_build(instance_dir)
    status = {
        "path": str(search_dir(instance_dir)),
        "exists": cur is not None,
        "fresh": False,
        "corpus_hash": corpus_hash,
        "schema_version": SCHEMA_VERSION,
    }
    if cur is not None:
        folder, meta = cur
        status.update({
            "path": str(folder),
            "fresh": is_fresh(meta, corpus_hash, key),
            "content_hash": meta.get("content_hash"),
            "built_schema_version": meta.get("schema_version"),
            "clauses": meta.get("clauses"),
            "documents": meta.get("documents"),
            "built_at": meta.get("built_at"),
        })
    return status


def read_vocabulary(folder: Path) -> dict | None:
    try:
        return json.loads((Path(folder) / VOCAB).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def open_whoosh(folder: Path):
    return whoosh_index.open_dir(str(folder))
