"""A live plankb (waitress in a thread) and headless Debian Chromium for the browser tests.

These tests never skip: if Chromium or its CJK font is missing they fail and say how
to install them (`bash scripts/install-browser-deps.sh`).

Waiting is done with locators only (``expect(locator).to_have_count(…)``, ``to_be_visible``,
``to_contain_text``…), which Playwright retries until true. ``page.wait_for_function`` with
a string is evaluated as script, which the app's own CSP (no 'unsafe-eval') may refuse,
and then the test failed only on a busy machine. The limits below are generous upper
bounds for a loaded 2-core machine, not expectations of speed.
"""
import os
import socket
import subprocess
import threading

import pytest
from playwright.sync_api import expect

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("PLANKB_CHROMIUM", "/usr/bin/chromium")
WAIT_MS = 60_000  # longest wait for a locator or an action; passing runs wait far less
expect.set_options(timeout=WAIT_MS)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"找不到 Chromium：{CHROMIUM}（提示：运行 bash scripts/install-browser-deps.sh，"
                    f"或用 PLANKB_CHROMIUM 指定路径）", pytrace=False)
    try:
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    except FileNotFoundError:
        fonts = ""
    if not fonts.strip():
        pytest.fail("没有中文字体，页面会显示方块（提示：运行 bash scripts/install-browser-deps.sh）",
                    pytrace=False)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


def new_context(browser, **kw):
    """A browser context whose every action and navigation may take up to WAIT_MS."""
    ctx = browser.new_context(**kw)
    ctx.set_default_timeout(WAIT_MS)
    ctx.set_default_navigation_timeout(WAIT_MS)
    return ctx


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app on a free port, served by waitress as `plankb serve` does."""
    from waitress import create_server

    from webapp import create_app

    app = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("browser-instance"),
                      "CORPUS_DIR": str(ROOT / "corpus")})
    _add_editor(app)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    import urllib.request

    urllib.request.urlopen(base + "/api/search?q=%E4%BF%9D%E6%8A%A4", timeout=120).read()  # build index
    yield base
    server.close()
    from webapp.resources import close_all

    close_all(app)


EDITOR, PASSWORD = "browser-editor", "browser-mima-1"


def _add_editor(app):
    """The account the browser tests log in with: writing needs one (webapp/auth.py)."""
    from office.audit import Actor, acting_as
    from webapp.auth import users

    with app.app_context(), acting_as(Actor("测试", "admin")):
        users().add(EDITOR, role="editor", password=PASSWORD, unit="省知识产权局")


def log_in(pg, base):
    """Through the real /login form, as staff do; comes back to the lists page."""
    from playwright.sync_api import expect

    pg.goto(base + "/login?next=/lists")
    pg.fill("input[name=username]", EDITOR)
    pg.fill("input[name=password]", PASSWORD)
    pg.click("form.auth-form button[type=submit]")
    expect(pg.locator(".account .who")).to_contain_text(EDITOR)


@pytest.fixture
def login(live_server):
    """``login(page)``: log another browser context's page in as the test editor."""
    return lambda pg: log_in(pg, live_server)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def make_context(browser):
    """``make_context(**kw)``: a further browser context with the same limits, closed after."""
    made = []

    def make(**kw):
        made.append(new_context(browser, **kw))
        return made[-1]

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context per test; every request must go to our server (offline)."""
    ctx = new_context(browser, viewport={"width": 1280, "height": 800}, accept_downloads=True,
                      locale="zh-CN")
    outside = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_server) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    ctx.route("**/*", guard)
    pg = ctx.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.base = live_server
    log_in(pg, live_server)
    yield pg
    ctx.close()
    assert not outside, f"requests left the intranet: {outside}"
    assert not [e for e in errors if "404" not in e], f"browser errors: {errors}"


@pytest.fixture
def nojs_page(make_context, live_server, login):
    """A logged-in page with JavaScript off: the plain forms must work on their own."""
    ctx = make_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False,
                       locale="zh-CN")
    pg = ctx.new_page()
    pg.base = live_server
    login(pg)
    yield pg
