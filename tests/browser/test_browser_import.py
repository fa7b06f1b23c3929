"""导入规划 in headless Chromium: an administrator uploads a PDF, fixes one decision with a
click, publishes, and finds a clause of the new plan by search. Its own server and a copy
of the corpus, because publishing changes the corpus."""
import shutil
import socket
import threading
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ROOT

pytestmark = pytest.mark.browser

PDF = Path("/work/shared/corpus-samples/originals/cpc-14fyp-proposal-2020.pdf")
ADMIN, PASSWORD = "browser-admin", "browser-mima-2"


@pytest.fixture(scope="module")
def import_server(tmp_path_factory):
    from waitress import create_server

    from office.audit import Actor, acting_as
    from webapp import create_app
    from webapp.auth import users

    tmp = tmp_path_factory.mktemp("browser-import")
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    app = create_app({"INSTANCE_PATH": tmp / "inst", "CORPUS_DIR": str(tmp / "corpus")})
    with app.app_context(), acting_as(Actor("测试", "admin")):
        users().add(ADMIN, role="admin", password=PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(base + "/api/search?q=%E4%BF%9D%E6%8A%A4", timeout=300).read()  # the seed's index
    yield base
    from office.plans import wait_for_publishing
    from webapp.resources import close_all

    wait_for_publishing()
    server.close()
    close_all(app)


@pytest.fixture
def admin_page(browser, import_server):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    outside, errors = [], []

    def guard(route):
        if route.request.url.startswith(import_server) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    pg = ctx.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(import_server + "/login?next=/admin/import")
    pg.fill("input[name=username]", ADMIN)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("form.auth-form button[type=submit]")
    expect(pg.locator("h1")).to_have_text("导入规划")
    yield pg
    ctx.close()
    assert not outside, f"requests left the intranet: {outside}"
    assert not [e for e in errors if "404" not in e], f"browser errors: {errors}"


def test_upload_a_pdf_fix_a_decision_publish_and_find_it(admin_page, import_server):
    pg = admin_page
    expect(pg.locator(".mainnav a.active")).to_have_text("导入规划")
    pg.set_input_files("input[name=file]", str(PDF))
    pg.click(".import-form button[type=submit]")
    # the review: outline beside the source, the uncertain line highlighted
    expect(pg.locator("#decisions h2")).to_have_text("存疑之处（2）", timeout=120_000)
    expect(pg.locator(".source-lines li#L811")).to_have_class("uncertain")
    expect(pg.locator(".outline-blocks li.ob-chapter.uncertain")).to_contain_text("而奋斗")
    # one click: line 811 is not the end of the chapter heading above it
    decision = pg.locator(".decision", has_text="第35页第18行")
    decision.locator("input[name=why]").fill("核对原文：此行单独成段（浏览器测试）")
    decision.locator("button[value=keep_apart]").click()
    expect(pg.locator("#import-notice")).to_contain_text("已记录更正", timeout=120_000)
    expect(pg.locator("#decisions h2")).to_have_text("存疑之处（1）")
    expect(pg.locator("#corrections")).to_contain_text("第811行不并入上一行标题：核对原文：此行单独成段（浏览器测试）")
    expect(pg.locator(".outline-blocks li.ob-chapter").last).not_to_contain_text("而奋斗")
    # publish: the page reloads itself (Refresh header) until the index is rebuilt
    pg.click("#publish-form button[type=submit]")
    expect(pg.locator("#import-status")).to_contain_text("已发布", timeout=300_000)
    # and a clause of the new plan is found by search
    pg.goto(import_server + "/search?q=" + "健全规划制定和落实机制")
    expect(pg.locator(".hit code", has_text="cpc-14fyp-proposal-2020:").first).to_be_visible()
    # the trail names the administrator
    pg.goto(import_server + "/admin/audit")
    expect(pg.locator("body")).to_contain_text("发布规划")
