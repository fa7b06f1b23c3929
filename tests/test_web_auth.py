"""Accounts on the web: who may write, the login contract, sessions, slowing guessers,
single sign-on, and the audit trail pages."""
import csv
import io
import logging
import re

import pytest
from openpyxl import load_workbook

from cli_support import ROOT
from office.audit import Actor, acting_as
from office.users import UserStore
from test_web_support import csrf_of

CLAUSE = "gd-ip-14fyp:3.2.p1"
PASSWORD = "mima-12345"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from webapp import create_app

    app = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("auth-inst"),
                      "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True})
    with app.app_context(), acting_as(Actor("测试", "admin")):
        from webapp.auth import users

        for name, role, unit, only in [("admin1", "admin", "", False), ("editor1", "editor", "省局", False),
                                       ("viewer1", "viewer", "", False), ("unit1", "editor", "市局", True)]:
            users().add(name, role=role, password=PASSWORD, unit=unit, own_unit_only=only)
    yield app
    from webapp.resources import close_all

    close_all(app)


@pytest.fixture(autouse=True)
def _fresh_address_counter():
    from webapp import auth

    auth._ip_failures.clear()


def token_of(client, url="/login") -> str:
    return csrf_of(client, url)


def login(client, name, password=PASSWORD, next_url=None):
    data = {"username": name, "password": password, "csrf_token": token_of(client)}
    if next_url:
        data["next"] = next_url
    return client.post("/login", data=data)


def logged_in(app, name):
    c = app.test_client()
    r = login(c, name)
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    return c, token_of(c, "/lists")


def test_reading_is_open_but_an_anonymous_write_is_401_json_or_a_trip_to_login(app):
    c = app.test_client()
    for url in ("/search?q=专利", "/lists", "/api/lists", "/outline"):
        assert c.get(url).status_code == 200, url
    tok = token_of(c, "/lists")
    r = c.post("/api/lists", json={"name": "匿名"}, headers={"X-CSRFToken": tok})
    assert r.status_code == 401 and r.json["error"]["message"].startswith("请先登录")
    r = c.post("/lists", data={"name": "匿名", "csrf_token": tok}, headers={"Referer": "http://localhost/lists"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/login?next=/lists")
    r = c.get("/admin/audit")
    assert r.status_code == 303 and "/login?next=/admin/audit" in r.headers["Location"]
    assert all(t["name"] != "匿名" for t in c.get("/api/lists").json["lists"])


def test_the_login_form_is_the_contract_and_comes_back_where_it_started(app):
    c = app.test_client()
    html = c.get("/login?next=/lists").get_data(as_text=True)
    for field in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert field in html
    assert "登录" in html
    r = login(c, "editor1", next_url="/search?q=专利")
    from urllib.parse import unquote

    assert r.status_code == 303 and unquote(r.headers["Location"]) == "/search?q=专利"
    page = c.get("/lists").get_data(as_text=True)
    assert "editor1（编辑）" in page and "退出" in page
    r = login(app.test_client(), "editor1", next_url="https://evil.example/")
    assert r.headers["Location"] == "/lists"  # never off the site


def test_a_wrong_password_and_an_unknown_name_read_the_same_and_the_password_is_never_logged(app, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("editor1", "nobody"):
        r = login(app.test_client(), name, "wrong-password-xyz")
        assert r.status_code == 401 and "用户名或密码不正确" in r.get_data(as_text=True)
    assert "wrong-password-xyz" not in caplog.text
    c = app.test_client()
    r = c.post("/login", data={"username": "editor1", "password": PASSWORD})  # no CSRF token
    assert r.status_code == 400


def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(app):
    c = app.test_client()
    r = c.post("/login", base_url="http://localhost",
               data={"username": "editor1", "password": PASSWORD, "csrf_token": token_of(c)})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    s = app.test_client()
    tok = re.search(r'csrf-token" content="([^"]+)"',
                    s.get("/login", base_url="https://localhost").get_data(as_text=True)).group(1)
    r = s.post("/login", base_url="https://localhost",
               data={"username": "editor1", "password": PASSWORD, "csrf_token": tok})
    assert r.status_code == 303 and "Secure" in r.headers["Set-Cookie"]


def test_roles_viewer_cannot_write_editor_cannot_manage_admin_can(app):
    viewer, vt = logged_in(app, "viewer1")
    r = viewer.post("/api/lists", json={"name": "只读写"}, headers={"X-CSRFToken": vt})
    assert r.status_code == 403 and "只读" in r.json["error"]["message"]
    editor, et = logged_in(app, "editor1")
    r = editor.post("/api/lists", json={"name": "编辑的清单"}, headers={"X-CSRFToken": et})
    assert r.status_code == 201 and r.json["unit"] == "省局"
    for url in ("/admin/audit", "/admin/users", "/api/admin/audit", "/admin/audit?format=csv"):
        r = editor.get(url)
        assert r.status_code == 403, url
    admin, _ = logged_in(app, "admin1")
    assert admin.get("/admin/users").status_code == 200
    assert "editor1" in admin.get("/admin/users").get_data(as_text=True)


def test_an_editor_limited_to_their_unit_only_changes_their_units_lists(app):
    editor, et = logged_in(app, "editor1")
    other = editor.post("/api/lists", json={"name": "省局清单"}, headers={"X-CSRFToken": et}).json
    unit, ut = logged_in(app, "unit1")
    mine = unit.post("/api/lists", json={"name": "市局清单"}, headers={"X-CSRFToken": ut})
    assert mine.status_code == 201 and mine.json["unit"] == "市局"
    r = unit.post(f"/api/lists/{mine.json['id']}/items", json={"clauses": [CLAUSE]}, headers={"X-CSRFToken": ut})
    assert r.status_code == 201
    r = unit.post(f"/api/lists/{other['id']}/items", json={"clauses": [CLAUSE]}, headers={"X-CSRFToken": ut})
    assert r.status_code == 403 and "本单位（市局）" in r.json["error"]["message"]
    r = unit.post(f"/lists/{other['id']}/delete", data={"csrf_token": ut})
    assert r.status_code == 403 and "本单位" in r.get_data(as_text=True)


def test_repeated_failed_logins_slow_down_then_recover(app):
    from webapp.auth import users

    with app.app_context(), acting_as(Actor("测试", "admin")):
        users().add("guessed", role="editor", password=PASSWORD)
        store = users()
    clock = [1_000_000.0]
    store.clock = lambda: clock[0]
    try:
        for _ in range(5):
            assert login(app.test_client(), "guessed", "not-the-password").status_code == 401
        r = login(app.test_client(), "guessed")  # even the right password must wait now
        assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
        assert int(r.headers["Retry-After"]) >= 1
        clock[0] += 3  # after the wait, the right password works (and the count starts again)
        assert login(app.test_client(), "guessed").status_code == 303
        assert login(app.test_client(), "guessed", "wrong-again").status_code == 401
        assert login(app.test_client(), "guessed").status_code == 303
    finally:
        import time

        store.clock = time.time


def test_changing_the_password_ends_every_other_session(app):
    with app.app_context(), acting_as(Actor("测试", "admin")):
        from webapp.auth import users

        users().add("changer", role="editor", password=PASSWORD)
    here, tok = logged_in(app, "changer")
    elsewhere, _ = logged_in(app, "changer")
    page = here.get("/account/password").get_data(as_text=True)
    assert 'name="current_password"' in page and "修改密码" in page
    r = here.post("/account/password", data={"current_password": "wrong-one", "new_password": "new-password-1",
                                             "confirm_password": "new-password-1", "csrf_token": tok})
    assert r.status_code == 400 and "当前密码不正确" in r.get_data(as_text=True)
    r = here.post("/account/password", data={"current_password": PASSWORD, "new_password": "new-password-1",
                                             "confirm_password": "new-password-2", "csrf_token": tok})
    assert r.status_code == 400 and "不一致" in r.get_data(as_text=True)
    r = here.post("/account/password", data={"current_password": PASSWORD, "new_password": "new-password-1",
                                             "confirm_password": "new-password-1", "csrf_token": tok})
    assert r.status_code == 200 and "密码已更改" in r.get_data(as_text=True)
    assert "changer（编辑）" in here.get("/lists").get_data(as_text=True)  # this session stays
    assert "changer（编辑）" not in elsewhere.get("/lists").get_data(as_text=True)  # the other one ended
    assert login(app.test_client(), "changer").status_code == 401
    assert login(app.test_client(), "changer", "new-password-1").status_code == 303
    assert app.test_client().get("/account/password").status_code == 303  # login first


def test_a_disabled_account_is_logged_out_and_cannot_log_in(app):
    with app.app_context(), acting_as(Actor("测试", "admin")):
        from webapp.auth import users

        users().add("leaver", role="editor", password=PASSWORD)
        c, tok = logged_in(app, "leaver")
        users().set_active("leaver", False)
    r = c.post("/api/lists", json={"name": "离职后"}, headers={"X-CSRFToken": tok})
    assert r.status_code == 401
    r = login(app.test_client(), "leaver")
    assert r.status_code == 401 and "已停用" in r.get_data(as_text=True)


def test_logout_ends_the_session(app):
    c, tok = logged_in(app, "editor1")
    r = c.post("/logout", data={"csrf_token": tok})
    assert r.status_code == 303
    assert "已退出登录" in c.get(r.headers["Location"]).get_data(as_text=True)
    r = c.post("/api/lists", json={"name": "退出后"}, headers={"X-CSRFToken": token_of(c, "/lists")})
    assert r.status_code == 401


def test_every_write_through_the_web_is_in_the_lists_history_and_the_admins_trail(app):
    editor, et = logged_in(app, "editor1")
    H = {"X-CSRFToken": et}
    tl = editor.post("/api/lists", json={"name": "留痕清单"}, headers=H).json
    item = editor.post(f"/api/lists/{tl['id']}/items", json={"clauses": [CLAUSE]}, headers=H).json["added"][0]
    r = editor.patch(f"/api/lists/{tl['id']}/items/{item['id']}", json={"version": item["version"],
                                                                          "lead_unit": "省法院"}, headers=H)
    assert r.status_code == 200
    editor.patch(f"/api/lists/{tl['id']}/items/{item['id']}", json={"version": r.json["version"],
                                                                      "lead_unit": "省检察院"}, headers=H)
    editor.patch(f"/api/lists/{tl['id']}", json={"title": "新标题"}, headers=H)
    hist = editor.get(f"/api/lists/{tl['id']}/history").json
    got = [(e["actor"], e["action_label"], e["field_label"], e["old"], e["new"]) for e in reversed(hist["entries"])]
    assert got == [("editor1", "创建清单", "名称", "", "留痕清单"),
                   ("editor1", "加入条目", "条款", "", CLAUSE),
                   ("editor1", "修改字段", "牵头单位", "", "省法院"),
                   ("editor1", "修改字段", "牵头单位", "省法院", "省检察院"),
                   ("editor1", "修改清单", "标题", "", "新标题")]
    page = editor.get(f"/lists/{tl['id']}/history").get_data(as_text=True)
    assert "省检察院" in page and "修改记录" in page
    assert f"/lists/{tl['id']}/history" in editor.get(f"/lists/{tl['id']}").get_data(as_text=True)
    admin, _ = logged_in(app, "admin1")
    rows = list(csv.reader(io.StringIO(admin.get("/admin/audit?format=csv").get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间（UTC）", "操作人", "操作"]
    assert ["editor1", "修改字段", CLAUSE, "牵头单位", "省法院", "省检察院"] in [r[1:7] for r in rows]
    assert any(r[2] == "新建账号" and r[3] == "editor1" for r in rows)  # user changes too
    wb = load_workbook(io.BytesIO(admin.get("/admin/audit?format=xlsx").get_data()))
    cells = [[c.value for c in row] for row in wb.active.iter_rows()]
    assert ["editor1", "修改字段", CLAUSE, "牵头单位", "省法院", "省检察院"] in [r[1:7] for r in cells]
    assert "留痕清单" in admin.get("/admin/audit").get_data(as_text=True)


def test_nothing_in_the_app_changes_the_trail(app):
    admin, at = logged_in(app, "admin1")
    for method in ("post", "put", "patch", "delete"):
        for url in ("/admin/audit", "/api/admin/audit", "/lists/1/history", "/api/lists/1/history"):
            r = getattr(admin, method)(url, headers={"X-CSRFToken": at})
            assert r.status_code == 405, (method, url)
    routes = [str(r) for r in app.url_map.iter_rules() if {"POST", "PUT", "PATCH", "DELETE"} & r.methods]
    assert not [r for r in routes if "audit" in r or "history" in r]


def test_a_setting_closes_reading_too(tmp_path):
    from webapp import create_app

    app = create_app({"INSTANCE_PATH": tmp_path, "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True,
                      "LOGIN_REQUIRED": True})
    c = app.test_client()
    r = c.get("/search?q=专利")
    assert r.status_code == 303 and r.headers["Location"].startswith("/login?next=/search")
    assert c.get("/api/outline").status_code == 401
    assert c.get("/login").status_code == 200 and c.get("/healthz").status_code == 200


def test_single_sign_on_trusts_the_header_only_from_the_proxy(tmp_path):
    from webapp import create_app

    app = create_app({"INSTANCE_PATH": tmp_path, "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True,
                      "SSO_HEADER": "X-Remote-User", "SSO_PROXIES": "10.0.0.5"})
    with app.app_context(), acting_as(Actor("测试", "admin")):
        from webapp.auth import users

        users().add("sso-editor", role="editor", password=PASSWORD)
    proxy, stranger = app.test_client(), app.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "10.0.0.5"
    stranger.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    for c, status in ((proxy, 201), (stranger, 401)):
        tok = token_of(c, "/lists")
        r = c.post("/api/lists", json={"name": f"单点登录{status}"},
                   headers={"X-CSRFToken": tok, "X-Remote-User": "sso-editor"})
        assert r.status_code == status
    tok = token_of(proxy, "/lists")
    r = proxy.post("/api/lists", json={"name": "无此人"}, headers={"X-CSRFToken": tok, "X-Remote-User": "nobody"})
    assert r.status_code == 401


def test_single_sign_on_without_the_proxys_address_refuses_to_start(tmp_path):
    from webapp import create_app

    with pytest.raises(ValueError, match="PLANKB_SSO_PROXIES"):
        create_app({"INSTANCE_PATH": tmp_path, "CORPUS_DIR": str(ROOT / "corpus"), "SSO_HEADER": "X-Remote-User"})


def test_the_first_start_without_accounts_says_how_to_create_one(tmp_path, caplog):
    from webapp import create_app

    with caplog.at_level(logging.WARNING):
        app = create_app({"INSTANCE_PATH": tmp_path, "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True})
    assert "plankb user add" in caplog.text
    assert "plankb user add" in app.test_client().get("/login").get_data(as_text=True)


def test_user_changes_are_admin_only_and_recorded_without_the_password(tmp_path):
    from office.db import Database
    from office.errors import ForbiddenError
    from office.audit import AuditLog

    db = Database.for_instance(tmp_path)
    users = UserStore(db)
    with acting_as(Actor("ed", "editor")):
        with pytest.raises(ForbiddenError):
            users.add("x1", role="admin", password=PASSWORD)
    with acting_as(Actor("boss", "admin")):
        users.add("x1", role="editor", password=PASSWORD, unit="省局")
        users.update("x1", role="viewer")
        users.set_password("x1", "another-password")
        users.set_active("x1", False)
    rows = [(e.actor, e.action, e.field, e.old, e.new) for e in reversed(AuditLog(db).entries())]
    assert rows == [("boss", "user.add", "role", "", "编辑，省局"), ("boss", "user.update", "role", "editor", "viewer"),
                    ("boss", "user.password", "password", "", "（已更改）"), ("boss", "user.disable", "active", "启用", "停用")]
    assert not any(PASSWORD in str(r) or "another-password" in str(r) for r in rows)


def test_many_names_guessed_from_one_address_slow_down_too(app):
    from webapp import auth

    for i in range(auth.IP_FREE_FAILURES):
        assert login(app.test_client(), f"sprayed{i}", "guess-guess").status_code == 401
    r = login(app.test_client(), "editor1")  # a real account, right password, same address: must wait
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert login(other, "editor1").status_code == 303  # another machine is not slowed


def test_an_admin_manages_accounts_on_the_web_and_an_editor_cannot(app):
    admin, at = logged_in(app, "admin1")
    r = admin.post("/admin/users", data={"username": "web-made", "role": "viewer", "unit": "市局",
                                         "password": "web-made-pw1", "csrf_token": at})
    assert r.status_code == 200 and "已新建账号“web-made”" in r.get_data(as_text=True)
    assert login(app.test_client(), "web-made", "web-made-pw1").status_code == 303
    r = admin.post("/admin/users/web-made", data={"action": "update", "role": "editor", "unit": "市局",
                                                  "own_unit_only": "1", "display_name": "小王", "csrf_token": at})
    assert r.status_code == 200 and "已保存" in r.get_data(as_text=True)
    with app.app_context():
        from webapp.auth import users

        made = users().get("web-made")
    assert (made.role, made.unit, made.own_unit_only, made.display_name) == ("editor", "市局", True, "小王")
    r = admin.post("/admin/users/web-made", data={"action": "password", "password": "short", "csrf_token": at})
    assert r.status_code == 400 and "密码太短" in r.get_data(as_text=True)
    r = admin.post("/admin/users/web-made", data={"action": "password", "password": "reset-pw-22", "csrf_token": at})
    assert r.status_code == 200 and login(app.test_client(), "web-made", "reset-pw-22").status_code == 303
    r = admin.post("/admin/users/web-made", data={"action": "disable", "csrf_token": at})
    assert "已停用账号“web-made”" in r.get_data(as_text=True)
    r = admin.post("/admin/users/admin1", data={"action": "disable", "csrf_token": at})
    assert r.status_code == 400 and "不能停用自己的账号" in r.get_data(as_text=True)
    r = admin.post("/admin/users", data={"username": "web-made", "role": "viewer", "password": "web-made-pw1",
                                         "csrf_token": at})
    assert r.status_code == 409 and "已有用户“web-made”" in r.get_data(as_text=True)
    editor, et = logged_in(app, "editor1")
    r = editor.post("/admin/users", data={"username": "sneaky", "role": "admin", "password": "sneaky-pw-1",
                                          "csrf_token": et})
    assert r.status_code == 403
    r = editor.post("/admin/users/editor1", data={"action": "update", "role": "admin", "csrf_token": et})
    assert r.status_code == 403
    with app.app_context():
        assert users().get("sneaky") is None and users().get("editor1").role == "editor"
        trail = [(e.action, e.subject, e.field) for e in _trail(app)]
    assert ("user.update", "web-made", "role") in trail and ("user.disable", "web-made", "active") in trail


def _trail(app):
    from office.audit import AuditLog
    from webapp.resources import get_store

    return AuditLog(get_store().db).entries(limit=1000)
