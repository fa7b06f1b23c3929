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
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from whoosh import index as whoosh_index

from kb.atomic import atomic_write_text
from kb.filelock import exclusive

from index import semantic
from index.lexicon import load_lexicon, vocabulary
from index.schema import SCHEMA_VERSION, build_schema, clause_fields

SUBDIR = "search"
POINTER = "CURRENT"
META = "plankb-meta.json"
VOCAB = "plankb-vocab.json"  # query-time jieba dictionary slice (see lexicon.vocabulary)


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


def is_fresh(meta: dict | None, corpus_hash: str) -> bool:
    """Built from this corpus by this schema, with vectors unless they cannot be had."""
    fresh = bool(meta) and meta.get("content_hash") == corpus_hash \
        and meta.get("schema_version") == SCHEMA_VERSION
    if fresh and "off" in (meta.get("semantic") or {}) and semantic.wanted():
        return False  # built without the model (turned off, or not installed then)
    return fresh


def build_index(corpus, instance_dir: Path | str) -> dict:
    """Build the index of every clause into a new folder and make it the live one."""
    base = search_dir(instance_dir)
    try:
        with build_lock(base):
            return _build_locked(corpus, base)
    except OSError as e:
        raise IndexBuildError(f"无法写入实例目录 {base}：{e.strerror or e}（提示：用 --instance 指定可写目录）") from None


def _build_locked(corpus, base: Path) -> dict:
    started = time.perf_counter()
    corpus_hash = corpus.content_hash()
    # (a random part: two builds now fit in one second, and one may not replace the other's folder)
    name = f"ix-{corpus_hash}-{time.strftime('%Y%m%d%H%M%S')}-{os.urandom(3).hex()}-{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(dir=base, prefix=".building-"))
    try:
        schema = build_schema(dict_dir(corpus))
        ix = whoosh_index.create_in(str(tmp), schema)
        writer = ix.writer(limitmb=256)
        count = 0
        for doc in corpus.documents:
            for clause in doc.clauses:
                writer.add_document(**clause_fields(clause, doc))
                count += 1
        writer.commit(optimize=True)
        with ix.reader() as reader:
            terms = {t.decode("utf-8") if isinstance(t, bytes) else t
                     for f in ("title", "body", "heading") for t in reader.lexicon(f)}
        ix.close()
        vocab = vocabulary(load_lexicon(dict_dir(corpus)), terms)
        _write_atomic(tmp / VOCAB, json.dumps(vocab, ensure_ascii=False))
        embedded = semantic.embed_corpus(corpus, base)
        if embedded is not None:
            ids, mat, vec_stats = embedded
            semantic.write_vectors(tmp, ids, mat)
        meta = {
            "schema_version": SCHEMA_VERSION,
            "content_hash": corpus_hash,
            "corpus": str(corpus.root),
            "documents": len(corpus.documents),
            "clauses": count,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.perf_counter() - started, 3),
            "semantic": ({"model": semantic.MODEL_KEY, **vec_stats} if embedded is not None
                         else {"off": semantic.status()}),
        }
        _write_atomic(tmp / META, json.dumps(meta, ensure_ascii=False, indent=2))
        os.replace(tmp, base / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = current_build(base.parent)
    _write_atomic(base / POINTER, json.dumps({"dir": name}))
    _prune(base, keep={name, previous[0].name if previous else ""})
    meta["path"] = str(base / name)
    return meta


def _prune(base: Path, keep: set[str]) -> None:
    for p in base.iterdir():
        if p.is_dir() and p.name.startswith(("ix-", ".building-")) and p.name not in keep:
            # A .building- folder here belongs to a crashed build (we hold the lock).
            # A build some open index still reads stays until it is closed (the next build
            # after that removes it): `plankb build` twice under a running server broke
            # every search until restart when the server's folder was deleted.
            if not p.name.startswith("ix-") or not in_use(p):
                shutil.rmtree(p, ignore_errors=True)


LEASE = ".in-use"


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
            "fresh": is_fresh(meta, corpus_hash),
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
