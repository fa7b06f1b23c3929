"""The 监测 page: status counts that open their items, a server-side SVG per indicator,
a JSON twin, and the evaluation report as a download."""
import io
import re
from urllib.parse import unquote

import pytest
from docx import Document

from cli_support import ROOT
from office.tracking.actuals import make_actual, open_store


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from webapp import create_app
    from webapp.resources import close_all

    inst = tmp_path_factory.mktemp("monitor-instance")
    open_store(inst).put([
        make_actual("gd-ip-14fyp:t2.r11", 2021, "80.9", source="统计公报"),
        make_actual("gd-ip-14fyp:t2.r11", 2023, "81.5", source="统计公报"),
        make_actual("gd-ip-14fyp:t2.r4", 2021, "480.5"),
        make_actual("gd-ip-14fyp:t2.r14", 2025, "61.20"),
    ])
    app = create_app({"INSTANCE_PATH": inst, "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True,
                      "BUILD_INDEX_IF_MISSING": False})
    yield app.test_client()
    close_all(app)


def test_json_twin_carries_status_and_counts(client):
    d = client.get("/api/monitor").json
    assert d["document"]["id"] == "gd-ip-14fyp" and d["years"] == [2021, 2022, 2023, 2024, 2025]
    by_id = {e["id"]: e for e in d["indicators"]}
    assert len(by_id) == 14  # the plan's 14 indicators; row 4's two figures are its "measures"
    assert (by_id["gd-ip-14fyp:t2.r11"]["status"], by_id["gd-ip-14fyp:t2.r11"]["met"]) == ("滞后", None)
    assert (by_id["gd-ip-14fyp:t2.r14"]["status"], by_id["gd-ip-14fyp:t2.r14"]["met"]) == ("已完成", True)
    assert d["summary"]["indicators"] == {"已完成": 1, "未完成": 0, "进度正常": 0, "滞后": 2, "无数据": 11, "待判断": 0}
    assert sum(d["summary"]["targets"].values()) == len(d["targets"])
    ch2 = next(c for c in d["chapters"] if c["number"] == 2)
    assert ch2["indicators"]["滞后"] == 2  # the main-indicator table sits in chapter 2
    assert [r["format"] for r in d["reports"]] == ["docx", "xlsx"]


def test_a_count_opens_the_items_behind_it(client):
    html = client.get("/monitor").get_data(as_text=True)
    link = re.search(r'<a href="([^"]*status=[^"]*)#items">2</a>', html).group(1).replace("&amp;", "&")
    assert "滞后" in unquote(link)
    d = client.get("/api" + link).json
    assert {e["id"] for e in d["indicators"]} == {"gd-ip-14fyp:t2.r11", "gd-ip-14fyp:t2.r4"}
    assert all(e["status"] == "滞后" for e in d["targets"])
    page = client.get(link).get_data(as_text=True)
    assert "知识产权保护社会满意度" in page and "商标品牌发展指数" not in page


def test_each_indicator_has_a_server_side_svg_chart(client):
    html = client.get("/monitor").get_data(as_text=True)
    row = html[html.index('id="m-gd-ip-14fyp:t2.r11"'):]
    row = row[:row.index("</tr>")]
    svg = re.search(r"<svg .*?</svg>", row, re.S).group(0)
    assert 'class="path"' in svg and 'class="base"' in svg and 'class="target"' in svg
    assert svg.count('class="value"') == 2 and "<polyline" in svg
    assert "基期80，2021年80.9，2023年81.5，目标≥83" in svg
    assert ">81.5<" in row and "滞后" in row and "<script" not in html.split("</main>")[0]
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="spark"') >= 15


def test_bad_filters_are_a_chinese_400(client):
    r = client.get("/api/monitor?status=好")
    assert r.status_code == 400 and "status" in r.json["error"]["message"]
    assert client.get("/monitor?chapter=abc").status_code == 400


def test_report_download(client):
    r = client.get("/monitor/report.docx")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["Content-Disposition"] and ".docx" in r.headers["Content-Disposition"]
    doc = Document(io.BytesIO(r.data))
    row = next(x for x in doc.tables[0].rows if x.cells[2].text == "广东发明专利申请代理授权率")
    assert [c.text for c in row.cells][6:] == ["61.20", "已完成"]
    assert client.get("/monitor/report.xlsx").status_code == 200
    assert client.get("/monitor/report.pdf").status_code == 404


def test_a_damaged_actuals_database_is_a_chinese_503(tmp_path):
    from webapp import create_app
    from webapp.resources import close_all

    (tmp_path / "actuals.sqlite3").write_bytes(b"not a database" * 200)
    app = create_app({"INSTANCE_PATH": tmp_path, "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True,
                      "BUILD_INDEX_IF_MISSING": False})
    try:
        r = app.test_client().get("/api/monitor")
        assert r.status_code == 503 and "实绩数据库" in r.json["error"]["message"]
        page = app.test_client().get("/monitor")
        assert page.status_code == 503 and "实绩数据库" in page.get_data(as_text=True)
    finally:
        close_all(app)


def test_one_count_of_indicators_everywhere(client, tmp_path):
    """The plan has 14 main indicators; row 4 (知识产权质押融资登记金额、项目数) asks for two
    figures. The page, its JSON twin, both reports and the CLI all say 14, and show row 4
    as one indicator with two measures (each with its own values and status)."""
    from openpyxl import load_workbook

    from cli_support import run_plankb

    d = client.get("/api/monitor").json
    assert len(d["indicators"]) == 14 and sum(d["summary"]["indicators"].values()) == 14
    assert sum(sum(c["indicators"].values()) for c in d["chapters"]) == 14
    r4 = next(e for e in d["indicators"] if e["id"] == "gd-ip-14fyp:t2.r4")
    assert r4["name"] == "知识产权质押融资登记金额、项目数" and r4["unit"] == "亿元、项"
    assert [m["id"] for m in r4["measures"]] == ["gd-ip-14fyp:t2.r4", "gd-ip-14fyp:t2.r4.m2"]
    assert [m["name"] for m in r4["measures"]] == ["知识产权质押融资登记金额", "知识产权质押融资项目数"]
    # one figure is behind its straight-line path, the other has no value: the indicator is behind
    assert [m["status"] for m in r4["measures"]] == ["滞后", "无数据"] and r4["status"] == "滞后"
    assert r4["met"] is None and all(not e["measures"] for e in d["indicators"] if e is not r4)

    html = client.get("/monitor").get_data(as_text=True)
    table = html[html.index("<h2>主要指标</h2>"):html.index("<h2>文本中的目标</h2>")]
    assert table.count('<td class="num" rowspan="2">4</td>') == 1
    assert 'id="m-gd-ip-14fyp:t2.r4"' in table and 'id="m-gd-ip-14fyp:t2.r4.m2"' in table
    assert table.count("<tr id=") - table.count('class="figure more"') == 14

    doc = Document(io.BytesIO(client.get("/monitor/report.docx").data))
    said = "\n".join(p.text for p in doc.paragraphs)
    assert "主要指标共14项（其中第4项含2个数值" in said
    rows = doc.tables[0].rows[1:]
    assert len({r.cells[0]._tc for r in rows}) == 14  # 序号 merged over row 4's two figures
    assert rows[3].cells[0]._tc is rows[4].cells[0]._tc and rows[3].cells[0].text == "4"
    assert [rows[3].cells[2].text, rows[4].cells[2].text] == ["知识产权质押融资登记金额", "知识产权质押融资项目数"]
    wb = load_workbook(io.BytesIO(client.get("/monitor/report.xlsx").data))
    ws = wb["主要指标完成情况"]
    assert "A6:A7" in {str(m) for m in ws.merged_cells.ranges}
    assert any(str(c.value or "").startswith("主要指标共14项") for row in ws.iter_rows() for c in row)

    inst = tmp_path / "cli"
    out = run_plankb("--instance", str(inst), "actuals").stdout
    assert "主要指标（14 项，15 个数值）" in out
    out = run_plankb("--instance", str(inst), "report", "-o", str(tmp_path / "r.docx"), "--no-charts").stdout
    assert "主要指标共14项" in out
