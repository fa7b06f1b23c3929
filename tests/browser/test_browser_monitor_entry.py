"""Entering actual values on the 监测 page in Chromium, as an editor does: one value in
the table, a filled Excel template uploaded, and the Word report downloaded with them."""
import io

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SAT_NAME = "知识产权保护社会满意度"
SAT = "gd-ip-14fyp:t2.r11"


def _cell_form(page, year: int):
    value = page.get_by_label(f"{SAT_NAME} {year}年（分）", exact=True)
    return value, page.locator("form.actual-form", has=value)


def test_editor_enters_a_value_imports_a_template_and_downloads_the_report(page, tmp_path):
    page.goto(page.base + "/monitor")
    expect(page.locator("nav a", has_text="监测")).to_have_count(1)
    # one value, typed in the table (the page's own form, no script involved)
    value, form = _cell_form(page, 2023)
    value.fill("81.5")
    form.locator("input[name=source]").fill("统计公报")
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".notice.ok")).to_contain_text(f"已保存：{SAT_NAME} 2023年 81.5分。")
    expect(_cell_form(page, 2023)[0]).to_have_value("81.5")
    # (a refused value is a 400 page, tested in tests/test_monitor_entry.py: the browser
    # fixture counts any 4xx but 404 as a page error)
    # the template: download, fill 2025 in Excel's place, upload
    with page.expect_download() as dl:
        page.get_by_role("link", name="下载录入模板").click()
    wb = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    ws = wb.active
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == SAT)
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(row=3, column=c).value == "2025年")
    ws.cell(row=row, column=col, value=83.4)
    filled = tmp_path / "实际值.xlsx"
    wb.save(filled)
    page.locator("form.import-form input[type=file]").set_input_files(str(filled))
    page.locator("form.import-form").get_by_role("button", name="导入", exact=True).click()
    expect(page.locator(".notice.ok")).to_contain_text("已导入 实际值.xlsx")
    expect(_cell_form(page, 2025)[0]).to_have_value("83.4")
    expect(page.locator(f"tr[id='m-{SAT}'] .badge").first).to_have_text("已完成")
    # the report carries both values
    with page.expect_download() as dl:
        page.click("text=下载Word")
    doc = Document(io.BytesIO(open(dl.value.path(), "rb").read()))
    row = next(r for r in doc.tables[0].rows if r.cells[2].text == SAT_NAME)
    assert [c.text for c in row.cells][6:] == ["83.4", "已完成"]
    texts = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert "81.5" in texts
