"""Responsibility tags: who leads and who supports a task.

Plans write them after each task in a few ways:
  （省委教育工委、省委宣传部、团省委负责，列第一位者为牵头部门，下同）
  牵头单位：省发展改革委；配合单位：省财政厅、省教育厅
  （省科技厅牵头，省财政厅、省教育厅配合）
“列第一位者为牵头部门” (and its “下同”) makes the first named unit the lead for that tag
and every later one; without such a rule all named units share the lead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_SEP = re.compile(r"[、，,；;]|和(?=省|市|县|国家)")
_FIRST_LEADS = re.compile(r"列?第一位(?:者|的)?为牵头(?:部门|单位)|排(?:在)?第一位(?:的)?为牵头")
_TAG_FUZE = re.compile(r"（([^（）]{2,200}?)(?:共同)?负责(?:[，,；;]([^（）]*))?）")
_LEAD_SUPPORT = re.compile(
    r"(?:牵头(?:单位|部门)|责任(?:单位|部门)|主责(?:单位|部门))[：:]\s*(?P<lead>[^；;。\n（）]+)"
    r"(?:[；;，,]\s*(?:配合|参与|协同)(?:单位|部门)[：:]\s*(?P<sup>[^；;。\n（）]+))?")
_LEAD_VERB = re.compile(r"（(?P<lead>[^（）]{2,80}?)牵头(?:[，,、；;](?P<sup>[^（）]{2,200}?)(?:配合|参与))?）")


@dataclass
class Responsibility:
    lead: list[str]
    support: list[str] = field(default_factory=list)
    text: str = ""
    start: int = -1
    end: int = -1
    first_leads: bool = False  # the tag (or an earlier “下同”) said the first named unit leads


def split_units(s: str) -> list[str]:
    units = []
    for u in _SEP.split(s):
        u = u.strip(" 　。")
        u = re.sub(r"^(?:由|会同|以及|及|等)", "", u)
        u = re.sub(r"等$", "", u)
        if 2 <= len(u) <= 40:
            units.append(u)
    return units


def find_responsibility(text: str, first_leads: bool = False) -> list[Responsibility]:
    """Responsibility tags in ``text``, in order.

    ``first_leads`` carries a “列第一位者为牵头部门，下同” from an earlier clause of the
    same document; each returned tag says whether the rule applied, so the caller can
    carry it on.
    """
    out: list[Responsibility] = []
    rule = first_leads
    for m in _TAG_FUZE.finditer(text):
        names, note = m.group(1), m.group(2) or ""
        if "牵头" in names or "配合" in names:
            continue  # the other forms below
        if _FIRST_LEADS.search(note):
            rule = True
        units = split_units(names)
        if not units:
            continue
        if rule:
            out.append(Responsibility(units[:1], units[1:], m.group(), m.start(), m.end(), True))
        else:
            out.append(Responsibility(units, [], m.group(), m.start(), m.end(), False))
    for m in _LEAD_SUPPORT.finditer(text):
        out.append(Responsibility(split_units(m.group("lead")), split_units(m.group("sup") or ""),
                                  m.group(), m.start(), m.end(), rule))
    for m in _LEAD_VERB.finditer(text):
        out.append(Responsibility(split_units(m.group("lead")), split_units(m.group("sup") or ""),
                                  m.group(), m.start(), m.end(), rule))
    out.sort(key=lambda r: r.start)
    return out
