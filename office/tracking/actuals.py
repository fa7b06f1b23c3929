"""Actual values by year: the one module that stores them.

An :class:`Actual` is what staff record for one measure (an indicator row or a target
in the text) in one year: the value as entered, its source (统计公报, 部门报送…), a
note, who entered it and when. A value is kept as canonical decimal text (``18.20``
stays ``18.20``; ``1,234`` becomes ``1234``) so a report prints exactly what was
entered and sums are exact.

Anything that offers :class:`ActualsStore`'s methods can hold them; two are here: an
in-memory store for tests and :class:`DbActualsStore`, tables of the office database
(office.db, SQLite or PostgreSQL) beside the lists, the accounts and the audit trail,
so a value says who entered it and every change is in the trail. Every write is all or
nothing: an import either stores every cell or none.
"""
from __future__ import annotations

import os
import re
import sqlite3
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator, Optional, Protocol

from sqlalchemy import delete, insert, select, text, update

from office import audit
from office import db as dbm
from office.db import Database
from office.errors import OfficeError, StoreUnavailable, database_reason

LEGACY_DB_NAME = "actuals.sqlite3"  # where plankb kept values before migration 0003
SOURCE_MAX = 200
NOTE_MAX = 2000
WHO_MAX = 100
VALUE_MAX_DIGITS = 20



class ActualsError(OfficeError):
    """A value or request the tracking code refuses (an office refusal: a Chinese sentence
    and an HTTP status)."""


class ActualsUnavailable(ActualsError):
    status = 503


class ActualsForbidden(ActualsError):
    status = 403


class MeasureNotFound(ActualsError):
    """No indicator or target has this id: the web's 404, the CLI's one line."""

    status = 404


@dataclass(frozen=True)
class Actual:
    measure_id: str
    year: int
    value: str            # canonical decimal text
    source: str = ""
    note: str = ""
    who: str = ""
    entered_at: str = ""  # ISO 8601, UTC; set by the store

    @property
    def number(self) -> Decimal:
        return Decimal(self.value)

    def to_json(self) -> dict:
        d = Decimal(self.value)
        return {"year": self.year, "value": int(d) if d == d.to_integral_value() else float(d),
                "text": self.value, "source": self.source, "note": self.note, "who": self.who,
                "entered_at": self.entered_at}


_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def clean_value(raw) -> str:
    """The canonical text of a value typed or read from a cell, or ActualsError.

    Full-width digits and 1,234 grouping are read; words, units, % and ranges are not
    (the unit is the measure's, shown beside the cell)."""
    if isinstance(raw, bool) or raw is None:
        raise ActualsError("数值不能为空。")
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ActualsError("数值不是有限的数。")
        # a spreadsheet's number: what Excel shows (84, not 84.0; 0.000025, not 2.5e-05)
        text = str(int(raw)) if raw.is_integer() else f"{Decimal(repr(raw)):f}"
    elif isinstance(raw, Decimal):
        text = f"{raw:f}"
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
        if _GROUPED.match(text):
            text = text.replace(",", "")
    if not _PLAIN.match(text):
        shown = str(raw).strip()[:20]
        raise ActualsError(f"“{shown}”不是数字（只填数字，单位按表中所列）。")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise ActualsError(f"“{str(raw)[:20]}”不是数字。") from None
    if len(d.as_tuple().digits) > VALUE_MAX_DIGITS:
        raise ActualsError(f"数值位数过多（最多 {VALUE_MAX_DIGITS} 位）。")
    text = text.lstrip("+")
    if text.startswith("."):
        text = "0" + text
    if text.startswith("-."):
        text = "-0" + text[1:]
    if text.endswith("."):
        text = text[:-1]
    return text


def _clean_text(value, label: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ActualsError(f"{label}含有控制字符。")
    if len(text) > limit:
        raise ActualsError(f"{label}过长（最多 {limit} 字）。")
    return text


def make_actual(measure_id: str, year, value, *, source="", note="", who="",
                years: Optional[Iterable[int]] = None) -> Actual:
    """A checked Actual: the year inside ``years`` (the plan period) when given."""
    if isinstance(year, bool) or not isinstance(year, (int, str)) or not str(year).strip().isdigit():
        raise ActualsError(f"年份必须是四位数字：{str(year)[:10]}。")
    y = int(str(year).strip())
    allowed = list(years) if years is not None else None
    if allowed is not None and not allowed:
        raise ActualsError("该项所属规划没有写明规划期（起止年份），无法按年录入（提示：在规划的 .toml 中补上 period）。")
    if allowed is not None and y not in allowed:
        raise ActualsError(f"年份 {y} 不在规划期内（{allowed[0]}—{allowed[-1]}年）。")
    return Actual(measure_id, y, clean_value(value), _clean_text(source, "来源", SOURCE_MAX),
                  _clean_text(note, "备注", NOTE_MAX), _clean_text(who, "录入人", WHO_MAX))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ActualsStore(Protocol):
    """What tracking needs from a store; the engine behind it is free."""

    def all(self) -> dict[str, list[Actual]]: ...           # measure id → by year
    def put(self, actuals: Iterable[Actual]) -> int: ...    # all or nothing; count changed
    def delete(self, measure_id: str, year: int) -> bool: ...


def _changed(old: Optional[Actual], new: Actual) -> bool:
    return old is None or (old.value, old.source, old.note) != (new.value, new.source, new.note)


class MemoryActualsStore:
    """For tests and for reading a file without an instance folder."""

    def __init__(self):
        self._rows: dict[tuple[str, int], Actual] = {}

    def all(self) -> dict[str, list[Actual]]:
        out: dict[str, list[Actual]] = {}
        for (mid, _), a in sorted(self._rows.items()):
            out.setdefault(mid, []).append(a)
        return out

    def put(self, actuals: Iterable[Actual]) -> int:
        stamp = now()
        staged = dict(self._rows)
        n = 0
        for a in actuals:
            key = (a.measure_id, a.year)
            if _changed(staged.get(key), a):
                staged[key] = replace(a, entered_at=stamp)
                n += 1
        self._rows = staged
        return n

    def delete(self, measure_id: str, year: int) -> bool:
        return self._rows.pop((measure_id, int(year)), None) is not None


def _reason(e: Exception, path: Path) -> str:
    """The shared wording of database faults, naming the old file rather than the lists'."""
    return database_reason(e, path).replace("清单数据库", "实绩数据库").replace("plankb.sqlite3", path.name)


def _may_write() -> None:
    actor = audit.current_actor()
    if not actor.may_write():
        raise ActualsForbidden("只读账号不能录入实际值（提示：请管理员授予“编辑”角色）。")


def _subject(measure_id: str, year: int) -> str:
    return f"{measure_id} {year}年"


class DbActualsStore:
    """Actual values in the office database (office.db ``actuals``, migration 0003), on
    SQLite or PostgreSQL alike, one short transaction per call.

    A write that changes a stored value first copies the old row into
    ``actuals_history`` (with who replaced it and when), then writes the new one, and
    records each changed field in the audit trail (old → new), all in one transaction:
    an import stores every cell or none. Who entered a value is the Actual's ``who``,
    or the acting account (office.audit) when it has none."""

    _A, _H = dbm.actuals, dbm.actuals_history

    def __init__(self, database: Database):
        self.db = database

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator:
        try:
            with self.db.tx(write) as conn:
                yield conn
        except StoreUnavailable as e:
            raise ActualsUnavailable(str(e).replace("清单数据库", "办公数据库")) from None

    def _serialise(self, conn) -> None:
        """Writers of values take turns: SQLite's BEGIN IMMEDIATE already does it; on
        PostgreSQL a lock held to the end of the transaction, so two servers saving the
        same new cell at once never collide on its key (entries are rare and short)."""
        if not self.db.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(72710614)"))

    @staticmethod
    def _row(r) -> Actual:
        m = r._mapping
        return Actual(m["measure_id"], m["year"], m["value"], m["source"], m["note"], m["who"], m["entered_at"])

    def all(self) -> dict[str, list[Actual]]:
        out: dict[str, list[Actual]] = {}
        with self._tx(write=False) as conn:
            for r in conn.execute(select(self._A).order_by(self._A.c.measure_id, self._A.c.year)):
                out.setdefault(r.measure_id, []).append(self._row(r))
        return out

    def history(self, measure_id: Optional[str] = None) -> list[dict]:
        """Replaced and deleted values, oldest first: what each was, who entered it, who
        replaced it and when."""
        q = select(self._H).order_by(self._H.c.id)
        if measure_id is not None:
            q = q.where(self._H.c.measure_id == measure_id)
        with self._tx(write=False) as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def _archive(self, conn, old: Actual, stamp: str, change: str) -> None:
        conn.execute(insert(self._H).values(
            measure_id=old.measure_id, year=old.year, value=old.value, source=old.source, note=old.note,
            who=old.who, entered_at=old.entered_at, replaced_at=stamp,
            replaced_by=audit.current_actor().name, change=change))

    def put(self, actuals: Iterable[Actual]) -> int:
        _may_write()
        actuals = list(actuals)
        stamp = now()
        n = 0
        with self._tx() as conn:
            self._serialise(conn)
            ids = sorted({a.measure_id for a in actuals})
            stored = {}  # one read for the whole batch (an import is ~150 values), rows locked on PostgreSQL
            for i in range(0, len(ids), 500):
                q = select(self._A).where(self._A.c.measure_id.in_(ids[i:i + 500])).with_for_update()
                stored.update({(r.measure_id, r.year): self._row(r) for r in conn.execute(q)})
            for a in actuals:
                key = (self._A.c.measure_id == a.measure_id) & (self._A.c.year == a.year)
                old = stored.get((a.measure_id, a.year))
                if not _changed(old, a):
                    continue
                who = a.who or audit.current_actor().name
                values = dict(value=a.value, source=a.source, note=a.note, who=who, entered_at=stamp)
                if old is None:
                    conn.execute(insert(self._A).values(measure_id=a.measure_id, year=a.year, **values))
                else:
                    self._archive(conn, old, stamp, "overwrite")
                    conn.execute(update(self._A).where(key).values(**values))
                for field in ("value", "source", "note"):
                    before = getattr(old, field) if old else ""
                    if before != getattr(a, field):
                        audit.record(conn, "actual.set", subject=_subject(a.measure_id, a.year), field=field,
                                     old=before, new=getattr(a, field))
                stored[(a.measure_id, a.year)] = replace(a, who=who, entered_at=stamp)  # the same cell twice in one batch
                n += 1
        return n

    def delete(self, measure_id: str, year: int) -> bool:
        _may_write()
        year = int(year)
        key = (self._A.c.measure_id == measure_id) & (self._A.c.year == year)
        with self._tx() as conn:
            self._serialise(conn)
            row = conn.execute(select(self._A).where(key).with_for_update()).first()
            if row is None:
                return False
            old = self._row(row)
            self._archive(conn, old, now(), "delete")
            conn.execute(delete(self._A).where(key))
            audit.record(conn, "actual.delete", subject=_subject(measure_id, year), field="value", old=old.value)
        return True

    def import_legacy(self, path: Path) -> int:
        """Bring the values of an old ``actuals.sqlite3`` (plankb before migration 0003)
        into the office database, once: values already here win (the file is older),
        each imported value is in the audit trail, and the file is then renamed to
        ``actuals.sqlite3.imported`` so it is not read again. Returns how many came in."""
        path = Path(path)
        if not path.is_file():
            return 0
        try:
            src = sqlite3.connect(path, timeout=10)
            try:
                src.row_factory = sqlite3.Row
                has = src.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='actuals'").fetchone()
                rows = [Actual(r["measure_id"], int(r["year"]), r["value"], r["source"], r["note"], r["who"],
                               r["entered_at"]) for r in src.execute("SELECT * FROM actuals")] if has else []
            finally:
                src.close()
        except sqlite3.DatabaseError as e:
            raise ActualsUnavailable(_reason(e, path) + f"（这是旧版的实绩数据库，导入办公数据库前须先修复或移走：{path}）") from None
        n = 0
        with self._tx() as conn:
            self._serialise(conn)
            for a in rows:
                key = (self._A.c.measure_id == a.measure_id) & (self._A.c.year == a.year)
                if conn.execute(select(self._A.c.year).where(key)).first():
                    continue
                conn.execute(insert(self._A).values(
                    measure_id=a.measure_id, year=a.year, value=a.value, source=a.source, note=a.note,
                    who=a.who, entered_at=a.entered_at or now()))
                audit.record(conn, "actual.import", subject=_subject(a.measure_id, a.year), field="value",
                             new=a.value)
                n += 1
        try:
            os.replace(path, path.with_name(path.name + ".imported"))
        except FileNotFoundError:  # another server imported it at the same moment
            pass
        return n

    def close(self) -> None:
        self.db.close()


def open_store(instance_dir: str | Path, database: Optional[Database] = None) -> DbActualsStore:
    """The store of an instance: the office database (``PLANKB_DATABASE_URL`` or the
    instance's SQLite file, or the ``database`` the caller already has open), after
    importing an old ``actuals.sqlite3`` once. The one call the CLI and the web make."""
    if database is None:
        try:
            database = Database.for_instance(instance_dir)
        except StoreUnavailable as e:
            raise ActualsUnavailable(str(e)) from None
    store = DbActualsStore(database)
    store.import_legacy(Path(instance_dir) / LEGACY_DB_NAME)
    return store
