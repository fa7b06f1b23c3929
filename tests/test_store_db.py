"""The SQLite side of the office database: upgrading an instance made by plankb 0.1,
refusing one from a newer plankb, durability, and faults reported by name."""
import sqlite3

import pytest
from sqlalchemy import event

from db_support import SCHEMA_0_1
from office.audit import AuditLog
from office.db import DB_NAME
from office.errors import StoreUnavailable
from office.lists import ConflictError, ListStore

A, B, C = (f"gd-ip-14fyp:3.2.p{i}" for i in range(1, 4))
T = "2025-01-02T03:04:05.000000Z"


def _make_0_1_instance(inst):
    """A database exactly as plankb 0.1 left it: its schema, user_version 1, two lists."""
    inst.mkdir(parents=True)
    conn = sqlite3.connect(inst / DB_NAME)
    conn.executescript(SCHEMA_0_1)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO lists VALUES (1, '司法保护', '司法保护任务分解表', ?, ?, 4)", (T, T))
    conn.execute("INSERT INTO lists VALUES (7, '空清单', '', ?, ?, 1)", (T, T))
    conn.executemany(
        "INSERT INTO items VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(10, A, 1, "省法院", "省检察院、省公安厅", "2025年底前", "第一行\n第二行", 3, 2, 0, 3, 3, T, T),
         (11, B, 0, "", "", "", "", 0, 0, 0, 0, 1, T, T)])
    conn.commit()
    conn.close()


def test_an_instance_made_by_plankb_0_1_opens_migrates_and_keeps_every_list(tmp_path):
    inst = tmp_path / "instance"
    _make_0_1_instance(inst)
    store = ListStore.for_instance(inst)
    assert [(t.id, t.name, t.title, t.version, t.item_count) for t in store.lists()] == [
        (7, "空清单", "", 1, 0), (1, "司法保护", "司法保护任务分解表", 4, 2)]
    items = store.items(1)
    assert [(i.id, i.clause_id, i.version) for i in items] == [(11, B, 1), (10, A, 3)]
    assert items[1].fields() == {"lead_unit": "省法院", "support_units": "省检察院、省公安厅",
                                 "deadline": "2025年底前", "note": "第一行\n第二行"}
    # the per-field versions came along: lead_unit changed at version 3, so an edit based on 2 conflicts
    with pytest.raises(ConflictError):
        store.update_item(10, 2, lead_unit="别的单位")
    store.update_item(10, 2, support_units="省司法厅")  # last changed at 2: merged
    assert store.add_items(1, [C])[0].position == 2
    assert AuditLog(store.db).count(1) == 2
    conn = sqlite3.connect(inst / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0004"
    assert conn.execute("PRAGMA foreign_key_list(items)").fetchone() is not None
    conn.close()
    again = ListStore.for_instance(inst)  # reopening is a no-op
    assert again.get_list(1).item_count == 3


@pytest.mark.parametrize("how", ["user_version", "alembic"])
def test_a_database_from_a_newer_plankb_is_a_503_not_a_400(tmp_path, how):
    ListStore.for_instance(tmp_path).create_list("保留")
    conn = sqlite3.connect(tmp_path / DB_NAME)
    if how == "user_version":
        conn.execute("PRAGMA user_version = 99")
    else:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreUnavailable, match="来自更新的 plankb 版本") as e:
        ListStore.for_instance(tmp_path)
    assert e.value.status == 503


def test_a_newer_database_is_a_503_page_and_api_answer(tmp_path):
    from cli_support import ROOT
    from webapp import create_app

    ListStore.for_instance(tmp_path).create_list("保留")
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    app = create_app({"INSTANCE_PATH": tmp_path, "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True})
    client = app.test_client()
    page = client.get("/lists")
    assert page.status_code == 503 and "来自更新的 plankb 版本" in page.get_data(as_text=True)
    api = client.get("/api/lists")
    assert api.status_code == 503 and "请升级 plankb" in api.get_json()["error"]["message"]


def _pragma(store, name):
    with store.db.tx(write=False) as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_every_connection_is_synchronous_full_with_wal(tmp_path):
    store = ListStore.for_instance(tmp_path)
    assert _pragma(store, "synchronous") == 2  # FULL: an acknowledged edit survives a power cut
    assert _pragma(store, "journal_mode") == "wal"
    assert _pragma(store, "foreign_keys") == 1


def test_a_read_only_database_is_reported_by_name(tmp_path):
    store = ListStore.for_instance(tmp_path)
    store.create_list("已有")
    ro = ListStore(f"sqlite:///file:{store.path}?mode=ro&uri=true")
    assert [t.name for t in ro.lists()] == ["已有"]  # reading still works
    with pytest.raises(StoreUnavailable, match="清单数据库只读，无法写入") as e:
        ro.create_list("新的")
    assert e.value.status == 503 and str(store.path) in str(e.value)


def test_a_full_disk_is_reported_by_name(tmp_path):
    store = ListStore.for_instance(tmp_path)
    tl = store.create_list("满")
    store.db.engine.dispose()

    @event.listens_for(store.db.engine, "connect")
    def _tiny(dbapi_conn, _record):  # as if the disk had no room for one more page
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(StoreUnavailable, match="磁盘空间不足") as e:
        store.add_items(tl.id, [f"gd-ip-14fyp:1.{k}.p1" for k in range(1, 400)])
    assert str(store.path) in str(e.value)


def test_an_unreachable_postgresql_is_a_503_naming_the_server_not_the_password(tmp_path):
    store_url = f"postgresql://plankb:geheim@/plankb?host={tmp_path}/no-such-socket-dir"
    with pytest.raises(StoreUnavailable, match="无法连接清单数据库服务器") as e:
        ListStore(store_url, timeout=1)
    assert e.value.status == 503 and "geheim" not in str(e.value) and "PLANKB_DATABASE_URL" in str(e.value)


def test_a_new_database_file_is_readable_by_its_owner_only(tmp_path):
    import stat

    store = ListStore.for_instance(tmp_path)
    store.create_list("口令散列在此库中")
    for path in (store.path, store.path.with_name(DB_NAME + "-wal")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_under_ci_a_missing_postgresql_fails_instead_of_skipping(monkeypatch):
    import db_support

    monkeypatch.delenv(db_support.PG_ENV, raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI 必须在 PostgreSQL 上运行"):
        db_support.pg_url()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        db_support.pg_url()
