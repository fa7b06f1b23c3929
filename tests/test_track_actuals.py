"""Actual values: the store, the ``plankb actuals`` commands and the Excel template.

The values are entered the ways staff enter them (one at a time, or a filled template)
for the seed plan's 14 main indicators and its quantitative targets, and the status
each then gets is checked against the rules worked by hand.
"""
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from cli_support import run_plankb
from office.tracking.actuals import (
    ActualsError,
    MemoryActualsStore,
    clean_value,
    make_actual,
    open_store,
)
from office.tracking.status import Plan, figures, tracking
from office.tracking.template import TemplateError, read_template, template_bytes


@pytest.fixture(scope="module")
def plan(corpus):
    return Plan(corpus)


def _json(instance):
    return json.loads(run_plankb("--instance", str(instance), "actuals", "--json").stdout)


def _entry(data, mid):
    """One measure's entry: a figure of an indicator (row 4 has two) or a target."""
    from office.tracking.status import find_entry

    return find_entry(data, mid)


@pytest.mark.parametrize("raw,text", [
    ("18.2", "18.2"), ("18.20", "18.20"), (" １８．５ ", "18.5"), ("1,234.5", "1234.5"), (42, "42"),
    (0.1, "0.1"), (1e15, "1000000000000000"), (2.5e-05, "0.000025"), ("-3.5", "-3.5"), (".5", "0.5"), (Decimal("2.50"), "2.50"),
])
def test_values_are_kept_as_entered(raw, text):
    assert clean_value(raw) == text


@pytest.mark.parametrize("raw", ["约18", "18.2%", "18万", "12,34", "", "1e5", "NaN", True, None, float("inf"), "一百"])
def test_values_that_are_not_plain_numbers_are_refused_in_chinese(raw):
    with pytest.raises(ActualsError) as e:
        clean_value(raw)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(e.value))


@pytest.mark.parametrize("store_kind", ["memory", "database"])
def test_store_puts_all_or_nothing_and_keeps_who_and_when(store_kind, tmp_path):
    store = MemoryActualsStore() if store_kind == "memory" else open_store(tmp_path)
    a = make_actual("gd-ip-14fyp:t2.r11", 2023, "81.5", source="统计公报", who="张三")
    assert store.put([a]) == 1
    assert store.put([a]) == 0  # the same again changes nothing
    got = store.all()["gd-ip-14fyp:t2.r11"][0]
    assert (got.value, got.source, got.who) == ("81.5", "统计公报", "张三") and got.entered_at.startswith("20")

    class Boom(Exception):
        pass

    def half():
        yield make_actual("gd-ip-14fyp:t2.r1", 2022, "14")
        raise Boom()

    with pytest.raises(Boom):
        store.put(half())
    assert "gd-ip-14fyp:t2.r1" not in store.all()
    assert store.delete("gd-ip-14fyp:t2.r11", 2023) and not store.delete("gd-ip-14fyp:t2.r11", 2023)


def test_values_live_in_the_office_database(tmp_path):
    from office.db import DB_NAME

    open_store(tmp_path).put([make_actual("x:t2.r1", 2021, "1.50")])
    assert (tmp_path / DB_NAME).is_file() and not (tmp_path / "actuals.sqlite3").exists()
    assert open_store(tmp_path).all()["x:t2.r1"][0].value == "1.50"


def _legacy_file(path, rows):
    """An actuals.sqlite3 exactly as the store before migration 0003 wrote it."""
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE actuals (measure_id TEXT NOT NULL, year INTEGER NOT NULL, value TEXT NOT NULL, "
                 "source TEXT NOT NULL DEFAULT '', note TEXT NOT NULL DEFAULT '', who TEXT NOT NULL DEFAULT '', "
                 "entered_at TEXT NOT NULL, PRIMARY KEY (measure_id, year))")
    conn.executemany("INSERT INTO actuals VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_an_old_actuals_file_is_imported_once(instance):
    from office.audit import AuditLog

    instance.mkdir(parents=True, exist_ok=True)
    old = instance / "actuals.sqlite3"
    _legacy_file(old, [("gd-ip-14fyp:t2.r11", 2023, "81.50", "统计公报", "", "李四", "2024-03-01T08:00:00+00:00"),
                       ("gd-ip-14fyp:t2.r4", 2021, "480.5", "", "备注", "王五", "2024-03-02T08:00:00+00:00")])
    sat = _entry(_json(instance), "gd-ip-14fyp:t2.r11")
    assert [(a["year"], a["text"], a["source"], a["who"]) for a in sat["actuals"]] == [(2023, "81.50", "统计公报", "李四")]
    assert not old.exists() and (instance / "actuals.sqlite3.imported").is_file()
    store = open_store(instance)
    trail = [e for e in AuditLog(store.db).entries() if e.action == "actual.import"]
    assert sorted(e.subject for e in trail) == ["gd-ip-14fyp:t2.r11 2023年", "gd-ip-14fyp:t2.r4 2021年"]
    # a copy of the old file put back later never overwrites what was entered since
    run_plankb("--instance", str(instance), "actuals", "set", "gd-ip-14fyp:t2.r11", "--year", "2023", "--value", "82")
    _legacy_file(old, [("gd-ip-14fyp:t2.r11", 2023, "81.50", "统计公报", "", "李四", "2024-03-01T08:00:00+00:00")])
    assert _entry(_json(instance), "gd-ip-14fyp:t2.r11")["actuals"][0]["text"] == "82"


def test_overwrites_keep_their_history_and_go_to_the_trail(tmp_path):
    from office.audit import Actor, AuditLog, acting_as

    store = open_store(tmp_path)
    with acting_as(Actor("zhang", role="editor")):
        store.put([make_actual("gd-ip-14fyp:t2.r11", 2023, "81.5", source="统计公报")])
    with acting_as(Actor("li", role="editor")):
        store.put([make_actual("gd-ip-14fyp:t2.r11", 2023, "81.7", source="统计公报")])
        store.delete("gd-ip-14fyp:t2.r11", 2023)
    hist = store.history("gd-ip-14fyp:t2.r11")
    assert [(h["value"], h["who"], h["replaced_by"], h["change"]) for h in hist] == [
        ("81.5", "zhang", "li", "overwrite"), ("81.7", "li", "li", "delete")]
    trail = [(e.actor, e.action, e.field, e.old, e.new) for e in reversed(AuditLog(store.db).entries())]
    assert trail == [("zhang", "actual.set", "value", "", "81.5"), ("zhang", "actual.set", "source", "", "统计公报"),
                     ("li", "actual.set", "value", "81.5", "81.7"), ("li", "actual.delete", "value", "81.7", "")]
    with acting_as(Actor("wang", role="viewer")), pytest.raises(ActualsError) as e:
        store.put([make_actual("gd-ip-14fyp:t2.r11", 2023, "90")])
    assert e.value.status == 403 and "只读" in str(e.value)


def test_a_damaged_old_file_is_one_chinese_sentence(tmp_path):
    (tmp_path / "actuals.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ActualsError) as e:
        open_store(tmp_path)
    assert "实绩数据库" in str(e.value) and "actuals.sqlite3" in str(e.value)


def test_cli_set_and_the_json_contract(instance):
    inst = str(instance)
    out = run_plankb("--instance", inst, "actuals", "set", "gd-ip-14fyp:t2.r11", "--year", "2025",
                     "--value", "84.12", "--source", "统计公报").stdout
    assert "已录入" in out and "已完成" in out
    run_plankb("--instance", inst, "actuals", "set", "gd-ip-14fyp:t2.r4", "--year", "2021", "--value", "480.5")
    data = _json(instance)
    assert set(data) >= {"indicators", "targets"}
    assert len(data["indicators"]) == 14  # indicators, not figures: row 4's two are its "measures"
    for e in data["indicators"] + figures(data["indicators"]) + data["targets"]:
        assert set(e) >= {"id", "name", "unit", "base", "target", "actuals", "status", "met"}
        assert e["met"] in (True, False, None)
    sat = _entry(data, "gd-ip-14fyp:t2.r11")
    assert (sat["name"], sat["unit"], sat["base"], sat["target"]) == ("知识产权保护社会满意度", "分", 80, 83)
    assert sat["actuals"] == [{"year": 2025, "value": 84.12, "text": "84.12", "source": "统计公报", "note": "",
                               "who": sat["actuals"][0]["who"], "entered_at": sat["actuals"][0]["entered_at"]}]
    assert (sat["status"], sat["met"]) == ("已完成", True)
    assert _entry(data, "gd-ip-14fyp:t2.r4")["status"] == "滞后"  # 480.5 of 500 due in 2021
    # the text's 质押融资 target restates indicator 4 and is judged on its values
    fin = _entry(data, "target:gd-ip-14fyp:box14.p3.t1")
    assert fin["actuals_from"] == "gd-ip-14fyp:t2.r4" and fin["status"] == "滞后"
    assert {e["status"] for e in figures(data["indicators"]) if not e["actuals"]} == {"无数据"}


@pytest.mark.parametrize("args,words", [
    (["nonsense:t9", "--year", "2023", "--value", "1"], "没有编号为"),
    (["gd-ip-14fyp:t2.r1", "--year", "2019", "--value", "1"], "不在规划期内"),
    (["gd-ip-14fyp:t2.r1", "--year", "二〇二三", "--value", "1"], "年份"),
    (["gd-ip-14fyp:t2.r1", "--year", "2023", "--value", "约14"], "不是数字"),
    (["target:gd-ip-14fyp:box5.p1.t1", "--year", "2022", "--value", "1"], "定性目标"),
    (["gd-ip-14fyp:t1.r3", "--year", "2020", "--value", "1"], "上一规划期"),
])
def test_cli_set_refusals_are_one_line(instance, args, words):
    proc = run_plankb("--instance", str(instance), "actuals", "set", *args, ok=False)
    assert proc.returncode != 0 and words in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["delete", "nonsense:t9", "--year", "2023"], ["history", "gd-ip-14fyp:t9.r99"]])
def test_cli_unknown_measure_is_one_chinese_line(instance, args):
    proc = run_plankb("--instance", str(instance), "actuals", *args, ok=False)
    assert proc.returncode != 0 and "没有编号为" in proc.stderr and "Traceback" not in proc.stderr


# -- the template -------------------------------------------------------------------

def _fill(data: bytes, cells: dict) -> bytes:
    import io

    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    for ref, v in cells.items():
        ws[ref] = v
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _row_of(data: bytes, mid: str) -> int:
    import io

    ws = load_workbook(io.BytesIO(data)).active
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == mid)


def test_template_lists_every_measure_and_year(plan):
    import io

    data = template_bytes(plan, {})
    ws = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in ws[3]]
    assert header[:7] == ["编号", "类型", "序号", "指标或目标", "单位", "基期值", "目标值"]
    assert header[7:12] == ["2021年", "2022年", "2023年", "2024年", "2025年"]
    ids = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    assert ids[:15] == [m.id for m in plan.indicators]
    assert set(ids[15:]) == {m.id for m in plan.targets if m.quantitative}
    r = _row_of(data, "gd-ip-14fyp:t2.r11")
    assert [ws.cell(row=r, column=c).value for c in (4, 5, 6, 7)] == ["知识产权保护社会满意度", "分", "80", "≥83"]
    # every open year cell refuses a non-number as it is typed
    (check,) = ws.data_validations.dataValidation
    assert check.type == "decimal" and f"H{r}" in check.sqref and "只填数字" in check.error


def test_template_round_trip_keeps_values_as_entered(plan):
    import io

    store = MemoryActualsStore()
    store.put([make_actual("gd-ip-14fyp:t2.r5", 2022, "1020.50", source="部门报送")])
    data = template_bytes(plan, store.all())
    r = _row_of(data, "gd-ip-14fyp:t2.r5")
    assert load_workbook(io.BytesIO(data)).active[f"I{r}"].number_format == "0.00"  # shows 1020.50
    got = read_template(data, plan, store.all())
    assert [(a.measure_id, a.year, a.value, a.source) for a in got] == [("gd-ip-14fyp:t2.r5", 2022, "1020.50", "部门报送")]
    assert store.put(got) == 0


def test_import_sets_values_for_all_main_indicators_and_targets(plan, tmp_path, instance):
    """The 14 main indicators (15 figures) and every quantitative target, five years each,
    through the template and the CLI; then every status is the one the rules give."""
    inst = str(instance)
    run_plankb("--instance", inst, "actuals", "template", "-o", str(tmp_path / "t.xlsx"))
    data = (tmp_path / "t.xlsx").read_bytes()
    cells = {}
    expected = {}
    for m in plan.indicators + [t for t in plan.targets if t.quantitative]:
        r = _row_of(data, m.id)
        target = m.goal.value
        # every fifth figure falls short, the rest reach: additions split over five years
        share = target / 5 if m.goal.increment else target
        factor = Decimal("0.9") if m.number % 5 == 0 else Decimal("1.1")
        if m.goal.comparator in ("≤", "<"):
            factor = 2 - factor
        value = (share * factor).quantize(Decimal("0.1"))
        for c in range(8, 13):
            cells[f"{'HIJKL'[c - 8]}{r}"] = float(value)
        cells[f"M{r}"] = "统计公报"
        expected[m.id] = factor == Decimal("1.1") or (m.goal.comparator in ("≤", "<") and factor < 1)
    (tmp_path / "filled.xlsx").write_bytes(_fill(data, cells))
    out = run_plankb("--instance", inst, "actuals", "import", str(tmp_path / "filled.xlsx")).stdout
    assert f"读到 {5 * len(expected)} 个数值" in out
    got = _json(instance)
    for mid, met in expected.items():
        e = _entry(got, mid)
        assert e["met"] is met, (mid, e["rule"])
        assert e["status"] == ("已完成" if met else "未完成")
        assert len(e["actuals"]) == 5 and {a["source"] for a in e["actuals"]} == {"统计公报"}


def test_unreadable_cells_are_reported_by_place_and_nothing_is_imported(plan, tmp_path, instance):
    inst = str(instance)
    run_plankb("--instance", inst, "actuals", "set", "gd-ip-14fyp:t2.r1", "--year", "2021", "--value", "14")
    run_plankb("--instance", inst, "actuals", "template", "-o", str(tmp_path / "t.xlsx"))
    data = (tmp_path / "t.xlsx").read_bytes()
    r1, r11 = _row_of(data, "gd-ip-14fyp:t2.r1"), _row_of(data, "gd-ip-14fyp:t2.r11")
    bad = _fill(data, {f"H{r1}": 15, f"I{r1}": "约16", f"J{r11}": "=A1*2", f"K{r11}": 82,
                       f"A{r11 + 40}": "nonsense:t9", f"H{r11 + 40}": 1})
    (tmp_path / "bad.xlsx").write_bytes(bad)
    before = _json(instance)
    proc = run_plankb("--instance", inst, "actuals", "import", str(tmp_path / "bad.xlsx"), ok=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "3 处无法读取，未导入任何数值" in proc.stderr
    assert f"I{r1}（第{r1}行，2022年，每万人口高价值发明专利拥有量）：“约16”不是数字" in proc.stderr
    assert f"J{r11}（第{r11}行，2023年，知识产权保护社会满意度）：是公式" in proc.stderr
    assert f"A{r11 + 40}（第{r11 + 40}行）：没有编号为 nonsense:t9" in proc.stderr
    assert _json(instance) == before  # the good cells (H, K) were not stored either


def test_a_file_that_is_not_a_workbook_is_one_sentence(plan, tmp_path, instance):
    (tmp_path / "notes.xlsx").write_text("不是表格", encoding="utf-8")
    proc = run_plankb("--instance", str(instance), "actuals", "import", str(tmp_path / "notes.xlsx"), ok=False)
    assert proc.returncode != 0 and "不是可读取的 Excel" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    with pytest.raises(TemplateError):
        read_template(b"", plan, {})


def test_a_percent_formatted_cell_is_refused_not_divided(plan):
    import io

    data = template_bytes(plan, {})
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    r = _row_of(data, "gd-ip-14fyp:t2.r14")
    ws[f"H{r}"] = 0.575
    ws[f"H{r}"].number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(TemplateError) as e:
        read_template(buf.getvalue(), plan, {})
    assert "百分比格式" in e.value.problems[0] and e.value.problems[0].startswith(f"H{r}")


def test_status_of_each_entered_indicator_through_the_library(plan):
    store = MemoryActualsStore()
    store.put([plan.actual("gd-ip-14fyp:t2.r11", 2025, "82.6"),
               plan.actual("gd-ip-14fyp:t2.r4", 2021, "900"), plan.actual("gd-ip-14fyp:t2.r4", 2022, "800"),
               plan.actual("gd-ip-14fyp:t2.r4", 2023, "850")])
    data = tracking(plan, store)
    assert _entry(data, "gd-ip-14fyp:t2.r11")["met"] is False
    assert _entry(data, "gd-ip-14fyp:t2.r4")["verdict"]["result"] == 2550
