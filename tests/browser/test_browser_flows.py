"""End-to-end in headless Chromium: search → clause, a list exported to DOCX, a trace diagram."""
import io
import re

import pytest
from docx import Document
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_search_as_you_type_then_open_a_clause(page):
    page.goto(page.base + "/")
    page.fill("#q", "民事司法保护")
    # results arrive while typing, from /api/search, before any enter
    expect(page.locator("#live-results .hit").first).to_be_visible()
    expect(page.locator("#result-count")).to_contain_text("共找到")
    assert page.locator("#live-results mark").first.inner_text() in ("民事司法保护", "民事", "司法保护")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert page.locator(".facet").count() >= 3  # enter gives the full page with facets
    first = page.locator(".hit-title").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/clauses/gd-ip-14fyp:"))
    assert page.locator(".clause-page").is_visible()
    citation = page.input_value("#citation")
    assert citation.startswith("《广东省知识产权保护和运用“十四五”规划》第三章")
    assert title.split()[0] in page.inner_text(".clause-text") or page.locator(".crumbs").is_visible()
    page.click("button.copy")
    expect(page.locator("#toast")).to_be_visible()
    expect(page.locator("#toast")).to_contain_text("已复制引用")
    # previous / next walk the plan in order
    page.click("a.next")
    page.wait_for_load_state()
    assert page.locator(".clause-page").is_visible()


def test_build_a_list_set_lead_unit_and_export_docx(page):
    page.goto(page.base + "/search?q=商业秘密")
    hit_ids = page.locator(".hit code").all_inner_texts()[:2]
    page.locator(".hit .add-to-list").nth(0).click()
    expect(page.locator("#add-dialog")).to_be_visible()
    page.fill("#add-new", "浏览器测试清单")
    page.click(".add-ok")
    toast = page.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("新增 1 条")
    # a second clause into the same list, chosen from the drop-down this time
    page.locator(".hit .add-to-list").nth(1).click()
    expect(page.locator("#add-dialog")).to_be_visible()
    # the drop-down is filled from /api/lists after the dialog opens: wait for our list in it
    expect(page.locator("#add-list option", has_text="浏览器测试清单（1 条）")).to_have_count(1)
    page.select_option("#add-list", label="浏览器测试清单（1 条）")
    page.click(".add-ok")
    expect(toast).to_contain_text("新增 1 条")
    expect(toast.locator("a")).to_be_visible()
    page.click("#toast a")
    page.wait_for_url(re.compile(r"/lists/\d+$"))
    items = page.locator(".list-item")
    expect(items).to_have_count(2)
    # move the second item up, fill its 牵头单位; both are saved on the server
    items.nth(1).locator(".move-up").click()
    expect(page.locator(".list-item", has_text="顺序已保存")).to_have_count(1)
    first = page.locator(".list-item").first
    lead = first.locator('input[name="lead_unit"]')
    lead.fill("省市场监管局（知识产权局）")
    lead.press("Tab")  # change event → PATCH with the version
    expect(first.locator(".status.saved")).to_be_visible()
    page.reload()
    expect(page.locator(".list-item").first.locator('input[name="lead_unit"]')).to_have_value(
        "省市场监管局（知识产权局）")
    with page.expect_download() as dl:
        page.click('a.export-link[data-format="docx"]')
    data = open(dl.value.path(), "rb").read()
    doc = Document(io.BytesIO(data))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    header = rows[0]
    assert len(rows) == 3
    content = header.index("具体内容")
    for row, cid in zip(rows[1:], [hit_ids[1], hit_ids[0]]):  # the order set in the browser
        text = page.request.get(f"{page.base}/api/clauses/{cid}").json()["text"]
        assert row[content][:20] in text, (cid, row[content][:40])
    assert rows[1][header.index("牵头单位")] == "省市场监管局（知识产权局）"
    assert rows[2][header.index("牵头单位")] == ""


def test_trace_diagram_renders(page):
    page.goto(page.base + "/trace/gd-ip-14fyp:box5.p1")
    svg = page.locator("#trace-diagram svg.diagram")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box["width"] > 600 and box["height"] > 100
    nodes = page.locator("svg.diagram [data-node]")
    api = page.request.get(page.base + "/api/trace/gd-ip-14fyp:box5.p1").json()
    drawn = [n for n in api["nodes"] if n["kind"] in ("body", "task", "target", "indicator", "deadline")]
    assert len(drawn) >= 7
    expect(nodes).to_have_count(len(drawn))
    assert page.locator("svg.diagram .edge").count() == page.locator(".evidence-list li").count() >= 6
    # the start node is highlighted and each column has a heading
    assert page.locator("svg.diagram .node.start").count() == 1
    heads = page.locator("svg.diagram text.colhead").all_text_contents()
    n_bodies = sum(1 for n in drawn if n["kind"] == "body")
    assert heads[:2] == [f"单位（{n_bodies}）", "任务（1）"]
    # the label is laid out as text (the SVG is inline, not an image)
    w = page.locator("svg.diagram .node.start text").first.evaluate("t => t.getBBox().width")
    assert w > 100
    # a node is a link: following the target goes to its own trace
    page.locator('svg.diagram a[data-node="target:gd-ip-14fyp:box5.p1.t2"]').click()
    page.wait_for_url(re.compile(r"/trace/target:gd-ip-14fyp:box5.p1.t2$"))
    expect(page.locator("svg.diagram [data-node='deadline:2025']")).to_have_count(1)


def test_graph_overview_filter_by_kind(page):
    page.goto(page.base + "/graph")
    expect(page.locator("svg.diagram")).to_be_visible()
    page.click(".kindtabs a:has-text('时限')")
    page.wait_for_url(re.compile(r"kind=deadline"))
    expect(page.locator("#graph-nodes tbody tr")).to_have_count(3)


def test_error_page_is_chinese(page):
    resp = page.goto(page.base + "/clauses/gd-ip-14fyp:99.p1")
    assert resp.status == 404
    expect(page.locator(".error-page")).to_contain_text("没有编号为“gd-ip-14fyp:99.p1”的条目")
