"""Status of one goal from its yearly values, by the plan's own terms.

A named chain of small rules (as the ingest is): each looks at the goal and the values
and either passes (``None``) or returns a :class:`Verdict` that carries the status,
whether the goal is met (``True``/``False``, ``None`` while it cannot be judged yet),
and the rule it applied in a sentence staff can check by hand. The first verdict wins.

- a level target (≥83分, or a plain 20) is judged on the value of its deadline year;
- a bracketed target ((2500): what is added over the period) on the sum of the yearly
  additions from the first year of the period to the deadline;
- before the deadline, a straight line from the base value (from 0 for an addition) to
  the target says whether the latest value is on course (进度正常) or behind (滞后);
- a deadline inside the period (到2022年) is judged at its year, not at the period's end;
- a 约束性 (binding) goal that is missed or behind carries a flag;
- no values say 无数据.

Numbers are :class:`~decimal.Decimal` from the stored text, so a sum printed in a
report is the sum of the printed figures to the digit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Optional

STATUSES = ("已完成", "未完成", "进度正常", "滞后", "无数据", "待判断")
BINDING_MISSED = "约束性指标未完成"
BINDING_BEHIND = "约束性指标进度滞后"

_CMP_WORDS = {"≥": "≥", ">": ">", "≤": "≤", "<": "<"}


@dataclass(frozen=True)
class Goal:
    """What the plan asks: the value, how to compare, by when, from where."""

    value: Optional[Decimal]          # None: a goal without a number (定性目标)
    unit: str = ""
    comparator: str = "="             # ≥ > ≤ < = ≈ range
    increment: bool = False           # (2500): added over the period
    annual: bool = False              # every year (每年500个)
    deadline: Optional[int] = None    # the year it is judged at
    start: Optional[int] = None       # the first year of the period
    end: Optional[int] = None         # the last year of the period
    base: Optional[Decimal] = None    # the value in the year before ``start`` (level goals)
    binding: bool = False             # 约束性
    text: str = ""                    # as printed: ≥83, (2500), 约600个


@dataclass
class Verdict:
    status: str
    met: Optional[bool]
    rule: str                          # the rule applied, in plain Chinese
    name: str = ""                     # which rule of the chain decided
    year: Optional[int] = None         # the year judged
    result: Optional[Decimal] = None   # the value judged (latest, at the deadline, or a sum)
    expected: Optional[Decimal] = None  # where the straight-line path stands that year
    flag: str = ""                     # 约束性指标未完成 / 约束性指标进度滞后

    def to_json(self) -> dict:
        return {"status": self.status, "met": self.met, "rule": self.rule, "rule_name": self.name,
                "year": self.year, "result": number(self.result),
                "result_text": None if self.result is None else f"{self.result:f}",
                "expected": number(self.expected),
                "flag": self.flag or None}


@dataclass
class Case:
    """A goal and its values by year, as the rules see them."""

    goal: Goal
    values: dict[int, Decimal] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted(self.values)


def number(v: Optional[Decimal]):
    """A Decimal as JSON prints it: an int when whole, else the shortest float."""
    if v is None:
        return None
    return int(v) if v == v.to_integral_value() else float(v)


def fmt(v: Decimal, unit: str = "") -> str:
    """A value as it was entered (543.0 stays 543.0) with its unit, never an exponent."""
    return f"{v:f}{unit}"


def _plain(v: Decimal) -> Decimal:
    """A computed figure without trailing zeros (81.80 → 81.8, 80.00 → 80)."""
    v = v.normalize()
    return v.quantize(Decimal(1)) if v == v.to_integral_value() else v


def direction(goal: Goal) -> str:
    """'up' when more is better, 'down' when less is: ≤/< say so; a plain figure below
    its base (审理周期 from 60 to 45 days) asks for a fall."""
    if goal.comparator in ("≤", "<"):
        return "down"
    if goal.comparator in ("=", "≈") and goal.base is not None and goal.value is not None \
            and goal.value < goal.base and not goal.increment:
        return "down"
    return "up"


def reaches(v: Decimal, goal: Goal) -> bool:
    t = goal.value
    if goal.comparator == ">":
        return v > t
    if goal.comparator == "<":
        return v < t
    return v <= t if direction(goal) == "down" else v >= t


def _how(goal: Goal) -> str:
    """How the figure is compared, in words: ≥ 83分, ≤ 45天."""
    sym = _CMP_WORDS.get(goal.comparator) or ("≤" if direction(goal) == "down" else "≥")
    return f"{sym}{fmt(goal.value, goal.unit)}"


def _vs(v: Decimal, goal: Goal) -> str:
    ok = reaches(v, goal)
    sym = _CMP_WORDS.get(goal.comparator) or ("≤" if direction(goal) == "down" else "≥")
    if not ok:
        sym = {"≥": "<", ">": "≤", "≤": ">", "<": "≥"}[sym]
    return f"{fmt(v, goal.unit)}{sym}{fmt(goal.value, goal.unit)}"


def _plain_note(goal: Goal) -> str:
    if goal.comparator == "≈":
        return "（“约”按达到目标值判断）"
    if goal.comparator == "=" and goal.text and not goal.increment:
        return "（目标值未注比较符，按" + ("不高于" if direction(goal) == "down" else "不低于") + "目标值判断）"
    return ""


def _flag(goal: Goal, met: Optional[bool], behind: bool = False) -> str:
    if not goal.binding:
        return ""
    if met is False:
        return BINDING_MISSED
    if behind:
        return BINDING_BEHIND
    return ""


def _verdict(case: Case, name: str, met: Optional[bool], rule: str, **kw) -> Verdict:
    if met is True:
        status = "已完成"
    elif met is False:
        status = "未完成"
    else:
        status = kw.pop("status")
    flag = _flag(case.goal, met, behind=status == "滞后")
    if flag:
        rule += "该指标为约束性指标，未完成须重点说明。" if met is False else "该指标为约束性指标，进度滞后须重点关注。"
    return Verdict(status, met, rule, name, flag=flag, **kw)


# -- the rules --------------------------------------------------------------------

def qualitative(case: Case) -> Optional[Verdict]:
    if case.goal.value is None:
        return Verdict("待判断", None, "定性目标：规划未给出数值，需人工评估。", "qualitative")
    return None


def no_data(case: Case) -> Optional[Verdict]:
    if not case.values:
        return Verdict("无数据", None, "尚未录入实际值。", "no_data")
    return None


def _period_years(goal: Goal) -> list[int]:
    start = goal.start if goal.start is not None else goal.deadline
    return list(range(start, goal.deadline + 1))


def annual_goal(case: Case) -> Optional[Verdict]:
    """每年500个: every year of the period must reach it; judged at the end, each year
    shown as it comes."""
    g = case.goal
    if not g.annual or g.deadline is None:
        return None
    years = [y for y in _period_years(g) if y in case.values]
    missed = [y for y in years if not reaches(case.values[y], g)]
    latest = years[-1] if years else case.years[-1]
    shown = "，".join(f"{y}年{fmt(case.values[y], g.unit)}" for y in years)
    if missed:
        return _verdict(case, "annual", False, f"年度目标，每年须{_how(g)}：{shown}；"
                        f"{'、'.join(f'{y}年' for y in missed)}未达到，未完成。", year=missed[0],
                        result=case.values[missed[0]])
    lacking = [y for y in _period_years(g) if y not in case.values]
    if not lacking:
        return _verdict(case, "annual", True, f"年度目标，每年须{_how(g)}：{shown}，各年均达到，已完成。",
                        year=latest, result=case.values[latest])
    return _verdict(case, "annual", None, f"年度目标，每年须{_how(g)}：{shown}，已录入年份均达到；"
                    f"{'、'.join(f'{y}年' for y in lacking)}尚无数据。", status="进度正常",
                    year=latest, result=case.values[latest])


def _span(years: list[int]) -> str:
    """2021—2025年 for a run of years, 2021、2023年 otherwise."""
    if len(years) > 1 and years[-1] - years[0] == len(years) - 1:
        return f"{years[0]}—{years[-1]}年"
    return "、".join(str(y) for y in years) + "年"


def increment_sum(case: Case) -> Optional[Verdict]:
    """(2500): the sum of the yearly additions over the period. Met as soon as the sum
    reaches the target (additions only add); missed only when every year to the
    deadline is in and the sum falls short."""
    g = case.goal
    if not g.increment or g.deadline is None:
        return None
    years = [y for y in _period_years(g) if y in case.values]
    if not years:
        return None
    total = sum((case.values[y] for y in years), Decimal(0))
    span = _span(years)
    head = f"括号内为规划期新增量，按各年新增之和判断：{span}合计{fmt(total, g.unit)}"
    lacking = [y for y in _period_years(g) if y not in case.values]
    if reaches(total, g) and direction(g) == "up":
        early = "，提前完成" if g.deadline not in case.values else ""
        return _verdict(case, "increment_sum", True, f"{head}，{_vs(total, g)}{early}，已完成。",
                        year=years[-1], result=total)
    if g.deadline in case.values:
        if lacking:
            return _verdict(case, "increment_sum", None,
                            f"{head}，未达目标{_how(g)}；{'、'.join(f'{y}年' for y in lacking)}尚无数据，"
                            "补录后才能判断。", status="无数据", year=years[-1], result=total)
        return _verdict(case, "increment_sum", reaches(total, g), f"{head}，{_vs(total, g)}，"
                        + ("已完成。" if reaches(total, g) else "未完成。"), year=g.deadline, result=total)
    return None  # before the deadline: the path decides


def level_at_deadline(case: Case) -> Optional[Verdict]:
    """A level (≥83分) is judged on the value of its deadline year."""
    g = case.goal
    if g.increment or g.deadline is None or g.deadline not in case.values:
        return None
    v = case.values[g.deadline]
    ok = reaches(v, g)
    when = f"时限为{g.deadline}年，" if g.end is not None and g.deadline < g.end else ""
    return _verdict(case, "level_at_deadline", ok,
                    f"{when}水平类目标看{g.deadline}年的值：{_vs(v, g)}{_plain_note(g)}，"
                    + ("已完成。" if ok else "未完成。"), year=g.deadline, result=v)


def deadline_passed_without_value(case: Case) -> Optional[Verdict]:
    """Values after the deadline but none for its year: the judgement waits for that year."""
    g = case.goal
    if g.deadline is None or g.deadline in case.values:
        return None
    if case.years[-1] > g.deadline:
        what = f"须按截至{g.deadline}年的各年新增之和判断" if g.increment else f"须按{g.deadline}年的值判断"
        return Verdict("无数据", None, f"时限为{g.deadline}年，{what}，该年尚无数据。",
                       "deadline_passed_without_value")
    return None


def straight_line(case: Case) -> Optional[Verdict]:
    """Before the deadline: where a straight line from the base value (from 0 for an
    addition) to the target stands in the latest year with a value."""
    g = case.goal
    if g.deadline is None:
        return None
    if g.increment:
        start = (g.start if g.start is not None else g.deadline) - 1
        years = [y for y in case.years if y <= g.deadline]
        if not years:
            return None
        y = years[-1]
        lacking = [x for x in range(start + 1, y + 1) if x not in case.values]
        current = sum((case.values[x] for x in years if x > start), Decimal(0))
        origin, origin_text = Decimal(0), f"{start}年末（新增从0起算）"
        what = f"截至{y}年累计新增{fmt(current, g.unit)}"
        if lacking:
            what += f"（{'、'.join(f'{x}年' for x in lacking)}尚无数据）"
    else:
        y = case.years[-1]
        current = case.values[y]
        if g.base is not None and g.start is not None:
            start, origin, origin_text = g.start - 1, g.base, f"基期值{fmt(g.base, g.unit)}（{g.start - 1}年）"
        elif len(case.years) > 1:
            start = case.years[0]
            origin = case.values[start]
            origin_text = f"首个实际值{fmt(origin, g.unit)}（{start}年；规划无基期值）"
        else:
            reached = "，已达到目标值" if reaches(current, g) else ""
            return Verdict("待判断", None, f"尚无时限{g.deadline}年的值，规划无基期值且仅有{y}年一个实际值"
                           f"（{fmt(current, g.unit)}{reached}），无法画出进度线；再录入一年即可判断。",
                           "straight_line", year=y, result=current)
        what = f"{y}年实际{fmt(current, g.unit)}"
    if g.deadline <= start:
        return None
    expected = origin + (g.value - origin) * Decimal(y - start) / Decimal(g.deadline - start)
    expected = _plain(expected.quantize(Decimal("0.01")))
    on_course = current <= expected if direction(g) == "down" else current >= expected
    ahead = "，已达到目标值" if reaches(current, g) else ""
    rule = (f"尚无时限{g.deadline}年的值，按{origin_text}到目标{_how(g)}的直线进度判断："
            f"{y}年应{'不高于' if direction(g) == 'down' else '达到'}{fmt(expected, g.unit)}，{what}{ahead}，"
            + ("进度正常。" if on_course else "进度滞后。"))
    return _verdict(case, "straight_line", None, rule, status="进度正常" if on_course else "滞后",
                    year=y, result=current, expected=expected)


def undecided(case: Case) -> Verdict:
    return Verdict("待判断", None, "现有数据不足以按规则判断。", "undecided")


RULES: list[tuple[str, Callable[[Case], Optional[Verdict]]]] = [
    ("qualitative", qualitative),
    ("no_data", no_data),
    ("annual_goal", annual_goal),
    ("increment_sum", increment_sum),
    ("level_at_deadline", level_at_deadline),
    ("deadline_passed_without_value", deadline_passed_without_value),
    ("straight_line", straight_line),
]


def judge(goal: Goal, values: dict[int, Decimal]) -> Verdict:
    """The first verdict of the chain for ``goal`` with ``values`` by year."""
    case = Case(goal, {int(y): Decimal(v) for y, v in values.items() if v is not None})
    for _, rule in RULES:
        verdict = rule(case)
        if verdict is not None:
            return verdict
    return undecided(case)
