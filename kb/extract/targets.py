"""Quantitative targets in a plan's text: metric, value, comparator, unit, deadline.

Comparators: a plan's 达到/达/提高到 X is met when the figure reaches X, so it is a floor
(``≥``), like 以上/不少于; 超过 is ``>``, 约/左右 ``≈``, 不超过/以内 ``≤``. A bare number
(建成500个) or 为 X stays ``=``. Values are ints when integral (80, not 80.0).

A target is a number with a unit in a sentence that asks for it (a deadline, a
comparator such as 达到/超过/以上/约/左右, or a verb such as 建成/培育), e.g.
“到2025年……建立约600个维权援助服务站”. Dated goals without a number count too
(“到2022年，全面建成……‘一张网’”): value is None. The caller decides which clauses to
read (tasks, boxes, goals; not the review of the last plan).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from kb.extract.deadlines import Deadline, find_deadlines, implied
from kb.extract.text import normalize, sentences

# Measure words and units, longest first. Chinese grammar, not data of any one plan.
UNITS = sorted("""个百分点 万人次 人次 亿元 万元 元 % 个 家 件 项 名 所 套 支 座 处 条 部 次 户 万人 人
小时 分钟 天 分 倍 批 场 门 种 类 张 台 辆 吨 公里 平方米 亩 公顷 千瓦 立方米 万册 册 本 期 届 块
篇 部 宗 笔 万股 股 元/人 所/个""".split(), key=len, reverse=True)
_UNIT_RE = "|".join(re.escape(u) for u in UNITS)

_NUM = r"\d+(?:\.\d+)?(?:/\d+)?"
QUANTITY = re.compile(
    rf"(?<![\d.A-Za-z/+])(?:(?P<num>{_NUM})(?:\s*[—–\-~～至到]\s*(?P<num2>{_NUM}))?\s*"
    rf"(?P<mag>万亿|亿|万|千)?\s*(?P<unit>{_UNIT_RE})|(?P<frac>\d+/\d+)(?![\d/]))")

# comparator words, as printed → normalised symbol
PRE_COMPARATORS = [
    ("不少于", "≥"), ("不低于", "≥"), ("不小于", "≥"), ("至少", "≥"), ("≥", "≥"), (">=", "≥"),
    ("超过", ">"), ("高于", ">"), ("大于", ">"), ("逾", ">"), ("超", ">"),
    ("不超过", "≤"), ("不高于", "≤"), ("控制在", "≤"), ("低于", "<"), ("≤", "≤"),
    ("达到", "≥"), ("提高到", "≥"), ("提升到", "≥"), ("增加到", "≥"), ("达", "≥"), ("为", "="),
    ("大约", "≈"), ("约", "≈"), ("近", "≈"),
]
POST_COMPARATORS = [("及以上", "≥"), ("以上", "≥"), ("左右", "≈"), ("以内", "≤"), ("以下", "≤")]
_PRE_SORTED = sorted(PRE_COMPARATORS, key=lambda p: len(p[0]), reverse=True)

# words that make a sentence ask for something (not merely report it)
_ASKING = re.compile(r"力争|争取|确保|实现|达到|达|超过|以上|左右|约|不少于|不低于|至少|建成|建设|建立|"
                     r"培育|培养|设立|组建|发行|新增|完成|提高|提升|保持|推动|打造|形成|覆盖|"
                     r"增长|降低|减少|控制")
_INCREMENT = re.compile(r"累计|新增|共计|总计")
_LEAD_STRIP = re.compile(r"^(?:[，、：]|力争|争取|确保|推动|推进|努力|实现|使得?|让|保持|全面|基本|"
                         r"初步|进一步|持续|其中|并|和|及|且|将|在|可按照|按照|可)+")
_OBJ_STRIP = re.compile(r"^(?:及以上|以上|左右|以内|以下|的|之)+")
_DELIM = "，。；：！？"
_STOP_AFTER = re.compile(r"^(?:规模|以下规模|人规模|比例以上)")


@dataclass
class Target:
    text: str                     # the sentence stating it
    metric: str                   # what is counted or measured
    value: Optional[float]        # None for a dated goal without a number
    unit: str = ""
    comparator: str = ""          # ≥ > ≈ = ≤ < or "" (range: value..value_max)
    comparator_text: str = ""     # as printed: 约, 以上, 超过, 达到…以上
    value_text: str = ""          # as printed: 约600个
    deadline: Deadline = field(default_factory=lambda: implied(None))
    increment: bool = False       # a total over the period (累计/新增/“十四五”期间)
    annual: bool = False
    value_max: Optional[float] = None
    action: str = ""              # the verb for counts: 建立, 培育
    start: int = -1               # position of the number in the normalised text
    end: int = -1

    @property
    def implied_deadline(self) -> bool:
        return self.deadline.kind == "implied"

    @property
    def label(self) -> str:
        if self.value is None:
            return f"{self.deadline.label}：{self.metric}"
        return f"{self.metric}{self.value_text}"

    def to_json(self) -> dict:
        return {"text": self.text, "metric": self.metric, "value": self.value,
                "value_max": self.value_max, "unit": self.unit, "comparator": self.comparator,
                "comparator_text": self.comparator_text, "value_text": self.value_text,
                "deadline": self.deadline.to_json(), "implied_deadline": self.implied_deadline,
                "increment": self.increment, "annual": self.annual, "action": self.action}


def parse_number(num: str) -> int | float:
    """The number as printed, unscaled: 35.1万件 stays 35.1 with unit 万件, so a list shows
    the plan's own figure; comparisons scale through ``kb.graph_indicators.unit_base``."""
    if "/" in num:
        a, b = num.split("/")
        v = float(a) / float(b)
    else:
        v = float(num)
    v = round(v, 6)
    return int(v) if float(v).is_integer() else v


def _segment_bounds(sent: str, pos: int) -> tuple[int, int]:
    """The comma-delimited stretch of ``sent`` around ``pos``: a comma inside （…）, 《…》 or
    “…” belongs to a name, not to the sentence, so it does not end the stretch."""
    lo = pos
    depth = 0
    while lo > 0 and not (sent[lo - 1] in _DELIM and depth == 0):
        depth = _depth(depth, sent[lo - 1], opening="）》”", closing="（《“")
        lo -= 1
    hi = pos
    depth = 0
    while hi < len(sent) and not (sent[hi] in _DELIM and depth == 0):
        depth = _depth(depth, sent[hi], opening="（《“", closing="）》”")
        hi += 1
    return lo, hi


def _depth(depth: int, ch: str, opening: str, closing: str) -> int:
    """Bracket depth after ``ch``, read in one direction (so which side opens depends on it)."""
    if ch in opening:
        return depth + 1
    if ch in closing:
        return max(0, depth - 1)
    return depth


def _pre_comparator(before: str) -> tuple[str, str, str]:
    """Strip comparator words from the end of ``before``: (rest, symbol, words)."""
    words, sym = "", ""
    changed = True
    while changed:
        changed = False
        for w, s in _PRE_SORTED:
            if before.endswith(w):
                before = before[: -len(w)]
                words = w + words
                if not sym or sym in ("=", "≥") and s not in ("=", "≥"):
                    sym = s
                changed = True
                break
    return before, sym, words


def _clean_metric(s: str) -> str:
    s = _LEAD_STRIP.sub("", s.strip())
    s = s.strip("，、：的和及与或 ")
    return s


def extract_targets(text: str, plan_end: Optional[int] = None,
                    plan_start: Optional[int] = None, normalized: bool = False,
                    statements: bool = False) -> list[Target]:
    """Targets in ``text``; a target without a deadline of its own gets ``plan_end``, implied.

    ``statements=True`` returns every number with a unit, asked for or reported (the
    consistency check compares them with the tables), and no dated goals.
    """
    t = text if normalized else normalize(text)
    out: list[Target] = []
    side: list[Target] = []
    for s0, _, sent in sentences(t):
        deadlines = find_deadlines(sent, plan_end)
        dated = [d for d in deadlines if d.kind in ("by", "period") and (
            plan_start is None or d.year is None or d.year >= plan_start - 1)]
        quantities = [m for m in QUANTITY.finditer(sent) if not _skip_quantity(sent, m)]
        found: list[Target] = []
        if statements or _ASKING.search(sent) or dated:
            for i, m in enumerate(quantities):
                prev_end = quantities[i - 1].end() if i else 0
                tg = _target_from(sent, s0, m, prev_end, quantities[i + 1:], deadlines, dated, plan_end)
                if tg is not None:
                    found.append(tg)
        _distribute_respectively(found)
        out.extend(found)
        if not statements and not quantities:
            out.extend(_dated_goals(sent, s0, dated))
        elif not statements:
            side.extend(_dated_goals(sent, s0, dated, [m.start() for m in quantities]))
    # goals found beside numbers come last, so the numbered targets keep their ids (…t2)
    out.extend(side)
    return out


def _distribute_respectively(ts: list[Target]) -> None:
    """发明专利有效量、有效注册商标量分别达到35.1万件和543.0万件: one metric each."""
    for i, t in enumerate(ts):
        if not t.metric.endswith("分别"):
            continue
        parts = [p for p in re.split(r"[、和及]", t.metric[:-2]) if p]
        if len(parts) < 2 or i + len(parts) > len(ts):
            continue
        for j, p in enumerate(parts):
            ts[i + j].metric = p if j else _clean_metric(p)


def _skip_quantity(sent: str, m: re.Match) -> bool:
    before = sent[max(0, m.start() - 1):m.start()]
    if before in ("第", "每", "前", "（"):
        return True
    after = sent[m.end():m.end() + 6]
    if _STOP_AFTER.match(after):
        return True
    # inside a title 《…》 or a quoted name “千人”计划
    if sent[:m.start()].count("《") > sent[:m.start()].count("》"):
        return True
    return False


_ACTIONS = re.compile(r"建成|建设|建立|培育|培养|设立|组建|发行|新增|转化|认定|打造|形成|布局|引进|"
                      r"开展|举办|完成|遴选|支持|资助|推广|评选|创建|配备|开设")
_VERB_COMPARATORS = {w for w, s in PRE_COMPARATORS if s != "≈"}
_EACH = re.compile(r"(?:在|于)?(?P<fields>[^，；。]{2,60}?(?:领域|方面|行业|学科|专业)各)(?P<verb>培养|培育|建设|建成|引进|支持|打造)$")


def _target_from(sent, s0, m, prev_end, later, deadlines, dated, plan_end) -> Optional[Target]:
    lo, hi = _segment_bounds(sent, m.start())
    lo = max(lo, prev_end)
    before_all = sent[lo:m.start()]
    # a deadline phrase inside the segment ends the metric's left side
    for d in deadlines:
        if d.kind != "annual" and lo <= d.start and d.end <= m.start():
            before_all = sent[d.end:m.start()]
    rest, sym, pre_words = _pre_comparator(before_all.rstrip())
    after = sent[m.end():hi]
    post_sym, post_words = "", ""
    for w, s in POST_COMPARATORS:
        if after.startswith(w):
            post_sym, post_words = s, w
            break
    if post_sym:
        sym = post_sym if sym in ("", "=", "≥") else sym
    words = "…".join(w for w in (pre_words, post_words) if w)
    if m.group("frac") and not pre_words:
        return None
    if m.group("num2"):
        sym = "range"
    # the object after the unit stops at the next quantity in the segment
    obj_end = hi
    for n in later:
        if n.start() < hi:
            obj_end = n.start()
            break
    obj = _OBJ_STRIP.sub("", sent[m.end():obj_end])
    if obj.startswith(("、", "和", "及", "与", "，")):
        obj = ""  # 注册商标85件、获批产品155个: the metric is before the number
    obj = re.sub(r"(?:和|及|与|、|，)+(?:约|近)?$", "", obj).strip("，、：；。 ")
    verb_before = any(pre_words.endswith(w) for w in _VERB_COMPARATORS) or rest.endswith(("为", "是"))
    acts = list(_ACTIONS.finditer(before_all))
    action = acts[-1].group() if acts else ""
    if obj and "、" in obj and all(len(p) <= 6 for p in obj.split("、")):
        # 培养1000名以上基础技能实、创新意识强……，具有国际视野的专业人才: the noun ends the sentence
        m_noun = re.search(r"的([^，。；、的]{2,8})[。；]?$", sent[hi:].strip())
        if m_noun:
            obj = m_noun.group(1)
            # 在A、B、C领域各培养1000名……专业人才: the count is per field, and the fields say whose
            m_each = _EACH.search(before_all)
            if m_each:
                obj = f"{m_each.group('fields')}{m_each.group('verb')}{obj}"
    if verb_before or not obj:
        metric = _clean_metric(rest) or obj
    else:
        metric = obj
    # deadline: nearest dated phrase before the number in the sentence, else after it
    deadline = None
    annual = any(d.kind == "annual" and d.start <= m.start() for d in deadlines) \
        or "/年" in (m.group("unit") or "")
    before_d = [d for d in dated if d.end <= m.start()]
    after_d = [d for d in dated if d.start >= m.end()]
    if before_d:
        deadline = before_d[-1]
    elif after_d:
        deadline = after_d[0]
    if annual:
        deadline = Deadline("annual", plan_end,
                            next((d.text for d in deadlines if d.kind == "annual"), "每年"))
    if deadline is None:
        deadline = implied(plan_end)
    seg_before = sent[lo:m.start()]
    increment = bool(_INCREMENT.search(seg_before)) or (deadline.kind == "period" and not annual)
    unit = (m.group("mag") or "") + (m.group("unit") or "")
    value = parse_number(m.group("num") or m.group("frac"))
    vmax = parse_number(m.group("num2")) if m.group("num2") else None
    value_text = pre_words + re.sub(r"\s+", "", sent[m.start():m.end()]) + post_words
    return Target(text=sent.strip(), metric=metric, value=value, unit=unit, comparator=sym or "=",
                  comparator_text=words, value_text=value_text, deadline=deadline,
                  increment=increment, annual=annual, value_max=vmax, action=action,
                  start=s0 + m.start(), end=s0 + m.end())


_GOAL_PERIOD = re.compile(r"期间|期末|末$")  # “十四五”期间 asks; “十四五”时期 sets the scene
_ONE_BODY = re.compile(r"集[^，。；“”]{2,80}?(?:为|于)一体的")
_GOAL_VERB = re.compile(_ASKING.pattern + "|" + _ACTIONS.pattern + r"|初具规模|显著|明显|大幅|全面|基本|更加")


def goal_metric(goal: str) -> str:
    """A dated goal as a list shows it: 集受理、办理……为一体的 dropped (the sentence keeps it)."""
    short = _ONE_BODY.sub("", goal)
    return short if len(short) >= 4 else goal


def _dated_goals(sent: str, s0: int, dated: list[Deadline], quantities: list[int] = ()) -> list[Target]:
    """“到2022年，全面建成……”: a goal with a date and no number.

    In a sentence that also states numbers, only the stretch right after the date counts,
    and only when it has no number of its own (到2025年，“一张网”布局初具规模，覆盖率达到50%……).
    """
    out = []
    for i, d in enumerate(dated):
        if d.kind == "period" and not _GOAL_PERIOD.search(d.text.rstrip("”\"")):
            continue
        if d.kind not in ("by", "period"):
            continue
        stop = dated[i + 1].start if i + 1 < len(dated) else len(sent)
        lo = d.end
        while lo < stop and sent[lo] in _DELIM + " ":
            lo += 1
        if quantities:
            _, hi = _segment_bounds(sent, lo)
            hi = min(hi, stop)
            if any(lo <= q < hi for q in quantities):
                continue
            goal = sent[lo:hi]
        else:
            goal = sent[lo:stop]
        goal = goal.strip("，、。；： ")
        if not goal or sent.rstrip().endswith("：") or "如下" in goal or len(goal) < 4:
            continue
        if d.kind == "period" and not _GOAL_VERB.search(goal):
            continue
        out.append(Target(text=sent.strip(), metric=goal_metric(goal), value=None,
                          deadline=d, start=s0 + d.start, end=s0 + d.end))
    return out
