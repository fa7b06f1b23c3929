"""Alembic migrations of the office database, run by the store itself on open.

Revision 0001 is the schema plankb 0.1 created by hand (office/lists.py ``_SCHEMA``,
``PRAGMA user_version = 1``): it creates the tables only where they are absent, so a
database made by that release passes through it untouched and then moves on like a
new one. A revision this plankb does not know (or a SQLite ``user_version`` above
ours) means a newer plankb wrote the database: refused with a 503, never migrated.

Administrators never run ``alembic`` by hand; developers add a revision with
``alembic -c office/migrations/alembic.ini revision -m "…"``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from office.errors import StoreUnavailable

HERE = Path(__file__).resolve().parent
HEAD_STATE = "head"


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory(str(HERE))


def head() -> str:
    return _script().get_current_head()


def _newer(db, found: str):
    name = db.path.name if db.path is not None else db.where
    return StoreUnavailable(f"清单数据库 {name} 来自更新的 plankb 版本（结构版本 {found}），请升级 plankb。")


def state(conn, db) -> str:
    """HEAD_STATE when nothing needs doing; raises StoreUnavailable for a newer database."""
    if db.is_sqlite:
        from office.db import SQLITE_USER_VERSION

        uv = conn.exec_driver_sql("PRAGMA user_version").scalar()
        if uv > SQLITE_USER_VERSION:
            raise _newer(db, uv)
    if not inspect(conn).has_table("alembic_version"):
        return "legacy" if inspect(conn).has_table("lists") else "empty"
    rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if rev == head():
        return HEAD_STATE
    if rev is not None and not _known(rev):
        raise _newer(db, rev)
    return rev or "empty"


def _known(rev: str) -> bool:
    try:
        return _script().get_revision(rev) is not None
    except Exception:  # noqa: BLE001 — alembic has several errors for a revision it does not know
        return False


def upgrade(conn, db) -> None:
    """Run the missing revisions on ``conn`` (inside the caller's transaction)."""
    state(conn, db)  # re-checked under the lock: another server may have migrated meanwhile
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
