"""Task lists (清单): named, ordered selections of clauses with per-item assignments.

Staff build a list from search results, a chapter, a box or a trace, then fill in who
leads, who supports, by when, and notes, and export it as a 任务分解表. Several
browsers, the CLI, or several app servers on one PostgreSQL may edit the same list at
once, so:

- every operation is one short transaction of the office database (office.db: SQLite
  in the instance folder, or PostgreSQL); one store object serves a whole threaded app;
- item edits are optimistic: the caller passes the ``version`` it last saw. Each field
  remembers the item version that last changed it, so an edit is refused with
  :class:`ConflictError` only when *the fields it touches* changed since that version.
  Two people editing different fields (or different items) both keep their work; two
  people editing the same field never overwrite each other silently;
- adding items is idempotent (duplicates are ignored, order kept), and a reorder that
  misses items someone else just added keeps them at the end instead of dropping them;
- every write records who did it and what changed, old → new (office.audit), in the
  same transaction; an editor limited to their unit may only change that unit's lists.

The SQLite file is ``instance_dir / "plankb.sqlite3"``; nothing a user types becomes a path.
"""
from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator, Optional

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from office import audit
from office import db as dbm
from office.db import DB_NAME, Database, database_url, sqlite_url  # noqa: F401 — DB_NAME importable from here as before
from office.errors import (  # noqa: F401 — the store's refusals, importable from here as before
    ConflictError,
    DuplicateNameError,
    ForbiddenError,
    ListError,
    NotFoundError,
    StoreUnavailable,
    ValidationError,
)

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
STATUSES = ("未启动", "推进中", "已完成", "滞后", "已调整")  # a task's 完成状态, in this order everywhere
PROGRESS_MAX = 2000
_CLAUSE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}:[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")

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


@dataclass
class TaskList:
    id: int
    name: str
    title: str
    created_at: str
    updated_at: str
    version: int
    item_count: int = 0
    unit: str = ""  # the unit that owns the list (set from its creator's unit)

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
    status: str = ""  # one of STATUSES, or '' when nobody has set it (migration 0003)
    progress: str = ""  # its progress entries as text, filled by ListStore.tracked_items only

    def fields(self) -> dict:
        return {f: getattr(self, f) for f in FIELDS}

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Progress:
    """One dated progress entry of a list item: what was done (on_date), written by whom."""

    id: int
    item_id: int
    list_id: int
    on_date: str  # YYYY-MM-DD
    text: str
    who: str
    created_at: str

    def to_json(self) -> dict:
        return asdict(self)


_now = dbm.now


def check_status(value) -> str:
    """A 完成状态 as stored: one of STATUSES, or '' to clear it."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("完成状态必须是文本。")
    value = value.strip()
    if value and value not in STATUSES:
        raise ValidationError(f"未知的完成状态：{value[:20]}（可选：{'、'.join(STATUSES)}）。")
    return value


def check_date(value) -> str:
    """A progress date as YYYY-MM-DD (today, in the office's zone, when empty)."""
    from datetime import date, datetime

    from office.localtime import zone

    if value is None or (isinstance(value, str) and not value.strip()):
        return datetime.now(zone()).date().isoformat()
    if not isinstance(value, str):
        raise ValidationError("日期必须是文本，如 2025-06-30。")
    text = unicodedata.normalize("NFKC", value).strip().replace("/", "-").replace(".", "-")
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(f"日期格式不正确：{value[:20]}（应如 2025-06-30）。")
    if not 2000 <= day.year <= 2100:
        raise ValidationError(f"日期超出范围：{value[:20]}。")
    return day.isoformat()


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


def _may_write(tl: Optional[TaskList] = None) -> None:
    """The acting account may change this list (or create one): not a viewer, and an
    editor limited to their unit only touches that unit's lists."""
    actor = audit.current_actor()
    if not actor.may_write():
        raise ForbiddenError("只读账号不能修改清单（提示：请管理员授予“编辑”角色）。")
    if tl is not None and actor.role == "editor" and actor.own_unit_only and tl.unit != actor.unit:
        owner = f"属于“{tl.unit}”" if tl.unit else "未指定单位"
        raise ForbiddenError(f"您只能修改本单位（{actor.unit or '未指定'}）的清单；清单“{tl.name}”{owner}。")


class ListStore:
    """The lists of one instance folder (or one PostgreSQL). Cheap to create; safe to
    share across threads."""

    def __init__(self, db_path: str | Path | None = None, *, timeout: float = 10.0,
                 database: Optional[Database] = None):
        if database is None:
            url = str(db_path)
            database = Database(url if "://" in url else sqlite_url(db_path), timeout=timeout)
        self.db = database
        self.path = database.path  # the SQLite file, or None on PostgreSQL
        self.timeout = timeout
        self.db.migrate()

    @classmethod
    def for_instance(cls, instance_dir: str | Path, *, timeout: float = 10.0) -> "ListStore":
        """The instance's store: PLANKB_DATABASE_URL if set, else its SQLite file."""
        return cls(database=Database(database_url(instance_dir), timeout=timeout), timeout=timeout)

    # -- plumbing -----------------------------------------------------------------

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator:
        with self.db.tx(write) as conn:
            yield conn

    def close(self) -> None:
        """Close the pooled connections."""
        self.db.close()

    _L, _I = dbm.lists, dbm.items

    def _count(self, conn, list_id: int) -> int:
        return conn.execute(select(func.count()).select_from(self._I).where(self._I.c.list_id == list_id)).scalar()

    def _list_row(self, conn, row) -> TaskList:
        m = row._mapping
        return TaskList(m["id"], m["name"], m["title"], m["created_at"], m["updated_at"], m["version"],
                        self._count(conn, m["id"]), m["unit"])

    @staticmethod
    def _item_row(row) -> Item:
        m = row._mapping
        return Item(m["id"], m["list_id"], m["clause_id"], m["position"], m["lead_unit"], m["support_units"],
                    m["deadline"], m["note"], m["version"], m["created_at"], m["updated_at"], m["status"])

    def _get_list(self, conn, list_id, lock: bool = False) -> TaskList:
        q = select(self._L).where(self._L.c.id == self._int(list_id, "清单"))
        row = conn.execute(q.with_for_update() if lock else q).first()
        if row is None:
            raise NotFoundError(f"清单不存在（编号 {list_id}），可能已被删除。")
        return self._list_row(conn, row)

    def _get_item(self, conn, item_id, lock: bool = False) -> Item:
        q = select(self._I).where(self._I.c.id == self._int(item_id, "条目"))
        row = conn.execute(q.with_for_update() if lock else q).first()
        if row is None:
            raise NotFoundError(f"清单条目不存在（编号 {item_id}），可能已被移除。")
        return self._item_row(row)

    def _writable_list(self, conn, list_id) -> TaskList:
        """The list, locked for this transaction (PostgreSQL: other servers wait), after
        checking the actor may change it. Lists are always locked before their items,
        so two writers never wait on each other in a circle."""
        tl = self._get_list(conn, list_id, lock=True)
        _may_write(tl)
        return tl

    def _ordered_ids(self, conn, list_id: int) -> list[int]:
        return [r[0] for r in conn.execute(select(self._I.c.id).where(self._I.c.list_id == list_id)
                                           .order_by(self._I.c.position, self._I.c.id))]

    @staticmethod
    def _int(value, label: str) -> int:
        return _whole(value, f"{label}编号", 1)

    def _touch(self, conn, list_id: int, bump: bool) -> None:
        conn.execute(update(self._L).where(self._L.c.id == list_id)
                     .values(updated_at=_now(), version=self._L.c.version + (1 if bump else 0)))

    @staticmethod
    def _version(value) -> int:
        return _whole(value, "版本号", 0)

    @classmethod
    def _check_list_version(cls, current: TaskList, expected_version) -> None:
        if expected_version is not None and cls._version(expected_version) != current.version:
            raise ConflictError(f"清单“{current.name}”已被他人修改，请刷新后再试。", current, ["version"])

    def _duplicate(self, name: str) -> DuplicateNameError:
        return DuplicateNameError(f"已有名为“{name}”的清单，请换一个名称。")

    # -- lists --------------------------------------------------------------------

    def create_list(self, name, title: str = "") -> TaskList:
        name = clean_name(name)
        title = _clean(title, "清单标题", TITLE_MAX)
        _may_write()
        now = _now()
        with self._tx() as conn:
            if conn.execute(select(self._L.c.id).where(self._L.c.name == name)).first():
                raise self._duplicate(name)  # checked first: PostgreSQL aborts a transaction on a failed INSERT
            try:
                new_id = conn.execute(insert(self._L).values(
                    name=name, title=title, created_at=now, updated_at=now,
                    unit=audit.current_actor().unit).returning(self._L.c.id)).scalar()
            except IntegrityError:  # created by someone else between the check and the insert
                raise self._duplicate(name) from None
            audit.record(conn, "list.create", list_id=new_id, subject=name, field="name", new=name)
            if title:
                audit.record(conn, "list.create", list_id=new_id, subject=name, field="title", new=title)
            return self._get_list(conn, new_id)

    def lists(self) -> list[TaskList]:
        n = (select(func.count()).select_from(self._I).where(self._I.c.list_id == self._L.c.id)
             .scalar_subquery().label("n"))
        with self._tx(write=False) as conn:
            rows = conn.execute(select(self._L, n).order_by(self._L.c.updated_at.desc(), self._L.c.id.desc()))
            return [TaskList(r.id, r.name, r.title, r.created_at, r.updated_at, r.version, r.n, r.unit)
                    for r in rows]

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
            row = conn.execute(select(self._L).where(self._L.c.name == name)).first()
            return self._list_row(conn, row) if row else None

    def rename_list(self, list_id, name=None, title=None, *, expected_version=None) -> TaskList:
        with self._tx() as conn:
            current = self._writable_list(conn, list_id)
            self._check_list_version(current, expected_version)
            new_name = current.name if name is None else clean_name(name)
            new_title = current.title if title is None else _clean(title, "清单标题", TITLE_MAX)
            if (new_name, new_title) == (current.name, current.title):
                return current
            if new_name != current.name and conn.execute(
                    select(self._L.c.id).where(self._L.c.name == new_name)).first():
                raise self._duplicate(new_name)
            try:
                conn.execute(update(self._L).where(self._L.c.id == current.id).values(name=new_name, title=new_title))
            except IntegrityError:
                raise self._duplicate(new_name) from None
            for field, old, new in (("name", current.name, new_name), ("title", current.title, new_title)):
                if old != new:
                    audit.record(conn, "list.rename", list_id=current.id, subject=new_name, field=field,
                                 old=old, new=new)
            self._touch(conn, current.id, bump=True)
            return self._get_list(conn, current.id)

    def delete_list(self, list_id, *, expected_version=None) -> None:
        with self._tx() as conn:
            current = self._writable_list(conn, list_id)
            self._check_list_version(current, expected_version)
            audit.record(conn, "list.delete", list_id=current.id, subject=current.name, field="name",
                         old=f"{current.name}（{current.item_count} 条）")
            conn.execute(delete(self._I).where(self._I.c.list_id == current.id))  # no reliance on PRAGMA foreign_keys
            conn.execute(delete(self._L).where(self._L.c.id == current.id))

    # -- items --------------------------------------------------------------------

    def items(self, list_id) -> list[Item]:
        with self._tx(write=False) as conn:
            tl = self._get_list(conn, list_id)
            rows = conn.execute(select(self._I).where(self._I.c.list_id == tl.id)
                                .order_by(self._I.c.position, self._I.c.id))
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
            current = self._writable_list(conn, list_id)
            have = {r[0] for r in conn.execute(select(self._I.c.clause_id).where(self._I.c.list_id == current.id))}
            new = [c for c in wanted if c not in have]
            if not new:
                return []
            if current.item_count + len(new) > ITEMS_MAX:
                raise ValidationError(f"清单最多 {ITEMS_MAX} 条，当前 {current.item_count} 条，无法再添加 {len(new)} 条。")
            pos = conn.execute(select(func.coalesce(func.max(self._I.c.position), -1))
                               .where(self._I.c.list_id == current.id)).scalar()
            added = []
            for cid in new:
                pos += 1
                added.append(conn.execute(insert(self._I).values(
                    list_id=current.id, clause_id=cid, position=pos, created_at=now, updated_at=now,
                    **{f: values.get(f, "") for f in FIELDS}).returning(self._I.c.id)).scalar())
                audit.record(conn, "item.add", list_id=current.id, item_id=added[-1], subject=cid,
                             field="clause_id", new=cid)
            self._touch(conn, current.id, bump=True)
            return [self._get_item(conn, i) for i in added]

    def remove_items(self, list_id, item_ids: Iterable[int] | int) -> int:
        """Remove items (already-removed ones are fine: two browsers may both click 删除)."""
        if isinstance(item_ids, (int, str)):
            item_ids = [item_ids]
        ids = [self._int(i, "条目") for i in item_ids]
        with self._tx() as conn:
            current = self._writable_list(conn, list_id)
            n = 0
            for i in ids:
                row = conn.execute(select(self._I).where(self._I.c.id == i, self._I.c.list_id == current.id)).first()
                if row is None:
                    continue
                gone = self._item_row(row)
                conn.execute(delete(self._I).where(self._I.c.id == i))
                old = "；".join(f"{FIELDS[k][0]}：{v}" for k, v in gone.fields().items() if v)
                audit.record(conn, "item.remove", list_id=current.id, item_id=i, subject=gone.clause_id,
                             field="clause_id", old=gone.clause_id + (f"（{old}）" if old else ""))
                n += 1
            if n:
                self._renumber(conn, current.id)
                self._touch(conn, current.id, bump=True)
            return n

    def _renumber(self, conn, list_id: int, order: Optional[list[int]] = None) -> None:
        if order is None:
            order = self._ordered_ids(conn, list_id)
        for p, i in enumerate(order):
            conn.execute(update(self._I).where(self._I.c.id == i).values(position=p))

    def _record_order(self, conn, list_id: int, name: str, before: list[int], after: list[int]) -> None:
        clause = dict(conn.execute(select(self._I.c.id, self._I.c.clause_id).where(self._I.c.list_id == list_id)).all())
        audit.record(conn, "list.reorder", list_id=list_id, subject=name, field="order",
                     old=" ".join(clause[i] for i in before), new=" ".join(clause[i] for i in after))

    def reorder(self, list_id, item_ids: Iterable[int], *, expected_version=None) -> list[Item]:
        """Put items in this order. Items the caller did not know about (added meanwhile
        by someone else) keep their relative order after the ones given; ids no longer
        in the list are ignored, since they were removed meanwhile."""
        # dict.fromkeys, not list scans: a 1 MB request may name ~100,000 ids
        order = list(dict.fromkeys(self._int(i, "条目") for i in item_ids))
        with self._tx() as conn:
            current = self._writable_list(conn, list_id)
            self._check_list_version(current, expected_version)
            existing = self._ordered_ids(conn, current.id)
            present, given = set(existing), set(order)
            full = [i for i in order if i in present] + [i for i in existing if i not in given]
            if full != existing:
                self._renumber(conn, current.id, full)
                self._record_order(conn, current.id, current.name, existing, full)
                self._touch(conn, current.id, bump=True)
            rows = conn.execute(select(self._I).where(self._I.c.list_id == current.id)
                                .order_by(self._I.c.position, self._I.c.id))
            return [self._item_row(r) for r in rows]

    def move_item(self, item_id, position: int) -> Item:
        """Move one item to a 0-based position (clamped to the list), shifting the rest."""
        with self._tx() as conn:
            item = self._get_item(conn, item_id)
            current = self._writable_list(conn, item.list_id)
            ids = self._ordered_ids(conn, current.id)
            if item.id not in ids:  # removed between the two reads
                raise NotFoundError(f"清单条目不存在（编号 {item_id}），可能已被移除。")
            try:
                position = int(position)
            except (TypeError, ValueError):
                raise ValidationError("目标位置必须是整数。") from None
            position = max(0, min(position, len(ids) - 1))
            before = list(ids)
            ids.remove(item.id)
            ids.insert(position, item.id)
            if ids != before:
                self._renumber(conn, current.id, ids)
                self._record_order(conn, current.id, current.name, before, ids)
            self._touch(conn, current.id, bump=True)
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
        item_id = self._int(item_id, "条目")
        with self._tx() as conn:
            row = conn.execute(select(self._I.c.list_id).where(self._I.c.id == item_id)).first()
            if row is None:
                raise NotFoundError(f"清单条目不存在（编号 {item_id}），可能已被他人移除。")
            self._writable_list(conn, row[0])  # the list first, then the item: one lock order
            row = conn.execute(select(self._I).where(self._I.c.id == item_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"清单条目不存在（编号 {item_id}），可能已被他人移除。")
            item, m = self._item_row(row), row._mapping
            if expected > item.version:
                raise ValidationError("版本号比当前还新，请刷新页面后再编辑。")
            changed = {k: v for k, v in values.items() if m[k] != v}
            stale = [k for k in changed if m[f"{k}_v"] > expected]
            if stale:
                labels = "、".join(FIELDS[k][0] for k in stale)
                raise ConflictError(f"{labels}已被他人修改，请核对后再保存。", item, stale)
            if not changed:
                return item
            new_version = item.version + 1
            sets = {**changed, **{f"{k}_v": new_version for k in changed}}
            conn.execute(update(self._I).where(self._I.c.id == item.id)
                         .values(**sets, version=new_version, updated_at=_now()))
            for k, v in changed.items():
                audit.record(conn, "item.update", list_id=item.list_id, item_id=item.id, subject=item.clause_id,
                             field=k, old=m[k], new=v)
            self._touch(conn, item.list_id, bump=False)
            return self._get_item(conn, item.id)

    # -- task status and progress (issue 14) ----------------------------------------

    def _writable_item(self, conn, item_id) -> tuple[Item, TaskList]:
        item_id = self._int(item_id, "条目")
        row = conn.execute(select(self._I.c.list_id).where(self._I.c.id == item_id)).first()
        if row is None:
            raise NotFoundError(f"清单条目不存在（编号 {item_id}），可能已被他人移除。")
        tl = self._writable_list(conn, row[0])  # the list first, then the item: one lock order
        row = conn.execute(select(self._I).where(self._I.c.id == item_id).with_for_update()).first()
        if row is None:
            raise NotFoundError(f"清单条目不存在（编号 {item_id}），可能已被他人移除。")
        return self._item_row(row), tl

    def set_status(self, item_id, status, *, seen=None) -> Item:
        """Set an item's 完成状态 (one of STATUSES, or '' to clear).

        ``seen`` is the status the caller's page showed (None: no check, as for a script
        that means to set it). Someone else having changed it since — the stored status is
        neither ``seen`` nor the one chosen now — is a :class:`ConflictError` naming both,
        as for 牵头单位/配合单位/完成时限: two people judging one task must each see the
        other's judgement rather than the second silently replacing the first."""
        status = check_status(status)
        seen = None if seen is None else check_status(seen)
        with self._tx() as conn:
            item, _ = self._writable_item(conn, item_id)
            if item.status == status:
                return item
            if seen is not None and item.status != seen:
                now = item.status or "（未填）"
                raise ConflictError(f"完成状态已被他人改为“{now}”（您打开页面时是“{seen or '（未填）'}”），"
                                    "请核对后再保存。", item, ["status"])
            conn.execute(update(self._I).where(self._I.c.id == item.id)
                         .values(status=status, version=item.version + 1, updated_at=_now()))
            audit.record(conn, "item.status", list_id=item.list_id, item_id=item.id, subject=item.clause_id,
                         field="status", old=item.status, new=status)
            self._touch(conn, item.list_id, bump=False)
            return self._get_item(conn, item.id)

    def add_progress(self, item_id, text, on_date=None) -> Progress:
        """Record what was done on an item (dated; by the acting account)."""
        text = _clean(text, "进展情况", PROGRESS_MAX, required=True, multiline=True)
        day = check_date(on_date)
        with self._tx() as conn:
            item, _ = self._writable_item(conn, item_id)
            who = audit.current_actor().name
            new_id = conn.execute(insert(dbm.progress).values(
                item_id=item.id, list_id=item.list_id, on_date=day, text=text, who=who,
                created_at=_now()).returning(dbm.progress.c.id)).scalar()
            audit.record(conn, "item.progress", list_id=item.list_id, item_id=item.id, subject=item.clause_id,
                         field="progress", new=f"{day}：{text}")
            self._touch(conn, item.list_id, bump=False)
            return Progress(new_id, item.id, item.list_id, day, text, who,
                            conn.execute(select(dbm.progress.c.created_at)
                                         .where(dbm.progress.c.id == new_id)).scalar())

    @staticmethod
    def _progress_row(row) -> Progress:
        m = row._mapping
        return Progress(m["id"], m["item_id"], m["list_id"], m["on_date"], m["text"], m["who"], m["created_at"])

    def _writable_progress(self, conn, progress_id, item_id=None) -> tuple[Progress, Item]:
        """The entry, after the list and item locks and the rights checks: its author may
        change it, an administrator any (a record of what was done is its author's word)."""
        P = dbm.progress
        progress_id = self._int(progress_id, "进展")
        row = conn.execute(select(P).where(P.c.id == progress_id)).first()
        if row is None or (item_id is not None and row._mapping["item_id"] != self._int(item_id, "条目")):
            raise NotFoundError(f"进展记录不存在（编号 {progress_id}），可能已被删除。")
        item, _ = self._writable_item(conn, row._mapping["item_id"])
        p = self._progress_row(row)
        if not may_change_progress(audit.current_actor(), p):
            raise ForbiddenError(f"只能修改或删除自己记录的进展；这条由“{p.who or '未知'}”记录（提示：请其本人或管理员修改）。")
        return p, item

    def edit_progress(self, progress_id, text=None, on_date=None, *, item_id=None, seen=None) -> Progress:
        """Correct one progress entry's text or date (None: keep); audited old → new.
        ``seen`` is the entry's text as the caller's page showed it: an entry changed
        meanwhile (by an administrator, or in another window) is a conflict, not overwritten."""
        P = dbm.progress
        with self._tx() as conn:
            p, item = self._writable_progress(conn, progress_id, item_id)
            if seen is not None and _clean(seen, "进展情况", PROGRESS_MAX, multiline=True) != p.text:
                raise ConflictError(f"这条进展已被修改为“{p.text[:60]}”，请核对后再保存。", p, ["progress"])
            new_text = p.text if text is None else _clean(text, "进展情况", PROGRESS_MAX, required=True, multiline=True)
            new_day = p.on_date if on_date is None else check_date(on_date)
            if (new_text, new_day) == (p.text, p.on_date):
                return p
            conn.execute(update(P).where(P.c.id == p.id).values(text=new_text, on_date=new_day))
            audit.record(conn, "item.progress.edit", list_id=item.list_id, item_id=item.id, subject=item.clause_id,
                         field="progress", old=f"{p.on_date}：{p.text}", new=f"{new_day}：{new_text}")
            self._touch(conn, item.list_id, bump=False)
            return replace(p, text=new_text, on_date=new_day)

    def delete_progress(self, progress_id, *, item_id=None) -> Progress:
        """Remove one progress entry (the trail keeps what it said)."""
        P = dbm.progress
        with self._tx() as conn:
            p, item = self._writable_progress(conn, progress_id, item_id)
            conn.execute(delete(P).where(P.c.id == p.id))
            audit.record(conn, "item.progress.delete", list_id=item.list_id, item_id=item.id,
                         subject=item.clause_id, field="progress", old=f"{p.on_date}：{p.text}")
            self._touch(conn, item.list_id, bump=False)
            return p

    def progress(self, list_id) -> dict[int, list[Progress]]:
        """Item id → its progress entries, by date then entry order."""
        P = dbm.progress
        with self._tx(write=False) as conn:
            tl = self._get_list(conn, list_id)
            rows = conn.execute(select(P).where(P.c.list_id == tl.id).order_by(P.c.on_date, P.c.id))
            out: dict[int, list[Progress]] = {}
            for r in rows:
                p = self._progress_row(r)
                out.setdefault(p.item_id, []).append(p)
            return out

    def tracked_items(self, list_id) -> list[Item]:
        """The items with their progress as the 进展情况 cell reads (one dated line an entry):
        what exports and the evaluation report print."""
        entries = self.progress(list_id)
        return [replace(it, progress=progress_text(entries.get(it.id, []))) for it in self.items(list_id)]


def may_change_progress(actor, p: Progress) -> bool:
    """An entry's author (who may write) or an administrator may edit or delete it."""
    return actor.role == "admin" or (actor.may_write() and bool(p.who) and p.who == actor.name)


def progress_text(entries: Iterable[Progress]) -> str:
    """“2025-06-30：完成……” one line an entry, oldest first."""
    return "\n".join(f"{p.on_date}：{p.text}" for p in entries)
