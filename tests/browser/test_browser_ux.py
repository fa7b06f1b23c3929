"""Browser behaviour a daily user depends on: no-JS lists, conflicts, narrow screens, print,
a readable five-column trace, keyboard access."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

TRACE_WIDE = "/trace/gd-ip-14fyp:5.2.p4"


def test_without_javascript_add_to_a_new_list_and_fill_it_in(nojs_page):
    page = nojs_page
    page.goto(page.base + "/search?q=商业秘密")
    hit_id = page.locator(".hit code").first.inner_text()
    page.locator(".hit .add-to-list").first.click()
    page.wait_for_url(re.compile(r"/lists/add\?"))
    page.fill("#add-name", "无脚本浏览器清单")
    page.click("#add-form button[type=submit]")
    page.wait_for_url(re.compile(r"/lists/\d+\?added=1"))
    expect(page.locator(".notice")).to_contain_text("已加入清单：新增 1 条。")
    item = page.locator(".list-item").first
    item.locator('input[name="lead_unit"]').fill("省市场监管局")
    item.locator('input[name="deadline"]').press("End")
    item.locator(".save-item").click()
    page.wait_for_url(re.compile(r"saved=1"))
    expect(page.locator(".list-item").first.locator('input[name="lead_unit"]')).to_have_value("省市场监管局")
    assert hit_id in page.locator(".list-item a").first.get_attribute("href")


def test_two_browsers_editing_one_field_see_each_others_value(make_context, live_server, page, login):
    page.goto(page.base + "/lists")
    page.fill("input[name=name]", "两人同时编辑")
    page.click(".newlist-form button")
    page.wait_for_url(re.compile(r"/lists/\d+$"))
    list_url = page.url
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    list_id = list_url.rsplit("/", 1)[1]
    page.request.post(f"{page.base}/api/lists/{list_id}/items", headers={"X-CSRFToken": token},
                      data={"clauses": ["gd-ip-14fyp:3.2.p3"]})
    page.reload()
    other_ctx = make_context(viewport={"width": 1280, "height": 800})
    other = other_ctx.new_page()
    login(other)
    other.goto(list_url)
    mine = page.locator('.list-item input[name="lead_unit"]')
    mine.fill("省知识产权局")
    mine.press("Tab")
    expect(page.locator(".list-item .status.saved")).to_be_visible()
    theirs = other.locator('.list-item input[name="lead_unit"]')
    theirs.fill("省法院")
    theirs.press("Enter")  # Enter saves, as the help line says
    status = other.locator(".list-item .status.conflict")
    expect(status).to_be_visible()
    expect(status).to_contain_text("牵头单位已被他人修改")
    expect(status).to_contain_text("“省知识产权局”")
    other.click("text=用对方的")
    expect(theirs).to_have_value("省知识产权局")
    other_ctx.close()


def test_move_to_top_keeps_focus_and_is_saved(page):
    page.goto(page.base + "/lists")
    page.fill("input[name=name]", "排序清单")
    page.click(".newlist-form button")
    page.wait_for_url(re.compile(r"/lists/\d+$"))
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    list_id = page.url.rsplit("/", 1)[1]
    ids = ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4", "gd-ip-14fyp:3.3.p3"]
    page.request.post(f"{page.base}/api/lists/{list_id}/items", headers={"X-CSRFToken": token},
                      data={"clauses": ids})
    page.reload()
    moved = page.locator(".list-item").nth(2).get_attribute("data-item")
    page.locator(".list-item").nth(2).locator(".move-top").click()
    expect(page.locator(".list-item", has_text="顺序已保存")).to_have_count(1)
    # the moved item keeps the keyboard focus (its 移到最前 is now disabled)
    expect(page.locator(".list-item").first).to_have_attribute("data-item", moved)
    expect(page.locator(".list-item:focus-within")).to_have_attribute("data-item", moved)
    expect(page.locator(".list-item").first.locator(".move-top")).to_be_disabled()
    order = [i["clause_id"] for i in page.request.get(f"{page.base}/api/lists/{list_id}").json()["items"]]
    assert order == [ids[2], ids[0], ids[1]]


@pytest.mark.parametrize("path", ["/", "/search?q=知识产权保护&chapter=3", "/clauses/gd-ip-14fyp:3.2.p4",
                                  "/outline", "/boxes", "/targets", "/indicators", "/bodies", "/trace",
                                  "/graph", "/lists"])
def test_narrow_screen_has_no_sideways_scrolling(make_context, live_server, path):
    ctx = make_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    pg = ctx.new_page()
    pg.goto(live_server + path)
    width = pg.evaluate("document.documentElement.scrollWidth")
    ctx.close()
    assert width <= 390, f"{path} is {width}px wide on a 390px screen"


def test_narrow_search_shows_results_before_filters(make_context, live_server):
    ctx = make_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    pg = ctx.new_page()
    pg.goto(live_server + "/search?q=商业秘密")
    first_hit = pg.locator(".hit").first.bounding_box()
    facets = pg.locator("#facets").bounding_box()
    assert first_hit["y"] < 844 and first_hit["y"] < facets["y"]
    assert pg.locator(".facets-toggle").is_visible()
    ctx.close()


def test_print_of_a_clause_and_a_list_is_the_text_without_controls(page):
    page.goto(page.base + "/clauses/gd-ip-14fyp:3.2.p4")
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert not page.locator(".clause-actions").is_visible()
    assert page.locator(".clause-text").is_visible() and page.locator(".print-source").is_visible()
    assert "第三章第二节" in page.inner_text(".print-source")
    page.emulate_media(media="screen")
    assert not page.locator(".print-source").is_visible()
    page.goto(page.base + "/lists")
    page.emulate_media(media="print")
    assert not page.locator(".newlist-form").is_visible()


def test_five_column_trace_is_drawn_full_size_with_every_number_visible(page):
    page.goto(page.base + TRACE_WIDE)
    svg = page.locator("#trace-diagram svg.diagram")
    expect(svg).to_be_visible()
    drawn = svg.bounding_box()["width"]
    assert drawn == pytest.approx(float(svg.get_attribute("width")), abs=1)  # not shrunk
    assert page.locator("svg.diagram text.colhead").count() == 5
    n = page.locator(".evidence-list li").count()
    hidden = page.evaluate("""() => [...document.querySelectorAll('svg.diagram .elabel')].filter(g => {
        const r = g.getBoundingClientRect();
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return !(hit && g.contains(hit));
    }).map(g => g.dataset.label)""")
    assert page.locator("svg.diagram .elabel").count() == n and hidden == []
    size = page.locator("svg.diagram .node text").first.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
    assert size >= 13


def test_keyboard_first_tab_reaches_skip_link_then_main(page):
    page.goto(page.base + "/outline")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_trace_by_name_in_the_browser(page):
    page.goto(page.base + "/trace")
    page.fill('input[name="id"]', "法院")
    page.press('input[name="id"]', "Enter")
    expect(page.locator(".error-suggestions")).to_be_visible()
    page.click(".error-suggestions >> text=广州知识产权法院")
    page.wait_for_url(re.compile(r"/trace/body:"))
    expect(page.locator("svg.diagram")).to_have_count(1)
