"""The evaluation report: read back with python-docx and openpyxl, every number checked
against what was entered, to the digit."""
import io
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook

from cli_support import run_plankb
from office.tracking.actuals import MemoryActualsStore
from office.tracking.report import INDICATOR_HEADERS, build_report, render
from office.tracking.status import Plan

# what staff entered: trailing zeros, additions over five years, a value at the deadline
ENTERED = {
    "gd-ip-14fyp:t2.r1": {2021: "14.2", 2022: "15.05", 2023: "16.4", 2024: "18.1", 2025: "20.3"},
    "gd-ip-14fyp:t2.r4": {2021: "480.5", 2022: "510", 2023: "495.25", 2024: "530.1", 2025: "520"},
    "gd-ip-14fyp:t2.r4.m2": {2021: "900", 2022: "1010", 2023: "980"},
    "gd-ip-14fyp:t2.r5": {2022: "1020.50"},
    "gd-ip-14fyp:t2.r11": {2021: "80.9", 2025: "82.60"},
    "gd-ip-14fyp:t2.r14": {2021: "57", 2022: "58.5", 2023: "59.0"},
}


@pytest.fixture(scope="module")
def plan(corpus):
    return Plan(corpus)


@pytest.fixture(scope="module")
def store(plan):
    s = MemoryActualsStore()
    s.put([plan.actual(mid, y, v, source="统计公报") for mid, years in ENTERED.items() for y, v in years.items()])
    return s


@pytest.fixture(scope="module")
def report(plan, store):
    return build_report(plan, store)


@pytest.fixture(scope="module")
def docx(report):
    return Document(io.BytesIO(render(report, "docx")))


def _by_name(table, col):
    return {r.cells[col].text: [c.text for c in r.cells] for r in table.rows[1:]}


def _sum(texts):
    return sum((Decimal(t) for t in texts), Decimal(0))


def test_docx_main_indicator_table_has_the_plans_columns_and_the_judged_values(plan, docx):
    table = docx.tables[0]
    assert [c.text for c in table.rows[0].cells] == INDICATOR_HEADERS
    assert len(table.rows) == 1 + len(plan.indicators)
    rows = {r.cells[2].text + r.cells[3].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert rows["每万人口高价值发明专利拥有量件"][4:] == ["13.5", "20", "20.3", "已完成"]
    # (2500): the sum of the five years, exactly
    assert rows["知识产权质押融资登记金额亿元"][4:] == ["(907.6)", "(2500)", "2535.85", "已完成"]
    assert Decimal("2535.85") == _sum(ENTERED["gd-ip-14fyp:t2.r4"].values())
    assert rows["知识产权质押融资项目数项"][6:] == ["2890", "滞后（截至2023年）"]
    assert rows["知识产权保护社会满意度分"][4:] == ["80", "≥83", "82.60", "未完成"]
    assert rows["广东发明专利申请代理授权率%"][6:] == ["59.0", "进度正常（截至2023年）"]
    assert rows["知识产权使用费年进出口总额亿元"][6:] == ["1020.50", "待判断"]
    assert rows["海外发明专利授权量万件"][6:] == ["—", "无数据"]


def test_docx_yearly_table_prints_every_entered_number_to_the_digit(plan, docx):
    table = docx.tables[1]
    header = [c.text for c in table.rows[0].cells]
    assert header[3:8] == ["2021年", "2022年", "2023年", "2024年", "2025年"]
    names = {m.id: (m.name, m.unit) for m in plan.indicators}
    rows = {(r.cells[1].text, r.cells[2].text): [c.text for c in r.cells] for r in table.rows[1:]}
    printed = 0
    for mid, years in ENTERED.items():
        row = rows[names[mid]]
        for i, y in enumerate(range(2021, 2026)):
            assert row[3 + i] == years.get(y, ""), (mid, y)
            printed += bool(years.get(y))
        assert row[-1] == "统计公报"
    assert printed == sum(len(v) for v in ENTERED.values())
    # and nothing else: every number in a year cell is one that was entered
    entered = {v for years in ENTERED.values() for v in years.values()}
    for r in table.rows[1:]:
        for c in r.cells[3:8]:
            assert c.text == "" or c.text in entered


def test_docx_targets_tasks_charts_and_rules(plan, report, docx):
    text = "\n".join(p.text for p in docx.paragraphs)
    for heading in ("一、主要指标完成情况", "二、主要指标逐年实际值", "三、规划文本中的目标完成情况", "四、重点任务进展",
                    "五、主要指标图表", "附：完成情况的判断依据"):
        assert heading in text
    targets = docx.tables[2]
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in targets.rows[1:]}
    # the text's 2500亿元 target restates indicator 4 and is judged on its values
    assert rows["全省专利、商标质押融资金额"][2:] == ["第五章第二节专栏14", "达2500亿元", "2535.85", "已完成"]
    assert rows["维权援助服务站"][4:] == ["—", "无数据"]
    assert "尚无任务清单" in text  # no list store in this test
    assert len(docx.inline_shapes) == len(plan.indicators)  # one chart per indicator
    assert "2021—2025年合计2535.85亿元" in text


def test_without_a_chinese_font_the_report_says_so(plan, store, monkeypatch):
    from office.tracking import chart

    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    report = build_report(plan, store)
    doc = Document(io.BytesIO(render(report, "docx")))
    assert len(doc.inline_shapes) == 0
    assert any("没有找到中文字体" in p.text and "fonts-wqy-microhei" in p.text for p in doc.paragraphs)


def _decimals(fmt: str) -> int:
    return len(fmt.split(".", 1)[1]) if "." in fmt else 0


def _shown(cell) -> str:
    """What Excel shows for a numeric cell: its value in its number format."""
    return f"{Decimal(str(cell.value)):.{_decimals(cell.number_format)}f}"


def test_xlsx_every_number_reads_back_as_entered(plan, report):
    wb = load_workbook(io.BytesIO(render(report, "xlsx")))
    assert wb.sheetnames == ["主要指标完成情况", "逐年实际值", "文本目标完成情况", "重点任务进展", "指标图表"]
    ws = wb["逐年实际值"]
    names = {m.id: m.name for m in plan.indicators}
    rows = {ws.cell(row=r, column=2).value: r for r in range(3, ws.max_row + 1)}
    for mid, years in ENTERED.items():
        r = rows[names[mid]]
        for i, y in enumerate(range(2021, 2026)):
            cell = ws.cell(row=r, column=4 + i)
            if y in years:
                assert isinstance(cell.value, (int, float))
                assert _shown(cell) == years[y] and Decimal(str(cell.value)) == Decimal(years[y])
            else:
                assert cell.value in (None, "")
    main = wb["主要指标完成情况"]
    assert [c.value for c in main[2]][:8] == INDICATOR_HEADERS
    got = {main.cell(row=r, column=3).value + main.cell(row=r, column=4).value: r for r in range(3, main.max_row + 1)
           if main.cell(row=r, column=3).value}  # the count of indicators stands under the table
    r = got["知识产权质押融资登记金额亿元"]
    assert _shown(main.cell(row=r, column=7)) == "2535.85" and main.cell(row=r, column=8).value == "已完成"
    assert main.cell(row=r, column=6).value == "(2500)"
    assert "合计2535.85亿元" in main.cell(row=r, column=9).value
    assert _shown(main.cell(row=got["知识产权保护社会满意度分"], column=7)) == "82.60"
    assert len(wb["指标图表"]._images) == len(plan.indicators)


def test_report_lists_tasks_from_the_list_store(corpus, plan, store, tmp_path):
    from office.lists import ListStore
    from office.tracking.report import list_store_reader

    ls = ListStore.for_instance(tmp_path)
    tl = ls.create_list("金融", "知识产权金融任务")
    items = ls.add_items(tl.id, ["gd-ip-14fyp:4.3.p2", "gd-ip-14fyp:box14.p1"])
    ls.update_item(items[0].id, items[0].version, lead_unit="省市场监管局（知识产权局）")
    report = build_report(plan, store, read_lists=list_store_reader(tmp_path), charts=False)
    doc = Document(io.BytesIO(render(report, "docx")))
    table = doc.tables[3]
    assert [c.text for c in table.rows[0].cells] == ["序号", "任务", "牵头单位", "进展情况", "完成状态"]
    assert len(table.rows) == 3
    assert table.rows[1].cells[2].text == "省市场监管局（知识产权局）"
    assert all(r.cells[1].text for r in table.rows[1:])
    assert any("知识产权金融任务" in p.text for p in doc.paragraphs)


def test_cli_report_writes_both_formats(instance, tmp_path):
    inst = str(instance)
    run_plankb("--instance", inst, "actuals", "set", "gd-ip-14fyp:t2.r11", "--year", "2025", "--value", "83.40")
    out = run_plankb("--instance", inst, "report", "--no-charts", "-o", str(tmp_path / "评估.docx")).stdout
    assert "已写出评估报告" in out and "已完成1项" in out
    doc = Document(str(tmp_path / "评估.docx"))
    row = next(r for r in doc.tables[0].rows if r.cells[2].text == "知识产权保护社会满意度")
    assert [c.text for c in row.cells][6:] == ["83.40", "已完成"]
    run_plankb("--instance", inst, "report", "--format", "xlsx", "--no-charts", "-o", str(tmp_path / "评估.xlsx"))
    assert load_workbook(str(tmp_path / "评估.xlsx")).sheetnames[0] == "主要指标完成情况"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["instance", "评估.docx", "评估.xlsx"]  # no temp files


@pytest.mark.parametrize("args,words", [
    (["-o", "r.pdf"], "请用 --format 指定"),
    (["-o", "no/such/dir/r.docx"], "输出目录不存在"),
    (["--format", "odt", "-o", "r.odt"], "odt"),
])
def test_cli_report_refusals(instance, tmp_path, args, words):
    proc = run_plankb("--instance", str(instance), "report", *args, ok=False, cwd=tmp_path)
    assert proc.returncode != 0 and words in proc.stderr and "Traceback" not in proc.stderr


def test_the_previous_period_report_reproduces_the_plans_own_judgement(plan, store, seed):
    """Issue 14's first check: the plan's 十三五 table (目标值, 完成值) through the same
    report gives 未完成 for exactly the three rows the plan counts short, and prints
    each 完成值 as the plan does (543.0 stays 543.0)."""
    from kb.indicators import indicator_tables

    table = next(t for t in indicator_tables(seed)["tables"] if t["kind"] == "completion")
    doc = Document(io.BytesIO(render(build_report(plan, store, charts=False, previous=True), "docx")))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows[1:]]
    assert len(rows) == len(table["rows"]) == 18
    for row, src in zip(rows, table["rows"]):
        assert row[2] == src["name"] and row[5] == src["cells"]["目标值"]
        assert row[6] == src["cells"]["完成值"]
        assert row[7] == ("已完成" if src["met"] else "未完成")
    assert {r[2] for r in rows if r[7] == "未完成"} == {"农产品地理标志登记", "版权产业对国民经济的贡献率",
                                                      "知识产权保护社会满意度"}
    assert "重点任务进展" not in "\n".join(p.text for p in doc.paragraphs)


def test_both_word_writers_share_the_public_house_style():
    """The report's DOCX took private helpers (_cell_text, _page…) of the task-table
    writer; the house style is one public module both use, and no office module imports
    another's private names."""
    import ast

    from cli_support import ROOT

    offenders = []
    for path in sorted((ROOT / "office").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("office"):
                offenders += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert offenders == []
    for name in ("office/export/docx_writer.py", "office/tracking/report_docx.py"):
        assert "from office.export.docx_style import" in (ROOT / name).read_text(encoding="utf-8")
