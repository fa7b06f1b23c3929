"""Published plans in the office database, and the corpus folder each server serves from them.

Why the database: with several app servers on one PostgreSQL, a plan published through
one of them must reach the others, and an administrator must be able to say who
published what, when, and what it replaced. So a publication is one row of the
``plans`` table (office/db.py, migration 0004): the raw file's bytes, the sidecar with
the review's corrections, the canonical Markdown, the reader's text copy, who and when;
a removal is a row too. Rows are never changed: the row id is the plan's version, the
newest row of a document id says what is served, and ``count:max(id)`` of the table
(with the newest row's time) is a stamp that changes with every publication or removal on any server (a count as well
as the maximum, so a PostgreSQL transaction that took an id earlier but committed later
is still noticed).

Why a folder: the search index, the graph and every page read a corpus folder
(kb.corpus), and each server builds its own index. So each server *materialises* the
database's plans into ``<instance>/corpus``: every file of the bundled corpus (or the
``--corpus`` folder) linked in, each database plan written as its files (raw file,
sidecar, text copy, and the Markdown last, each to a temporary name and renamed, as
the import page always did). A database plan with the id of a bundled plan replaces it
(its Markdown and ``raw/<id>.*`` files are the database's, the bundled ones are not
linked); a removed plan's Markdown is left out, a bundled one of that id too. While the
database holds no plan at all the bundled folder is served as it is.

Plans that plankb before 0004 published into the corpus folder itself (the import page
wrote them there and recorded "plan.publish" in the audit trail) are imported once, on
the first look after the upgrade: each such plan that has no row yet becomes one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select, text

from kb.atomic import atomic_write_bytes, atomic_write_text
from kb.filelock import exclusive
from office import db as dbm

log = logging.getLogger("plankb.published")

SERVED = "corpus"  # <instance>/corpus: the folder a server serves when the database has plans
STATE = "corpus.json"  # what that folder was made from (stamp, bundled folder, versions)
LOCK = "corpus.lock"
EMPTY = "0:0"
RAW_KINDS = ("pdf", "docx", "html", "txt")
ORIGINS = {"import": "导入规划页面", "cli": "命令行", "upgrade": "升级时从语料目录导入"}


class PlanStoreError(Exception):
    """A publication or removal refused; Chinese message, ``status`` for the web."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class PlanFiles:
    """One plan as files: what the ingest made of an uploaded file and its sidecar."""

    doc_id: str
    title: str
    markdown: str
    raw_name: str = ""  # under raw/, e.g. gd-x.pdf
    raw: bytes = b""
    sidecar: str = ""  # raw/<id>.toml
    text_name: str = ""  # e.g. raw/gd-x.pdf.txt, '' when the raw file is UTF-8 text
    text_copy: str = ""

    def files(self) -> dict[str, bytes]:
        """Path under the corpus → bytes, the Markdown last (its arrival publishes the plan)."""
        out: dict[str, bytes] = {}
        if self.raw_name:
            out[f"raw/{self.raw_name}"] = self.raw
        if self.sidecar:
            out[f"raw/{self.doc_id}.toml"] = self.sidecar.encode("utf-8")
        if self.text_name:
            out[self.text_name] = self.text_copy.encode("utf-8")
        out[f"{self.doc_id}.md"] = self.markdown.encode("utf-8")
        return out

    @classmethod
    def from_ingest(cls, result, raw_path: Path, sidecar: str = "") -> "PlanFiles":
        title = result.state.config["document"].get("title") or result.state.title or result.doc_id
        name, text_copy = result.text_copy or ("", "")
        return cls(result.doc_id, str(title), result.markdown, raw_name=f"{result.doc_id}{_suffix(raw_path)}",
                   raw=Path(raw_path).read_bytes(), sidecar=sidecar, text_name=name, text_copy=text_copy)


def _suffix(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    return suffix if suffix[1:] in RAW_KINDS else ".txt"


def _label(row) -> str:
    return f"第{row.id}版《{row.title}》" if row is not None else ""


class PlanStore:
    """The ``plans`` table: publish, remove, read; every write with its audit row."""

    def __init__(self, database):
        self.db = database

    def stamp(self) -> str:
        """``count:max(id)`` and when the newest row was written (so a database restored
        from a backup and published to again is not mistaken for the one before)."""
        p = dbm.plans
        newest = select(p.c.at).where(p.c.id == select(func.max(p.c.id)).scalar_subquery()).scalar_subquery()
        with self.db.tx(write=False) as conn:
            n, top, at = conn.execute(select(func.count(), func.max(p.c.id), newest)).one()
        return f"{n}:{top or 0}" + (f":{at}" if at else "")

    def current(self, conn=None) -> dict:
        """doc_id → its newest row (without the raw bytes), removals included."""
        p = dbm.plans
        newest = select(p.c.doc_id, func.max(p.c.id).label("id")).group_by(p.c.doc_id).subquery()
        q = select(p.c.id, p.c.doc_id, p.c.action, p.c.title, p.c.raw_name, p.c.text_name, p.c.who, p.c.at,
                   p.c.origin, (p.c.sidecar != "").label("has_sidecar")).join(newest, newest.c.id == p.c.id)
        if conn is not None:
            return {r.doc_id: r for r in conn.execute(q)}
        with self.db.tx(write=False) as conn:
            return {r.doc_id: r for r in conn.execute(q)}

    def published(self) -> list:
        """The plans served from the database now, newest first."""
        return sorted((r for r in self.current().values() if r.action == "publish"), key=lambda r: -r.id)

    def history(self, doc_id: str) -> list:
        p = dbm.plans
        with self.db.tx(write=False) as conn:
            return list(conn.execute(select(p.c.id, p.c.action, p.c.title, p.c.who, p.c.at, p.c.origin)
                                     .where(p.c.doc_id == doc_id).order_by(p.c.id)))

    def plan(self, version: int) -> PlanFiles:
        with self.db.tx(write=False) as conn:
            r = conn.execute(select(dbm.plans).where(dbm.plans.c.id == int(version))).one()
        return PlanFiles(r.doc_id, r.title, r.markdown, r.raw_name, bytes(r.raw or b""), r.sidecar,
                         r.text_name, r.text_copy)

    def _lock(self, conn) -> None:
        """One publication at a time across every server (SQLite: BEGIN IMMEDIATE already)."""
        if not self.db.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(72710614)"))

    def publish(self, plan: PlanFiles, *, origin: str = "import", replace: bool = False,
                bundled: dict | None = None) -> int:
        """Store a plan; returns its version. A plan of that id already served (from the
        database, or ``bundled``: id → title of the bundled corpus) is refused unless
        ``replace``; a replacement is audited with the old version and the new."""
        from office.audit import current_actor, record

        p = dbm.plans
        with self.db.tx(write=True) as conn:
            self._lock(conn)
            old = self.current(conn).get(plan.doc_id)
            if origin == "upgrade" and old is not None:  # another process imported it meanwhile
                return old.id
            live = old is not None and old.action == "publish"
            in_bundle = (bundled or {}).get(plan.doc_id) if (old is None) else None
            if (live or in_bundle is not None) and not replace:
                raise PlanStoreError(f"已有编号为“{plan.doc_id}”的规划：请换一个文档编号，或明确替换它。", 409)
            version = conn.execute(insert(p).values(
                doc_id=plan.doc_id, action="publish", title=plan.title, markdown=plan.markdown,
                raw_name=plan.raw_name, raw=plan.raw, sidecar=plan.sidecar, text_name=plan.text_name,
                text_copy=plan.text_copy, who=current_actor().name, at=dbm.now(), origin=origin)
            ).inserted_primary_key[0]
            new = f"第{version}版《{plan.title}》"
            if live:
                record(conn, "plan.replace", subject=plan.doc_id, field="version", old=_label(old), new=new)
            elif in_bundle is not None:
                record(conn, "plan.replace", subject=plan.doc_id, field="version", old=f"随包规划《{in_bundle}》",
                       new=new)
            else:
                record(conn, "plan.import" if origin == "upgrade" else "plan.publish", subject=plan.doc_id,
                       field="version", new=new)
        return version

    def remove(self, doc_id: str, *, bundled: dict | None = None) -> int:
        """Take a plan out of every server's corpus (a bundled one of that id too)."""
        from office.audit import current_actor, record

        with self.db.tx(write=True) as conn:
            self._lock(conn)
            old = self.current(conn).get(doc_id)
            live = old is not None and old.action == "publish"
            in_bundle = (bundled or {}).get(doc_id) if old is None else None
            if not live and in_bundle is None:
                raise PlanStoreError(f"没有编号为“{doc_id}”的规划。", 404)
            version = conn.execute(insert(dbm.plans).values(
                doc_id=doc_id, action="remove", title=old.title if live else in_bundle, who=current_actor().name,
                at=dbm.now(), origin="")).inserted_primary_key[0]
            record(conn, "plan.remove", subject=doc_id, field="version",
                   old=_label(old) if live else f"随包规划《{in_bundle}》", new="")
        return version

    def legacy(self, base: Path) -> list[str]:
        """Plans an older plankb published into the corpus folder ``base`` (recorded as
        "plan.publish" in the trail, Markdown still there) that have no row yet: imported,
        each with who and when of its last publication. Returns their ids."""
        a = dbm.audit
        with self.db.tx(write=False) as conn:
            seen = {r.subject: r for r in conn.execute(
                select(a.c.subject, a.c.actor, a.c.at).where(a.c.action == "plan.publish").order_by(a.c.id))}
            known = set(conn.execute(select(dbm.plans.c.doc_id).distinct()).scalars())
        done = []
        for doc_id, r in seen.items():
            md = Path(base) / f"{doc_id}.md"
            if doc_id in known or not doc_id or "/" in doc_id or not md.is_file():
                continue
            plan = _plan_in_folder(Path(base), doc_id)
            from office.audit import Actor, acting_as

            with acting_as(Actor(r.actor)):
                try:
                    self.publish(plan, origin="upgrade", replace=True)
                except PlanStoreError:
                    continue
            done.append(doc_id)
        return done


def _plan_in_folder(base: Path, doc_id: str) -> PlanFiles:
    """A plan's files as an older plankb left them in a corpus folder."""
    from kb.parse import parse_document

    markdown = (base / f"{doc_id}.md").read_text(encoding="utf-8")
    try:
        title = parse_document(markdown, path=base / f"{doc_id}.md").title or doc_id
    except Exception:  # noqa: BLE001 — a plan that no longer parses keeps its text; its id names it
        title = doc_id
    plan = PlanFiles(doc_id, title, markdown)
    for f in sorted((base / "raw").glob(f"{doc_id}.*")):
        rest = f.name[len(doc_id) + 1:]
        if rest == "toml":
            plan.sidecar = f.read_text(encoding="utf-8")
        elif rest in RAW_KINDS:
            plan.raw_name, plan.raw = f.name, f.read_bytes()
        elif rest.endswith(".txt"):  # the reader's text copy, raw/<id>.<kind>.txt
            plan.text_name, plan.text_copy = f"raw/{f.name}", f.read_text(encoding="utf-8")
    return plan


# -- the served folder -----------------------------------------------------------------------

def bundled_ids(base: Path | str) -> dict:
    """id → title (the file name here: cheap) of the plans in the bundled corpus folder."""
    return {p.stem: p.stem for p in Path(base).glob("*.md") if p.name.upper() != "README.MD"}


def _scan(base: Path) -> list[tuple[str, str, str]]:
    """(path under ``base``, full path, "mtime:size") of every file of the bundled folder,
    hidden names left out; one stat per file (os.scandir), as this runs once a second."""
    out = []
    stack = [("", str(base))]
    while stack:
        rel, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            r = f"{rel}{e.name}"
            try:
                if e.is_dir():
                    stack.append((r + "/", e.path))
                    continue
                st = e.stat()
                stamp = f"{st.st_mtime_ns}:{st.st_size}"
            except OSError:  # a dangling link: linked as it is, its plan left out when loading
                stamp = "missing"
            out.append((r, e.path, stamp))
    return sorted(out)


def base_version(base: Path) -> str:
    """Names, sizes and mtimes of every file of the bundled folder (raw/ too): cheap."""
    h = hashlib.sha256()
    for rel, _, stamp in _scan(base):
        h.update(f"{rel}\0{stamp}\0".encode())
    return h.hexdigest()[:16]


def _read_state(instance: Path) -> dict:
    try:
        return json.loads((instance / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


_legacy_done: set = set()
_legacy_lock = threading.Lock()


def sync(database, base, instance) -> Path:
    """The corpus folder this server should serve, brought up to date with the database:
    ``base`` itself while the database holds no plan, else ``<instance>/corpus``.
    Cheap when nothing changed (one query and a walk of file times); several processes
    on one instance take turns (a lock in the instance)."""
    base = Path(base).resolve()
    instance = Path(instance)
    store = PlanStore(database)
    key = (database.url, str(base))
    if key not in _legacy_done:
        with _legacy_lock:
            if key not in _legacy_done:
                if base.is_dir():
                    imported = store.legacy(base)
                    if imported:
                        log.info("imported plans published by an older plankb: %s", ", ".join(imported))
                _legacy_done.add(key)
    stamp = store.stamp()
    if stamp == EMPTY:
        return base
    target = instance / SERVED
    want = {"stamp": stamp, "base": str(base), "base_version": base_version(base)}
    state = _read_state(instance)
    if target.is_dir() and all(state.get(k) == v for k, v in want.items()):
        return target
    instance.mkdir(parents=True, exist_ok=True)
    with exclusive(instance / LOCK):
        state = _read_state(instance)
        if target.is_dir() and all(state.get(k) == v for k, v in want.items()):
            return target  # another process of this instance did it meanwhile
        versions = materialise(store, base, target, state.get("plans") if state.get("base") == str(base) else None)
        atomic_write_text(instance / STATE, json.dumps({**want, "plans": versions}, ensure_ascii=False))
    return target


def materialise(store: PlanStore, base: Path, target: Path, had: dict | None = None) -> dict:
    """Make ``target`` read as the bundled corpus plus the database's plans. ``had``: the
    version of each plan the folder already holds (those files are not written again).
    Returns the versions it holds now."""
    had = dict(had or {})
    desired: dict[str, tuple] = {}
    for rel, path, _ in _scan(base):
        desired[rel] = ("link", path)
    current = store.current()
    for doc_id, row in current.items():
        for rel in [r for r in desired if r == f"{doc_id}.md" or r.startswith(f"raw/{doc_id}.")]:
            del desired[rel]
        if row.action != "publish":
            continue
        rels = [f"{doc_id}.md"]
        if row.raw_name:
            rels.append(f"raw/{row.raw_name}")
        if row.has_sidecar:
            rels.append(f"raw/{doc_id}.toml")
        if row.text_name:
            rels.append(row.text_name)
        for rel in rels:
            desired[rel] = ("db", doc_id, row.id)
    target.mkdir(parents=True, exist_ok=True)
    existing = {p.relative_to(target).as_posix(): p for p in target.rglob("*") if p.is_file() or p.is_symlink()}
    data: dict[str, dict[str, bytes]] = {}

    def place(rel: str, how: tuple) -> None:
        dst = target / rel
        if how[0] == "link":
            if dst.is_symlink() and os.readlink(dst) == how[1]:
                return
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.tmp")
            os.symlink(how[1], tmp)
            os.replace(tmp, dst)
            return
        doc_id, version = how[1], how[2]
        if had.get(doc_id) == version and dst.is_file() and not dst.is_symlink():
            return
        if doc_id not in data:
            data[doc_id] = store.plan(version).files()
        dst.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(dst, data[doc_id][rel])

    order = sorted(desired, key=lambda rel: (rel.endswith(".md") and "/" not in rel, rel))  # Markdown last
    for rel in order:
        place(rel, desired[rel])
    gone = sorted((rel for rel in existing if rel not in desired), key=lambda rel: not rel.endswith(".md"))
    for rel in gone:  # Markdown first: a plan leaves before its files do
        try:
            existing[rel].unlink()
        except FileNotFoundError:
            pass
    return {doc_id: row.id for doc_id, row in current.items() if row.action == "publish"}


def served_ids(database, base) -> set[str]:
    """The plan ids a server serves: the bundled ones and the database's, less removals."""
    ids = set(bundled_ids(base))
    for doc_id, row in PlanStore(database).current().items():
        if row.action == "publish":
            ids.add(doc_id)
        else:
            ids.discard(doc_id)
    return ids
