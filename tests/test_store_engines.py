"""The same store tests on SQLite and on a real PostgreSQL.

The engine-independent tests of test_lists.py (the ones that need only a ``store``)
are collected here a second time, with ``store`` parametrised over both engines;
below them, tests of the accounts and the audit trail that hold on both.
"""
import inspect
import multiprocessing as mp
import threading

import pytest

import test_lists
from db_support import ENGINES, database_url_for
from office.audit import Actor, AuditLog, acting_as
from office.errors import ConflictError, ForbiddenError, StoreUnavailable
from office.lists import ListStore

A, B = "gd-ip-14fyp:3.2.p1", "gd-ip-14fyp:3.2.p2"

for _name, _fn in vars(test_lists).copy().items():
    if _name.startswith("test_") and callable(_fn):
        _params = list(inspect.signature(_fn).parameters)
        engine_free = "sqlite3" not in inspect.getsource(_fn)  # the file's own checks stay in test_lists
        if _params and _params[0] == "store" and all(p in ("store", "bad") for p in _params) and engine_free:
            globals()[_name] = _fn  # collected again here, with this module's store fixture
del _name, _fn


@pytest.fixture(params=ENGINES)
def url(request, tmp_path):
    return database_url_for(request.param, tmp_path)


@pytest.fixture
def store(url):
    s = ListStore(url)
    yield s
    s.close()


def test_the_shared_store_tests_were_collected():
    assert sum(1 for n in globals() if n.startswith("test_") and n in vars(test_lists)) >= 10


def test_every_write_is_in_the_trail_with_old_and_new_values(store):
    with acting_as(Actor("zhang", "editor", "省知识产权局")):
        tl = store.create_list("司法保护", "任务分解表")
        a, b = store.add_items(tl.id, [A, B])
        store.update_item(a.id, a.version, lead_unit="省法院", note="半年报")
        store.update_item(a.id, a.version + 1, lead_unit="省检察院")
        store.reorder(tl.id, [b.id, a.id])
        store.rename_list(tl.id, name="司法保护清单")
        store.remove_items(tl.id, [b.id])
    trail = AuditLog(store.db).entries(tl.id)
    got = [(e.actor, e.action, e.field, e.old, e.new) for e in reversed(trail)]
    assert got == [
        ("zhang", "list.create", "name", "", "司法保护"),
        ("zhang", "list.create", "title", "", "任务分解表"),
        ("zhang", "item.add", "clause_id", "", A),
        ("zhang", "item.add", "clause_id", "", B),
        ("zhang", "item.update", "lead_unit", "", "省法院"),
        ("zhang", "item.update", "note", "", "半年报"),
        ("zhang", "item.update", "lead_unit", "省法院", "省检察院"),
        ("zhang", "list.reorder", "order", f"{A} {B}", f"{B} {A}"),
        ("zhang", "list.rename", "name", "司法保护", "司法保护清单"),
        ("zhang", "item.remove", "clause_id", B, ""),
    ]
    assert store.get_list(tl.id).unit == "省知识产权局"
    with acting_as(Actor("zhang", "editor")):
        store.delete_list(tl.id)
    last = AuditLog(store.db).entries(tl.id, limit=1)[0]
    assert (last.action, last.old) == ("list.delete", "司法保护清单（1 条）")


def test_the_trail_cannot_be_changed_even_by_sql(store):
    from sqlalchemy import delete, update

    from office.db import audit

    store.create_list("留痕")
    for stmt in (update(audit).values(actor="nobody"), delete(audit)):
        with pytest.raises(StoreUnavailable):
            with store.db.tx() as conn:
                conn.execute(stmt)
    assert [e.actor for e in AuditLog(store.db).entries()] != ["nobody"]
    assert AuditLog(store.db).count() == 1


def test_a_viewer_cannot_write_and_a_unit_editor_only_writes_their_units_lists(store):
    with acting_as(Actor("a", "editor", "甲单位")):
        mine = store.create_list("甲的清单")
    with acting_as(Actor("b", "editor", "乙单位")):
        theirs = store.create_list("乙的清单")
    with acting_as(Actor("v", "viewer")):
        with pytest.raises(ForbiddenError, match="只读账号"):
            store.create_list("不行")
        with pytest.raises(ForbiddenError):
            store.add_items(mine.id, [A])
    limited = Actor("a2", "editor", "甲单位", own_unit_only=True)
    with acting_as(limited):
        store.add_items(mine.id, [A])
        with pytest.raises(ForbiddenError, match="只能修改本单位（甲单位）的清单") as e:
            store.add_items(theirs.id, [A])
        assert e.value.status == 403
    assert store.get_list(theirs.id).item_count == 0
    with acting_as(Actor("b2", "editor", "丙单位")):  # not limited: any list
        store.add_items(theirs.id, [A])


def _edit_many(url, item_ids, field, rounds, out):
    """One 'server' (a process) with several editor threads, each on its own item."""
    store = ListStore(url)
    conflicts, errors = [], []

    def editor(item_id):
        try:
            for i in range(rounds):
                seen = store.get_item(item_id)
                try:
                    store.update_item(item_id, seen.version, **{field: f"{field}-{i}"})
                except ConflictError:
                    conflicts.append(item_id)
        except Exception as e:  # reported through the queue
            errors.append(repr(e))

    threads = [threading.Thread(target=editor, args=(i,)) for i in item_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((field, len(conflicts), errors))


def test_two_processes_of_four_editors_lose_nothing(url):
    store = ListStore(url)
    tl = store.create_list("并发")
    ids = [it.id for it in store.add_items(tl.id, [f"gd-ip-14fyp:3.{k}.p1" for k in range(1, 5)])]
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    rounds = 10
    procs = [ctx.Process(target=_edit_many, args=(url, ids, f, rounds, out)) for f in ("lead_unit", "deadline")]
    for p in procs:
        p.start()
    results = {f: (c, e) for f, c, e in (out.get(timeout=300) for _ in procs)}
    for p in procs:
        p.join(60)
    assert results == {"lead_unit": (0, []), "deadline": (0, [])}
    for it in store.items(tl.id):
        assert (it.lead_unit, it.deadline) == (f"lead_unit-{rounds - 1}", f"deadline-{rounds - 1}")
        assert it.version == 1 + 2 * rounds
    assert AuditLog(store.db).count(tl.id) == 1 + 4 + 4 * 2 * rounds


def test_a_read_only_postgresql_is_reported_by_name(tmp_path):
    from sqlalchemy import event

    from db_support import fresh_pg

    store = ListStore(fresh_pg())
    store.create_list("已有")
    store.db.engine.dispose()

    @event.listens_for(store.db.engine, "connect")
    def _read_only(dbapi_conn, _record):  # as a hot standby, or a role set read-only, answers
        dbapi_conn.autocommit = True
        dbapi_conn.execute("SET default_transaction_read_only = on")
        dbapi_conn.autocommit = False

    assert [t.name for t in store.lists()] == ["已有"]
    with pytest.raises(StoreUnavailable, match="清单数据库只读，无法写入") as e:
        store.create_list("新的")
    assert e.value.status == 503
