"""Actual values and task status on both engines: SQLite and a real PostgreSQL
(scripts/with-postgres.sh), the same store code and the same answers."""
import pytest

from db_support import ENGINES, database_url_for
from office.audit import Actor, AuditLog, acting_as
from office.db import Database
from office.lists import ListStore
from office.tracking.actuals import ActualsError, DbActualsStore, make_actual

SAT = "gd-ip-14fyp:t2.r11"


@pytest.fixture(params=ENGINES)
def database(request, tmp_path):
    db = Database(database_url_for(request.param, tmp_path))
    db.migrate()
    yield db
    db.close()


def test_values_history_and_trail(database):
    store = DbActualsStore(database)
    with acting_as(Actor("zhang", role="editor")):
        assert store.put([make_actual(SAT, 2023, "81.50", source="统计公报"), make_actual(SAT, 2024, "82")]) == 2
    with acting_as(Actor("li", role="editor")):
        assert store.put([make_actual(SAT, 2023, "81.7", source="统计公报")]) == 1
        assert store.delete(SAT, 2024) and not store.delete(SAT, 2024)
    got = store.all()[SAT]
    assert [(a.year, a.value, a.who) for a in got] == [(2023, "81.7", "li")]
    assert [(h["year"], h["value"], h["who"], h["replaced_by"], h["change"]) for h in store.history(SAT)] == [
        (2023, "81.50", "zhang", "li", "overwrite"), (2024, "82", "zhang", "li", "delete")]
    trail = [(e.actor, e.action, e.subject, e.old, e.new) for e in reversed(AuditLog(database).entries())
             if e.field == "value"]
    assert trail == [("zhang", "actual.set", f"{SAT} 2023年", "", "81.50"), ("zhang", "actual.set", f"{SAT} 2024年", "", "82"),
                     ("li", "actual.set", f"{SAT} 2023年", "81.50", "81.7"), ("li", "actual.delete", f"{SAT} 2024年", "82", "")]


def test_an_import_is_all_or_nothing(database):
    store = DbActualsStore(database)

    def half():
        yield make_actual(SAT, 2021, "80.9")
        raise ActualsError("第二个单元格读不出")

    with pytest.raises(ActualsError):
        store.put(half())
    assert store.all() == {} and AuditLog(database).count() == 0


def test_status_and_progress(database):
    store = ListStore(database=database)
    with acting_as(Actor("zhang", role="editor")):
        tl = store.create_list("重点任务")
        (a,) = store.add_items(tl.id, ["gd-ip-14fyp:3.2.p1"])
        store.set_status(a.id, "滞后")
        store.add_progress(a.id, "试点推迟", "2024-05-01")
    (item,) = store.tracked_items(tl.id)
    assert (item.status, item.progress) == ("滞后", "2024-05-01：试点推迟")
    assert [e.action for e in reversed(AuditLog(database).entries(tl.id))][-2:] == ["item.status", "item.progress"]


def test_status_conflict_and_progress_correction_on_both_engines(database):
    from office.lists import ConflictError, ForbiddenError

    store = ListStore(database=database)
    with acting_as(Actor("zhang", role="editor")):
        tl = store.create_list("状态冲突")
        (a,) = store.add_items(tl.id, ["gd-ip-14fyp:3.2.p1"])
        store.set_status(a.id, "推进中", seen="")
        p = store.add_progress(a.id, "印发方案", "2024-03-15")
    with acting_as(Actor("li", role="editor")):
        with pytest.raises(ConflictError) as e:
            store.set_status(a.id, "已完成", seen="")
        assert e.value.current.status == "推进中"
        with pytest.raises(ForbiddenError):
            store.delete_progress(p.id)
    with acting_as(Actor("zhang", role="editor")):
        store.edit_progress(p.id, "印发实施方案", seen="印发方案")
        with pytest.raises(ConflictError):
            store.edit_progress(p.id, "又改", seen="印发方案")
        store.delete_progress(p.id)
    assert store.tracked_items(tl.id)[0].progress == ""
    actions = [e.action for e in reversed(AuditLog(database).entries(tl.id))]
    assert actions[-2:] == ["item.progress.edit", "item.progress.delete"]


def test_the_report_reads_task_progress_from_postgresql_too(database, tmp_path, monkeypatch, corpus):
    """With PLANKB_DATABASE_URL there is no SQLite file in the instance folder: the
    report's 重点任务进展 must still come from the lists."""
    from office.db import URL_ENV
    from office.tracking.actuals import MemoryActualsStore
    from office.tracking.report import build_report, list_store_reader
    from office.tracking.status import Plan

    if database.is_sqlite:
        monkeypatch.setenv(URL_ENV, database.url)
    else:
        monkeypatch.setenv(URL_ENV, str(database.engine.url.render_as_string(hide_password=False)))
    store = ListStore(database=database)
    tl = store.create_list("重点任务")
    (a,) = store.add_items(tl.id, ["gd-ip-14fyp:3.2.p1"])
    store.set_status(a.id, "已完成")
    empty = tmp_path / "instance-without-a-file"
    report = build_report(Plan(corpus), MemoryActualsStore(), read_lists=list_store_reader(empty), charts=False)
    assert [t.rows[0][-1] for t in report.tasks] == ["已完成"]


def test_two_writers_of_the_same_new_cell_both_finish(database):
    """Two app servers saving the same empty cell at the same moment: one value wins,
    the other is in the history, neither gets a 503."""
    import threading

    stores = [DbActualsStore(database), DbActualsStore(database)]
    errors, start = [], threading.Barrier(2)

    def save(i):
        try:
            start.wait()
            with acting_as(Actor(f"editor{i}", role="editor")):
                for n in range(20):
                    stores[i].put([make_actual(SAT, 2021 + n % 5, f"{i}{n}")])
        except Exception as e:  # noqa: BLE001 — collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [a.year for a in stores[0].all()[SAT]] == [2021, 2022, 2023, 2024, 2025]
    assert len(stores[0].history(SAT)) == 40 - 5  # every value but the five last is kept as replaced
