"""Task lists with plain HTML forms: what works when a browser runs no JavaScript.

Intranet browsers are often old or locked down; every 加入清单 button is a form, and
each list item is a form whose buttons save, move or remove it.
"""
import itertools
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

from test_web_support import app, client, csrf_of, token, web_instance  # noqa: F401 (fixtures)

_n = itertools.count()


def _items(client, list_id):
    return client.get(f"/api/lists/{list_id}").json["items"]


def _new(client, token):
    r = client.post("/api/lists", json={"name": f"无脚本清单{next(_n)}"}, headers={"X-CSRFToken": token})
    return r.json


def test_add_buttons_are_forms_that_open_a_chooser(client):
    html = client.get("/search?q=商业秘密").get_data(as_text=True)
    forms = re.findall(r'<form class="add-form" method="get" action="/lists/add">'
                       r'<input type="hidden" name="clauses" value="([^"]+)">', html)
    assert len(forms) >= 2 and "gd-ip-14fyp:box3.p1" in forms[1]  # 本页全部, then each hit
    outline = client.get("/outline").get_data(as_text=True)
    assert outline.count('class="add-form"') >= 8  # a chapter's 本章全部加入清单
    r = client.get("/lists/add?clauses=gd-ip-14fyp:3.2.p3+gd-ip-14fyp:3.2.p4&back=/outline")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "勾选要加入清单的条文（共 <strong>2</strong> 条）" in page
    assert 'name="csrf_token"' in page and 'href="/outline"' in page


def test_add_page_refuses_bad_input_with_a_reason(client):
    r = client.get("/lists/add?clauses=")
    assert r.status_code == 400 and "缺少 clauses" in r.get_data(as_text=True)
    r = client.get("/lists/add?clauses=gd-ip-14fyp:99.p9")
    assert r.status_code == 400 and "找不到条目：gd-ip-14fyp:99.p9" in r.get_data(as_text=True)
    # the back link only ever points into this site
    page = client.get("/lists/add?clauses=gd-ip-14fyp:3.2.p3&back=//evil.example/").get_data(as_text=True)
    assert "evil.example" not in page


def test_add_form_creates_a_list_and_says_what_was_added(client, token):
    ids = "gd-ip-14fyp:3.2.p3 gd-ip-14fyp:3.2.p4"
    r = client.post("/lists/add", data={"csrf_token": token, "clauses": ids, "name": "表单新建清单"})
    assert r.status_code == 303
    loc = urlparse(r.headers["Location"])
    assert parse_qs(loc.query) == {"added": ["2"], "skipped": ["0"]}
    list_id = int(loc.path.rsplit("/", 1)[1])
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已加入清单：新增 2 条。" in page
    # again into the same (now existing) list by id: nothing doubled, and it says so
    r = client.post("/lists/add", data={"csrf_token": token, "clauses": ids, "list_id": str(list_id)})
    assert "已加入清单：新增 0 条，2 条已在清单中。" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert len(_items(client, list_id)) == 2
    # without the token it is refused
    assert client.post("/lists/add", data={"clauses": ids, "name": "x"}).status_code == 400


def test_item_form_saves_moves_and_removes(client, token):
    tl = _new(client, token)
    client.post(f"/api/lists/{tl['id']}/items", headers={"X-CSRFToken": token},
                json={"clauses": ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4", "gd-ip-14fyp:3.3.p3"]})
    first, second, third = _items(client, tl["id"])
    url = f"/lists/{tl['id']}/items/{second['id']}"
    r = client.post(url, data={"csrf_token": token, "version": second["version"], "action": "save",
                               "lead_unit": "省高级人民法院", "support_units": "", "deadline": "2025年底",
                               "note": "每年报送"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"#item-{second['id']}")
    got = _items(client, tl["id"])[1]
    assert (got["lead_unit"], got["deadline"], got["note"]) == ("省高级人民法院", "2025年底", "每年报送")
    assert "已保存。" in client.get(r.headers["Location"]).get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "action": "top"})
    assert [i["id"] for i in _items(client, tl["id"])] == [second["id"], first["id"], third["id"]]
    client.post(url, data={"csrf_token": token, "action": "down"})
    assert [i["id"] for i in _items(client, tl["id"])] == [first["id"], second["id"], third["id"]]
    client.post(url, data={"csrf_token": token, "action": "bottom"})
    assert [i["id"] for i in _items(client, tl["id"])] == [first["id"], third["id"], second["id"]]
    client.post(url, data={"csrf_token": token, "action": "remove"})
    assert [i["id"] for i in _items(client, tl["id"])] == [first["id"], third["id"]]
    r = client.post(f"/lists/{tl['id']}/items/{first['id']}", data={"csrf_token": token, "action": "explode"})
    assert r.status_code == 400 and "参数 action" in r.get_data(as_text=True)


def test_item_form_conflict_keeps_both_values_in_view(client, token):
    tl = _new(client, token)
    client.post(f"/api/lists/{tl['id']}/items", headers={"X-CSRFToken": token},
                json={"clauses": ["gd-ip-14fyp:3.2.p3"]})
    item = _items(client, tl["id"])[0]
    url = f"/lists/{tl['id']}/items/{item['id']}"
    base = {"csrf_token": token, "version": item["version"], "action": "save",
            "support_units": "", "deadline": "", "note": ""}
    assert client.post(url, data={**base, "lead_unit": "省知识产权局"}).status_code == 303
    r = client.post(url, data={**base, "lead_unit": "省法院"})  # the stale version
    page = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "牵头单位已被他人修改" in page and "对方保存的是：牵头单位“省知识产权局”" in page
    assert "您填写的牵头单位“省法院”仍在输入框中，尚未保存" in page
    form = item_form(page, item["id"])
    assert form["lead_unit"] == "省法院"  # what this person typed stays in the field
    assert _items(client, tl["id"])[0]["lead_unit"] == "省知识产权局"
    # saving the re-shown form is a deliberate overwrite
    assert client.post(url, data={**form, "csrf_token": token, "action": "save"}).status_code == 303
    assert _items(client, tl["id"])[0]["lead_unit"] == "省法院"


class _FormReader(HTMLParser):
    """The fields a browser would submit from one item's form (inputs and textareas)."""

    def __init__(self, form_class, item_id):
        super().__init__()
        self.want, self.item_id = form_class, item_id
        self.li = self.inside = False
        self.fields, self._textarea = {}, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "li" and a.get("data-item") == str(self.item_id):
            self.li = True
        elif tag == "form" and self.li and self.want in (a.get("class") or "").split():
            self.inside = True
        elif self.inside and tag == "input" and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")
        elif self.inside and tag == "textarea":
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False
        elif tag == "li":
            self.li = False


def item_form(page: str, item_id: int) -> dict:
    reader = _FormReader("item-form", item_id)
    reader.feed(page)
    return reader.fields


def test_two_people_editing_different_fields_in_plain_forms_both_keep_their_value(client, token):
    """Issue 8 #14: each person's form sends every field; only what each changed counts."""
    tl = _new(client, token)
    client.post(f"/api/lists/{tl['id']}/items", headers={"X-CSRFToken": token},
                json={"clauses": ["gd-ip-14fyp:3.2.p3"]})
    item = _items(client, tl["id"])[0]
    url = f"/lists/{tl['id']}/items/{item['id']}"
    page = client.get(f"/lists/{tl['id']}").get_data(as_text=True)
    for round_ in range(5):  # both opened the same page, then each saves one field
        alice, bob = item_form(page, item["id"]), item_form(page, item["id"])
        alice["lead_unit"] = f"省知识产权局{round_}"
        bob["deadline"] = f"202{round_}年底前"
        bob["support_units"] = "省法院\r\n省检察院"  # typed in the multi-line field
        for form in (alice, bob):
            r = client.post(url, data={**form, "action": "save"})
            assert r.status_code == 303, r.get_data(as_text=True)[-600:]
        got = _items(client, tl["id"])[0]
        assert (got["lead_unit"], got["deadline"]) == (f"省知识产权局{round_}", f"202{round_}年底前")
        assert got["support_units"] == "省法院\n省检察院"
        page = client.get(f"/lists/{tl['id']}").get_data(as_text=True)


def test_list_page_items_are_forms_and_explain_fallback_suggestions(client, token):
    tl = _new(client, token)
    client.post(f"/api/lists/{tl['id']}/items", headers={"X-CSRFToken": token},
                json={"clauses": ["gd-ip-14fyp:3.1.p2", "gd-ip-14fyp:3.2.p4", "gd-ip-14fyp:3.3.p3"]})
    d = client.get(f"/api/lists/{tl['id']}").json
    notes = {i["clause_id"]: i["suggestion_notes"] for i in d["items"]}
    # 3.1.p2 names nobody and no date: both suggestions are fallbacks, and say so
    assert notes["gd-ip-14fyp:3.1.p2"] == {"lead_unit": "条文未写明责任单位，建议取规划印发单位",
                                           "deadline": "条文未写明时限，按规划期末"}
    # 3.2.p4 (推进司法改革创新) names nobody either: the lead is suggested by its kind of work
    assert notes["gd-ip-14fyp:3.2.p4"]["lead_unit"].startswith("条文未写明责任单位，按任务涉及的职能建议（司法")
    assert "deadline" not in notes["gd-ip-14fyp:3.3.p3"]  # 至2025年 is written there
    html = client.get(f"/lists/{tl['id']}").get_data(as_text=True)
    assert html.count('class="item-form"') == 3
    assert html.count('value="save"') == 3 and 'value="remove"' in html
    assert "（条文未写明责任单位，建议取规划印发单位）" in html
    # the first cannot move up, the last cannot move down
    assert re.search(r'value="up" class="btn small move-up"[^>]*disabled', html)
    assert re.search(r'value="down" class="btn small move-down"[^>]*disabled', html)


def test_enter_in_a_field_saves_instead_of_pressing_up(client, token):
    """Issue 8 #15: a browser's implicit submit (Enter in a text field) presses the form's
    first submit button; in each item's form that must be 保存, never ↑ or ↓."""
    tl = _new(client, token)
    client.post(f"/api/lists/{tl['id']}/items", headers={"X-CSRFToken": token},
                json={"clauses": ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4"]})
    html = client.get(f"/lists/{tl['id']}").get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="[^"]+" class="item-form">(.*?)</form>', html, re.S)
    assert len(forms) == 2
    for form in forms:
        # buttons owned by this form: submit buttons without a form= attribute naming another
        owned = [b for b in re.findall(r"<button\b[^>]*>", form)
                 if 'type="button"' not in b and " form=" not in b]
        assert 'value="save"' in owned[0], owned[0]
    # ↑/↓ still work, through their own small form
    first, second = _items(client, tl["id"])
    r = client.post(f"/lists/{tl['id']}/items/{second['id']}", data={"csrf_token": token, "action": "up"})
    assert r.status_code == 303
    assert [i["id"] for i in _items(client, tl["id"])] == [second["id"], first["id"]]
    assert re.search(rf'<form method="post" action="/lists/{tl["id"]}/items/{second["id"]}" id="move-{second["id"]}"', html)


def test_adding_a_whole_page_offers_tick_boxes_with_non_tasks_unticked(client, token):
    """Issue 11 #9: 本页结果全部加入清单 pulled in 回顾 paragraphs, table notes and 十三五 rows."""
    ids = ["gd-ip-14fyp:1.1.p2", "gd-ip-14fyp:t1.r13", "gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:box14.p1",
           "gd-ip-14fyp:t2.n1", "gd-ip-14fyp:t2.r4"]
    page = client.get("/lists/add", query_string={"clauses": " ".join(ids)}).get_data(as_text=True)
    boxes = dict(re.findall(r'<input type="checkbox" name="clause" value="([^"]+)" form="add-form"( checked)?', page))
    assert list(boxes) == ids
    ticked = [i for i, on in boxes.items() if on]
    # a 回顾 paragraph, a 十三五 table row and a table note are offered but not ticked
    assert ticked == ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:box14.p1", "gd-ip-14fyp:t2.r4"]
    r = client.post("/lists/add", data={"csrf_token": token, "picked": "1", "clause": ticked,
                                        "name": f"勾选加入{next(_n)}"})
    assert r.status_code == 303
    list_id = int(urlparse(r.headers["Location"]).path.rsplit("/", 1)[1])
    assert [i["clause_id"] for i in _items(client, list_id)] == ticked
    r = client.post("/lists/add", data={"csrf_token": token, "picked": "1", "name": "什么也没勾"})
    assert r.status_code == 400 and "没有勾选任何条文" in r.get_data(as_text=True)


def test_rename_sort_by_plan_order_and_fill_ticked_rows_without_javascript(client, token):
    """Issue 11 #10: rename a list, put it in plan order, one 牵头单位 for several rows."""
    tl = _new(client, token)
    ids = ["gd-ip-14fyp:5.2.p4", "gd-ip-14fyp:box1.p1", "gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:1.1.p2"]
    client.post(f"/api/lists/{tl['id']}/items", headers={"X-CSRFToken": token}, json={"clauses": ids})
    page = client.get(f"/lists/{tl['id']}").get_data(as_text=True)
    assert 'action="/lists/%d/rename"' % tl["id"] in page and "按规划顺序排列" in page and "批量填入" in page
    # rename
    r = client.post(f"/lists/{tl['id']}/rename", data={"csrf_token": token, "name": "重命名后的清单",
                                                       "title": "司法保护任务分解表"})
    assert r.status_code == 303
    got = client.get(f"/api/lists/{tl['id']}").json["list"]
    assert (got["name"], got["title"]) == ("重命名后的清单", "司法保护任务分解表")
    assert "已重命名。" in client.get(r.headers["Location"]).get_data(as_text=True)
    # plan order
    r = client.post(f"/lists/{tl['id']}/sort", data={"csrf_token": token})
    assert r.status_code == 303
    assert [i["clause_id"] for i in _items(client, tl["id"])] == [
        "gd-ip-14fyp:1.1.p2", "gd-ip-14fyp:box1.p1", "gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:5.2.p4"]
    # fill the ticked rows
    items = _items(client, tl["id"])
    picked = [items[1]["id"], items[3]["id"]]
    r = client.post(f"/lists/{tl['id']}/fill", data={"csrf_token": token, "field": "lead_unit",
                                                     "value": "省知识产权局", "sel": picked})
    assert r.status_code == 303 and "已为 2 条填入。" in client.get(r.headers["Location"]).get_data(as_text=True)
    assert [i["lead_unit"] for i in _items(client, tl["id"])] == ["", "省知识产权局", "", "省知识产权局"]
    r = client.post(f"/lists/{tl['id']}/fill", data={"csrf_token": token, "field": "deadline",
                                                     "value": "2025年底前", "sel": [str(items[0]["id"])]})
    assert _items(client, tl["id"])[0]["deadline"] == "2025年底前"
    for bad, reason in (({"field": "note", "sel": picked}, "参数 field"), ({"field": "deadline"}, "没有勾选任何条目"),
                        ({"field": "deadline", "sel": ["99999999"]}, "不存在")):
        r = client.post(f"/lists/{tl['id']}/fill", data={"csrf_token": token, "value": "x", **bad})
        assert r.status_code in (400, 404) and reason in r.get_data(as_text=True)
