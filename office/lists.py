"""Task lists (清单): named, ordered selections of clauses with per-item assignments.

Staff build a list from search results, a chapter, a box or a trace, then fill in who
leads, who supports, by when, and notes, and export it as a 任务分解表. Several
browsers (or a browser and the CLI) may edit the same list at once, so:

- every operation is one short SQLite transaction (WAL, ``BEGIN IMMEDIATE``,
  ``busy_timeout``) on the calling thread's own connection, so threads and processes
  never share a connection, and one store object can serve a whole threaded app;
- item edits are optimistic: the caller passes the ``version`` it last saw. Each field
  remembers the item version that last changed it, so an edit is refused with
  :class:`ConflictError` only when *the fields it touches* changed since that version.
  Two people editing different fields (or different items) both keep their work; two
  people editing the same field never overwrite each other silently;
- adding items is idempotent (duplicates are ignored, order kept), and a reorder that
  misses items someone else just added keeps them at the end instead of dropping them.

The file is ``instance_dir / "plankb.sqlite3"``; nothing a user types becomes a path.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Optional

from office.errors import database_reason

DB_NAME = "plankb.sqlite3"
SCHEMA_VERSION = 1

NAME_MAX = 64
TITLE_MAX = 200
ITEMS_MAX = 5000  # per list: far above any real 任务分解表, low enough to stop abuse
FIELDS = {  # editable item field -> (Chinese label, max length)
    "lead_unit": ("牵头单位", 500),
    "support_units": ("配合单位", 1000),
    "deadline": ("完成时限", 100),
    "note": ("备注", 2000),
}
MULTILINE = {"support_units", "note"}  # one 配合单位 a line is how long lists are written
_CLAUSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}:[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS items (
    id              INTEGER PRIMARY KEY,
    list_id         INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    clause_id       TEXT NOT NULL,
    position        INTEGER NOT NULL,
    lead_unit       TEXT NOT NULL DEFAULT '',
    support_units   TEXT NOT NULL DEFAULT '',
    deadline        TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    lead_unit_v     INTEGER NOT NULL DEFAULT 0,
    support_units_v INTEGER NOT NULL DEFAULT 0,
    deadline_v      INTEGER NOT NULL DEFAULT 0,
    note_v          INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (list_id, clause_id)
);
CREATE INDEX IF NOT EXISTS items_by_position ON items (list_id, position);
"""


class ListError(Exception):
    """A request the store refuses; ``str()`` is a Chinese sentence fit to show a user."""

    status = 400


class ValidationError(ListError):
    status = 400


class NotFoundError(ListError):
    status = 404


class DuplicateNameError(ListError):
    status = 409


class StoreUnavailable(ListError):
    """The database file is busy, damaged or unreadable: nothing the request can change."""

    status = 503


def _db_error(e: sqlite3.DatabaseError, path) -> StoreUnavailable:
    return StoreUnavailable(database_reason(e, path))


MAX_ID = 2 ** 63 - 1  # SQLite's INTEGER range


def _whole(value, what: str, minimum: int) -> int:
    """An integer as JSON or a form sends it: an int (not a bool, not 1.5) or ASCII digits."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationError(f"{what}必须是整数。")
    if isinstance(value, str):
        v = value.strip()
        if not (v.isascii() and v.lstrip("-").isdigit()):
            raise ValidationError(f"{what}必须是整数。")
        value = int(v)
    if not minimum <= value <= MAX_ID:
        raise ValidationError(f"{what}超出范围。" if value > MAX_ID else f"{what}必须不小于 {minimum}。")
    return value


class ConflictError(ListError):
    """Someone else changed what this edit touches since the caller read it.

    ``current`` is the item (or list) as it is now, ``fields`` the fields in conflict,
    so the page can show both values and let the user choose.
    """

    status = 409

    def __init__(self, message: str, current, fields: Iterable[str] = ()):
        super().__init__(message)
        self.current = current
        self.fields = list(fields)


@dataclass
class TaskList:
    id: int
    name: str
    title: str
    created_at: str
    updated_at: str
    version: int
    item_count: int = 0

    @property
    def display_title(self) -> str:
        return self.title or self.name

    def to_json(self) -> dict:
        d = asdict(self)
        d["display_title"] = self.display_title
        return d


@dataclass
class Item:
    id: int
    list_id: int
    clause_id: str
    position: int
    lead_unit: str
    support_units: str
    deadline: str
    note: str
    version: int
    created_at: str
    updated_at: str

    def fields(self) -> dict:
        return {f: getattr(self, f) for f in FIELDS}

    def to_json(self) -> dict:
        return asdict(self)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- cleaning what people type -----------------------------------------------------------
# Text enters the store from forms, JSON and the CLI, and leaves it in DOCX/XLSX files,
# whose XML 1.0 has no room for control characters, surrogates or U+FFFE/U+FFFF: one
# such character made every export of the list fail. And a name is how a person finds a
# list again, so characters nobody can see (U+200B, U+FEFF, bidi overrides) must not
# make two lists that look alike.

_INVISIBLE = {"Cf"}  # format characters: zero-width spaces and joiners, BOM, bidi controls


def _noncharacter(ch: str) -> bool:
    """U+FFFE, U+FFFF and their kin in every plane, and U+FDD0–U+FDEF: never text."""
    cp = ord(ch)
    return (cp & 0xFFFE) == 0xFFFE or 0xFDD0 <= cp <= 0xFDEF


def strip_invisible(value: str) -> str:
    """Drop noncharacters and invisible format characters, which arrive in pasted text
    (a BOM at the start of a line copied from a file, a zero-width space from a web page)
    and mean nothing to a reader; what remains is what the person sees."""
    return "".join(ch for ch in value
                   if not _noncharacter(ch) and unicodedata.category(ch) not in _INVISIBLE)


def refuse_unwritable(value: str, label: str, multiline: bool) -> None:
    """Control characters and lone surrogates cannot be stored or exported; unlike the
    invisible ones they may hide a mistake (a pasted binary, a broken encoding), so the
    person is asked to remove them rather than having text silently changed."""
    if any(unicodedata.category(ch) == "Cs" for ch in value):
        raise ValidationError(f"{label}含有无效的字符编码，请删除后重试。")
    bad = [ch for ch in value if unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\t")]
    if bad:
        raise ValidationError(f"{label}含有控制字符，请删除后重试。")


def _clean(value, label: str, limit: int, *, required: bool = False, multiline: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{label}必须是文本。")
    # a browser submits a textarea's line breaks as CRLF: one line break, not a control character
    value = value.replace("\r\n", "\n")
    refuse_unwritable(value, label, multiline)
    value = unicodedata.normalize("NFC", strip_invisible(value)).strip()
    if required and not value:
        raise ValidationError(f"{label}不能为空。")
    if len(value) > limit:
        raise ValidationError(f"{label}过长（{len(value)} 字，最多 {limit} 字）。")
    return value


def clean_name(name) -> str:
    """A list name as stored and compared: trimmed, NFC, one line, 1–64 characters, and
    without invisible characters, so “重点任务” with a zero-width space inside is “重点任务”."""
    name = _clean(name, "清单名称", NAME_MAX, required=True)
    return re.sub(r"\s+", " ", name)


def check_clause_id(clause_id) -> str:
    if not isinstance(clause_id, str) or not _CLAUSE_ID.match(clause_id.strip()):
        raise ValidationError(f"条款编号格式不正确：{str(clause_id)[:80]!s}（应如 gd-ip-14fyp:3.2.p4）。")
    return clause_id.strip()


class ListStore:
    """The lists of one instance folder. Cheap to create; safe to share across threads."""

    def __init__(self, db_path: str | Path, *, timeout: float = 10.0):
        self.path = Path(db_path)
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    @classmethod
    def for_instance(cls, instance_dir: str | Path) -> "ListStore":
        return cls(Path(instance_dir) / DB_NAME)

    # -- plumbing -----------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as e:
            raise _db_error(e, self.path) from None
        return conn

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, kept open: closing the last connection to a WAL
        database checkpoints and deletes the WAL, which made every edit cost an fsync.
        A forked child never reuses its parent's connection."""
        local = self._local
        if getattr(local, "conn", None) is None or local.pid != os.getpid():
            local.conn, local.pid = self._connect(), os.getpid()
        return local.conn

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.DatabaseError as e:
            raise _db_error(e, self.path) from None
        try:
            yield conn
        except BaseException as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.DatabaseError):
                raise _db_error(e, self.path) from None
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise _db_error(e, self.path) from None

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    def _migrate(self) -> None:
        conn = self._connect()
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # e.g. a network drive: still correct, just slower
                conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("BEGIN IMMEDIATE")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.execute("ROLLBACK")
                raise ListError(f"清单数据库 {self.path.name} 来自更新的 plankb 版本（结构版本 {version}），请升级 plankb。")
            if version < SCHEMA_VERSION:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            raise _db_error(e, self.path) from None
        finally:
            conn.close()

    @staticmethod
    def _list_row(conn, row) -> TaskList:
        n = conn.execute("SELECT COUNT(*) FROM items WHERE list_id = ?", (row["id"],)).fetchone()[0]
        return TaskList(row["id"], row["name"], row["title"], row["created_at"], row["updated_at"],
                        row["version"], n)

    @staticmethod
    def _item_row(row) -> Item:
        return Item(row["id"], row["list_id"], row["clause_id"], row["position"], row["lead_unit"],
                    row["support_units"], row["deadline"], row["note"], row["version"],
                    row["created_at"], row["updated_at"])

    def _get_list(self, conn, list_id) -> TaskList:
        row = conn.execute("SELECT * FROM lists WHERE id = ?", (self._int(list_id, "清单"),)).fetchone()
        if row is None:
            raise NotFoundError(f"清单不存在（编号 {list_id}），可能已被删除。")
        return self._list_row(conn, row)

    def _get_item(self, conn, item_id) -> Item:
        row = conn.execute("SELECT * FROM items WHERE id = ?", (self._int(item_id, "条目"),)).fetchone()
        if row is None:
            raise NotFoundError(f"清单条目不存在（编号 {item_id}），可能已被移除。")
        return self._item_row(row)

    @staticmethod
    def _int(value, label: str) -> int:
        return _whole(value, f"{label}编号", 1)

    def _touch(self, conn, list_id: int, bump: bool) -> None:
        conn.execute("UPDATE lists SET updated_at = ?, version = version + ? WHERE id = ?",
                     (_now(), 1 if bump else 0, list_id))

    @staticmethod
    def _version(value) -> int:
        return _whole(value, "版本号", 0)

    @classmethod
    def _check_list_version(cls, current: TaskList, expected_version) -> None:
        if expected_version is not None and cls._version(expected_version) != current.version:
            raise ConflictError(f"清单“{current.name}”已被他人修改，请刷新后再试。", current, ["version"])

    # -- lists --------------------------------------------------------------------

    def create_list(self, name, title: str = "") -> TaskList:
        name = clean_name(name)
        title = _clean(title, "清单标题", TITLE_MAX)
        now = _now()
        with self._tx() as conn:
            try:
                cur = conn.execute("INSERT INTO lists (name, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
                                   (name, title, now, now))
            except sqlite3.IntegrityError:
                raise DuplicateNameError(f"已有名为“{name}”的清单，请换一个名称。") from None
            return self._get_list(conn, cur.lastrowid)

    def lists(self) -> list[TaskList]:
        with self._tx(write=False) as conn:
            rows = conn.execute(
                "SELECT l.*, (SELECT COUNT(*) FROM items i WHERE i.list_id = l.id) AS n "
                "FROM lists l ORDER BY l.updated_at DESC, l.id DESC").fetchall()
            return [TaskList(r["id"], r["name"], r["title"], r["created_at"], r["updated_at"],
                             r["version"], r["n"]) for r in rows]

    def get_list(self, list_id) -> TaskList:
        with self._tx(write=False) as conn:
            return self._get_list(conn, list_id)

    def find_list(self, name) -> Optional[TaskList]:
        """The list with this name, or None (names compare after the same cleaning as on save)."""
        try:
            name = clean_name(name)
        except ValidationError:
            return None
        with self._tx(write=False) as conn:
            row = conn.execute("SELECT * FROM lists WHERE name = ?", (name,)).fetchone()
            return self._list_row(conn, row) if row else None

    def rename_list(self, list_id, name=None, title=None, *, expected_version=None) -> TaskList:
        with self._tx() as conn:
            current = self._get_list(conn, list_id)
            self._check_list_version(current, expected_version)
            new_name = current.name if name is None else clean_name(name)
            new_title = current.title if title is None else _clean(title, "清单标题", TITLE_MAX)
            if (new_name, new_title) == (current.name, current.title):
                return current
            try:
                conn.execute("UPDATE lists SET name = ?, title = ? WHERE id = ?", (new_name, new_title, current.id))
            except sqlite3.IntegrityError:
                raise DuplicateNameError(f"已有名为“{new_name}”的清单，请换一个名称。") from None
            self._touch(conn, current.id, bump=True)
            return self._get_list(conn, current.id)

    def delete_list(self, list_id, *, expected_version=None) -> None:
        with self._tx() as conn:
            current = self._get_list(conn, list_id)
            self._check_list_version(current, expected_version)
            conn.execute("DELETE FROM lists WHERE id = ?", (current.id,))

    # -- items --------------------------------------------------------------------

    def items(self, list_id) -> list[Item]:
        with self._tx(write=False) as conn:
            self._get_list(conn, list_id)
            rows = conn.execute("SELECT * FROM items WHERE list_id = ? ORDER BY position, id",
                                (int(list_id),)).fetchall()
            return [self._item_row(r) for r in rows]

    def get_item(self, item_id) -> Item:
        with self._tx(write=False) as conn:
            return self._get_item(conn, item_id)

    def add_items(self, list_id, clause_ids: Iterable[str] | str, *, fields: Optional[dict] = None) -> list[Item]:
        """Append clauses in the given order; ones already in the list are skipped.

        Returns the items actually added. ``fields`` (e.g. suggested units) fill new items only.
        """
        if isinstance(clause_ids, str):
            clause_ids = [clause_ids]
        wanted = list(dict.fromkeys(check_clause_id(cid) for cid in clause_ids))
        values = self._clean_fields(fields or {})
        now = _now()
        with self._tx() as conn:
            current = self._get_list(conn, list_id)
            have = {r[0] for r in conn.execute("SELECT clause_id FROM items WHERE list_id = ?", (current.id,))}
            new = [c for c in wanted if c not in have]
            if not new:
                return []
            if current.item_count + len(new) > ITEMS_MAX:
                raise ValidationError(f"清单最多 {ITEMS_MAX} 条，当前 {current.item_count} 条，无法再添加 {len(new)} 条。")
            pos = conn.execute("SELECT COALESCE(MAX(position), -1) FROM items WHERE list_id = ?",
                               (current.id,)).fetchone()[0]
            added = []
            for cid in new:
                pos += 1
                cur = conn.execute(
                    "INSERT INTO items (list_id, clause_id, position, lead_unit, support_units, deadline, note,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (current.id, cid, pos, values.get("lead_unit", ""), values.get("support_units", ""),
                     values.get("deadline", ""), values.get("note", ""), now, now))
                added.append(cur.lastrowid)
            self._touch(conn, current.id, bump=True)
            return [self._get_item(conn, i) for i in added]

    def remove_items(self, list_id, item_ids: Iterable[int] | int) -> int:
        """Remove items (already-removed ones are fine: two browsers may both click 删除)."""
        if isinstance(item_ids, (int, str)):
            item_ids = [item_ids]
        ids = [self._int(i, "条目") for i in item_ids]
        with self._tx() as conn:
            current = self._get_list(conn, list_id)
            n = 0
            for i in ids:
                n += conn.execute("DELETE FROM items WHERE id = ? AND list_id = ?", (i, current.id)).rowcount
            if n:
                self._renumber(conn, current.id)
                self._touch(conn, current.id, bump=True)
            return n

    def _renumber(self, conn, list_id: int, order: Optional[list[int]] = None) -> None:
        if order is None:
            order = [r[0] for r in conn.execute(
                "SELECT id FROM items WHERE list_id = ? ORDER BY position, id", (list_id,))]
        conn.executemany("UPDATE items SET position = ? WHERE id = ?", [(p, i) for p, i in enumerate(order)])

    def reorder(self, list_id, item_ids: Iterable[int], *, expected_version=None) -> list[Item]:
        """Put items in this order. Items the caller did not know about (added meanwhile
        by someone else) keep their relative order after the ones given; ids no longer
        in the list are ignored, since they were removed meanwhile."""
        # dict.fromkeys, not list scans: a 1 MB request may name ~100,000 ids
        order = list(dict.fromkeys(self._int(i, "条目") for i in item_ids))
        with self._tx() as conn:
            current = self._get_list(conn, list_id)
            self._check_list_version(current, expected_version)
            existing = [r[0] for r in conn.execute(
                "SELECT id FROM items WHERE list_id = ? ORDER BY position, id", (current.id,))]
            present, given = set(existing), set(order)
            full = [i for i in order if i in present] + [i for i in existing if i not in given]
            if full != existing:
                self._renumber(conn, current.id, full)
                self._touch(conn, current.id, bump=True)
            rows = conn.execute("SELECT * FROM items WHERE list_id = ? ORDER BY position, id", (current.id,))
            return [self._item_row(r) for r in rows]

    def move_item(self, item_id, position: int) -> Item:
        """Move one item to a 0-based position (clamped to the list), shifting the rest."""
        with self._tx() as conn:
            item = self._get_item(conn, item_id)
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM items WHERE list_id = ? ORDER BY position, id", (item.list_id,))]
            try:
                position = int(position)
            except (TypeError, ValueError):
                raise ValidationError("目标位置必须是整数。") from None
            position = max(0, min(position, len(ids) - 1))
            ids.remove(item.id)
            ids.insert(position, item.id)
            self._renumber(conn, item.list_id, ids)
            self._touch(conn, item.list_id, bump=True)
            return self._get_item(conn, item.id)

    @staticmethod
    def _clean_fields(fields: dict) -> dict:
        out = {}
        for key, value in fields.items():
            if key not in FIELDS:
                raise ValidationError(f"未知的字段：{str(key)[:40]}（可编辑：牵头单位、配合单位、完成时限、备注）。")
            label, limit = FIELDS[key]
            out[key] = _clean(value, label, limit, multiline=key in MULTILINE)
        return out

    def update_item(self, item_id, expected_version, **fields) -> Item:
        """Set some of lead_unit / support_units / deadline / note.

        ``expected_version`` is the item version the caller's values were based on. A
        field changed by someone else after that version (to a different value than
        this edit sets) makes the whole edit fail with ConflictError; fields nobody
        else touched are merged, so concurrent edits of different fields both survive.
        """
        values = self._clean_fields(fields)
        if expected_version is None:
            raise ValidationError("缺少版本号：请刷新页面后再编辑。")
        expected = self._version(expected_version)
        with self._tx() as conn:
            row = conn.execute("SELECT * FROM items WHERE id = ?", (self._int(item_id, "条目"),)).fetchone()
            if row is None:
                raise NotFoundError(f"清单条目不存在（编号 {item_id}），可能已被他人移除。")
            item = self._item_row(row)
            if expected > item.version:
                raise ValidationError("版本号比当前还新，请刷新页面后再编辑。")
            changed = {k: v for k, v in values.items() if row[k] != v}
            stale = [k for k in changed if row[f"{k}_v"] > expected]
            if stale:
                labels = "、".join(FIELDS[k][0] for k in stale)
                raise ConflictError(f"{labels}已被他人修改，请核对后再保存。", item, stale)
            if not changed:
                return item
            new_version = item.version + 1
            sets = ", ".join(f"{k} = ?, {k}_v = ?" for k in changed)
            params = [x for k, v in changed.items() for x in (v, new_version)]
            now = _now()
            conn.execute(f"UPDATE items SET {sets}, version = ?, updated_at = ? WHERE id = ?",
                         (*params, new_version, now, item.id))
            self._touch(conn, item.list_id, bump=False)
            return self._get_item(conn, item.id)
