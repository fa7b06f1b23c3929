"""The 监测 page in Chromium: its charts draw, a count opens its items, and the Word
report downloads and opens (values are entered with the CLI until the web has accounts)."""
import io

import pytest
from docx import Document

pytestmark = pytest.mark.browser


def test_monitor_page_charts_filter_and_report_download(page):
    page.goto(page.base + "/monitor")
    charts = page.locator("svg.spark")
    assert charts.count() >= 15
    box = charts.first.bounding_box()
    assert box["width"] >= 150 and box["height"] >= 40  # drawn, not collapsed by the table
    # the count of 无数据 indicators opens exactly those rows
    link = page.locator("section.card").first.locator("tr", has_text="主要指标").locator("a").last
    n = int(link.inner_text())
    link.click()
    page.wait_for_url("**status=*")
    rows = page.locator("#items table").first.locator("tbody tr:not(.more)")  # an indicator's 2nd figure: .more
    assert rows.count() == n
    with page.expect_download() as dl:
        page.click("text=下载Word")
    doc = Document(io.BytesIO(open(dl.value.path(), "rb").read()))
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["序号", "类别", "指标", "单位", "基期值", "目标值",
                                                            "完成值", "完成情况"]
    assert len(doc.tables[0].rows) == 16  # 14 indicators, one of them with two figures
    assert dl.value.suggested_filename.endswith("实施情况评估.docx")
