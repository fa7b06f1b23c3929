"""导入规划 on the web: administrators only, real plan files in, uncertain decisions shown and
fixed as corrections in the staged sidecar, hostile files refused with a Chinese 4xx, and
publishing that makes the plan searchable without a half-written corpus or a rebuild inside
a request."""
import json
import re
import shutil
import threading
import tomllib
from pathlib import Path

import pytest

from cli_support import ROOT
from office.audit import Actor, acting_as
from test_web_support import csrf_of

ORIGINALS = Path("/work/shared/corpus-samples/originals")
CPC_PDF = ORIGINALS / "cpc-14fyp-proposal-2020.pdf"
DATA = ROOT / "tests" / "data"
PASSWORD = "mima-12345"
CPC_ID = "cpc-14fyp-proposal-2020"
CPC_CLAUSE_TEXT = "健全规划制定和落实机制"  # section 60 of the CPC proposal


def _make_app(tmp_path):
    from webapp import create_app

    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    app = create_app({"INSTANCE_PATH": tmp_path / "inst", "CORPUS_DIR": str(tmp_path / "corpus"), "TESTING": True})
    with app.app_context(), acting_as(Actor("测试", "admin")):
        from webapp.auth import users

        users().add("admin1", role="admin", password=PASSWORD)
        users().add("editor1", role="editor", password=PASSWORD, unit="省局")
    return app


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = _make_app(tmp_path_factory.mktemp("import"))
    yield app
    from webapp.resources import close_all

    close_all(app)


@pytest.fixture
def fresh_app(tmp_path):
    """An app of its own, for tests that publish (they change the corpus)."""
    app = _make_app(tmp_path)
    yield app
    from office.plans import wait_for_publishing
    from webapp.resources import close_all

    wait_for_publishing()
    close_all(app)


def token_of(client, url="/login") -> str:
    return csrf_of(client, url)


def logged_in(app, name="admin1"):
    from webapp import auth

    auth._ip_failures.clear()
    c = app.test_client()
    r = c.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token_of(c)})
    assert r.status_code == 303
    return c, token_of(c, "/lists")


def upload(client, csrf, data: bytes, name: str, doc_id: str = ""):
    import io

    return client.post("/admin/import", data={"csrf_token": csrf, "doc_id": doc_id, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def staged(client, csrf, path: Path, doc_id: str = "") -> str:
    r = upload(client, csrf, path.read_bytes(), path.name, doc_id)
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    return r.headers["Location"].rsplit("/", 1)[1]


# -- who may ----------------------------------------------------------------------------------

def test_an_anonymous_user_and_an_editor_are_refused(app):
    anon = app.test_client()
    r = anon.get("/admin/import")
    assert r.status_code == 303 and "/login" in r.headers["Location"]
    assert anon.get("/api/admin/import/0123456789abcdef").status_code == 401
    r = upload(anon, token_of(anon), CPC_PDF.read_bytes(), CPC_PDF.name)
    assert r.status_code in (303, 401) and "/login" in r.headers.get("Location", "/login")
    editor, csrf = logged_in(app, "editor1")
    r = editor.get("/admin/import")
    assert r.status_code == 403 and "管理员" in r.get_data(as_text=True)
    assert upload(editor, csrf, CPC_PDF.read_bytes(), CPC_PDF.name).status_code == 403
    assert "导入规划" not in editor.get("/").get_data(as_text=True)  # not in an editor's menu
    admin, _ = logged_in(app)
    assert "导入规划" in admin.get("/").get_data(as_text=True)
    assert not list((Path(app.instance_path) / "import").glob("*/meta.json"))


# -- review ------------------------------------------------------------------------------------

def test_a_pdf_is_staged_not_published_and_its_uncertain_decisions_are_highlighted(app):
    c, csrf = logged_in(app)
    token = staged(c, csrf, CPC_PDF)
    assert not (Path(app.config["CORPUS_DIR"]) / f"{CPC_ID}.md").exists()  # staging only
    page = c.get(f"/admin/import/{token}").get_data(as_text=True)
    assert "存疑之处（2）" in page
    assert re.search(r'<li id="L811" class="uncertain">', page)  # the source line, highlighted
    assert re.search(r'class="ob ob-chapter uncertain">\s*<a href="#L810"', page)  # its outline block
    data = c.get(f"/api/admin/import/{token}").get_json()
    wraps = next(d for d in data["decisions"] if d["kind"] == "heading_wraps")
    assert (wraps["line"], wraps["where"], wraps["raw"]) == (811, "第35页第18行", "五年远景目标而奋斗")
    assert data["counts"]["chapter"] == 15 and data["counts"]["section"] == 60
    assert data["status"] == "staged" and data["meta"]["kind"] == "pdf"
    listing = c.get("/api/admin/import").get_json()
    assert token in [m["token"] for m in listing["staged"]] and listing["max_bytes"] >= 4 * 1024 * 1024
    assert f'/admin/import/{token}"' in c.get("/admin/import").get_data(as_text=True)


def test_a_click_writes_a_correction_with_what_where_and_why_to_the_staged_sidecar(app):
    c, csrf = logged_in(app)
    token = staged(c, csrf, CPC_PDF, doc_id="cpc-fix")
    r = c.post(f"/admin/import/{token}/fix", data={"csrf_token": csrf, "line": "811", "what": "keep_apart",
                                                   "why": "核对原文：此行是标题的后半，这里仅作测试"})
    assert r.status_code == 303
    sidecar = tomllib.loads(next((Path(app.instance_path) / "import" / token).glob("*.toml")).read_text("utf-8"))
    assert sidecar["correction"] == [{"what": "keep_apart", "line": 811, "why": "核对原文：此行是标题的后半，这里仅作测试"}]
    data = c.get(f"/api/admin/import/{token}").get_json()
    assert [d["kind"] for d in data["decisions"]] == ["title"]  # the decision is settled
    assert data["corrections"] == ["第811行不并入上一行标题：核对原文：此行是标题的后半，这里仅作测试"]
    chapter15 = [b for b in data["outline"] if b["kind"] == "chapter"][-1]
    assert "奋斗" not in chapter15["text"] and chapter15["last"] < 811
    # a title is written to [document]; without a why the correction gets a default one
    c.post(f"/admin/import/{token}/fix", data={"csrf_token": csrf, "line": "1", "what": "title", "title": "中共中央建议（测试）"})
    assert c.get(f"/api/admin/import/{token}").get_json()["title"] == "中共中央建议（测试）"
    c.post(f"/admin/import/{token}/fix", data={"csrf_token": csrf, "line": "2", "what": "furniture"})
    again = tomllib.loads(next((Path(app.instance_path) / "import" / token).glob("*.toml")).read_text("utf-8"))
    assert again["document"]["title"] == "中共中央建议（测试）"
    assert again["correction"][1] == {"what": "furniture", "line": 2, "why": "导入审核：此行是页眉页脚，不属于正文。"}
    # a bad line or kind is a Chinese 400 and writes nothing
    for form in ({"line": "99999", "what": "furniture"}, {"line": "x", "what": "furniture"},
                 {"line": "5", "what": "drop_table"}, {"line": "5", "what": "split_heading", "after": "不在此行"}):
        r = c.post(f"/admin/import/{token}/fix", data={"csrf_token": csrf, **form})
        assert r.status_code == 400 and re.search(r"[\u4e00-\u9fff]", r.get_data(as_text=True))
    again = tomllib.loads(next((Path(app.instance_path) / "import" / token).glob("*.toml")).read_text("utf-8"))
    assert len(again["correction"]) == 2


@pytest.mark.parametrize("path", [DATA / "plans" / "mbhy-13fyp.html", DATA / "samples" / "shandong-education-14fyp.txt",
                                  ORIGINALS / "cpc-14fyp-proposal-2020.docx"], ids=lambda p: p.suffix)
def test_web_pages_texts_and_word_files_are_read_too(app, path):
    c, csrf = logged_in(app)
    token = staged(c, csrf, path, doc_id=f"t-{path.suffix[1:]}")
    data = c.get(f"/api/admin/import/{token}").get_json()
    assert data["counts"]["chapter"] >= 5
    assert data["meta"]["kind"] == {".html": "html", ".txt": "txt", ".docx": "docx"}[path.suffix]


def test_marking_a_line_as_page_furniture_takes_it_out_of_the_plan(app):
    c, csrf = logged_in(app)
    path = DATA / "samples" / "shandong-education-14fyp.txt"
    token = staged(c, csrf, path, doc_id="sd-furniture")
    data = c.get(f"/api/admin/import/{token}").get_json()
    line = next(s for s in data["source"] if len(s["text"].strip()) > 30 and not s["removed"])
    r = c.post(f"/admin/import/{token}/fix", data={"csrf_token": csrf, "line": str(line["line"]),
                                                   "what": "furniture", "why": "测试：按页眉处理"})
    assert r.status_code == 303
    after = c.get(f"/api/admin/import/{token}").get_json()
    assert after["source"][line["line"] - 1]["removed"] == "页眉页脚"
    assert not any(line["text"].strip()[:20] in b["text"] for b in after["outline"])


def _word_plan_with_a_bold_line() -> bytes:
    import io

    from docx import Document

    d = Document()
    d.add_paragraph("测试市“十四五”知识产权发展规划")
    d.add_paragraph("第一章 发展基础")
    d.add_paragraph("过去五年，全市知识产权工作取得明显成效。专利授权量稳步增长。")
    d.add_paragraph().add_run("重点工作回顾").bold = True
    d.add_paragraph("商标注册量大幅提升，版权登记数量创新高。")
    d.add_paragraph("第二章 主要任务")
    d.add_paragraph("加强知识产权保护。完善保护体系。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_a_bold_line_without_a_number_becomes_a_heading_with_one_click(app):
    c, csrf = logged_in(app)
    r = upload(c, csrf, _word_plan_with_a_bold_line(), "city-plan.docx")
    token = r.headers["Location"].rsplit("/", 1)[1]
    page = c.get(f"/admin/import/{token}").get_data(as_text=True)
    assert 'value="heading"' in page  # the decision offers the fix
    data = c.get(f"/api/admin/import/{token}").get_json()
    d = next(d for d in data["decisions"] if d["kind"] == "heading_candidate")
    assert d["raw"] == "重点工作回顾"
    c.post(f"/admin/import/{token}/fix", data={"csrf_token": csrf, "line": str(d["line"]), "what": "heading", "why": "加粗小标题"})
    after = c.get(f"/api/admin/import/{token}").get_json()
    assert {"kind": "unnumbered", "text": "重点工作回顾"}.items() <= next(
        b for b in after["outline"] if b["first"] == d["line"]).items()
    assert not [x for x in after["decisions"] if x["kind"] == "heading_candidate"]


# -- hostile and wrong files -----------------------------------------------------------------------

SCANNED_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
               b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.mark.parametrize("data, name, doc_id, status, needle", [
    (b"", "empty.txt", "", 400, "空"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "plan.pdf", "", 415, "图片"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200, "plan.doc", "", 415, ".docx"),
    (bytes(range(256)) * 40, "plan.txt", "", 415, "无法识别"),
    (SCANNED_PDF, "scan.pdf", "", 422, "扫描"),
    (b"%PDF-1.4\ngarbage", "broken.pdf", "", 422, "PDF"),
    (b"PK\x03\x04" + b"\0" * 300, "fake.docx", "", 422, "压缩"),
    ("这是一封普通的信。\n\n今天天气很好，我们去公园散步。\n".encode(), "letter.txt", "", 422, "不像一份规划"),
    ("<html><body><script>alert(1)</script><p>没有章节</p></body></html>".encode(), "x.html", "", 422, "规划"),
    ("第一章 总则\n一、目标\n".encode(), "../../etc/规划", "", 400, "文档编号"),
    ("第一章 总则\n".encode(), "plan.txt", "../x", 400, "文档编号"),
    ("第一章 总则\n".encode(), "山东规划.txt", "", 400, "文档编号"),
    ("第一章 总则\n".encode(), "plan.txt", "gd-ip-14fyp", 409, "已有"),
], ids=["empty", "png", "doc", "binary", "scanned", "broken-pdf", "fake-zip", "letter", "html-no-plan",
        "traversal-name", "traversal-id", "chinese-name", "existing-id"])
def test_a_file_that_is_not_a_plan_is_refused_with_a_chinese_reason(app, data, name, doc_id, status, needle):
    c, csrf = logged_in(app)
    before = set((Path(app.instance_path) / "import").glob("*"))
    r = upload(c, csrf, data, name, doc_id)
    body = r.get_data(as_text=True)
    assert r.status_code == status, body[:400]
    assert needle in body and "Traceback" not in body
    assert 'id="import-error"' in body
    assert set((Path(app.instance_path) / "import").glob("*")) == before  # nothing left in staging


def _zip_bomb() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        zeros = b"\0" * (70 * 1024 * 1024)
        for i in range(3):  # 210 MiB unpacked, a few hundred KiB packed
            z.writestr(f"word/document{i}.xml", zeros)
    return buf.getvalue()


def test_a_zip_bomb_dressed_as_a_word_file_is_refused_before_unpacking(app):
    c, csrf = logged_in(app)
    data = _zip_bomb()
    assert len(data) < 2 * 1024 * 1024
    r = upload(c, csrf, data, "plan.docx")
    assert r.status_code == 413 and "解压后过大" in r.get_data(as_text=True)


def test_an_upload_over_the_limit_is_413_and_without_csrf_400(app):
    c, csrf = logged_in(app)
    app.config["IMPORT_MAX_BYTES"] = 200 * 1024
    try:
        r = upload(c, csrf, CPC_PDF.read_bytes(), CPC_PDF.name)
        body = r.get_data(as_text=True)
        assert r.status_code == 413 and ("过大" in body or "超过" in body), body[:300]
    finally:
        app.config["IMPORT_MAX_BYTES"] = 30 * 1024 * 1024
    r = upload(c, "wrong", CPC_PDF.read_bytes(), CPC_PDF.name)
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    r = c.post("/admin/import/0123456789abcdef/publish")
    assert r.status_code == 400  # no token: refused before anything
    # a path in the file name is only a name: the id is its last part, the file stays in staging
    r = upload(c, csrf, (DATA / "samples" / "shandong-education-14fyp.txt").read_bytes(), "../../etc/passwd")
    assert r.status_code == 303
    assert c.get(r.headers["Location"].replace("/admin/", "/api/admin/")).get_json()["doc_id"] == "passwd"
    assert len(list((Path(app.instance_path) / "import").glob("*/passwd.txt"))) == 1
    for url in ("/admin/import/zzz", "/admin/import/0123456789abcdef", "/api/admin/import/..%2F..%2Fetc"):
        assert c.get(url).status_code == 404


# -- publishing --------------------------------------------------------------------------------------

def test_publish_adds_the_plan_whole_records_it_and_makes_its_clauses_findable(fresh_app):
    from index import index_status
    from kb.corpus import load_corpus
    from office.plans import wait_for_publishing

    app = fresh_app
    bundled = Path(app.config["CORPUS_DIR"])
    before = sorted(p.name for p in bundled.rglob("*"))
    corpus_dir = Path(app.instance_path) / "corpus"  # the bundled corpus plus the database's plans
    c, csrf = logged_in(app)
    hits = c.get("/api/search", query_string={"q": CPC_CLAUSE_TEXT}).get_json()["hits"]
    assert not any(h["id"].startswith(f"{CPC_ID}:") for h in hits)
    token = staged(c, csrf, CPC_PDF)
    c.post(f"/admin/import/{token}/fix", data={"csrf_token": csrf, "line": "811", "what": "keep_apart", "why": "测试"})
    r = c.post(f"/admin/import/{token}/publish", data={"csrf_token": csrf})
    assert r.status_code == 303
    wait_for_publishing()
    data = c.get(f"/api/admin/import/{token}").get_json()
    assert data["status"] == "published", data["message"]
    for rel in (f"{CPC_ID}.md", f"raw/{CPC_ID}.pdf", f"raw/{CPC_ID}.toml", f"raw/{CPC_ID}.pdf.txt"):
        assert (corpus_dir / rel).is_file(), rel
    assert not [p for p in corpus_dir.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp")]
    sidecar = tomllib.loads((corpus_dir / f"raw/{CPC_ID}.toml").read_text("utf-8"))
    assert sidecar["correction"][0]["what"] == "keep_apart"
    # kept in the database (every server serves it from there); the bundled folder is untouched
    from office.published import PlanStore

    stored = PlanStore(app.extensions["plankb_store"].db)
    row = stored.published()[0]
    assert (row.doc_id, row.who, row.origin, data["meta"]["version"]) == (CPC_ID, "admin1", "import", row.id)
    assert stored.plan(row.id).raw == CPC_PDF.read_bytes()
    assert sorted(p.name for p in bundled.rglob("*")) == before
    # the index was built for the new corpus before the files arrived: no rebuild inside a request
    assert index_status(load_corpus(corpus_dir), app.instance_path)["fresh"]
    hits = c.get("/api/search", query_string={"q": CPC_CLAUSE_TEXT}).get_json()
    assert any(h["id"].startswith(f"{CPC_ID}:") for h in hits["hits"])
    clause = next(h["id"] for h in hits["hits"] if h["id"].startswith(f"{CPC_ID}:"))
    outline = c.get("/api/outline", query_string={"document": CPC_ID})
    assert outline.status_code == 200 and len(outline.get_json()["chapters"]) == 15
    assert c.get(f"/api/trace/{clause}").status_code == 200
    export = c.get("/search/export", query_string={"q": CPC_CLAUSE_TEXT, "format": "csv"})
    assert export.status_code == 200 and CPC_CLAUSE_TEXT in export.get_data().decode("utf-8-sig")
    trail = c.get("/api/admin/audit").get_json()["entries"]
    assert (trail[0]["action"], trail[0]["actor"], trail[0]["subject"]) == ("plan.publish", "admin1", CPC_ID)
    assert trail[0]["new"] == f"第{row.id}版《{row.title}》"
    # published once: a second publish, a fix or a second upload with the same id is refused
    assert c.post(f"/admin/import/{token}/publish", data={"csrf_token": csrf}).status_code == 409
    assert upload(c, csrf, CPC_PDF.read_bytes(), CPC_PDF.name).status_code == 409
    # listed on the import page; an editor cannot remove it, an administrator can
    assert [p["id"] for p in c.get("/api/admin/import").get_json()["published"]] == [CPC_ID]
    assert f"/admin/plans/{CPC_ID}/remove" in c.get("/admin/import").get_data(as_text=True)
    editor, editor_csrf = logged_in(app, "editor1")
    assert editor.post(f"/admin/plans/{CPC_ID}/remove", data={"csrf_token": editor_csrf}).status_code == 403
    assert c.post("/admin/plans/no-such-plan/remove", data={"csrf_token": csrf}).status_code == 404
    r = c.post(f"/admin/plans/{CPC_ID}/remove", data={"csrf_token": csrf})
    assert r.status_code == 303 and "已移除" in c.get(r.headers["Location"]).get_data(as_text=True)
    from webapp.resources import resources

    resources(app).wait()  # the background update the removal started
    hits = c.get("/api/search", query_string={"q": CPC_CLAUSE_TEXT}).get_json()["hits"]
    assert not any(h["id"].startswith(f"{CPC_ID}:") for h in hits)
    trail = c.get("/api/admin/audit").get_json()["entries"]
    assert (trail[0]["action"], trail[0]["actor"], trail[0]["old"], trail[0]["new"]) == \
        ("plan.remove", "admin1", f"第{row.id}版《{row.title}》", "")
    assert c.get("/api/admin/import").get_json()["published"] == []


def test_searches_keep_working_while_the_index_is_rebuilt(fresh_app, monkeypatch):
    """The build is held open (an Event, not a timer): meanwhile search answers from the old
    index and the corpus has nothing of the new plan; released, the plan is findable."""
    import index.store
    from office.plans import wait_for_publishing

    app = fresh_app
    c, csrf = logged_in(app)
    token = staged(c, csrf, DATA / "samples" / "shandong-education-14fyp.txt", doc_id="sd-edu")
    old = c.get("/api/search", query_string={"q": "保护"}).get_json()["total"]
    entered, release = threading.Event(), threading.Event()
    real = index.store.build_index

    def held(corpus, instance):
        entered.set()
        assert release.wait(300)
        return real(corpus, instance)

    monkeypatch.setattr(index.store, "build_index", held)
    assert c.post(f"/admin/import/{token}/publish", data={"csrf_token": csrf}).status_code == 303
    assert entered.wait(300)
    assert c.get(f"/api/admin/import/{token}").get_json()["status"] == "publishing"
    assert c.get(f"/admin/import/{token}").headers["Refresh"] == "2"
    during = c.get("/api/search", query_string={"q": "保护"})
    assert during.status_code == 200 and during.get_json()["total"] == old
    assert not (Path(app.config["CORPUS_DIR"]) / "sd-edu.md").exists()
    release.set()
    wait_for_publishing()
    assert c.get(f"/api/admin/import/{token}").get_json()["status"] == "published"
    hits = c.get("/api/search", query_string={"q": "保护"}).get_json()
    assert hits["total"] > old


def test_a_failed_publish_leaves_the_corpus_as_it_was(fresh_app, monkeypatch):
    import index.store
    from kb.corpus import content_hash
    from office.plans import wait_for_publishing

    app = fresh_app
    corpus_dir = Path(app.config["CORPUS_DIR"])
    before = content_hash(corpus_dir), sorted(p.name for p in corpus_dir.rglob("*"))
    c, csrf = logged_in(app)
    token = staged(c, csrf, DATA / "samples" / "shandong-education-14fyp.txt", doc_id="sd-fail")

    def broken(corpus, instance):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(index.store, "build_index", broken)
    c.post(f"/admin/import/{token}/publish", data={"csrf_token": csrf})
    wait_for_publishing()
    data = c.get(f"/api/admin/import/{token}").get_json()
    assert data["status"] == "staged" and data["message"].startswith("发布失败")
    assert (content_hash(corpus_dir), sorted(p.name for p in corpus_dir.rglob("*"))) == before


def test_a_publish_the_server_did_not_finish_can_be_published_again(fresh_app):
    """A server stopped mid-way: before storing the plan (nothing of it is served; the page
    says so and publishing again completes it), or after (publishing again finds it stored
    and says it is published, instead of refusing its id)."""
    import json as json_

    from office.plans import wait_for_publishing

    app = fresh_app
    served = Path(app.instance_path) / "corpus"
    c, csrf = logged_in(app)
    path = DATA / "samples" / "shandong-education-14fyp.txt"
    token = staged(c, csrf, path, doc_id="sd-crash")
    folder = Path(app.instance_path) / "import" / token

    def stopped_while_publishing():
        meta = json_.loads((folder / "meta.json").read_text("utf-8"))
        meta["status"] = "publishing"
        (folder / "meta.json").write_text(json_.dumps(meta, ensure_ascii=False), "utf-8")

    stopped_while_publishing()
    data = c.get(f"/api/admin/import/{token}").get_json()
    assert data["status"] == "staged" and "没有完成" in data["message"]
    assert c.post(f"/admin/import/{token}/publish", data={"csrf_token": csrf}).status_code == 303
    wait_for_publishing()
    assert c.get(f"/api/admin/import/{token}").get_json()["status"] == "published"
    assert (served / "sd-crash.md").is_file()
    stopped_while_publishing()  # as if the server stopped after the database had it
    assert c.get(f"/api/admin/import/{token}").get_json()["status"] == "staged"
    assert c.post(f"/admin/import/{token}/publish", data={"csrf_token": csrf}).status_code == 303
    data = c.get(f"/api/admin/import/{token}").get_json()
    assert data["status"] == "published" and "已存入数据库" in data["message"]


def test_an_administrator_replaces_a_plan_with_a_new_version_from_the_import_page(fresh_app):
    """A plan of an id already served is refused unless 替换 is ticked; ticked, publishing
    serves the new version in place of the old (here the bundled seed), audited old → new."""
    from office.plans import wait_for_publishing

    app = fresh_app
    bundled = Path(app.config["CORPUS_DIR"])
    seed_md = (bundled / "gd-ip-14fyp.md").read_bytes()
    raw = (ROOT / "corpus" / "raw" / "gd-ip-14fyp.txt").read_text(encoding="utf-8")
    old, new = "培育商业秘密保护基地", "培育商业秘密保护示范园区"
    assert old in raw
    data = raw.replace(old, new).encode("utf-8")
    c, csrf = logged_in(app)
    refused = upload(c, csrf, data, "plan.txt", "gd-ip-14fyp")
    assert refused.status_code == 409 and "替换已有的同编号规划" in refused.get_data(as_text=True)
    r = c.post("/admin/import", data={"csrf_token": csrf, "doc_id": "gd-ip-14fyp", "replace": "1",
                                      "file": (__import__("io").BytesIO(data), "plan.txt")},
               content_type="multipart/form-data")
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    token = r.headers["Location"].rsplit("/", 1)[1]
    assert "发布后将替换已有的同编号规划" in c.get(f"/admin/import/{token}").get_data(as_text=True)
    assert c.post(f"/admin/import/{token}/publish", data={"csrf_token": csrf}).status_code == 303
    wait_for_publishing()
    status = c.get(f"/api/admin/import/{token}").get_json()
    assert status["status"] == "published", status["message"]
    hits = c.get("/api/search", query_string={"q": f'"{new}"'}).get_json()["hits"]
    assert [h["id"].split(":")[0] for h in hits] == ["gd-ip-14fyp"]
    assert c.get("/api/search", query_string={"q": f'"{old}"'}).get_json()["total"] == 0
    assert (bundled / "gd-ip-14fyp.md").read_bytes() == seed_md  # the bundled file is untouched
    trail = c.get("/api/admin/audit").get_json()["entries"]
    assert (trail[0]["action"], trail[0]["subject"]) == ("plan.replace", "gd-ip-14fyp")
    assert trail[0]["old"].startswith("随包规划《") and trail[0]["new"].startswith("第")
