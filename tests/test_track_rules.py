"""The status rules on the seed plan's own figures.

The first check is the plan's own evaluation: its 十三五 table lists 目标值 and 完成值,
and the plan (第一章第一节) counts three indicators short — 农产品地理标志登记 54 of 100,
版权产业贡献率 8.7% of ≥9%, 保护社会满意度 75.07 of ≥80 — and the rest reached.
"""
from decimal import Decimal as D

import pytest

from office.tracking.measures import indicator_measures, plan_measures, plan_results
from office.tracking.rules import BINDING_MISSED, STATUSES, Goal, judge

NOT_MET_13 = {"农产品地理标志登记", "版权产业对国民经济的贡献率", "知识产权保护社会满意度"}


@pytest.fixture(scope="module")
def measures(corpus):
    from kb.graph import build_graph

    inds, targets = plan_measures(corpus, build_graph(corpus))
    return {m.id: m for m in inds + targets}


def test_thirteenth_plan_table_reproduces_the_plans_own_judgement(corpus):
    history = [m for m in indicator_measures(corpus) if m.history]
    assert len(history) == 18
    for m in history:
        assert m.period == (2016, 2020)
        v = judge(m.goal, plan_results(m))
        expected = m.name not in NOT_MET_13
        assert v.met is expected, (m.name, v.rule)
        assert v.status == ("已完成" if expected else "未完成")
        assert v.year == 2020 and v.result == m.result
        # the rule says which figures it compared, as printed
        assert m.result_text in v.rule and f"{m.goal.value}" in v.rule


def test_thirteenth_plan_judgement_agrees_with_the_indicator_table_reader(corpus, seed):
    """kb.indicators marks each 十三五 row met or not on its own: the chain agrees."""
    from kb.indicators import indicator_tables

    rows = {r["id"]: r for t in indicator_tables(seed)["tables"] for r in t["rows"]}
    for m in (m for m in indicator_measures(corpus) if m.history):
        assert judge(m.goal, plan_results(m)).met is rows[m.id]["met"]


def test_fourteen_main_indicators_are_measures_with_their_ids(measures):
    rows = [m for m in measures.values() if m.kind == "indicator" and not m.history]
    assert {m.clause for m in rows} == {f"gd-ip-14fyp:t2.r{i}" for i in range(1, 15)}
    # 质押融资 asks for two figures in one row: the row id names the first
    assert measures["gd-ip-14fyp:t2.r4"].unit == "亿元"
    assert measures["gd-ip-14fyp:t2.r4"].goal.value == 2500
    assert measures["gd-ip-14fyp:t2.r4.m2"].unit == "项"
    assert measures["gd-ip-14fyp:t2.r4.m2"].name == "知识产权质押融资项目数"
    assert measures["gd-ip-14fyp:t2.r4.m2"].goal.increment


def test_level_target_met_and_missed(measures):
    goal = measures["gd-ip-14fyp:t2.r11"].goal  # 知识产权保护社会满意度 ≥83分, base 80
    assert (goal.comparator, goal.value, goal.base) == ("≥", 83, 80)
    met = judge(goal, {2021: D("80.9"), 2025: D("84.12")})
    assert (met.status, met.met, met.result) == ("已完成", True, D("84.12"))
    assert "84.12分≥83分" in met.rule
    missed = judge(goal, {2024: D("83.5"), 2025: D("82.6")})  # reached in 2024, fell back
    assert (missed.status, missed.met) == ("未完成", False)
    assert "2025年" in missed.rule and "82.6分<83分" in missed.rule


def test_bracketed_target_is_judged_on_the_sum_of_the_years(measures):
    goal = measures["gd-ip-14fyp:t2.r4"].goal  # (2500) 亿元 added over 2021–2025
    assert goal.increment
    years = {2021: D("480.5"), 2022: D("510"), 2023: D("495.2"), 2024: D("530"), 2025: D("520")}
    v = judge(goal, years)
    assert (v.status, v.met, v.result) == ("已完成", True, D("2535.7"))
    assert "2021—2025年合计2535.7亿元" in v.rule
    short = judge(goal, years | {2025: D("480")})
    assert (short.status, short.met, short.result) == ("未完成", False, D("2495.7"))


def test_bracketed_target_with_a_missing_year_waits_unless_already_reached(measures):
    goal = measures["gd-ip-14fyp:t2.r4"].goal
    gap = {2021: D("480"), 2023: D("500"), 2024: D("510"), 2025: D("520")}  # 2022 missing
    v = judge(goal, gap)
    assert (v.status, v.met) == ("无数据", None) and "2022年尚无数据" in v.rule
    reached = judge(goal, {2021: D("900"), 2022: D("800"), 2023: D("850")})
    assert (reached.status, reached.met, reached.result) == ("已完成", True, D("2550"))
    assert "提前完成" in reached.rule


def test_before_the_end_a_straight_line_from_the_base_says_on_course_or_behind(measures):
    goal = measures["gd-ip-14fyp:t2.r11"].goal  # 80 (2020) → 83 (2025): 81.8 due in 2023
    behind = judge(goal, {2021: D("80.5"), 2023: D("81.5")})
    assert (behind.status, behind.met, behind.expected) == ("滞后", None, D("81.8"))
    assert "2023年应达到81.8分" in behind.rule
    on = judge(goal, {2023: D("81.8")})
    assert (on.status, on.met) == ("进度正常", None)


def test_bracketed_target_on_course_counts_from_zero(measures):
    goal = measures["gd-ip-14fyp:t2.r4"].goal  # 2500 over five years: 1000 due by 2022
    assert judge(goal, {2021: D("450"), 2022: D("560")}).status == "进度正常"
    behind = judge(goal, {2021: D("450"), 2022: D("540")})
    assert behind.status == "滞后" and behind.expected == 1000 and "累计新增990亿元" in behind.rule


def test_no_base_and_one_value_cannot_draw_a_line(measures):
    goal = measures["gd-ip-14fyp:t2.r9"].goal  # ≥3000 件/年, no base in the table
    v = judge(goal, {2022: D("2800")})
    assert (v.status, v.met) == ("待判断", None) and "无基期值" in v.rule
    # two values: the first one starts the line
    assert judge(goal, {2021: D("2000"), 2022: D("2300")}).status == "进度正常"  # 2250 due
    assert judge(goal, {2021: D("2000"), 2022: D("2200")}).status == "滞后"


def test_missing_values_say_no_data(measures):
    for mid in ("gd-ip-14fyp:t2.r1", "target:gd-ip-14fyp:box5.p1.t2"):
        v = judge(measures[mid].goal, {})
        assert (v.status, v.met, v.rule) == ("无数据", None, "尚未录入实际值。")


def test_a_deadline_inside_the_period_is_judged_at_its_year():
    goal = Goal(value=D(600), unit="个", comparator="≥", deadline=2022, start=2021, end=2025)
    v = judge(goal, {2021: D(300), 2022: D(620), 2023: D(590)})
    assert (v.status, v.met, v.year, v.result) == ("已完成", True, 2022, D(620))
    assert v.rule.startswith("时限为2022年")
    missed = judge(goal, {2022: D(580), 2024: D(700)})
    assert (missed.met, missed.year) == (False, 2022)
    unknown = judge(goal, {2021: D(300), 2023: D(700)})  # the deadline year itself is missing
    assert (unknown.status, unknown.met) == ("无数据", None) and "2022年" in unknown.rule
    assert judge(goal, {2021: D(250)}).met is None  # before its year: not yet judged
    added = Goal(value=D(50), unit="个", comparator="≥", increment=True, deadline=2022, start=2021, end=2025)
    assert judge(added, {2021: D(20), 2022: D(31)}).met is True
    assert judge(added, {2021: D(20), 2022: D(29)}).met is False
    late = judge(added, {2021: D(20), 2023: D(10)})  # 2022 missing, 2023 after the deadline
    assert (late.status, late.met) == ("无数据", None) and "2022年" in late.rule


def test_binding_target_is_flagged_when_missed():
    goal = Goal(value=D("13.5"), unit="%", comparator="≤", deadline=2025, start=2021, end=2025,
                base=D("15"), binding=True)
    v = judge(goal, {2025: D("14.1")})
    assert (v.status, v.met, v.flag) == ("未完成", False, BINDING_MISSED)
    assert "约束性" in v.rule
    assert judge(goal, {2025: D("13.2")}).flag == ""
    assert judge(goal.__class__(**{**goal.__dict__, "binding": False}), {2025: D("14.1")}).flag == ""


def test_a_plain_figure_below_its_base_asks_for_a_fall():
    goal = Goal(value=D(45), unit="天", deadline=2025, start=2021, end=2025, base=D(60), text="45")
    assert judge(goal, {2025: D(44)}).met is True
    assert judge(goal, {2025: D(50)}).met is False
    assert judge(goal, {2023: D(50)}).status == "进度正常"  # 60 → 45: 51 due in 2023


def test_annual_target_every_year(measures):
    goal = measures["target:gd-ip-14fyp:box11.p1.t1"].goal  # 每年500个以上
    assert goal.annual
    assert judge(goal, {y: D(510) for y in range(2021, 2026)}).met is True
    v = judge(goal, {2021: D(510), 2022: D(480), 2023: D(530)})
    assert (v.met, v.year) == (False, 2022)
    assert judge(goal, {2021: D(510)}).status == "进度正常"


def test_qualitative_target_waits_for_a_person(measures):
    v = judge(measures["target:gd-ip-14fyp:box5.p1.t1"].goal, {})
    assert (v.status, v.met) == ("待判断", None)


def test_every_status_is_one_of_the_named_ones(measures):
    values = {2021: D(1), 2023: D(2)}
    assert {judge(m.goal, values).status for m in measures.values()} <= set(STATUSES)
