"""Task-list editing in a real browser: keyboard, plain forms and the script together.

Waits are locators only (expect(...)), never page.wait_for_function: the app's CSP
refuses evaluated strings, and locator waits hold on a busy machine."""
import itertools
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

_n = itertools.count()


def new_list(page, clauses, name=None):
    """A list made through the API with the page's own session; returns (id, url)."""
    page.goto(page.base + "/lists")
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    name = name or f"浏览器清单{next(_n)}"
    r = page.request.post(page.base + "/api/lists", headers={"X-CSRFToken": token}, data={"name": name})
    list_id = r.json()["id"]
    page.request.post(f"{page.base}/api/lists/{list_id}/items", headers={"X-CSRFToken": token},
                      data={"clauses": clauses})
    return list_id, f"{page.base}/lists/{list_id}"


def order(page, list_id):
    return [i["clause_id"] for i in page.request.get(f"{page.base}/api/lists/{list_id}").json()["items"]]


TWO = ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4"]


@pytest.mark.parametrize("script", [True, False], ids=["with-js", "without-js"])
def test_enter_in_deadline_saves_the_field_and_leaves_the_order(page, nojs_page, script):
    """Issue 8 #15: Enter used to press the form's first button, ↑, and move the row."""
    pg = page if script else nojs_page
    list_id, url = new_list(pg, TWO)
    pg.goto(url)
    second = pg.locator(".list-item").nth(1)
    box = second.locator('input[name="deadline"]')
    box.fill("2025年底前")
    box.press("Enter")
    if script:
        expect(second.locator(".status")).to_have_text("已保存")
    else:
        pg.wait_for_url(re.compile(r"saved=1"))
        expect(pg.locator(".notice.ok")).to_have_text("已保存。")
    assert order(pg, list_id) == TWO
    items = pg.request.get(f"{pg.base}/api/lists/{list_id}").json()["items"]
    assert items[1]["deadline"] == "2025年底前"
    pg.goto(url)
    expect(pg.locator(".list-item").nth(1).locator('input[name="deadline"]')).to_have_value("2025年底前")


def test_adding_a_whole_result_page_goes_through_the_tick_boxes(page):
    """Issue 11 #9: with the script on too, 本页结果全部加入清单 opens the chooser page."""
    page.goto(page.base + "/search?q=质押融资")
    hits = page.locator(".hit code")
    expect(hits.first).to_be_visible()
    shown = hits.count()
    page.get_by_role("button", name="本页结果全部加入清单").click()
    page.wait_for_url(re.compile(r"/lists/add\?"))
    picks = page.locator('input[name="clause"]')
    expect(picks).to_have_count(shown)
    checked = page.locator('input[name="clause"]:checked')
    n = checked.count()
    assert 0 < n
    picks.first.set_checked(False)
    expected = page.locator('input[name="clause"]:checked').count()
    page.fill("#add-name", f"勾选清单{next(_n)}")
    page.click("#add-form button[type=submit]")
    page.wait_for_url(re.compile(r"/lists/\d+\?added="))
    expect(page.locator(".list-item")).to_have_count(expected)


THREE = ["gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4"]


def test_reorder_with_the_keyboard_on_the_drag_handle(page):
    """Issue 11 #10: drag to reorder, keyboard-accessible (Space, ↑/↓, Space; Esc cancels)."""
    list_id, url = new_list(page, THREE)
    page.goto(url)
    # by id, not position: nth(2) would be another item once this one moves
    third = page.locator(f'.list-item[data-item="{page.locator(".list-item").nth(2).get_attribute("data-item")}"]')
    handle = third.locator(".drag-handle")
    handle.focus()
    handle.press(" ")
    expect(third.locator(".status")).to_contain_text("已拿起第 3 条")
    handle.press("ArrowUp")
    handle.press("ArrowUp")
    expect(page.locator(".list-item").first.locator(".pos")).to_have_text("1")
    handle.press(" ")
    expect(third.locator(".status")).to_have_text("顺序已保存")
    assert order(page, list_id) == [THREE[2], THREE[0], THREE[1]]
    # Escape puts an item back where it was and saves nothing
    first = page.locator(f'.list-item[data-item="{page.locator(".list-item").first.get_attribute("data-item")}"]')
    h = first.locator(".drag-handle")
    h.focus()
    h.press(" ")
    h.press("ArrowDown")
    h.press("Escape")
    expect(first.locator(".status")).to_have_text("已取消移动")
    assert order(page, list_id) == [THREE[2], THREE[0], THREE[1]]
    expect(page.locator(".list-item").first).to_have_attribute("data-item", first.get_attribute("data-item"))


def test_reorder_by_dragging_with_the_mouse(page):
    list_id, url = new_list(page, THREE)
    page.set_viewport_size({"width": 1280, "height": 1600})  # both ends of the drag on screen
    page.goto(url)
    items = page.locator(".list-item")
    last_id = items.nth(2).get_attribute("data-item")
    items.nth(2).locator(".drag-handle").drag_to(items.nth(0), target_position={"x": 40, "y": 5})
    expect(page.locator(f'.list-item[data-item="{last_id}"] .status')).to_have_text("顺序已保存")
    assert order(page, list_id)[0] == THREE[2]


def test_status_from_a_stale_page_shows_both_values_and_own_progress_is_corrected(page, nojs_page):
    """Review of issue 14: two people on one item's 完成状态 — the second sees the first's
    value and keeps their own choice selected; one's own progress entry can be corrected."""
    list_id, url = new_list(page, TWO[:1])
    page.goto(url)
    nojs_page.goto(url)  # the same account in another browser, page drawn before the change
    first = page.locator(".list-item").first
    first.get_by_label("完成状态").select_option("推进中")
    first.get_by_role("button", name="更新状态").click()
    expect(page.locator(".notice.ok")).to_have_text("已更新完成状态。")
    other = nojs_page.locator(".list-item").first
    other.get_by_label("完成状态").select_option("已完成")
    other.get_by_role("button", name="更新状态").click()
    alert = nojs_page.locator(".list-item").first.locator(".status-form .conflict")
    expect(alert).to_contain_text("已被他人改为“推进中”")
    expect(alert).to_contain_text("您选择的“已完成”仍在下拉框中")
    expect(nojs_page.locator(".list-item").first.get_by_label("完成状态")).to_have_value("已完成")
    assert page.request.get(f"{page.base}/api/lists/{list_id}").json()["items"][0]["status"] == "推进中"

    page.goto(url)
    first = page.locator(".list-item").first
    first.get_by_label("进展情况", exact=True).fill("印发实施方案")
    first.get_by_role("button", name="记录进展").click()
    expect(page.locator(".notice.ok")).to_have_text("已记录进展。")
    entry = page.locator(".progress-entries li").first
    entry.locator("summary", has_text="修改").click()
    entry.locator('input[name="text"]').fill("印发实施方案（修订）")
    entry.get_by_role("button", name="保存修改").click()
    expect(page.locator(".notice.ok")).to_have_text("已修改进展。")
    expect(page.locator(".progress-entries li").first).to_contain_text("印发实施方案（修订）")
