"""Task status and progress on list items (issue 14 #5): the store, the audit trail,
the two export columns in every format, and the report's 重点任务进展 table."""
import csv
import io
import json

import pytest
from docx import Document
from openpyxl import load_workbook

from office.audit import Actor, AuditLog, acting_as
from office.export import build_rows, render
from office.lists import ForbiddenError, ListStore, NotFoundError, ValidationError
from office.tracking.actuals import MemoryActualsStore
from office.tracking.report import build_report, list_store_reader
from office.tracking.report import render as render_report
from office.tracking.status import Plan

A, B, C = (f"gd-ip-14fyp:3.2.p{i}" for i in range(1, 4))


@pytest.fixture
def store(tmp_path):
    return ListStore.for_instance(tmp_path)


@pytest.fixture
def items(store):
    tl = store.create_list("年度重点任务")
    return store.add_items(tl.id, [A, B, C])


def test_status_and_progress_are_kept_and_in_the_trail(store, items):
    a, b, _ = items
    with acting_as(Actor("zhang", role="editor")):
        assert store.set_status(a.id, "推进中").status == "推进中"
        store.set_status(a.id, "已完成")
        store.add_progress(a.id, "印发实施方案", "2024-03-15")
        store.add_progress(a.id, "完成首批试点", "２０２５／０６／３０")  # full-width, slashes: read as a date
        store.add_progress(b.id, "开展调研", "2023-01-05")
    got = store.progress(a.list_id)
    assert [(p.on_date, p.text, p.who) for p in got[a.id]] == [
        ("2024-03-15", "印发实施方案", "zhang"), ("2025-06-30", "完成首批试点", "zhang")]
    tracked = store.tracked_items(a.list_id)
    assert tracked[0].status == "已完成" and tracked[0].progress == "2024-03-15：印发实施方案\n2025-06-30：完成首批试点"
    assert tracked[2].status == "" and tracked[2].progress == ""
    trail = [(e.actor, e.action, e.field, e.old, e.new) for e in reversed(AuditLog(store.db).entries(a.list_id))
             if e.action.startswith("item.") and e.action != "item.add"]
    assert trail == [("zhang", "item.status", "status", "", "推进中"), ("zhang", "item.status", "status", "推进中", "已完成"),
                     ("zhang", "item.progress", "progress", "", "2024-03-15：印发实施方案"),
                     ("zhang", "item.progress", "progress", "", "2025-06-30：完成首批试点"),
                     ("zhang", "item.progress", "progress", "", "2023-01-05：开展调研")]


@pytest.mark.parametrize("call,words", [
    (lambda s, i: s.set_status(i, "差不多了"), "未知的完成状态"),
    (lambda s, i: s.add_progress(i, "   "), "进展情况不能为空"),
    (lambda s, i: s.add_progress(i, "做了", "2025-13-01"), "日期格式不正确"),
    (lambda s, i: s.add_progress(i, "做了", "明天"), "日期格式不正确"),
    (lambda s, i: s.add_progress(i, "x" * 2001), "过长"),
])
def test_bad_status_or_progress_is_refused_in_chinese(store, items, call, words):
    with pytest.raises(ValidationError) as e:
        call(store, items[0].id)
    assert words in str(e.value)
    assert store.tracked_items(items[0].list_id)[0].progress == ""


def test_unknown_item_and_viewer_are_refused(store, items):
    with pytest.raises(NotFoundError):
        store.set_status(999999, "滞后")
    with pytest.raises(NotFoundError):
        store.add_progress(999999, "做了")
    with acting_as(Actor("li", role="viewer")), pytest.raises(ForbiddenError):
        store.set_status(items[0].id, "滞后")


def test_exports_carry_the_two_columns_only_when_tracked(corpus, store, items):
    list_id = items[0].list_id
    plain = build_rows(corpus, store.tracked_items(list_id), graph=None)
    assert "进展情况" not in render(plain, "csv", "t").decode("utf-8-sig")
    assert len(Document(io.BytesIO(render(plain, "docx", "t"))).tables[0].columns) == 8
    store.set_status(items[1].id, "滞后")
    store.add_progress(items[1].id, "受疫情影响推迟", "2022-12-01")
    rows = build_rows(corpus, store.tracked_items(list_id), graph=None)
    table = list(csv.reader(io.StringIO(render(rows, "csv", "t").decode("utf-8-sig"))))
    assert table[0][-3:] == ["进展情况", "完成状态", "条款编号"]
    assert table[2][-3:] == ["2022-12-01：受疫情影响推迟", "滞后", B] and table[1][-3:] == ["", "", A]
    ws = load_workbook(io.BytesIO(render(rows, "xlsx", "t"))).active
    head = [c.value for c in ws[2]]
    assert ws.cell(row=4, column=head.index("完成状态") + 1).value == "滞后"
    assert ws.cell(row=4, column=head.index("进展情况") + 1).value == "2022-12-01：受疫情影响推迟"
    doc = Document(io.BytesIO(render(rows, "docx", "t")))
    cells = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert cells[0][-2:] == ["进展情况", "完成状态"] and cells[2][-2:] == ["2022-12-01：受疫情影响推迟", "滞后"]
    md = render(rows, "md", "t").decode()
    assert "| 进展情况 | 完成状态 |" in md and "| 2022-12-01：受疫情影响推迟 | 滞后 |" in md
    data = json.loads(render(rows, "json", "t"))
    assert [c["label"] for c in data["columns"]][-3:] == ["进展情况", "完成状态", "条款编号"]
    assert (data["rows"][1]["status"], data["rows"][1]["progress"]) == ("滞后", "2022-12-01：受疫情影响推迟")


def test_the_report_fills_key_task_progress(corpus, tmp_path, store, items):
    store.set_status(items[0].id, "已完成")
    store.add_progress(items[0].id, "印发实施方案", "2024-03-15")
    report = build_report(Plan(corpus), MemoryActualsStore(), read_lists=list_store_reader(tmp_path), charts=False)
    (table,) = report.tasks
    assert table.title == "年度重点任务"
    assert table.rows[0][3:] == ["2024-03-15：印发实施方案", "已完成"] and table.rows[1][3:] == ["", ""]
    doc = Document(io.BytesIO(render_report(report, "docx")))
    texts = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert {"2024-03-15：印发实施方案", "已完成"} <= texts



# -- the list page ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from cli_support import ROOT
    from webapp import create_app
    from webapp.resources import close_all

    app = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("task-status-web"),
                      "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True, "BUILD_INDEX_IF_MISSING": False})
    yield app
    close_all(app)


def _web_list(app):
    from office.audit import Actor as _Actor
    from webapp.resources import get_store

    with app.app_context(), acting_as(_Actor("测试", "admin")):
        s = get_store()
        tl = s.create_list(f"进展清单{len(s.lists())}")
        return tl.id, [i.id for i in s.add_items(tl.id, [A, B])]


def test_list_page_sets_status_and_records_progress_without_script(app):
    import re

    from test_web_support import log_in

    c = log_in(app.test_client(), "editor")
    list_id, (a, b) = _web_list(app)
    html = c.get(f"/lists/{list_id}").get_data(as_text=True)
    assert f'id="st-{a}"' in html and "<option value=\"滞后\">滞后</option>" in html and "记录进展" in html
    t = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)
    r = c.post(f"/lists/{list_id}/items/{a}/status", data={"status": "推进中", "csrf_token": t})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"#item-{a}")
    r = c.post(f"/lists/{list_id}/items/{a}/progress", data={"date": "2025-03-01", "text": "完成调研", "csrf_token": t})
    assert r.status_code == 303
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "已记录进展。" in page and '<option value="推进中" selected>' in page and "完成调研" in page
    item = next(i for i in c.get(f"/api/lists/{list_id}").json["items"] if i["id"] == a)
    assert item["status"] == "推进中" and [(p["on_date"], p["text"], p["who"]) for p in item["progress_entries"]] == [
        ("2025-03-01", "完成调研", "test-editor")]
    csv_text = c.get(f"/lists/{list_id}/export?format=csv").data.decode("utf-8-sig")
    assert "进展情况,完成状态" in csv_text and "2025-03-01：完成调研,推进中" in csv_text
    # bad input: a 4xx with a Chinese reason, nothing stored
    for url, form, code, words in [
        (f"/lists/{list_id}/items/{a}/status", {"status": "快好了"}, 400, "未知的完成状态"),
        (f"/lists/{list_id}/items/{a}/progress", {"text": "x", "date": "2025-02-30"}, 400, "日期格式不正确"),
        (f"/lists/{list_id}/items/{a}/progress", {"text": ""}, 400, "不能为空"),
        (f"/lists/{list_id}/items/999999/status", {"status": "滞后"}, 404, "不存在"),
    ]:
        r = c.post(url, data={**form, "csrf_token": t})
        assert r.status_code == code and words in r.get_data(as_text=True), url
    r = c.put(f"/api/lists/{list_id}/items/{b}/status", json={"status": "已完成"}, headers={"X-CSRFToken": t})
    assert r.status_code == 200 and r.json["status"] == "已完成"
    r = c.post(f"/api/lists/{list_id}/items/{b}/progress", json={"text": "验收"}, headers={"X-CSRFToken": t})
    assert r.status_code == 201 and r.json["who"] == "test-editor"
    viewer = log_in(app.test_client(), "viewer")
    assert viewer.post(f"/lists/{list_id}/items/{a}/status", data={"status": "滞后", "csrf_token": t}).status_code == 403


# -- the CLI -----------------------------------------------------------------------------

def test_cli_sets_status_and_progress_and_exports_them(instance, tmp_path):
    from cli_support import run_plankb

    inst = str(instance)
    run_plankb("--instance", inst, "list-add", "年度任务", "--ids", f"{A},{B}", "--create")
    shown = json.loads(run_plankb("--instance", inst, "list-show", "年度任务", "--json").stdout)
    a = shown["items"][0]["id"]
    assert "推进中" in run_plankb("--instance", inst, "list-status", "年度任务", str(a), "推进中").stdout
    out = run_plankb("--instance", inst, "list-progress", "年度任务", str(a), "完成调研", "--date", "2025-03-01").stdout
    assert "2025-03-01：完成调研" in out
    run_plankb("--instance", inst, "export", "--list", "年度任务", "-o", str(tmp_path / "t.csv"))
    table = list(csv.reader(io.StringIO((tmp_path / "t.csv").read_text("utf-8-sig"))))
    assert table[0][-3:] == ["进展情况", "完成状态", "条款编号"] and table[1][-3:] == ["2025-03-01：完成调研", "推进中", A]
    for args, words in [(["list-status", "年度任务", str(a), "快好了"], "未知的完成状态"),
                        (["list-status", "年度任务", "999999", "滞后"], "不存在"),
                        (["list-progress", "年度任务", str(a), "做了", "--date", "2025-02-30"], "日期格式不正确")]:
        proc = run_plankb("--instance", inst, *args, ok=False)
        assert proc.returncode != 0 and words in proc.stderr and "Traceback" not in proc.stderr


def test_cli_corrects_and_deletes_a_progress_entry(instance):
    """A progress entry typed wrong is corrected or removed from the command line too,
    audited, by the id list-show prints."""
    from cli_support import run_plankb

    inst = str(instance)
    run_plankb("--instance", inst, "list-add", "进展改正", "--ids", f"{A}", "--create")
    a = json.loads(run_plankb("--instance", inst, "list-show", "进展改正", "--json").stdout)["items"][0]["id"]
    run_plankb("--instance", inst, "list-progress", "进展改正", str(a), "完成调硏", "--date", "2025-03-01")
    shown = json.loads(run_plankb("--instance", inst, "list-show", "进展改正", "--json").stdout)["items"][0]
    pid = shown["progress"][0]["id"]
    assert f"进展 #{pid} 2025-03-01：完成调硏" in run_plankb("--instance", inst, "list-show", "进展改正").stdout
    out = run_plankb("--instance", inst, "list-progress-edit", "进展改正", str(a), str(pid), "--text", "完成调研",
                     "--date", "2025-03-02").stdout
    assert f"#{pid}：2025-03-02：完成调研" in out
    shown = json.loads(run_plankb("--instance", inst, "list-show", "进展改正", "--json").stdout)["items"][0]
    assert [(p["on_date"], p["text"]) for p in shown["progress"]] == [("2025-03-02", "完成调研")]
    for args, words in [(["list-progress-edit", "进展改正", str(a), str(pid)], "--text"),
                        (["list-progress-edit", "进展改正", str(a), "999999", "--text", "x"], "不存在"),
                        (["list-progress-delete", "进展改正", str(a), "999999", "--yes"], "不存在")]:
        proc = run_plankb("--instance", inst, *args, ok=False)
        assert proc.returncode != 0 and words in proc.stderr and "Traceback" not in proc.stderr
    run_plankb("--instance", inst, "list-progress-delete", "进展改正", str(a), str(pid), "--yes")
    shown = json.loads(run_plankb("--instance", inst, "list-show", "进展改正", "--json").stdout)["items"][0]
    assert shown["progress"] == []


def test_cli_history_lists_overwritten_values(instance):
    from cli_support import run_plankb

    inst = str(instance)
    for v in ("81.5", "82"):
        run_plankb("--instance", inst, "actuals", "set", "gd-ip-14fyp:t2.r11", "--year", "2023", "--value", v)
    rows = json.loads(run_plankb("--instance", inst, "actuals", "history", "gd-ip-14fyp:t2.r11", "--json").stdout)
    assert [(h["year"], h["value"], h["change"]) for h in rows] == [(2023, "81.5", "overwrite")]
    assert "原值 81.5" in run_plankb("--instance", inst, "actuals", "history").stdout
    proc = run_plankb("--instance", inst, "actuals", "history", "nonsense:t9", ok=False)
    assert proc.returncode != 0 and "没有编号为" in proc.stderr


# -- two people on one status; correcting progress (review of issue 14) -----------------

def test_status_changed_meanwhile_is_a_conflict_with_both_values(store, items):
    """Zhang and Li open the page while 3.2.p1 is 未启动; Zhang sets 推进中, then Li
    chooses 已完成 from the same page: Li is told Zhang's value, nothing is overwritten."""
    from office.lists import ConflictError

    a = items[0]
    with acting_as(Actor("zhang", role="editor")):
        store.set_status(a.id, "未启动")
        store.set_status(a.id, "推进中", seen="未启动")
    with acting_as(Actor("li", role="editor")), pytest.raises(ConflictError) as e:
        store.set_status(a.id, "已完成", seen="未启动")
    assert e.value.fields == ["status"] and e.value.current.status == "推进中"
    assert "推进中" in str(e.value) and "未启动" in str(e.value)
    assert store.get_item(a.id).status == "推进中"
    # the same choice as the other person is no conflict; a choice from the current value is saved
    with acting_as(Actor("li", role="editor")):
        assert store.set_status(a.id, "推进中", seen="未启动").status == "推进中"
        assert store.set_status(a.id, "已完成", seen="推进中").status == "已完成"
        assert store.set_status(a.id, "滞后").status == "滞后"  # a script without seen: as before


def test_own_progress_entry_is_edited_or_deleted_and_audited(store, items):
    a = items[0]
    with acting_as(Actor("zhang", role="editor")):
        p = store.add_progress(a.id, "印发实施方案", "2024-03-15")
        q = store.add_progress(a.id, "完成首批试点", "2025-06-30")
        fixed = store.edit_progress(p.id, "印发实施方案（粤知办〔2024〕3号）", "2024-03-18")
        assert (fixed.on_date, fixed.text, fixed.who) == ("2024-03-18", "印发实施方案（粤知办〔2024〕3号）", "zhang")
        store.delete_progress(q.id)
    with acting_as(Actor("wang", role="editor")):
        r = store.add_progress(a.id, "开展调研", "2023-01-05")
    assert store.tracked_items(a.list_id)[0].progress == "2023-01-05：开展调研\n2024-03-18：印发实施方案（粤知办〔2024〕3号）"
    with acting_as(Actor("zhang", role="editor")), pytest.raises(ForbiddenError) as e:
        store.edit_progress(r.id, "改别人的")
    assert "自己记录的进展" in str(e.value) and "wang" in str(e.value)
    with acting_as(Actor("zhang", role="editor")), pytest.raises(ForbiddenError):
        store.delete_progress(r.id)
    with acting_as(Actor("li", role="viewer")), pytest.raises(ForbiddenError):
        store.edit_progress(p.id, "只读账号")
    with acting_as(Actor("admin1", role="admin")):
        store.edit_progress(r.id, on_date="2023-01-06")  # an administrator may correct any entry
    with pytest.raises(NotFoundError):
        store.delete_progress(999999)
    with pytest.raises(NotFoundError):
        store.edit_progress(p.id, "x", item_id=items[1].id)  # an entry of another item
    with acting_as(Actor("zhang", role="editor")), pytest.raises(ValidationError):
        store.edit_progress(p.id, "   ")
    trail = [(e.actor, e.action, e.old, e.new) for e in reversed(AuditLog(store.db).entries(a.list_id))
             if e.action.startswith("item.progress.")]
    assert trail == [
        ("zhang", "item.progress.edit", "2024-03-15：印发实施方案", "2024-03-18：印发实施方案（粤知办〔2024〕3号）"),
        ("zhang", "item.progress.delete", "2025-06-30：完成首批试点", ""),
        ("admin1", "item.progress.edit", "2023-01-05：开展调研", "2023-01-06：开展调研")]
