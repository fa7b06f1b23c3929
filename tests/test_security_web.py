"""The web app under attack: every hostile or careless request ends in a 4xx with a
Chinese reason (JSON under /api/), never a 500, a traceback, script on the page or a
changed list database.

One app on its own instance folder (lists here are created and attacked, so they must
not leak into the other web tests' shared app).
"""
import json
import random
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from cli_support import ROOT
from test_web_support import csrf_of as token_of

XSS = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
Q = quote(XSS)
RAW_MARKUP = re.compile(r"<script>alert|<img src=x|<svg onload|<iframe|onerror=alert\(1\)>")
CLAUSE = "gd-ip-14fyp:3.2.p1"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from webapp import create_app

    app = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("sec-inst"),
                      "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True})
    yield app
    from webapp.resources import close_all

    close_all(app)


@pytest.fixture
def client(app):
    from test_web_support import log_in

    return log_in(app.test_client())  # an editor: writing needs an account


@pytest.fixture
def token(client):
    return token_of(client)


@pytest.fixture
def H(token):
    return {"X-CSRFToken": token}


def text(r) -> str:
    return r.get_data().decode("utf-8", "replace")


def assert_refused(r, status=400, api=None):
    """A refusal: the expected 4xx, a Chinese reason, JSON under /api/, no traceback."""
    body = text(r)
    assert r.status_code == status, (r.status_code, body[:300])
    assert "Traceback" not in body and "File \"" not in body
    if api is None:
        api = r.request.path.startswith("/api/")
    if api:
        assert r.mimetype == "application/json", body[:200]
        err = r.get_json()["error"]
        assert err["status"] == status and err["title"] and err["message"]
        assert re.search(r"[\u4e00-\u9fff]", err["message"])
    else:
        assert r.mimetype == "text/html"
        assert f'<p class="error-code">{status}</p>' in body
    return body


def assert_no_markup(r):
    body = text(r)
    if r.mimetype == "text/html":
        m = RAW_MARKUP.search(body)
        assert m is None, body[max(0, m.start() - 200):m.start() + 80]
    return body


def snapshot(app) -> str:
    """Everything the list database holds, to prove a refused request changed nothing."""
    db = Path(app.instance_path) / "plankb.sqlite3"
    if not db.exists():
        return ""
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return json.dumps({t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables})
    finally:
        con.close()


@pytest.fixture
def a_list(client, H):
    r = client.post("/api/lists", json={"name": f"攻击测试{random.random()}"}, headers=H)
    assert r.status_code == 201
    lst = r.json
    r = client.post(f"/api/lists/{lst['id']}/items", json={"clauses": [CLAUSE, "gd-ip-14fyp:box3.p1"]},
                    headers=H)
    assert r.status_code == 201
    return client.get(f"/api/lists/{lst['id']}").json


# -- reflected input is escaped -------------------------------------------------------

REFLECTED = [
    f"/search?q={Q}", f"/?q={Q}", f"/search?q=专利&box={Q}", f"/search?q=专利&document={Q}",
    f"/search?q=专利&kind={Q}", f"/search?q=专利&chapter={Q}", f"/search?q=专利&year={Q}",
    f"/search?q=专利&page={Q}", f"/clauses/{Q}", f"/trace/{Q}", f"/trace/body:{Q}",
    f"/trace?id={Q}", f"/graph?kind={Q}", f"/graph?q={Q}", f"/outline?document={Q}",
    f"/boxes?document={Q}", f"/targets?document={Q}", f"/indicators?document={Q}",
    f"/bodies?document={Q}", f"/lists/add?clauses={Q}", f"/lists/add?clauses={CLAUSE}&back={Q}",
    f"/lists/1?added={Q}", f"/search/export?q={Q}&format=csv", f"/search/export?q=专利&format={Q}",
    f"/lists/1/export?format={Q}", f"/no/such/{Q}",
]


@pytest.mark.parametrize("url", REFLECTED)
def test_reflected_payloads_are_escaped_and_never_500(client, url):
    r = client.get(url, follow_redirects=True)
    assert r.status_code < 500, text(r)[:300]
    assert_no_markup(r)


@pytest.mark.parametrize("url", [f"/api/search?q={Q}", f"/api/clauses/{Q}", f"/api/trace/{Q}",
                                 f"/api/outline?document={Q}", f"/api/graph?kind={Q}"])
def test_api_echoes_payloads_only_as_json_that_the_browser_will_not_sniff(client, url):
    r = client.get(url)
    assert r.status_code < 500
    assert r.mimetype == "application/json"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_referer_is_never_shown(client):
    r = client.get("/no/such/page", headers={"Referer": XSS})
    assert r.status_code == 404
    assert_no_markup(r)
    assert "alert(1)" not in text(r)


def test_stored_list_fields_are_escaped_on_every_page(client, H, a_list):
    lid = a_list["list"]["id"]
    r = client.patch(f"/api/lists/{lid}", json={"title": XSS, "version": a_list["list"]["version"]},
                     headers=H)
    assert r.status_code == 200
    item = a_list["items"][0]
    r = client.patch(f"/api/lists/{lid}/items/{item['id']}",
                     json={"version": item["version"], "lead_unit": XSS, "support_units": XSS,
                           "deadline": XSS, "note": XSS}, headers=H)
    assert r.status_code == 200
    for url in ("/lists", f"/lists/{lid}", f"/lists/add?clauses={CLAUSE}"):
        body = assert_no_markup(client.get(url))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # a list named with markup: still text in the chooser and in the confirm dialog attribute
    r = client.post("/api/lists", json={"name": XSS}, headers=H)
    assert r.status_code == 201
    for url in ("/lists", f"/lists/{r.json['id']}", f"/lists/add?clauses={CLAUSE}"):
        assert_no_markup(client.get(url))


def test_export_title_with_quotes_and_newlines_cannot_inject_headers(client, H, a_list):
    lid = a_list["list"]["id"]
    r = client.patch(f"/api/lists/{lid}", json={"title": '../../etc/passwd"; x=1 .docx',
                                                 "version": a_list["list"]["version"]}, headers=H)
    assert r.status_code == 200
    for fmt in ("docx", "xlsx", "csv", "md", "json"):
        r = client.get(f"/lists/{lid}/export?format={fmt}")
        assert r.status_code == 200
        cd = r.headers["Content-Disposition"]
        assert "\r" not in cd and "\n" not in cd and "/" not in cd.split("filename*=")[0]
        ascii_name = re.match(r'attachment; filename="([^"]*)"; filename\*=UTF-8\'\'(\S+)$', cd)
        assert ascii_name, cd
        assert ".." not in ascii_name.group(1) and ascii_name.group(1).endswith("." + fmt)
    # the search export's title is the query: CR/LF in it never reaches a header
    r = client.get("/search/export?q=" + quote('专利"\r\nX-Evil: 1') + "&format=csv")
    assert r.status_code in (200, 400)
    assert "X-Evil" not in r.headers


# -- snippets: only <mark> -------------------------------------------------------------

@pytest.mark.parametrize("raw,want", [
    ("a<mark>b</mark>c", "a<mark>b</mark>c"),
    ("<script>x</script><mark>y</mark>", "&lt;script&gt;x&lt;/script&gt;<mark>y</mark>"),
    ("&lt;b&gt; &amp; & <mark>x", "&lt;b&gt; &amp; &amp; <mark>x</mark>"),
    ("</mark><mark><mark>z</mark></mark>", "<mark>z</mark>"),
    ('<mark onclick="x">q</mark>', "&lt;mark onclick=&#34;x&#34;&gt;q"),
    ("<MARK>q</MARK>", "&lt;MARK&gt;q&lt;/MARK&gt;"),
    (None, ""),
])
def test_snippet_filter_keeps_only_balanced_marks(raw, want):
    from webapp.templating import snippet_html

    assert str(snippet_html(raw)) == want


def test_search_page_snippets_carry_only_mark_tags(client):
    body = text(client.get("/search?q=司法保护"))
    snippets = re.findall(r'<p class="snippet">(.*?)</p>', body, re.S)
    assert snippets and any("<mark>" in s for s in snippets)
    for s in snippets:
        assert re.sub(r"</?mark>", "", s).count("<") == 0, s


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """A plan whose own text carries markup: a user-added plan is not trusted either."""
    from webapp import create_app

    s = (ROOT / "corpus" / "gd-ip-14fyp.md").read_text(encoding="utf-8")
    for old, new in [
        ('id: "gd-ip-14fyp"', 'id: "evil"'),
        ("广东省知识产权保护和运用“十四五”规划", "广东省知识产权<script>alert(1)</script>规划"),
        ("#### 专栏1 打击知识产权犯罪专项工程", "#### 专栏1 打击<svg onload=alert(1)>犯罪专项工程"),
        ("加强民事司法保护。依法合理确定判赔数额", "加强民事司法保护。<script>alert(2)</script>依法合理确定判赔数额"),
        ("| 发明专利有效量 |", "| 发明专利<img src=x onerror=alert(3)>有效量 |"),
    ]:
        assert old in s
        s = s.replace(old, new, 1)
    # a section heading's number and title are parted by a space or, as printed, by U+3000
    s, n = re.subn(r"(### 第一节[ \u3000])“十三五”时期工作成效", r"\1“十三五”<img src=x onerror=alert(1)>时期工作成效",
                   s, count=1)
    assert n == 1
    corpus = tmp_path_factory.mktemp("evil-corpus")
    (corpus / "evil.md").write_text(s, encoding="utf-8")
    app = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("evil-inst"),
                      "CORPUS_DIR": str(corpus), "TESTING": True})
    yield app
    from webapp.resources import close_all

    close_all(app)


def test_markup_in_the_plan_itself_is_text_on_every_page(hostile_app):
    from webapp.resources import get_corpus

    c = hostile_app.test_client()
    with hostile_app.app_context():
        ids = [cl.id for cl in get_corpus().clauses()]
    urls = ["/", "/search?q=司法保护", "/search?q=alert", "/search?q=script", "/search?q=发明专利",
            "/outline", "/boxes", "/targets", "/indicators", "/bodies", "/graph", "/trace", "/lists"]
    urls += [f"/clauses/{i}" for i in ids]
    starts = c.get("/api/trace").json
    urls += [s["url"] for group in starts.values() if isinstance(group, list) for s in group[:30]]
    for url in urls:
        r = c.get(url)
        assert r.status_code < 500, url
        assert_no_markup(r)
    body = text(c.get("/search?q=alert"))
    assert "<mark>alert</mark>(2)" in body  # found, highlighted, and the tags around it inert


# -- CSRF ----------------------------------------------------------------------------

def state_changing(lid, iid, token=None):
    """Every state-changing route, as (method, url, kwargs) for form and JSON."""
    form = {"name": "偷偷新建", "clauses": CLAUSE, "action": "remove", "note": "x"}
    if token:
        form["csrf_token"] = token
    return [
        ("POST", "/lists", {"data": form}),
        ("POST", "/lists/add", {"data": form}),
        ("POST", f"/lists/{lid}/items/{iid}", {"data": form}),
        ("POST", f"/lists/{lid}/delete", {"data": form}),
        ("POST", "/api/lists", {"json": {"name": "偷偷新建"}}),
        ("PATCH", f"/api/lists/{lid}", {"json": {"name": "改名"}}),
        ("DELETE", f"/api/lists/{lid}", {"json": {}}),
        ("POST", f"/api/lists/{lid}/items", {"json": {"clauses": [CLAUSE]}}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"json": {"note": "x"}}),
        ("DELETE", f"/api/lists/{lid}/items/{iid}", {"json": {}}),
        ("PUT", f"/api/lists/{lid}/order", {"json": {"items": [iid]}}),
        ("POST", "/api/lists", {"data": "name=x", "content_type": "text/plain"}),
    ]


@pytest.mark.parametrize("how", ["none", "wrong", "other-session", "empty", "in-query"])
def test_every_state_changing_route_needs_this_sessions_token(app, client, a_list, how):
    lid, iid = a_list["list"]["id"], a_list["items"][0]["id"]
    other = token_of(app.test_client())
    before = snapshot(app)
    for method, url, kw in state_changing(lid, iid, token=other if how == "other-session" else None):
        headers = {"none": {}, "wrong": {"X-CSRFToken": "x" * 43}, "other-session": {"X-CSRFToken": other},
                   "empty": {"X-CSRFToken": ""}, "in-query": {}}[how]
        if how == "in-query":
            url += ("&" if "?" in url else "?") + "csrf_token=" + token_of(client)
        r = client.open(url, method=method, headers=headers, **kw)
        body = assert_refused(r, 400)
        assert "CSRF" in body, (method, url)
    assert snapshot(app) == before


def test_a_new_session_without_a_token_cannot_post(app):
    from test_web_support import log_in

    c = log_in(app.test_client())  # logged in, but never fetched a page, so no token at all
    before = snapshot(app)
    assert_refused(c.post("/api/lists", json={"name": "x"}, headers={"X-CSRFToken": ""}), 400)
    assert_refused(c.post("/lists", data={"name": "x", "csrf_token": "None"}), 400)
    assert snapshot(app) == before


def test_with_the_token_the_same_requests_work(client, H, token, a_list):
    lid = a_list["list"]["id"]
    assert client.post("/api/lists", json={"name": "有令牌"}, headers=H).status_code == 201
    r = client.post("/lists", data={"name": "有令牌表单", "csrf_token": token})
    assert r.status_code == 303
    r = client.put(f"/api/lists/{lid}/order", json={"items": [i["id"] for i in a_list["items"]][::-1]},
                   headers=H)
    assert r.status_code == 200


# -- headers, CSP, templates --------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/api/search?q=专利", "/no/such", "/api/no/such",
                                 "/static/app.js", "/lists/999999"])
def test_security_headers_on_every_kind_of_answer(client, url):
    r = client.get(url)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "form-action 'self'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


def test_templates_need_no_inline_script_or_style():
    """The CSP forbids inline script and style: nothing in a template may rely on them."""
    for path in (ROOT / "webapp" / "templates").glob("*.html"):
        src = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", src):
            assert "src=" in tag, (path.name, tag)
        assert not re.search(r"<script\b[^>]*>\s*[^<\s]", src), path.name
        assert "<style" not in src, path.name
        assert not re.search(r"\son[a-z]+\s*=", src), path.name
        assert not re.search(r"\sstyle\s*=", src), path.name
        assert "javascript:" not in src, path.name
    js = (ROOT / "webapp" / "static" / "app.js").read_text(encoding="utf-8")
    assert "eval(" not in js and "new Function" not in js


def test_session_cookie_is_httponly_and_samesite(client):
    client.get("/lists")
    cookie = client.get_cookie("plankb_session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_debug_is_off(app):
    assert app.debug is False


# -- redirects --------------------------------------------------------------------------

@pytest.mark.parametrize("back,kept", [
    ("/search?q=专利", True), ("//evil.example/x", False), ("https://evil.example", False),
    ("javascript:alert(1)", False), ("/\t/evil.example", False), ("/\\evil.example", False),
    ("/%0a/evil.example", True), ("\\\\evil.example", False), ("/ok\n//evil", False),
    ("/" + "a" * 600, False), ("", False),
])
def test_back_link_stays_on_this_site(client, back, kept):
    r = client.get(f"/lists/add?clauses={CLAUSE}&back={quote(back)}")
    assert r.status_code == 200
    hrefs = re.findall(r'<a class="btn" href="([^"]*)">返回</a>', text(r))
    if kept:
        assert len(hrefs) == 1 and hrefs[0].startswith("/") and not hrefs[0].startswith("//")
    else:
        assert hrefs == []


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_trace_redirects_only_within_the_site(client, target):
    r = client.get(f"/trace?id={quote(target)}")
    assert r.status_code in (302, 303, 400, 404)
    loc = r.headers.get("Location", "/")
    assert loc.startswith("/") and not loc.startswith("//")


def test_forms_redirect_to_their_own_pages_whatever_is_posted(client, token):
    r = client.post("/lists/add", data={"csrf_token": token, "clauses": CLAUSE, "name": "跳转",
                                        "back": "https://evil.example", "next": "//evil.example"})
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/lists/")


# -- traversal, ids, formats --------------------------------------------------------------

@pytest.mark.parametrize("url,status", [
    ("/clauses/../../etc/passwd", 404), ("/api/clauses/..%2f..%2fetc%2fpasswd", 404),
    ("/api/clauses/" + "a" * 5000, 400), ("/api/clauses/a%00b", 400), ("/api/clauses/%1b[31m", 400),
    ("/static/../../etc/passwd", 404), ("/static/..%2f..%2fsetup.cfg", 404),
    ("/api/trace/../../etc/passwd", 404), ("/lists/abc", 404), ("/lists/-1", 404), ("/lists/0", 404),
    ("/lists/1.5", 404), ("/lists/99999999999999999999999999", 404),
    ("/api/lists/99999999999999999999999999", 404), ("/api/lists/9223372036854775808", 404),
    ("/api/lists/9223372036854775807", 404), ("/lists/１", 404),
    ("/lists/1/export?format=../../etc", 400), ("/lists/1/export?format=exe", 400),
    ("/search/export?q=专利&format=docx%00", 400), ("/search/export?q=专利&format=", 200),
    ("/search/export?format=csv", 400), ("/search/export?q=专利&format=CSV", 400),
])
def test_traversal_and_malformed_ids_are_4xx(client, url, status):
    r = client.get(url)
    assert r.status_code == status, (url, text(r)[:200])
    if status >= 400:
        assert_refused(r, status, api=url.startswith("/api/"))


def test_nothing_is_written_outside_the_instance_by_an_export(client, app, tmp_path):
    before = sorted(p.name for p in Path(app.instance_path).iterdir())
    r = client.get("/search/export?q=专利&format=docx&title=../../x")
    assert r.status_code == 200
    assert sorted(p.name for p in Path(app.instance_path).iterdir()) == before


# -- parameters: numbers, lengths, encodings ------------------------------------------------

@pytest.mark.parametrize("query", [
    "limit=0", "limit=-1", "limit=101", "limit=abc", "limit=1e3", "limit=99999999999999999999999",
    "offset=-5", "offset=100001", "offset=x", "chapter=-1", "chapter=abc", "year=1800", "year=二〇二五",
    "kind=nope", "raw=maybe", "q=" + "知" * 5001, "q=a%00b", "box=" + "1" * 30, "document=nope",
    "document=" + "d" * 101,
])
def test_bad_search_parameters_are_400_naming_the_parameter(client, query):
    base = "/api/search?" + (query if query.startswith("q=") else "q=专利&" + query)
    body = assert_refused(client.get(base), 400)
    name = query.split("=")[0]
    assert name in body
    if name != "offset":  # the page pages with page=, and ignores offset
        assert_refused(client.get(base.replace("/api/search", "/search")), 400)


@pytest.mark.parametrize("url", ["/api/search?q=%01%02%1b[31m", '/api/search?q="知识产权',
                                 "/api/search?q=OR", "/api/search?q=-", "/api/search?q=(((",
                                 "/api/search?q=*", "/api/search?q=text:专利 AND id:*",
                                 "/api/search?q=专利~5^3", "/api/search?q=%22%22",
                                 "/api/search?q=%E3%80%80", "/api/graph?limit=5001",
                                 "/api/graph?limit=abc"])
def test_odd_queries_answer_results_or_a_reason(client, url):
    r = client.get(url)
    assert r.status_code in (200, 400), text(r)[:200]
    if r.status_code == 400:
        assert_refused(r, 400)
    else:
        assert "hits" in r.json or "nodes" in r.json or "kinds" in r.json or r.json


def test_very_long_query_string_is_refused_not_crashed(client):
    r = client.get("/api/search?q=专利&junk=" + "x" * 100000)
    assert r.status_code in (200, 400, 414, 431)
    r = client.get("/api/search?q=" + "知" * 10000)
    assert_refused(r, 400)


@pytest.mark.parametrize("method,url,kw", [
    ("GET", "/api/search?q=%ff%fe", {}),
    ("GET", "/search?q=%ff%fe%80", {}),
    ("GET", "/clauses/x", {"environ_overrides": {"PATH_INFO": "/clauses/\xff"}}),
    ("GET", "/api/trace/x", {"environ_overrides": {"PATH_INFO": "/api/trace/\xc3\x28"}}),
    ("POST", "/lists", {"data": b"name=%ff%fe", "content_type": "application/x-www-form-urlencoded"}),
    ("POST", "/api/lists", {"data": b'{"name":"\xff\xfe"}', "content_type": "application/json"}),
])
def test_bytes_that_are_not_utf8_are_refused(app, client, token, method, url, kw):
    before = snapshot(app)
    if "data" in kw and kw["content_type"].startswith("application/x-www"):
        kw = dict(kw, data=kw["data"] + b"&csrf_token=" + token.encode())
    r = client.open(url, method=method, headers={"X-CSRFToken": token}, **kw)
    assert_refused(r, 400)
    assert snapshot(app) == before


def test_oversized_bodies_are_413_in_chinese(app, client, token, H):
    before = snapshot(app)
    r = client.post("/api/lists", data=b"x" * (2 * 1024 * 1024), content_type="application/json", headers=H)
    body = assert_refused(r, 413)
    assert "过大" in body
    r = client.post("/lists", data={"name": "x" * (2 * 1024 * 1024), "csrf_token": token})
    assert_refused(r, 413)
    assert snapshot(app) == before
    assert app.config["MAX_CONTENT_LENGTH"] <= 1024 * 1024


# -- wrong JSON ---------------------------------------------------------------------------

def test_wrong_json_types_are_400_and_change_nothing(app, client, H, a_list):
    lid, lv = a_list["list"]["id"], a_list["list"]["version"]
    item = a_list["items"][0]
    iid, v = item["id"], item["version"]
    cases = [
        ("POST", "/api/lists", [1, 2]), ("POST", "/api/lists", None), ("POST", "/api/lists", "名字"),
        ("POST", "/api/lists", {"name": 5}), ("POST", "/api/lists", {"name": ["a"]}),
        ("POST", "/api/lists", {"name": {"a": 1}}), ("POST", "/api/lists", {"name": ""}),
        ("POST", "/api/lists", {"name": "长" * 5000}), ("POST", "/api/lists", {"name": "a\x00\x1b"}),
        ("POST", "/api/lists", {"name": "t", "title": 7}), ("POST", "/api/lists", {"name": None}),
        ("PATCH", f"/api/lists/{lid}", {"name": 5, "version": lv}),
        ("PATCH", f"/api/lists/{lid}", {"title": [], "version": lv}),
        ("PATCH", f"/api/lists/{lid}", {"name": "", "version": lv}),
        ("PATCH", f"/api/lists/{lid}", {"name": "x", "version": "abc"}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", [1]),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", None),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": "abc", "note": "x"}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": None, "note": "x"}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": True, "note": "x"}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": v, "note": 5}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": v, "note": ["a"]}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": v, "clause_id": "gd-ip-14fyp:p2"}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": v, "list_id": 99}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": v, "position": -5}),
        ("PATCH", f"/api/lists/{lid}/items/{iid}", {"version": v, "note": "x" * 200000}),
        ("PUT", f"/api/lists/{lid}/order", {"items": ["a", "b"]}),
        ("PUT", f"/api/lists/{lid}/order", {"items": [[1]]}),
        ("PUT", f"/api/lists/{lid}/order", {"items": None}),
        ("PUT", f"/api/lists/{lid}/order", {"items": {"a": 1}}),
        ("PUT", f"/api/lists/{lid}/order", {"items": [], "version": "x"}),
        ("PUT", f"/api/lists/{lid}/order", [iid]),
        ("POST", f"/api/lists/{lid}/items", {"clauses": [1, 2]}),
        ("POST", f"/api/lists/{lid}/items", {"clauses": None}),
        ("POST", f"/api/lists/{lid}/items", {"clauses": {"a": 1}}),
        ("POST", f"/api/lists/{lid}/items", {"clauses": ["../../etc/passwd"]}),
        ("POST", f"/api/lists/{lid}/items", {"clauses": [None]}),
        ("POST", f"/api/lists/{lid}/items", {"clauses": ["x"] * 100000}),
        ("DELETE", f"/api/lists/{lid}", [1]),
        ("DELETE", f"/api/lists/{lid}", {"version": "abc"}),
    ]
    for method, url, body in cases:
        before = snapshot(app)
        r = client.open(url, method=method, data=json.dumps(body), content_type="application/json",
                        headers=H)
        assert_refused(r, 400)
        assert snapshot(app) == before, (method, url, body)


def test_malformed_json_and_wrong_content_type_are_400(app, client, H):
    before = snapshot(app)
    for data, ctype in [(b"{bad", "application/json"), (b"", "application/json"),
                        (b"\xef\xbb\xbf{\"name\": 1}", "application/json"),
                        (b'{"name": "x"}', "text/plain")]:
        r = client.post("/api/lists", data=data, content_type=ctype, headers=H)
        assert r.status_code == 400, (data, text(r))
        assert r.get_json()["error"]["status"] == 400
    assert snapshot(app) == before


def test_form_posts_with_junk_ids_are_400(app, client, token, a_list):
    lid, iid = a_list["list"]["id"], a_list["items"][0]["id"]
    before = snapshot(app)
    for url, form in [
        ("/lists/add", {"clauses": CLAUSE, "list_id": "abc"}),
        ("/lists/add", {"clauses": CLAUSE, "list_id": "9" * 30}),
        ("/lists/add", {"clauses": CLAUSE, "list_id": "-3"}),
        ("/lists/add", {"clauses": CLAUSE, "list_id": "１"}),
        ("/lists/add", {"clauses": XSS, "name": "n"}),
        ("/lists/add", {"clauses": "", "name": "n"}),
        ("/lists/add", {"clauses": CLAUSE}),
        (f"/lists/{lid}/items/{iid}", {"action": XSS}),
        (f"/lists/{lid}/items/{iid}", {"action": "save", "version": "abc", "note": "y"}),
        (f"/lists/{lid}/items/{iid}", {"action": "save", "note": "y"}),
        ("/lists", {"name": "a\x00b\x1bc"}),
        ("/lists", {"name": ""}),
    ]:
        r = client.post(url, data=dict(form, csrf_token=token))
        body = assert_refused(r, 400)
        assert "alert(1)</script>" not in body
        assert snapshot(app) == before, (url, form)
    r = client.post(f"/lists/999999/items/{iid}", data={"csrf_token": token, "action": "save"})
    assert_refused(r, 404)
    assert snapshot(app) == before


# -- methods ----------------------------------------------------------------------------

@pytest.mark.parametrize("method,url", [
    ("POST", "/outline"), ("PUT", "/search"), ("DELETE", "/clauses/gd-ip-14fyp:p1"),
    ("PUT", "/api/clauses/gd-ip-14fyp:p1"), ("POST", "/api/search"), ("PATCH", "/api/lists"),
    ("GET", "/lists/1/delete"), ("DELETE", "/api/lists/1/order"), ("POST", "/healthz"),
])
def test_wrong_method_is_405_in_chinese_with_allow(client, H, method, url):
    r = client.open(url, method=method, headers=H)
    body = assert_refused(r, 405, api=url.startswith("/api/"))
    assert "不支持" in body
    assert r.headers["Allow"]


def test_head_and_options_answer_without_a_body_or_a_token(client):
    r = client.head("/search?q=专利")
    assert r.status_code == 200 and r.get_data() == b""
    r = client.options("/api/lists")
    assert r.status_code == 200 and set(r.headers["Allow"].split(", ")) >= {"GET", "POST"}
    r = client.options("/api/clauses/gd-ip-14fyp:p1")
    assert r.status_code == 200 and "PUT" not in r.headers["Allow"]


# -- the parts behind the app -------------------------------------------------------------

def _broken_store_app(tmp_path, data: bytes):
    from webapp import create_app

    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "plankb.sqlite3").write_bytes(data)
    return create_app({"INSTANCE_PATH": inst, "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True})


@pytest.mark.parametrize("data", [random.Random(5).randbytes(4096), b"SQLite format 3\x00" + b"\x00" * 50])
def test_a_damaged_list_database_is_503_in_chinese(tmp_path, data):
    app = _broken_store_app(tmp_path, data)
    c = app.test_client()
    with c.session_transaction() as s:  # a logged-in browser: its account lives in the broken database
        s["uid"], s["stamp"] = "editor", "x"
    tok = re.search(r'csrf-token" content="([^"]+)"', text(c.get("/search"))).group(1)
    for method, url, kw in [("GET", "/lists", {}), ("GET", "/api/lists", {}), ("GET", "/lists/1", {}),
                            ("POST", "/api/lists", {"json": {"name": "x"}})]:
        r = c.open(url, method=method, headers={"X-CSRFToken": tok}, **kw)
        body = assert_refused(r, 503, api=url.startswith("/api/"))
        assert "清单数据库已损坏" in body and "plankb.sqlite3" in body
    assert (tmp_path / "inst" / "plankb.sqlite3").read_bytes() == data  # never overwritten


@pytest.mark.parametrize("url", ["/lists", "/api/lists", "/lists/add?clauses=gd-ip-14fyp:3.2.p4"])
def test_a_list_database_that_turns_busy_after_opening_is_503_not_500(client, monkeypatch, url):
    """The store opened, then said the database is locked (its StoreUnavailable): a 503
    with the store's own sentence, on pages that call the store without a wrapper too."""
    from office.lists import ListStore, StoreUnavailable

    def busy(self, *a, **k):
        raise StoreUnavailable("清单数据库正忙（另一程序正在写入），请稍后重试。")

    monkeypatch.setattr(ListStore, "lists", busy)
    assert "清单数据库正忙" in assert_refused(client.get(url), 503)


def test_a_busy_list_database_is_503_saying_wait(app, client, monkeypatch):
    from office.lists import ListStore

    def locked(self, *a, **k):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(ListStore, "lists", locked)
    r = client.get("/api/lists")
    assert "正忙" in assert_refused(r, 503)


def test_a_damaged_search_index_is_503_not_500(tmp_path):
    from webapp import create_app

    def broken(corpus):
        raise IndexError("Index was created on different architecture")

    app = create_app({"INSTANCE_PATH": tmp_path / "i", "CORPUS_DIR": str(ROOT / "corpus"),
                      "SEARCH_FACTORY": broken, "TESTING": True})
    c = app.test_client()
    for url in ("/api/search?q=专利", "/search?q=专利"):
        body = assert_refused(c.get(url), 503, api=url.startswith("/api/"))
        assert "plankb build" in body and "architecture" not in body
    assert c.get("/outline").status_code == 200  # the rest of the app still works


def test_a_corpus_with_a_dangling_link_is_503_not_500(tmp_path):
    """Issue 8.5: a plan that cannot be read is left out and the others are served; a
    corpus with nothing readable is a 503 when nothing was served before, and keeps the
    plans already served when it breaks under a running server — never a 500."""
    from webapp import create_app
    from webapp.resources import close_all, resources

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "gd-ip-14fyp.md").write_bytes((ROOT / "corpus" / "gd-ip-14fyp.md").read_bytes())
    (corpus / "gone.md").symlink_to(tmp_path / "nowhere.md")
    app = create_app({"INSTANCE_PATH": tmp_path / "i", "CORPUS_DIR": str(corpus), "TESTING": True,
                      "CORPUS_CHECK_SECONDS": 0})
    c = app.test_client()
    assert c.get("/outline").status_code == 200 and c.get("/api/outline").status_code == 200
    assert any("gone.md" in p for p in c.get("/healthz").json["left_out"])
    (corpus / "gd-ip-14fyp.md").unlink()
    c.get("/healthz")
    assert resources(app).wait(300)
    assert c.get("/outline").status_code == 200 and "update_error" in c.get("/healthz").json
    close_all(app)
    fresh = create_app({"INSTANCE_PATH": tmp_path / "j", "CORPUS_DIR": str(corpus), "TESTING": True})
    assert_refused(fresh.test_client().get("/outline"), 503)
    assert_refused(fresh.test_client().get("/api/outline"), 503)


# -- a seeded fuzz over every GET route ------------------------------------------------------

FUZZ_ALPHABET = ["专", "利", "知识产权", "\"", "'", "<", ">", "&", "%", "/", "\\", "..", " ", "\t",
                 "-", "OR", "(", ")", "*", ":", "?", "#", "\u3000", "\u200b", "\U0001F600", "0", "9", "-1",
                 "box", "gd-ip-14fyp:", "\x1b", "\x7f", "\ufeff"]


def test_fuzzed_parameters_never_give_a_5xx(client):
    rng = random.Random(20240501)
    routes = ["/search?q={}", "/api/search?q={}", "/api/search?q=专利&box={}", "/api/search?q=专利&limit={}",
              "/clauses/{}", "/api/clauses/{}", "/trace/{}", "/api/trace/{}", "/trace?id={}",
              "/api/graph?kind={}&q={}", "/outline?document={}", "/lists/add?clauses={}&back={}",
              "/search/export?q={}&format=md", "/lists/{}"]
    for _ in range(400):
        route = rng.choice(routes)
        args = ["".join(rng.choice(FUZZ_ALPHABET) for _ in range(rng.randint(0, 8)))
                for _ in range(route.count("{}"))]
        url = route.format(*(quote(a, safe="") for a in args))
        r = client.get(url)
        assert r.status_code < 500, (url, text(r)[:300])
        assert_no_markup(r)
        if r.status_code >= 400 and r.status_code != 404:
            assert_refused(r, r.status_code, api=url.startswith("/api/"))


# -- reserved names in the query string (issue 8, item 9) ------------------------------------

RESERVED = ["format", "endpoint", "_anchor", "_method", "_scheme", "_external", "values"]
PAGES = ["/", "/search?q=专利", "/search?q=专利&chapter=3", "/outline", "/boxes", "/targets",
         "/indicators", "/bodies", "/trace", "/graph", "/graph?kind=body", "/lists",
         "/clauses/gd-ip-14fyp:3.2.p4", "/trace/gd-ip-14fyp:3.2.p4", "/monitor", "/login", "/no/such"]


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_names_in_the_query_string_never_give_a_500(client, name):
    """Templates passed **request.args to url_for, whose own keywords (format, endpoint,
    _anchor, _method, _scheme) then clashed: 500 on every page with a JSON link."""
    for page in PAGES:
        url = page + ("&" if "?" in page else "?") + f"{name}=x"
        r = client.get(url)
        assert r.status_code < 500, (url, text(r)[:300])
        body = assert_no_markup(r)
        if r.status_code == 200 and "本页数据" in body and page.startswith(("/search", "/boxes", "/graph")):
            # the JSON link keeps the page's own parameters, the odd one included, as plain data
            assert f"{name}=x" in body, url


def test_json_link_and_pager_carry_the_query_unchanged(client):
    q = quote("知识产权")
    html = text(client.get(f"/search?q={q}&page=2&format=docx"))
    assert f'href="/api/search?q={q}&amp;page=2&amp;format=docx"' in html
    assert f'href="/search?q={q}&amp;page=1&amp;format=docx"' in html  # the pager
    assert f'href="/search?q={q}&amp;page=3&amp;format=docx"' in html
    # the export links set their own format, whatever the address said
    assert f'href="/search/export?q={q}&amp;page=2&amp;format=csv"' in html


# -- JSON bodies that crash a parser or a database (item 10) ---------------------------------

@pytest.mark.parametrize("body", [
    "[" * 1000 + "]" * 1000,
    '{"name": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"name": "x", "title": ' + '{"a":' * 1000 + "1" + "}" * 1000 + "}",
])
@pytest.mark.parametrize("method,url", [("POST", "/api/lists"), ("PATCH", "/api/lists/1"),
                                        ("PUT", "/api/lists/1/order"), ("POST", "/api/lists/1/items")])
def test_deeply_nested_json_is_400_not_a_recursion_error(app, client, H, method, url, body):
    before = snapshot(app)
    r = client.open(url, method=method, data=body, content_type="application/json", headers=H)
    reason = assert_refused(r, 400)
    assert "嵌套" in reason
    assert snapshot(app) == before


@pytest.mark.parametrize("body", [
    '{"name": "\\ud800"}', '{"name": "清单\\udfff"}', '{"name": "x", "title": "\\udc00\\ud800"}',
    '{"\\ud800": 1, "name": "y"}',
])
def test_lone_surrogates_in_json_are_400(app, client, H, body):
    before = snapshot(app)
    r = client.post("/api/lists", data=body, content_type="application/json", headers=H)
    reason = assert_refused(r, 400)
    assert "无法识别的字符" in reason
    assert snapshot(app) == before


def test_a_proper_pair_of_surrogates_is_one_character_and_welcome(client, H):
    r = client.post("/api/lists", data='{"name": "笑脸\\ud83d\\ude00清单"}', content_type="application/json",
                    headers=H)
    assert r.status_code == 201 and r.json["name"] == "笑脸\U0001F600清单"


def test_multipart_forms_get_the_same_utf8_check(app, client, token):
    before = snapshot(app)
    boundary = "----plankb"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n").encode() \
        + "清单".encode("gbk") + f"\r\n--{boundary}--\r\n".encode()
    r = client.post("/lists", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    reason = assert_refused(r, 400)
    assert "UTF-8" in reason
    assert snapshot(app) == before
    assert "\ufffd" not in json.loads(snapshot(app) or "{}").__repr__()
    # the same form in UTF-8 is welcome
    ok = body.replace("清单".encode("gbk"), "多部分清单".encode())
    r = client.post("/lists", data=ok, content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 303
    assert "多部分清单" in repr(json.loads(snapshot(app)))


# -- Host allowlist (item 18) -----------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:5000", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "10.0.0.8", "[::2]:80", "", "a b"])
def test_a_host_not_configured_is_refused_in_chinese(app, client, host):
    """DNS rebinding: a page on evil.example that resolves to this server must not read a
    CSRF token or change a list."""
    before = snapshot(app)
    for url in ["/lists", "/api/lists", "/", "/healthz"]:
        r = client.get(url, headers={"Host": host})
        reason = assert_refused(r, 400)
        assert "主机名" in reason
        assert not re.search(r'csrf-token" content="[^"]', reason)
    r = client.post("/api/lists", json={"name": "换绑"}, headers={"Host": host})
    assert_refused(r, 400)
    assert snapshot(app) == before


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:8080", "[::1]:5000",
                                  "LOCALHOST"])
def test_local_names_are_allowed_by_default(client, host):
    assert client.get("/lists", headers={"Host": host}).status_code == 200


def test_a_request_without_any_host_header_is_served(app):
    """HTTP/1.0 monitoring probes send no Host; no browser (so no rebound page) does that."""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    environ = EnvironBuilder(path="/healthz").get_environ()
    del environ["HTTP_HOST"]
    body, status, _ = run_wsgi_app(app, environ)
    assert status.startswith("200") and b'"ok"' in b"".join(body)


def test_allowed_hosts_from_config_and_environment(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.setenv("PLANKB_ALLOWED_HOSTS", "kb.ipo.example, 10.1.2.3")
    a = create_app({"INSTANCE_PATH": tmp_path / "i", "CORPUS_DIR": str(ROOT / "corpus")})
    c = a.test_client()
    assert c.get("/healthz", headers={"Host": "kb.ipo.example"}).status_code == 200
    assert c.get("/healthz", headers={"Host": "10.1.2.3:5000"}).status_code == 200
    assert c.get("/healthz", headers={"Host": "localhost"}).status_code == 200
    assert c.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    monkeypatch.delenv("PLANKB_ALLOWED_HOSTS")
    b = create_app({"INSTANCE_PATH": tmp_path / "j", "CORPUS_DIR": str(ROOT / "corpus"),
                    "ALLOWED_HOSTS": ["*"]})
    assert b.test_client().get("/healthz", headers={"Host": "any.example"}).status_code == 200


# -- Cache-Control on a user's data (item 19) ---------------------------------------------------

def test_lists_their_api_and_exports_are_never_stored(client, H, a_list):
    lid = a_list["list"]["id"]
    private = ["/lists", f"/lists/{lid}", "/api/lists", f"/api/lists/{lid}", f"/lists/{lid}/export?format=csv",
               f"/lists/{lid}/export?format=docx", "/search/export?q=专利&format=md",
               f"/lists/add?clauses={CLAUSE}", "/lists/999999", "/api/lists/999999"]
    for url in private:
        r = client.get(url)
        assert r.status_code in (200, 404), (url, r.status_code)
        assert "no-store" in r.headers.get("Cache-Control", ""), url
    r = client.post("/api/lists", json={"name": f"缓存{random.random()}"}, headers=H)
    assert r.status_code == 201 and "no-store" in r.headers["Cache-Control"]
    # what holds no one's data may be cached as usual
    for url in ["/static/style.css", "/api/outline"]:
        assert "no-store" not in client.get(url).headers.get("Cache-Control", ""), url
