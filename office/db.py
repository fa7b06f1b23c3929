"""One store layer for everything staff change, on SQLite or PostgreSQL.

Lists, items (with their status and progress), accounts, the audit trail, the actual
values by year (with their history), the published plans (office/published.py) and the
settings every server shares (the session key) live in one database described once here
(SQLAlchemy Core tables, no SQL per engine). By default it is a SQLite file in the
instance folder, so ``make run`` needs nothing else; with
``PLANKB_DATABASE_URL=postgresql://…`` several app servers share one PostgreSQL.

Why these choices:

- every operation is one short transaction. On SQLite a write begins with
  ``BEGIN IMMEDIATE`` (the writer lock up front, so two writers queue instead of
  failing half way), WAL and ``synchronous = FULL``: an acknowledged edit survives a
  power cut (NORMAL may lose the last ones; bench/store.py measures the cost). On
  PostgreSQL writes lock the rows they read (``SELECT … FOR UPDATE``) so the
  field-level conflict rules hold across servers;
- the schema moves by Alembic migrations (office/migrations), starting from the schema
  plankb 0.1 created by hand, so an existing instance keeps its lists; a database
  from a newer plankb is refused with a 503, never written around;
- driver errors become :class:`StoreUnavailable` with office.errors' sentence
  (busy, read-only, full disk, unreachable, damaged).
"""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from office.errors import StoreUnavailable, database_reason

DB_NAME = "plankb.sqlite3"
URL_ENV = "PLANKB_DATABASE_URL"
# plankb 0.1 set user_version 1 and refuses anything newer: raising it makes an old
# plankb started on a migrated file say "upgrade" instead of writing past the audit trail
SQLITE_USER_VERSION = 3

# ids: SQLite's INTEGER PRIMARY KEY (the rowid), 64-bit on PostgreSQL like SQLite's range
Id = BigInteger().with_variant(Integer, "sqlite")

metadata = MetaData()

lists = Table(
    "lists", metadata,
    Column("id", Id, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("version", BigInteger, nullable=False, server_default="1"),
    Column("unit", Text, nullable=False, server_default=""),  # the unit that owns the list (2)
)

items = Table(
    "items", metadata,
    Column("id", Id, primary_key=True),
    Column("list_id", Id, nullable=False),  # REFERENCES lists(id) ON DELETE CASCADE (migration 0001)
    Column("clause_id", Text, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("lead_unit", Text, nullable=False, server_default=""),
    Column("support_units", Text, nullable=False, server_default=""),
    Column("deadline", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("lead_unit_v", BigInteger, nullable=False, server_default="0"),
    Column("support_units_v", BigInteger, nullable=False, server_default="0"),
    Column("deadline_v", BigInteger, nullable=False, server_default="0"),
    Column("note_v", BigInteger, nullable=False, server_default="0"),
    Column("status", Text, nullable=False, server_default=""),  # 未启动…已调整, '' unset (0003)
    Column("version", BigInteger, nullable=False, server_default="1"),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    UniqueConstraint("list_id", "clause_id"),
    Index("items_by_position", "list_id", "position"),
)

users = Table(
    "users", metadata,
    Column("id", Id, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("unit", Text, nullable=False, server_default=""),
    Column("role", Text, nullable=False),  # admin | editor | viewer
    Column("own_unit_only", Boolean, nullable=False, server_default="0"),
    Column("password_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("session_stamp", Text, nullable=False),  # changes on password change or disable: old sessions end
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("last_failed_at", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Id, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("list_id", Id, nullable=True),  # no foreign key: a deleted list keeps its history
    Column("item_id", Id, nullable=True),
    Column("subject", Text, nullable=False, server_default=""),
    Column("field", Text, nullable=False, server_default=""),
    Column("old", Text, nullable=False, server_default=""),
    Column("new", Text, nullable=False, server_default=""),
    Index("audit_by_list", "list_id", "id"),
)

# actual values by year (0003): the current value per measure and year …
actuals = Table(
    "actuals", metadata,
    Column("measure_id", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("value", Text, nullable=False),  # canonical decimal text, as entered
    Column("source", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("who", Text, nullable=False, server_default=""),
    Column("entered_at", Text, nullable=False),
)

# … and every value that was overwritten or deleted, as it was
actuals_history = Table(
    "actuals_history", metadata,
    Column("id", Id, primary_key=True),
    Column("measure_id", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", Text, nullable=False),
    Column("source", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("who", Text, nullable=False, server_default=""),
    Column("entered_at", Text, nullable=False),
    Column("replaced_at", Text, nullable=False),
    Column("replaced_by", Text, nullable=False, server_default=""),
    Column("change", Text, nullable=False, server_default="overwrite"),  # overwrite | delete
    Index("actuals_history_by_measure", "measure_id", "year", "id"),
)

# dated progress entries of a list item (0003)
progress = Table(
    "progress", metadata,
    Column("id", Id, primary_key=True),
    Column("item_id", Id, nullable=False),  # no foreign key: a removed item keeps its history
    Column("list_id", Id, nullable=False),
    Column("on_date", Text, nullable=False),  # YYYY-MM-DD, the day the work was done
    Column("text", Text, nullable=False),
    Column("who", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    Index("progress_by_item", "item_id", "id"),
)

# published plans (0004): one row per publication or removal, never changed; the id is
# the version, the newest row of a doc_id says what is served (office/published.py)
plans = Table(
    "plans", metadata,
    Column("id", Id, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("action", Text, nullable=False),  # publish | remove
    Column("title", Text, nullable=False, server_default=""),
    Column("markdown", Text, nullable=False, server_default=""),  # the canonical Markdown
    Column("raw_name", Text, nullable=False, server_default=""),  # e.g. gd-x.pdf (under raw/)
    Column("raw", LargeBinary, nullable=True),  # the file as uploaded
    Column("sidecar", Text, nullable=False, server_default=""),  # raw/<id>.toml: metadata, corrections
    Column("text_name", Text, nullable=False, server_default=""),  # e.g. raw/gd-x.pdf.txt, '' if none
    Column("text_copy", Text, nullable=False, server_default=""),  # the reader's lines
    Column("who", Text, nullable=False, server_default=""),
    Column("at", Text, nullable=False),
    Column("origin", Text, nullable=False, server_default=""),  # import page | command line | upgrade
    Index("plans_by_doc", "doc_id", "id"),
)

# values every server of one database shares (0004): the session key
settings = Table(
    "settings", metadata,
    Column("name", Text, primary_key=True),
    Column("value", Text, nullable=False),
)


def shared_setting(database: "Database", name: str, make) -> str:
    """A value every server of this database must agree on (the session key): read, or
    made by ``make()`` and stored once; when two servers start together the first to
    store it wins and the other reads theirs."""
    from sqlalchemy import insert, select

    q = select(settings.c.value).where(settings.c.name == name)
    with database.tx(write=False) as conn:
        value = conn.execute(q).scalar()
    if value:
        return value
    made = make()
    with database.tx(write=True) as conn:
        if not database.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(72710615)"))
        value = conn.execute(q).scalar()
        if not value:
            conn.execute(insert(settings).values(name=name, value=made))
            value = made
    return value


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def database_url(instance_dir: str | Path) -> str:
    """``PLANKB_DATABASE_URL`` if set, else the SQLite file in the instance folder."""
    url = (os.environ.get(URL_ENV) or "").strip()
    if url:
        return url
    return sqlite_url(Path(instance_dir) / DB_NAME)


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


def _normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (the one driver we install), not psycopg2."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_path(url: str) -> tuple[Optional[Path], bool]:
    """The SQLite file a URL names, and whether it is a plain path (not a ``file:`` URI)."""
    u = make_url(url)
    name = u.database or ""
    if not name or name == ":memory:":
        return None, False
    if u.query.get("uri") == "true" and name.startswith("file:"):
        return Path(name[len("file:"):].split("?", 1)[0]), False
    return Path(name), True


class Database:
    """One engine (connection pool) per store object; safe to share across threads,
    and a forked child gets fresh connections instead of its parent's."""

    def __init__(self, url: str, *, timeout: float = 10.0):
        self.url = _normalise_url(url)
        self.timeout = timeout
        self.is_sqlite = self.url.startswith("sqlite")
        self.path, self._plain_file = _sqlite_path(self.url) if self.is_sqlite else (None, False)
        if self._plain_file:  # not for a file: URI (e.g. mode=ro), which names an existing file
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = self._make_engine()
        self._pid = os.getpid()
        self._lock = threading.Lock()

    @classmethod
    def for_instance(cls, instance_dir: str | Path, *, timeout: float = 10.0) -> "Database":
        """The instance's database (PLANKB_DATABASE_URL or its SQLite file), migrated."""
        database = cls(database_url(instance_dir), timeout=timeout)
        database.migrate()
        return database

    @property
    def where(self) -> str:
        """Where the data is, for messages: the file, or the server without its password."""
        if self.path is not None:
            return str(self.path)
        return self.engine.url.render_as_string(hide_password=True)

    def _make_engine(self) -> Engine:
        if self.is_sqlite:
            engine = create_engine(self.url, connect_args={"timeout": self.timeout, "check_same_thread": False},
                                   pool_size=16, max_overflow=32)
            ms = int(self.timeout * 1000)

            @event.listens_for(engine, "connect")
            def _sqlite_connect(dbapi_conn, _record):
                dbapi_conn.isolation_level = None  # we say BEGIN ourselves (below)
                cur = dbapi_conn.cursor()
                cur.execute(f"PRAGMA busy_timeout = {ms}")
                cur.execute("PRAGMA foreign_keys = ON")
                cur.execute("PRAGMA synchronous = FULL")
                cur.close()

            @event.listens_for(engine, "begin")
            def _sqlite_begin(conn):
                write = conn.get_execution_options().get("plankb_write", True)
                conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

            return engine
        timeout = max(1, int(self.timeout))
        return create_engine(self.url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                             connect_args={"connect_timeout": timeout,
                                           "options": f"-c lock_timeout={timeout * 1000}"})

    def unavailable(self, e: Exception) -> StoreUnavailable:
        orig = getattr(e, "orig", None) or e
        return StoreUnavailable(database_reason(orig, self.where))

    @contextmanager
    def tx(self, write: bool = True) -> Iterator[Connection]:
        """One transaction; a driver error becomes StoreUnavailable in Chinese."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self.engine.dispose(close=False)
                    self._pid = os.getpid()
        try:
            with self.engine.connect() as conn:
                conn.execution_options(plankb_write=write)
                with conn.begin():
                    yield conn
        except (DBAPIError, sqlite3.DatabaseError) as e:  # raw sqlite3 errors come from the connect hook
            raise self.unavailable(e) from None
        except SQLAlchemyError as e:  # e.g. a malformed URL or a missing driver
            raise StoreUnavailable(f"清单数据库无法使用：{self.where}（{type(e).__name__}）。") from None

    def close(self) -> None:
        self.engine.dispose()

    # -- schema --------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to this plankb's version (a no-op when it already is)."""
        from office import migrations

        if self._plain_file:
            self._private()
        if self.is_sqlite:
            self._wal()
        with self.tx(write=False) as conn:
            state = migrations.state(conn, self)
        if state == migrations.HEAD_STATE:
            return
        with self.tx(write=True) as conn:  # SQLite: the writer lock; PostgreSQL: an advisory lock
            if not self.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(72710613)"))
            migrations.upgrade(conn, self)
            if self.is_sqlite:
                conn.exec_driver_sql(f"PRAGMA user_version = {SQLITE_USER_VERSION}")

    def _private(self) -> None:
        """A new database file will hold password hashes: created readable by its owner
        only, before SQLite opens it (SQLite gives the -wal and -shm files the same mode)."""
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # an existing file keeps the mode its administrator gave it
            pass
        except OSError:  # an unwritable folder: SQLite's own error says it in the store's words
            pass

    def _wal(self) -> None:
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                mode = raw.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":  # e.g. a network drive: still correct, just slower
                    raw.execute("PRAGMA journal_mode = DELETE")
        except (DBAPIError, sqlite3.DatabaseError) as e:
            raise self.unavailable(e) from None

    def has_table(self, conn: Connection, name: str) -> bool:
        return inspect(conn).has_table(name)
