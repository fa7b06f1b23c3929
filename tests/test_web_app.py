"""The app factory, its safety rails and its one error handler."""
import os
import stat

from test_web_support import app, client, log_in, token, web_instance  # noqa: F401 (fixtures)


def test_factory_uses_instance_folder_and_generates_private_secret(tmp_path):
    from webapp import create_app

    inst = tmp_path / "inst"
    a = create_app({"INSTANCE_PATH": inst})
    key_file = inst / "secret_key"
    assert a.instance_path == str(inst.resolve())
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert a.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(a.config["SECRET_KEY"]) == 64
    # a restart (or a second worker process) reuses the key, so sessions survive
    assert create_app({"INSTANCE_PATH": inst}).config["SECRET_KEY"] == a.config["SECRET_KEY"]
    assert a.debug is False


def test_instance_from_environment(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.setenv("PLANKB_INSTANCE", str(tmp_path / "env-inst"))
    a = create_app()
    assert a.instance_path == str((tmp_path / "env-inst").resolve())
    assert (tmp_path / "env-inst" / "secret_key").exists()


def test_healthz(client, corpus):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json == {"status": "ok", "documents": len(corpus.documents),
                      "clauses": sum(len(d.clauses) for d in corpus.documents), "left_out": [],
                      "loaded_by": {"corpus": os.getpid()}}  # this process loaded the corpus


def test_healthz_reports_unreadable_corpus(tmp_path):
    from webapp import create_app

    a = create_app({"INSTANCE_PATH": tmp_path / "i", "CORPUS_DIR": str(tmp_path / "missing")})
    r = a.test_client().get("/healthz")
    assert r.status_code == 503
    assert "语料目录不存在" in r.json["reason"]


def test_unknown_page_is_chinese_html_and_api_is_json(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "<title>未找到" in html and "您访问的页面或条目不存在" in html
    r = client.get("/api/no/such/thing")
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert r.json["error"] == {"status": 404, "title": "未找到", "message": "您访问的页面或条目不存在。"}


def test_wrong_method_answers_405_in_chinese(client, token):
    r = client.delete("/api/search?q=x", headers={"X-CSRFToken": token})
    assert r.status_code == 405
    assert r.json["error"]["message"] == "该地址不支持此请求方式。"
    assert "GET" in r.headers["Allow"]


def test_unexpected_exception_is_a_500_page_without_details(tmp_path):
    from webapp import create_app

    a = create_app({"INSTANCE_PATH": tmp_path / "i"})

    @a.get("/api/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    r = a.test_client().get("/api/boom")
    assert r.status_code == 500
    assert "secret internal detail" not in r.get_data(as_text=True)
    assert r.json["error"]["title"] == "服务器内部错误"


def test_csrf_required_for_every_state_change(client, token):
    for method in ("post", "put", "patch", "delete"):
        r = getattr(client, method)("/api/lists", json={"name": "无令牌"})
        assert r.status_code == 400, method
        assert "CSRF" in r.json["error"]["message"]
    r = client.post("/api/lists", json={"name": "无令牌"}, headers={"X-CSRFToken": "forged"})
    assert r.status_code == 400
    # a form post without the hidden field gets the Chinese page
    r = client.post("/lists", data={"name": "表单无令牌"})
    assert r.status_code == 400 and "安全校验失败" in r.get_data(as_text=True)
    # the real token works, as header or form field
    r = client.post("/api/lists", json={"name": "有令牌的清单"}, headers={"X-CSRFToken": token})
    assert r.status_code == 201
    r = client.post("/lists", data={"name": "表单清单", "csrf_token": token})
    assert r.status_code == 303
    # another browser (another session) cannot reuse this session's token
    from flask.testing import FlaskClient

    other = log_in(FlaskClient(client.application), name="test-editor-b")  # logged in, own session
    r = other.post("/api/lists", json={"name": "别人的"}, headers={"X-CSRFToken": token})
    assert r.status_code == 400


def test_security_headers_and_no_external_assets(client):
    r = client.get("/outline")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    html = r.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html  # no CDN, no web fonts
    for asset in ("/static/style.css", "/static/app.js", "/static/favicon.svg"):
        a = client.get(asset)
        assert a.status_code == 200, asset
        body = a.get_data(as_text=True)
        assert "http://" not in body.replace("http://www.w3.org/2000/svg", "") and "https://" not in body
        a.close()


def test_session_cookie_is_httponly_and_samesite(client):
    r = client.get("/lists")
    cookie = r.headers.get("Set-Cookie", "")
    assert "plankb_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_one_refusal_family_and_one_handler_for_it(tmp_path):
    """The list store's and the tracking code's refusals share one base (office.errors.
    OfficeError, status + Chinese sentence), and the web app answers that base once."""
    from office.errors import ListError, OfficeError, StoreUnavailable
    from office.tracking.actuals import ActualsError, ActualsForbidden, ActualsUnavailable, MeasureNotFound
    from office.tracking.report import ReportError
    from office.tracking.template import TemplateError
    from webapp import create_app
    from webapp.errors import handle_office_error

    for cls in (ListError, ActualsError, ReportError, TemplateError, StoreUnavailable):
        assert issubclass(cls, OfficeError)
    assert (ActualsForbidden.status, ActualsUnavailable.status, MeasureNotFound.status) == (403, 503, 404)
    app = create_app({"INSTANCE_PATH": tmp_path, "TESTING": True, "BUILD_INDEX_IF_MISSING": False})
    handlers = app.error_handler_spec[None][None]
    assert handlers[OfficeError] is handle_office_error
    assert ListError not in handlers and ActualsError not in handlers
