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
    assert len(by_id) == 15
    assert (by_id["gd-ip-14fyp:t2.r11"]["status"], by_id["gd-ip-14fyp:t2.r11"]["met"]) == ("滞后", None)
    assert (by_id["gd-ip-14fyp:t2.r14"]["status"], by_id["gd-ip-14fyp:t2.r14"]["met"]) == ("已完成", True)
    assert d["summary"]["indicators"] == {"已完成": 1, "未完成": 0, "进度正常": 0, "滞后": 2, "无数据": 12, "待判断": 0}
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
