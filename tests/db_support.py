"""The two database engines the store runs on, for tests (imported by name; no tests here).

SQLite always; PostgreSQL when ``PLANKB_TEST_DATABASE_URL`` names a throw-away server
(scripts/with-postgres.sh starts one and sets it). Without it the PostgreSQL cases
are skipped on a developer's machine but FAIL under CI (``CI=true``): CI must never
pass by skipping them.
"""
import os

import pytest

PG_ENV = "PLANKB_TEST_DATABASE_URL"

# The schema plankb 0.1 created by hand (office/lists.py at b7234a7, PRAGMA user_version 1),
# frozen here: an instance made by that release must open, migrate and keep every list.
SCHEMA_0_1 = """
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


def pg_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI 必须在 PostgreSQL 上运行这些测试：请通过 scripts/with-postgres.sh 设置 {PG_ENV}。")
    pytest.skip(f"未设置 {PG_ENV}（scripts/with-postgres.sh 会启动临时 PostgreSQL）")


def fresh_pg() -> str:
    """The test server's URL with an empty public schema (each test starts clean)."""
    from sqlalchemy import create_engine, text

    url = pg_url()
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        conn.execute(text("DROP FUNCTION IF EXISTS plankb_audit_append_only() CASCADE"))
    engine.dispose()
    return url


ENGINES = ["sqlite", "postgresql"]


def database_url_for(engine: str, tmp_path) -> str:
    """A fresh, empty database of this engine."""
    if engine == "sqlite":
        return f"sqlite:///{tmp_path / 'plankb.sqlite3'}"
    return fresh_pg()
