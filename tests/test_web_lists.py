"""Task lists through the web: build from search/chapter/box, edit, reorder, export."""
import csv
import io
import itertools

import pytest
from docx import Document
from flask.testing import FlaskClient
from openpyxl import load_workbook

from test_web_support import app, client, csrf_of, log_in, token, web_instance  # noqa: F401 (fixtures)

_n = itertools.count()


def new_list(client, token, name=None):
    r = client.post("/api/lists", json={"name": name or f"测试清单{next(_n)}"},
                    headers={"X-CSRFToken": token})
    assert r.status_code == 201, r.json
    return r.json


def add(client, token, list_id, ids):
    return client.post(f"/api/lists/{list_id}/items", json={"clauses": ids},
                       headers={"X-CSRFToken": token})


def docx_rows(data: bytes) -> list[list[str]]:
    doc = Document(io.BytesIO(data))
    return [[c.text for c in row.cells] for row in doc.tables[0].rows]


def test_build_a_list_from_search_results_and_a_box(client, token, seed):
    tl = new_list(client, token)
    hits = client.get("/api/search?q=商业秘密&limit=3").json["hits"]
    r = add(client, token, tl["id"], [h["id"] for h in hits])
    assert r.status_code == 201 and len(r.json["added"]) == 3 and r.json["skipped"] == 0
    box = seed.box("3").clauses
    r = add(client, token, tl["id"], box)  # box3.p1 was among the hits: skipped, not doubled
    assert r.json["skipped"] == len(set(box) & {h["id"] for h in hits})
    d = client.get(f"/api/lists/{tl['id']}").json
    ids = [i["clause_id"] for i in d["items"]]
    assert ids[:3] == [h["id"] for h in hits] and len(ids) == len(set(ids))
    assert d["items"][0]["clause"]["id"] == ids[0]
    assert d["items"][0]["citation"].startswith("《广东省知识产权保护和运用“十四五”规划》")


def test_add_whole_chapter_from_outline_button(client, token, seed):
    outline = client.get("/api/outline").json
    ch3 = outline["chapters"][2]["all_clauses"]
    tl = new_list(client, token)
    r = add(client, token, tl["id"], ch3)
    assert len(r.json["added"]) == len(ch3)
    html = client.get(f"/lists/{tl['id']}").get_data(as_text=True)
    assert html.count('class="list-item"') == len(ch3)


def test_add_rejects_unknown_and_empty(client, token):
    tl = new_list(client, token)
    r = add(client, token, tl["id"], ["gd-ip-14fyp:99.p1"])
    assert r.status_code == 400 and "找不到条目" in r.json["error"]["message"]
    r = add(client, token, tl["id"], [])
    assert r.status_code == 400 and "缺少 clauses" in r.json["error"]["message"]
    r = add(client, token, 999999, ["gd-ip-14fyp:3.2.p3"])
    assert r.status_code == 404


def test_duplicate_list_name_is_409(client, token):
    new_list(client, token, "同名清单")
    r = client.post("/api/lists", json={"name": "同名清单"}, headers={"X-CSRFToken": token})
    assert r.status_code == 409 and "已有名为“同名清单”的清单" in r.json["error"]["message"]


def test_edit_fields_and_suggestions_shown(client, token):
    tl = new_list(client, token)
    item = add(client, token, tl["id"], ["gd-ip-14fyp:3.3.p3"]).json["added"][0]
    page = client.get(f"/lists/{tl['id']}").get_data(as_text=True)
    assert "建议：" in page and 'data-field="deadline" data-value="2025年底"' in page
    r = client.patch(f"/api/lists/{tl['id']}/items/{item['id']}",
                     json={"version": item["version"], "lead_unit": "省市场监管局（知识产权局）",
                           "deadline": "2025年底"}, headers={"X-CSRFToken": token})
    assert r.status_code == 200
    assert r.json["lead_unit"] == "省市场监管局（知识产权局）" and r.json["version"] == item["version"] + 1
    r = client.patch(f"/api/lists/{tl['id']}/items/{item['id']}",
                     json={"version": item["version"], "bogus": "x"}, headers={"X-CSRFToken": token})
    assert r.status_code == 400 and "未知的字段" in r.json["error"]["message"]


def test_two_browsers_editing_lose_nothing(app, client, token):
    """Browser A and B load the same item; A sets 牵头单位, B sets 备注: both survive.
    Then B, still on the old version, sets 牵头单位 too: refused with A's value shown."""
    tl = new_list(client, token)
    item = add(client, token, tl["id"], ["gd-ip-14fyp:3.2.p3"]).json["added"][0]
    b = log_in(FlaskClient(app), name="test-editor-b")  # a second person
    b_token = csrf_of(b)
    url = f"/api/lists/{tl['id']}/items/{item['id']}"
    v = item["version"]
    ra = client.patch(url, json={"version": v, "lead_unit": "省法院"}, headers={"X-CSRFToken": token})
    rb = b.patch(url, json={"version": v, "note": "与公安协同"}, headers={"X-CSRFToken": b_token})
    assert ra.status_code == 200 and rb.status_code == 200
    now = client.get(f"/api/lists/{tl['id']}").json["items"][0]
    assert now["lead_unit"] == "省法院" and now["note"] == "与公安协同"
    rc = b.patch(url, json={"version": v, "lead_unit": "省检察院"}, headers={"X-CSRFToken": b_token})
    assert rc.status_code == 409
    assert rc.json["fields"] == ["lead_unit"] and rc.json["current"]["lead_unit"] == "省法院"
    assert "牵头单位已被他人修改" in rc.json["error"]["message"]


def test_reorder_and_remove(client, token):
    tl = new_list(client, token)
    items = add(client, token, tl["id"], ["gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:3.2.p3",
                                          "gd-ip-14fyp:3.2.p4"]).json["added"]
    order = [items[2]["id"], items[0]["id"], items[1]["id"]]
    r = client.put(f"/api/lists/{tl['id']}/order", json={"items": order}, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and [i["id"] for i in r.json["items"]] == order
    r = client.delete(f"/api/lists/{tl['id']}/items/{items[0]['id']}", headers={"X-CSRFToken": token})
    assert r.json == {"removed": 1}
    ids = [i["clause_id"] for i in client.get(f"/api/lists/{tl['id']}").json["items"]]
    assert ids == ["gd-ip-14fyp:3.2.p4", "gd-ip-14fyp:3.2.p3"]
    r = client.put(f"/api/lists/{tl['id']}/order", json={"items": "x"}, headers={"X-CSRFToken": token})
    assert r.status_code == 400


def test_export_list_docx_rows_read_back(client, token):
    tl = new_list(client, token, "司法保护任务分解")
    items = add(client, token, tl["id"], ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4"]).json["added"]
    client.patch(f"/api/lists/{tl['id']}/items/{items[0]['id']}",
                 json={"version": items[0]["version"], "lead_unit": "省高级人民法院"},
                 headers={"X-CSRFToken": token})
    r = client.get(f"/lists/{tl['id']}/export?format=docx")
    assert r.status_code == 200
    assert r.mimetype.endswith("wordprocessingml.document")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    rows = docx_rows(r.data)
    header = rows[0]
    assert header[:3] == ["序号", "重点任务", "具体内容"]
    lead_col = header.index("牵头单位")
    assert [row[1] for row in rows[1:]] == ["加强知识产权司法保护"] * 2  # one merged 重点任务
    assert [row[2].split("：")[0] for row in rows[1:]] == ["加强民事司法保护", "推进司法改革创新"]
    assert rows[1][lead_col] == "省高级人民法院" and rows[2][lead_col] == ""


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "md", "json"])
def test_export_list_other_formats(client, token, fmt):
    tl = new_list(client, token)
    add(client, token, tl["id"], ["gd-ip-14fyp:box5.p1"])
    r = client.get(f"/lists/{tl['id']}/export?format={fmt}")
    assert r.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
        assert rows[1][1] == "积极推进知识产权维权援助体系建设"
    elif fmt == "xlsx":
        ws = load_workbook(io.BytesIO(r.data)).active
        assert any("积极推进知识产权维权援助体系建设" == c.value for row in ws.iter_rows() for c in row)
    elif fmt == "json":
        assert "积极推进知识产权维权援助体系建设" in r.get_data(as_text=True)
    else:
        assert "积极推进知识产权维权援助体系建设" in r.get_data(as_text=True)


def test_export_search_results(client):
    total = client.get("/api/search?q=商业秘密").json["total"]
    r = client.get("/search/export?q=商业秘密&format=docx")
    assert r.status_code == 200
    rows = docx_rows(r.data)
    assert len(rows) == total + 1
    r = client.get("/search/export?q=商业秘密&format=pdf")
    assert r.status_code == 400 and "参数 format" in r.get_data(as_text=True)
    r = client.get("/search/export?q=宇宙飞船&format=csv")
    assert r.status_code == 400 and "没有检索结果" in r.get_data(as_text=True)


def test_unknown_list_is_404_page(client):
    r = client.get("/lists/987654")
    assert r.status_code == 404 and "清单不存在" in r.get_data(as_text=True)
    assert client.get("/lists/987654/export?format=csv").status_code == 404
    assert client.get("/api/lists/987654").json["error"]["status"] == 404


def test_forms_create_and_delete_without_js(client, token):
    r = client.post("/lists", data={"name": "表单建的清单", "csrf_token": token})
    assert r.status_code == 303
    list_url = r.headers["Location"]
    assert "表单建的清单" in client.get(list_url).get_data(as_text=True)
    list_id = int(list_url.rstrip("/").split("/")[-1])
    r = client.post(f"/lists/{list_id}/delete", data={"csrf_token": token})
    assert r.status_code == 303
    assert client.get(list_url).status_code == 404
    r = client.post("/lists", data={"name": "   ", "csrf_token": token})
    assert r.status_code == 400 and "清单名称不能为空" in r.get_data(as_text=True)


def test_lists_index_shows_lists_with_counts(client, token):
    tl = new_list(client, token, "首页可见的清单")
    add(client, token, tl["id"], ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4"])
    html = client.get("/lists").get_data(as_text=True)
    assert "首页可见的清单" in html
    lists = client.get("/api/lists").json["lists"]
    assert next(x for x in lists if x["id"] == tl["id"])["item_count"] == 2


def test_export_of_an_empty_list_is_400_with_a_reason(client, token):
    tl = new_list(client, token, "空清单")
    r = client.get(f"/lists/{tl['id']}/export?format=docx")
    assert r.status_code == 400
    assert "清单" in r.get_data(as_text=True) or "没有" in r.get_data(as_text=True)
    r = client.get(f"/lists/{tl['id']}/export?format=exe")
    assert r.status_code == 400


def test_list_index_shows_last_change_in_local_time(app, client, token, monkeypatch):
    """Issue 11 #11: the index showed the stored UTC stamp cut to 16 characters."""
    from datetime import datetime, timedelta, timezone

    tl = new_list(client, token)
    stamp = tl["updated_at"]
    utc = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    beijing = (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    html = client.get("/lists").get_data(as_text=True)
    assert f'<time datetime="{stamp}" title="Asia/Shanghai">{beijing}</time>' in html
    monkeypatch.setitem(app.config, "TIMEZONE", "Europe/Berlin")
    from zoneinfo import ZoneInfo

    berlin = utc.astimezone(ZoneInfo("Europe/Berlin")).strftime("%Y-%m-%d %H:%M")
    assert f'title="Europe/Berlin">{berlin}</time>' in client.get("/lists").get_data(as_text=True)


def test_export_a_list_as_an_attachment_with_its_title_block(client, token):
    """Issue 11 #12: the list page's 作为公文附件导出 form sends these as a query string."""
    tl = new_list(client, token, "附件清单")
    add(client, token, tl["id"], ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:box14.p1"])
    page = client.get(f"/lists/{tl['id']}").get_data(as_text=True)
    assert 'name="attachment"' in page and 'name="doc_number"' in page and 'name="full_source"' in page
    r = client.get(f"/lists/{tl['id']}/export", query_string={
        "format": "docx", "attachment": "2", "issuer": "广东省知识产权局", "doc_number": "粤知〔2024〕12号",
        "date": "2024年3月1日"})
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.data))
    assert [p.text for p in doc.paragraphs[:4]] == [
        "附件2", "附件清单", "（《广东省知识产权保护和运用“十四五”规划》）",
        "广东省知识产权局\u3000粤知〔2024〕12号\u30002024年3月1日"]
    assert [row.cells[3].text for row in doc.tables[0].rows[1:]] == ["第三章第二节", "专栏14"]
    r = client.get(f"/lists/{tl['id']}/export", query_string={"format": "docx", "full_source": "1"})
    assert Document(io.BytesIO(r.data)).tables[0].rows[2].cells[3].text.startswith("《广东省知识产权保护和运用")
    r = client.get(f"/lists/{tl['id']}/export", query_string={"format": "docx", "issuer": "局" * 80})
    assert r.status_code == 400 and "发文单位过长" in r.get_data(as_text=True)
