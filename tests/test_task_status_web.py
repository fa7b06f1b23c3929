"""The list page's 完成状态 and 进展 on the web (review of issue 14): a status someone else
changed meanwhile is a conflict showing both values, and one's own progress entry can
be corrected or deleted (an administrator's any), with and without JavaScript."""
import re

import pytest

from test_web_support import app, csrf_of, log_in, web_instance  # noqa: F401 (fixtures)

A = "gd-ip-14fyp:3.2.p1"


@pytest.fixture
def two(app):
    """Two editors' browsers and a one-item list."""
    zhang = log_in(app.test_client(), name="zhang-status")
    li = log_in(app.test_client(), name="li-status")
    t = csrf_of(zhang)
    tl = zhang.post("/api/lists", json={"name": f"状态冲突{id(zhang)}"}, headers={"X-CSRFToken": t}).json
    item = zhang.post(f"/api/lists/{tl['id']}/items", json={"clauses": [A]}, headers={"X-CSRFToken": t}).json["added"][0]
    return zhang, li, tl["id"], item["id"]


def _status_form(html: str, item_id: int) -> str:
    return re.search(rf'<form method="post" action="/lists/\d+/items/{item_id}/status".*?</form>', html, re.S).group(0)


def test_second_status_change_from_a_stale_page_is_a_conflict(two):
    zhang, li, list_id, item_id = two
    page = f"/lists/{list_id}"
    stale = zhang.get(page).get_data(as_text=True)
    assert 'name="was_status" value=""' in _status_form(stale, item_id)
    li.get(page)
    r = li.post(f"{page}/items/{item_id}/status", data={"csrf_token": csrf_of(li), "status": "推进中", "was_status": ""})
    assert r.status_code == 303
    # zhang, from the page drawn before li's change, chooses 已完成
    r = zhang.post(f"{page}/items/{item_id}/status",
                   data={"csrf_token": csrf_of(zhang), "status": "已完成", "was_status": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    form = _status_form(html, item_id)
    assert "已被他人改为“推进中”" in form and "您选择的“已完成”仍在下拉框中" in form
    assert '<option value="已完成" selected>' in form and 'name="was_status" value="推进中"' in form
    assert zhang.get(f"/api/lists/{list_id}").json["items"][0]["status"] == "推进中"
    # saving again from the conflict page is deliberate: zhang's choice wins
    r = zhang.post(f"{page}/items/{item_id}/status",
                   data={"csrf_token": csrf_of(zhang), "status": "已完成", "was_status": "推进中"})
    assert r.status_code == 303 and zhang.get(f"/api/lists/{list_id}").json["items"][0]["status"] == "已完成"
    # the API: was_status is what the caller saw; 409 carries the item as it is now
    r = li.put(f"/api/lists/{list_id}/items/{item_id}/status", json={"status": "滞后", "was_status": "推进中"},
               headers={"X-CSRFToken": csrf_of(li)})
    assert r.status_code == 409 and r.json["current"]["status"] == "已完成" and r.json["fields"] == ["status"]


def test_progress_entry_edit_and_delete_own_only(two, app):
    zhang, li, list_id, item_id = two
    base = f"/api/lists/{list_id}/items/{item_id}/progress"
    p = zhang.post(base, json={"text": "印发实施方案", "date": "2024-03-15"}, headers={"X-CSRFToken": csrf_of(zhang)}).json
    q = li.post(base, json={"text": "开展调研", "date": "2023-01-05"}, headers={"X-CSRFToken": csrf_of(li)}).json
    html = zhang.get(f"/lists/{list_id}").get_data(as_text=True)
    mine = html[html.index(f'id="progress-{p["id"]}"'):]
    assert "修改</summary>" in mine[:mine.index("</li>")]
    theirs = html[html.index(f'id="progress-{q["id"]}"'):]
    assert "修改</summary>" not in theirs[:theirs.index("</li>")]
    # no-JS form: correct the text, then delete
    r = zhang.post(f"/lists/{list_id}/items/{item_id}/progress/{p['id']}",
                   data={"csrf_token": csrf_of(zhang), "action": "save", "text": "印发实施方案（修订）",
                         "date": "2024-03-18", "was_text": "印发实施方案"})
    assert r.status_code == 303
    assert "已修改进展" in zhang.get(r.headers["Location"]).get_data(as_text=True)
    entries = zhang.get(f"/api/lists/{list_id}").json["items"][0]["progress_entries"]
    assert [(e["on_date"], e["text"]) for e in entries] == [("2023-01-05", "开展调研"), ("2024-03-18", "印发实施方案（修订）")]
    assert f'name="was_text" value="印发实施方案"' in mine[:mine.index("</li>")]
    # a second window still showing the old text: a conflict naming the text as it is now
    r = zhang.patch(f"{base}/{p['id']}", json={"text": "又一次修改", "was_text": "印发实施方案"},
                    headers={"X-CSRFToken": csrf_of(zhang)})
    assert r.status_code == 409 and "印发实施方案（修订）" in r.json["error"]["message"]
    r = zhang.patch(f"{base}/{q['id']}", json={"text": "改别人的"}, headers={"X-CSRFToken": csrf_of(zhang)})
    assert r.status_code == 403 and "自己记录的进展" in r.json["error"]["message"]
    r = zhang.post(f"/lists/{list_id}/items/{item_id}/progress/{p['id']}",
                   data={"csrf_token": csrf_of(zhang), "action": "delete"})
    assert r.status_code == 303
    assert zhang.delete(f"{base}/{p['id']}", headers={"X-CSRFToken": csrf_of(zhang)}).status_code == 404
    admin = log_in(app.test_client(), role="admin", name="admin-status")
    r = admin.delete(f"{base}/{q['id']}", headers={"X-CSRFToken": csrf_of(admin)})
    assert r.status_code == 200 and r.json["deleted"]["text"] == "开展调研"
    assert zhang.get(f"/api/lists/{list_id}").json["items"][0]["progress_entries"] == []
