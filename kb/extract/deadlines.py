"""Deadlines as plans word them, normalised to a year.

到2022年 → 2022; 至2025年 / 2025年前 / 2022年年底前 → that year; “十四五”期间 → the end
year of that five-year period (so it works for any plan, not only this one); 每年 / 年均
→ annual. A target with no stated deadline gets the plan's end year, marked implied
(that is done by the target extractor, which knows the plan's period).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from kb.numerals import five_year_period, to_int


@dataclass(frozen=True)
class Deadline:
    kind: str            # by | period | annual | implied | horizon
    year: Optional[int]  # the year to be met by; for annual, the plan's end (if known)
    text: str            # as printed
    start: int = -1
    end: int = -1
    end_of_year: bool = False  # 年底/年末: the label says so

    @property
    def label(self) -> str:
        """How a task list writes it: 2025年底, 每年, 2025年底（未明示）."""
        if self.kind == "annual":
            return "每年" + (f"（至{self.year}年）" if self.year else "")
        if self.year is None:
            return ""
        s = f"{self.year}年底"
        return s + "（未明示）" if self.kind == "implied" else s

    def to_json(self) -> dict:
        return {"kind": self.kind, "year": self.year, "text": self.text, "label": self.label}


_Q = "[“”\"‘’]?"
_PERIOD = re.compile(rf"{_Q}(十[一二三四五六七八九]?|[一二三四五六七八九])五{_Q}(?:期间|时期|期末|末|内)")
# a year with a word that makes it a deadline: 到/至/力争到 before, or 前/底前 after
_BY = re.compile(
    r"(?P<pre>(?:力争|争取|确保)?(?:到|至|截至|截止到|截止|于|在)?)\s*"
    r"(?P<year>(?:19|20)\d{2})\s*年(?P<eoy>年?底|年?末)?(?P<post>前|以前|之前)?")
_ANNUAL = re.compile(r"每年度?|年均|年度(?=金额|增长|办案|访问)|/年")
_HORIZON_PRE = ("展望", "远景", "锚定")
_NOT_DEADLINE_PRE = ("较", "比", "自", "从", "与", "同")


def find_deadlines(text: str, plan_end: Optional[int] = None) -> list[Deadline]:
    """Every deadline phrase in a (normalised) text, in order."""
    found: list[Deadline] = []
    for m in _BY.finditer(text):
        pre, post = m.group("pre"), m.group("post")
        before = text[max(0, m.start() - 2):m.start()]
        if before.endswith(_HORIZON_PRE) or text[max(0, m.start() - 2):m.start() + 2].startswith(_HORIZON_PRE):
            found.append(Deadline("horizon", int(m.group("year")), m.group().strip(), m.start(), m.end()))
            continue
        if not (pre or post):
            continue
        if before.endswith(_NOT_DEADLINE_PRE) or pre in ("于", "在") and not post and not m.group("eoy"):
            continue
        # a range such as （2021—2035年） or 2021-2025年 names a period, not a deadline
        if re.match(r"[—–\-~～至到]", text[m.start() - 1:m.start()] or " ") and pre == "":
            continue
        found.append(Deadline("by", int(m.group("year")), m.group().strip(), m.start(), m.end(),
                              end_of_year=bool(m.group("eoy") or post)))
    for m in _PERIOD.finditer(text):
        n = to_int(m.group(1))
        if n is None:
            continue
        found.append(Deadline("period", five_year_period(n)[1], m.group(), m.start(), m.end()))
    for m in _ANNUAL.finditer(text):
        found.append(Deadline("annual", plan_end, m.group(), m.start(), m.end()))
    found.sort(key=lambda d: d.start)
    return found


def implied(plan_end: Optional[int]) -> Deadline:
    return Deadline("implied", plan_end, "")
