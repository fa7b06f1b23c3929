"""Entry of actual values on the 监测 page (issue 14 #3): in the table itself, by the
Excel template, and task status counts by chapter — who may write, CSRF, and every bad
input a 4xx with a Chinese reason."""
import io

import pytest
from openpyxl import load_workbook

from cli_support import ROOT
from test_web_support import csrf_of, log_in

SAT = "gd-ip-14fyp:t2.r11"  # 知识产权保护社会满意度, 分, 80 → ≥83


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from webapp import create_app
    from webapp.resources import close_all

    app = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("monitor-entry"),
                      "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True, "BUILD_INDEX_IF_MISSING": False})
    yield app
    close_all(app)


def _token(client) -> str:
    return csrf_of(client, "/monitor")


@pytest.fixture
def editor(app):
    return log_in(app.test_client(), "editor")


def _entry(client, mid):
    data = client.get("/api/monitor").json
    return next(e for e in data["indicators"] + data["targets"] if e["id"] == mid)


def test_monitor_is_in_the_navigation_and_forms_only_for_editors(app, editor):
    anon = app.test_client()
    html = anon.get("/monitor").get_data(as_text=True)
    assert '>监测</a>' in html and 'class="actual-form"' not in html and "登录</a>后可在本页录入" in html
    viewer = log_in(app.test_client(), "viewer")
    assert 'class="actual-form"' not in viewer.get("/monitor").get_data(as_text=True)
    html = editor.get("/monitor").get_data(as_text=True)
    assert html.count('class="actual-form"') >= 14 * 5  # the 14 main indicators × 2021–2025
    assert f'aria-label="知识产权保护社会满意度 2023年（分）"' in html


def test_writes_without_the_right_account_are_refused(app):
    anon = app.test_client()
    r = anon.post("/monitor/actuals", data={"id": SAT, "year": "2023", "value": "81"})
    assert r.status_code == 303 and "/login" in r.headers["Location"]
    r = anon.post("/api/actuals", json={"id": SAT, "year": 2023, "value": "81"})
    assert r.status_code == 401 and "登录" in r.json["error"]["message"]
    viewer = log_in(app.test_client(), "viewer")
    r = viewer.post("/monitor/actuals", data={"id": SAT, "year": "2023", "value": "81", "csrf_token": _token(viewer)})
    assert r.status_code == 403
    editor = log_in(app.test_client(), "editor")
    assert editor.post("/monitor/actuals", data={"id": SAT, "year": "2023", "value": "81"}).status_code == 400  # no CSRF
    assert _entry(editor, SAT)["actuals"] == []


def test_an_editor_enters_changes_and_clears_a_value(app, editor):
    from office.audit import AuditLog
    from webapp.resources import get_store

    t = _token(editor)
    r = editor.post("/monitor/actuals?document=gd-ip-14fyp",
                    data={"id": SAT, "year": "2023", "value": "８１.５０", "source": "统计公报", "csrf_token": t})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"#m-{SAT}")
    page = editor.get(r.headers["Location"]).get_data(as_text=True)
    assert "已保存：知识产权保护社会满意度 2023年 81.50分。" in page
    e = _entry(editor, SAT)
    assert [(a["year"], a["text"], a["source"], a["who"]) for a in e["actuals"]] == [(2023, "81.50", "统计公报", "test-editor")]
    r = editor.post("/api/actuals", json={"id": SAT, "year": 2023, "value": 82}, headers={"X-CSRFToken": t})
    assert r.status_code == 200 and r.json["entry"]["actuals"][0]["text"] == "82"
    assert r.json["entry"]["actuals"][0]["source"] == "统计公报"  # not sent: kept
    editor.post("/monitor/actuals", data={"id": SAT, "year": "2023", "value": "", "csrf_token": t})
    assert _entry(editor, SAT)["actuals"] == []
    with app.app_context():
        trail = [(x.actor, x.action, x.old, x.new) for x in AuditLog(get_store().db).entries()
                 if x.subject == f"{SAT} 2023年" and x.field == "value"]
    assert trail[::-1] == [("test-editor", "actual.set", "", "81.50"), ("test-editor", "actual.set", "81.50", "82"),
                           ("test-editor", "actual.delete", "82", "")]


@pytest.mark.parametrize("form,code,words", [
    ({"id": SAT, "year": "2023", "value": "约81"}, 400, "不是数字"),
    ({"id": SAT, "year": "2019", "value": "81"}, 400, "不在规划期内"),
    ({"id": SAT, "year": "明年", "value": "81"}, 400, "年份"),
    ({"id": "gd-ip-14fyp:t9.r99", "year": "2023", "value": "81"}, 404, "没有编号为"),  # no such measure: 404
    ({"id": "", "year": "2023", "value": "81"}, 400, "缺少"),
    ({"id": "target:gd-ip-14fyp:box5.p1.t1", "year": "2022", "value": "1"}, 400, "定性目标"),
])
def test_bad_entries_are_a_chinese_4xx_on_the_page_and_the_api(app, editor, form, code, words):
    t = _token(editor)
    r = editor.post("/monitor/actuals", data={**form, "csrf_token": t})
    assert r.status_code == code and words in r.get_data(as_text=True)
    r = editor.post("/api/actuals", json=form, headers={"X-CSRFToken": t})
    assert r.status_code == code and words in r.json["error"]["message"]
    assert editor.post("/api/actuals", data="[1]", content_type="application/json",
                       headers={"X-CSRFToken": t}).status_code == 400


def _upload(client, data: bytes, name="实际值.xlsx"):
    return client.post("/monitor/import?document=gd-ip-14fyp",
                       data={"csrf_token": _token(client), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _fill(data: bytes, rows: dict) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    where = {ws.cell(row=r, column=1).value: r for r in range(1, ws.max_row + 1)}
    for (mid, col), v in rows.items():
        ws[f"{col}{where[mid]}"] = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_template_download_and_upload(app, editor):
    r = editor.get("/monitor/template.xlsx")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    # H..L = 2021..2025; one bad cell: nothing is imported, the cell is named
    bad = _fill(r.data, {(SAT, "H"): 80.9, ("gd-ip-14fyp:t2.r1", "I"): "约15"})
    page = _upload(editor, bad)
    text = page.get_data(as_text=True)
    assert page.status_code == 400 and "有 1 处无法读取，未导入任何数值" in text and "I" in text and "2022年" in text
    assert _entry(editor, SAT)["actuals"] == []
    good = _fill(r.data, {(SAT, "H"): 80.9, (SAT, "L"): "83.4", ("gd-ip-14fyp:t2.r1", "I"): 15.05})
    done = _upload(editor, good)
    assert done.status_code == 303
    assert "已导入 实际值.xlsx：读到 3 个数值" in editor.get(done.headers["Location"]).get_data(as_text=True)
    e = _entry(editor, SAT)
    assert [(a["year"], a["text"]) for a in e["actuals"]] == [(2021, "80.9"), (2025, "83.4")]
    assert e["status"] == "已完成"


@pytest.mark.parametrize("payload,name,words", [
    (b"%PDF-1.4 not a workbook", "报表.pdf", "不是可读取的 Excel"),
    (b"", "空.xlsx", "不是可读取的 Excel"),
])
def test_an_upload_that_is_not_an_xlsx_is_a_400(app, editor, payload, name, words):
    r = _upload(editor, payload, name)
    assert r.status_code == 400 and words in r.get_data(as_text=True)
    r = editor.post("/monitor/import", data={"csrf_token": _token(editor)}, content_type="multipart/form-data")
    assert r.status_code == 400 and "请选择" in r.get_data(as_text=True)


def test_task_status_by_chapter_opens_its_items(app, editor):
    from office.audit import Actor, acting_as
    from webapp.resources import get_store

    with app.app_context(), acting_as(Actor("测试", "admin")):
        store = get_store()
        tl = store.create_list("监测任务")
        a, b = store.add_items(tl.id, ["gd-ip-14fyp:3.2.p1", "gd-ip-14fyp:3.2.p2"])
        store.set_status(a.id, "滞后")
        store.add_progress(a.id, "试点推迟到下半年", "2024-05-01")
    data = editor.get("/api/monitor").json
    ch3 = next(c for c in data["chapters"] if c["number"] == 3)
    assert ch3["task_status"]["滞后"] == 1 and ch3["task_status"]["未填"] == 1
    assert data["summary"]["tasks"]["滞后"] == 1 and data["tasks"] == []
    html = editor.get("/monitor").get_data(as_text=True)
    link = "/monitor?document=gd-ip-14fyp&amp;task_status=%E6%BB%9E%E5%90%8E&amp;chapter=3#tasks"
    assert link in html
    data = editor.get("/api/monitor?task_status=滞后&chapter=3").json
    assert [(t["item_id"], t["progress"], t["status"]) for t in data["tasks"]] == [
        (a.id, "2024-05-01：试点推迟到下半年", "滞后")]
    page = editor.get("/monitor?task_status=滞后&chapter=3").get_data(as_text=True)
    assert f"/lists/{tl.id}#item-{a.id}" in page
    assert editor.get("/api/monitor?task_status=差不多").status_code == 400
