"""Actual values by year: the one module that stores them.

An :class:`Actual` is what staff record for one measure (an indicator row or a target
in the text) in one year: the value as entered, its source (统计公报, 部门报送…), a
note, who entered it and when. A value is kept as canonical decimal text (``18.20``
stays ``18.20``; ``1,234`` becomes ``1234``) so a report prints exactly what was
entered and sums are exact.

Anything that offers :class:`ActualsStore`'s methods can hold them; two are here: an
in-memory store for tests and :class:`SqliteActualsStore`, one table in its own file
``instance_dir / "actuals.sqlite3"`` (stdlib sqlite3, as the list store; when the list
store moves to another engine this module is the only one to port). Every write is
all or nothing: an import either stores every cell or none.
"""
from __future__ import annotations

import os
import re
import sqlite3
import threading
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Iterator, Optional, Protocol

from office.errors import database_reason

DB_NAME = "actuals.sqlite3"
SCHEMA_VERSION = 1
SOURCE_MAX = 200
NOTE_MAX = 2000
WHO_MAX = 100
VALUE_MAX_DIGITS = 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS actuals (
    measure_id  TEXT NOT NULL,
    year        INTEGER NOT NULL,
    value       TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    who         TEXT NOT NULL DEFAULT '',
    entered_at  TEXT NOT NULL,
    PRIMARY KEY (measure_id, year)
)
"""


class ActualsError(Exception):
    """A value or request the store refuses; ``str()`` is a Chinese sentence for staff."""

    status = 400


class ActualsUnavailable(ActualsError):
    status = 503


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
    """The shared wording of database faults, naming this file rather than the lists'."""
    return database_reason(e, path).replace("清单数据库", "实绩数据库").replace("plankb.sqlite3", path.name)


class SqliteActualsStore:
    """One table in ``actuals.sqlite3`` in the instance folder; one short transaction per call."""

    def __init__(self, db_path: str | Path, *, timeout: float = 10.0):
        self.path = Path(db_path)
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._migrate()

    @classmethod
    def for_instance(cls, instance_dir: str | Path) -> "SqliteActualsStore":
        return cls(Path(instance_dir) / DB_NAME)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        except sqlite3.DatabaseError as e:
            raise ActualsUnavailable(_reason(e, self.path)) from None
        return conn

    def _conn(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "conn", None) is None or local.pid != os.getpid():
            local.conn, local.pid = self._connect(), os.getpid()
        return local.conn

    @contextmanager
    def _tx(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield conn
            conn.execute("COMMIT")
        except BaseException as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.DatabaseError):
                raise ActualsUnavailable(_reason(e, self.path)) from None
            raise

    def _migrate(self) -> None:
        conn = self._connect()
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("BEGIN IMMEDIATE")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                conn.execute("ROLLBACK")
                raise ActualsError(f"实绩数据库 {self.path.name} 来自更新的 plankb 版本（结构版本 {version}），请升级 plankb。")
            if version < SCHEMA_VERSION:
                conn.execute(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as e:
            raise ActualsUnavailable(_reason(e, self.path)) from None
        finally:
            conn.close()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    @staticmethod
    def _row(r) -> Actual:
        return Actual(r["measure_id"], r["year"], r["value"], r["source"], r["note"], r["who"], r["entered_at"])

    def all(self) -> dict[str, list[Actual]]:
        out: dict[str, list[Actual]] = {}
        with self._tx(write=False) as conn:
            for r in conn.execute("SELECT * FROM actuals ORDER BY measure_id, year"):
                out.setdefault(r["measure_id"], []).append(self._row(r))
        return out

    def put(self, actuals: Iterable[Actual]) -> int:
        stamp = now()
        n = 0
        with self._tx() as conn:
            for a in actuals:
                old = conn.execute("SELECT * FROM actuals WHERE measure_id = ? AND year = ?",
                                   (a.measure_id, a.year)).fetchone()
                if not _changed(self._row(old) if old else None, a):
                    continue
                conn.execute("INSERT OR REPLACE INTO actuals (measure_id, year, value, source, note, who, "
                             "entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (a.measure_id, a.year, a.value, a.source, a.note, a.who, stamp))
                n += 1
        return n

    def delete(self, measure_id: str, year: int) -> bool:
        with self._tx() as conn:
            cur = conn.execute("DELETE FROM actuals WHERE measure_id = ? AND year = ?", (measure_id, int(year)))
        return cur.rowcount > 0


def open_store(instance_dir: str | Path) -> ActualsStore:
    """The store of an instance folder: the one call the CLI and the web make, so another
    engine is plugged in here and nowhere else."""
    return SqliteActualsStore.for_instance(instance_dir)
