"""A corpus is a folder of canonical Markdown plans plus the data files beside them.

Layout (all data, no code): ``*.md`` one plan each; ``raw/`` raw texts with their
``.toml`` sidecars (metadata, corrections); ``dict/`` jieba dictionary and synonyms;
``gazetteer/`` bodies and regions; ``links.toml`` curated task→target links.
The content hash covers everything that shapes a built index or graph, so a changed
corpus is noticed and rebuilt.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import Iterator, Optional

from kb.model import Clause, Document
from kb.oserror import read_reason

log = logging.getLogger(__name__)

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


class CorpusError(Exception):
    """A corpus that cannot be read: the message says what and where."""


class Corpus:
    def __init__(self, root: Path, documents: list[Document], problems: list[str] | None = None,
                 keys: dict[str, str] | None = None):
        self.root = root
        self.documents = documents
        self.problems = problems or []  # plans left out, each "file：reason"
        self._by_id = {c.id: c for d in documents for c in d.clauses}
        self._docs = {d.id: d for d in documents}
        self._keys = dict(keys or {})

    def document_key(self, doc_id: str) -> str:
        """A fingerprint of what one plan's parsed document came from (its file, the
        structure data, the parser's code): equal keys, equal documents. The index is
        updated by document by comparing these."""
        key = self._keys.get(doc_id)
        if key is None:
            doc = self._docs[doc_id]
            key = self._keys[doc_id] = hashlib.sha256(pickle.dumps(doc, protocol=4)).hexdigest()[:24]
        return key

    def document(self, doc_id: str) -> Optional[Document]:
        return self._docs.get(doc_id)

    def clause(self, clause_id: str) -> Optional[Clause]:
        return self._by_id.get(clause_id)

    def clauses(self) -> Iterator[Clause]:
        for d in self.documents:
            yield from d.clauses

    def data_file(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def content_hash(self) -> str:
        return content_hash(self.root)


def _data_files(root: Path) -> list[Path]:
    files = sorted(root.glob("*.md"))
    for sub in ("dict", "gazetteer"):
        files += sorted(p for p in (root / sub).glob("**/*") if p.is_file())
    files += sorted(root.glob("*.toml"))
    return files


def content_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in _data_files(root):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(b"\0")
        try:
            h.update(p.read_bytes())
        except OSError:  # a broken link or unreadable file: its plan is left out, noticed by name
            h.update(b"\0unreadable")
        h.update(b"\0")
    return h.hexdigest()[:16]


_cache: dict[Path, tuple[tuple, Corpus, dict]] = {}  # root -> (stamp, corpus, its files' documents)
_lock = threading.Lock()


def version(root: Path | str) -> str:
    """A cheap version of everything ``content_hash`` covers: names, sizes and mtimes of
    the same files, no contents read (about a millisecond at 100 plans against 34 ms
    for the hash). Any edit, addition or removal changes it; a touch does too, which
    only costs a re-check (the built index and graph are keyed by the content hash)."""
    root = Path(root)
    h = hashlib.sha256()
    for p in _data_files(root):
        try:
            st = p.stat()
            stamp = f"{st.st_mtime_ns}\0{st.st_size}"
        except OSError:  # a broken link or a file gone mid-walk: its plan is left out when loading
            stamp = "missing"
        h.update(f"{p.relative_to(root).as_posix()}\0{stamp}\0".encode())
    return h.hexdigest()[:16]


def _stamp(root: Path) -> tuple:
    out = []
    for p in sorted(root.glob("*.md")):
        try:
            st = p.stat()
            out.append((p.name, st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((p.name, None, None))  # a broken link: left out when loading, named then
    return tuple(out)


# What a parsed document depends on besides its file: these modules' code. A change to
# any of them re-parses every plan (the cached documents were made by the old code).
PARSE_MODULES = ("kb.parse", "kb.model", "kb.headings", "kb.ingest.headings", "kb.text", "kb.numerals")
PARSED_DIR = "parsed"  # <instance>/parsed/<key>.pickle: one parsed plan each


def sources_digest(named_files, prefix: str = "") -> str:
    """A hash of source files, each under a name (a module's, a relative path): the version
    of the code they are.  ``prefix`` adds what else the version depends on."""
    h = hashlib.sha256(prefix.encode())
    for name, path in named_files:
        h.update(str(name).encode() + b"\0")
        if path and os.path.isfile(path):
            with open(path, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def source_hash(modules) -> str:
    """:func:`sources_digest` of the named modules."""
    def origin(name):
        spec = importlib.util.find_spec(name)
        return spec.origin if spec is not None else None

    return sources_digest((name, origin(name)) for name in modules)[:16]


_parse_version: str | None = None


def parse_version(root: Path) -> str:
    """The parser's code and the corpus's structure data: what every plan's parse shares."""
    global _parse_version
    if _parse_version is None:
        _parse_version = source_hash(PARSE_MODULES)
    structure = Path(root) / "dict" / "structure.toml"
    try:
        data = structure.read_bytes()
    except OSError:
        data = b""  # the bundled structure file is then used, which the code hash covers
    return hashlib.sha256(_parse_version.encode() + b"\0" + data).hexdigest()[:16]


def parse_cache_dir(instance_dir: Path | str) -> Path:
    return Path(instance_dir) / PARSED_DIR


def _parse_file(path: Path, data: bytes, key: str, cache_dir: Path | None) -> Document:
    """One plan's document: from the instance's cache of parsed plans if there, else parsed
    (and put there). A cache file that cannot be read or written only costs the parse."""
    from kb.parse import parse_document

    cached = cache_dir / f"{key}.pickle" if cache_dir is not None else None
    if cached is not None:
        try:
            with open(cached, "rb") as f:
                doc = pickle.load(f)
            if isinstance(doc, Document):
                doc.path = str(path)
                return doc
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError,
                ValueError, IndexError):
            pass
    text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text reads it
    doc = parse_document(text, path=path)
    if cached is not None:
        try:
            from kb.atomic import atomic_write_bytes

            cache_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(cached, pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
        except OSError as e:
            log.debug("parsed plan not cached in %s: %s", cache_dir, e)
    return doc


def load_corpus(root: Path | str | None = None, cache_dir: Path | str | None = None) -> Corpus:
    """Parse every plan in ``root``; cached until a Markdown file changes.

    Incremental by plan: a plan whose file (size and mtime) is unchanged since the last
    load in this process keeps its document, and one whose content was parsed before
    (by this code, with this structure data) is read from ``cache_dir`` (the instance's
    ``parsed/`` folder, see :func:`parse_cache_dir`) instead of parsed again. So changing
    one plan of a hundred parses one plan.
    """
    from kb.parse import ParseError

    root = Path(root or DEFAULT_CORPUS).resolve()
    if not root.exists():
        raise CorpusError(f"语料目录不存在：{root}")
    if not root.is_dir():
        raise CorpusError(f"语料路径不是目录：{root}（提示：--corpus 指向存放规划 .md 文件的目录）")
    try:
        stamp = _stamp(root)
    except OSError as e:
        raise CorpusError(f"无法读取语料目录中的 {e.filename}：{read_reason(e)}") from None
    cache_dir = Path(cache_dir) if cache_dir is not None else None
    with _lock:
        hit = _cache.get(root)
        if hit and hit[0] == stamp:
            return hit[1]
        known: dict = hit[2] if hit else {}  # file name -> (mtime, size, parse version, key, document)
        files: dict = {}
        version = parse_version(root)
        docs, problems, keys = [], [], {}
        seen: dict[str, Path] = {}
        for path in sorted(root.glob("*.md")):
            if path.name.upper() == "README.MD":
                continue
            try:
                st = path.stat()
                old = known.get(path.name)
                if old and old[:3] == (st.st_mtime_ns, st.st_size, version):
                    key, doc = old[3], old[4]
                else:
                    data = path.read_bytes()
                    key = hashlib.sha256(version.encode() + b"\0" + data).hexdigest()[:24]
                    doc = old[4] if old and old[3] == key else _parse_file(path, data, key, cache_dir)
                files[path.name] = (st.st_mtime_ns, st.st_size, version, key, doc)
            except UnicodeDecodeError:
                problems.append(f"{path} 不是 UTF-8 编码的文本（提示：用 plankb ingest 重新生成）")
                continue
            except OSError as e:
                problems.append(f"无法读取 {path}：{read_reason(e)}")
                continue
            except ParseError as e:
                problems.append(f"{path}：{e}")
                continue
            if doc.id in seen:
                problems.append(f"文档编号 {doc.id} 重复：{path.name} 与 {seen[doc.id].name}（{path.name} 未载入）")
                continue
            seen[doc.id] = path
            docs.append(doc)
            keys[doc.id] = key
        for problem in problems:  # one bad file never takes the other plans down
            log.warning("语料中的规划未载入：%s", problem)
        if problems and not docs:
            raise CorpusError(problems[0] + (f"（另有 {len(problems) - 1} 个问题）" if len(problems) > 1 else ""))
        for doc in docs:
            _share_strings(doc)
        corpus = Corpus(root, docs, problems, keys)
        _cache[root] = (stamp, corpus, files)
        if cache_dir is not None:
            _prune_parsed(cache_dir, {f[3] for f in files.values()})
        return corpus


def _share_strings(obj, seen: set | None = None) -> None:
    """Make every string of a parsed document the interpreter's one copy of it (sys.intern),
    in place: a plan's id, kinds, chapter titles and breadcrumbs are repeated on every
    clause, as separate strings once read back from the parse cache (4.6 MB of the 18 MB
    that 100 plans take). The server loads the corpus once for all its workers, and each
    worker ends up copying what it touches: less to copy. Idempotent; equal strings only."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    fields = vars(obj) if hasattr(obj, "__dict__") else None
    if fields is None:
        return
    for name, value in list(fields.items()):
        fields[name] = _shared(value, seen)


def _shared(value, seen: set):
    kind = type(value)
    if kind is str:
        return sys.intern(value)
    if kind is list:
        value[:] = [_shared(v, seen) for v in value]
    elif kind is tuple:
        return tuple(_shared(v, seen) for v in value)
    elif kind is dict:
        items = [(_shared(k, seen), _shared(v, seen)) for k, v in value.items()]
        value.clear()
        value.update(items)
    elif hasattr(value, "__dataclass_fields__"):
        _share_strings(value, seen)
    return value


def _prune_parsed(cache_dir: Path, used: set[str]) -> None:
    """Keep the cache of parsed plans bounded: past twice the plans in use (and some to
    spare, for another corpus sharing the instance), the oldest unused ones go."""
    try:
        cached = list(cache_dir.glob("*.pickle"))
        if len(cached) <= 2 * len(used) + 32:
            return
        old = sorted((p for p in cached if p.stem not in used), key=lambda p: p.stat().st_mtime)
        for p in old[:len(cached) - len(used) - 32]:
            p.unlink(missing_ok=True)
    except OSError:  # another process pruned it first, or a read-only instance: only space
        pass
