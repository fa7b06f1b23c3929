"""How staff cite a clause in their own documents.

《广东省知识产权保护和运用“十四五”规划》第三章第二节“加强民事司法保护”: the plan
title, the printed chapter and section numbers (taken from the headings, so plans that
number differently still read right), then the clause's bold lead in Chinese quotes.
"""
from __future__ import annotations

import re

from kb.model import Clause, Document

_NUMERAL_HEAD = re.compile(r"^\s*(第[一二三四五六七八九十百零〇两\d]+[篇章节])")
from kb.numerals import to_chinese as cn_number  # noqa: E402  (re-exported)


def printed_number(heading: str, number: int, unit: str) -> str:
    m = _NUMERAL_HEAD.match(heading or "")
    return m.group(1) if m else f"第{cn_number(number)}{unit}"


def _ordinal(clause_id: str, marker: str) -> int | None:
    m = re.search(rf"\b{marker}(\d+)$", clause_id)
    return int(m.group(1)) if m else None


def locator(doc: Document, clause: Clause) -> str:
    """第三章第二节 / 专栏1 / 表2第4行 / 脚注1 / 前言: where in the plan, without the title."""
    parts = []
    if clause.box:
        box = doc.box(clause.box)
        parts.append(f"专栏{clause.box}")
        if box and box.title:
            parts.append(f"“{box.title}”")
        return "".join(parts)
    if clause.kind == "footnote":
        n = _ordinal(clause.id, "fn")
        return f"脚注{n}" if n else "脚注"
    if clause.chapter is not None:
        ch = doc.chapter(clause.chapter)
        parts.append(printed_number(ch.heading if ch else "", clause.chapter, "章"))
        if clause.section is not None and ch:
            sec = next((s for s in ch.sections if s.number == clause.section), None)
            parts.append(printed_number(sec.heading if sec else "", clause.section, "节"))
    if clause.table is not None:
        table = next((t for t in doc.tables if t.number == clause.table), None)
        label = f"表{clause.table}"
        if table and table.title:
            label = f"《{table.title}》" if not parts else f"表“{table.title}”"
        parts.append(label)
        n = _ordinal(clause.id, "r")
        if n:
            parts.append(f"第{n}行")
        elif _ordinal(clause.id, "n"):
            parts.append(f"注{_ordinal(clause.id, 'n')}")
        return "".join(parts)
    if not parts:
        parts.append("前言" if clause.kind == "preamble" else "")
    return "".join(parts)


def citation(doc: Document, clause: Clause) -> str:
    where = locator(doc, clause)
    tail = ""
    if clause.lead and not clause.box:
        tail = f"“{clause.lead.rstrip('。；;.')}”"
    elif clause.lead and clause.box:
        tail = f"“{clause.lead.rstrip('。；;.')}”"
    elif clause.table is None and clause.kind != "footnote":
        n = _ordinal(clause.id, "p")
        if n:
            tail = f"第{n}段"
    return f"《{doc.title}》{where}{tail}"
