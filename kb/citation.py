"""How staff cite a clause in their own documents, in one place for the web page, the
CLI and the exported 任务分解表.

《广东省知识产权保护和运用“十四五”规划》第三章第二节“加强民事司法保护”: the plan
title, the chapter and section numbers as the plan prints them (第三章, or 第二部分（三）
for plans numbered 二、（三）), then a name in Chinese quotes: the clause's lead, or
the title of the place (section, box, table) when the lead has a column of its own.
"""
from __future__ import annotations

import re
from typing import Optional

from kb.headings import printed_number, printed_place  # noqa: F401 (printed_number: callers import it here)
from kb.model import Clause, Document

def title_text(text: str) -> str:
    """A heading as printed: a two-part title keeps its separator, as a full-width space."""
    text = re.sub(r"\[\^[^\]]*\]", "", text or "").replace("**", "")
    return re.sub(r"[ \t\r\n\u00a0\u3000]+", "\u3000", text.strip())


def quoted(text: str) -> str:
    """“…” around a title; quotes inside it become ‘…’, as Chinese nesting requires."""
    inner = title_text(text).replace("“", "‘").replace("”", "’")
    return f"“{inner}”" if inner else ""


def ordinal(clause_id: str, marker: str) -> Optional[int]:
    """The number after ``marker`` at the end of a clause id: p4, r12, n1, fn1."""
    m = re.search(rf"(?:^|[:.]){marker}(\d+)$", clause_id)
    return int(m.group(1)) if m else None


def place(doc: Document, clause: Clause):
    ch = doc.chapter(clause.chapter) if clause.chapter is not None else None
    sec = None
    if ch and clause.section is not None:
        sec = next((s for s in ch.sections if s.number == clause.section), None)
    return ch, sec


def locator(doc: Document, clause: Clause, names: bool = True) -> str:
    """Where in the plan, without the plan's title: 第三章第二节, 第三章第二节专栏1“…”,
    第一章第一节表1“…”第4行, 脚注1, 前言."""
    ch, sec = place(doc, clause)
    out = printed_place(ch, sec)
    if clause.box:
        box = doc.box(clause.box)
        return out + f"专栏{clause.box}" + (quoted(box.title) if box and names else "")
    if clause.table is not None:
        table = next((t for t in doc.tables if t.number == clause.table), None)
        out += f"表{clause.table}" + (quoted(table.title) if table and names else "")
        row, note = ordinal(clause.id, "r"), ordinal(clause.id, "n")
        return out + (f"第{row}行" if row else f"注{note}" if note else "")
    if clause.kind == "footnote":
        n = ordinal(clause.id, "fn")
        return out + (f"脚注{n}" if n else "脚注")
    if not out and clause.kind == "preamble":
        return "前言"
    return out


def plan_name(doc: Document) -> str:
    """《title》, with the 文号 where the plan was issued with one: 《…》（国办发〔2021〕43号）."""
    number = doc.meta.get("doc_number") if isinstance(doc.meta, dict) else None
    return f"《{doc.title}》" + (f"（{number}）" if number else "")


def citation(doc: Document, clause: Clause, by: str = "lead") -> str:
    """The citation to paste into a document. ``by="lead"`` names the clause by its lead
    (or paragraph number); ``by="place"`` names the section, box or table instead."""
    where = locator(doc, clause)
    if clause.box and by == "lead" and clause.lead:
        return f"{plan_name(doc)}{where}{quoted(clause.lead)}"
    if clause.box or clause.table is not None or clause.kind == "footnote":
        return f"{plan_name(doc)}{where}"
    ch, sec = place(doc, clause)
    if by == "lead":
        if clause.lead:
            return f"{plan_name(doc)}{where}{quoted(clause.lead.lstrip('—').rstrip('。；;.'))}"
        n = ordinal(clause.id, "p")
        return f"{plan_name(doc)}{where}" + (f"第{n}段" if n else "")
    if sec:
        return f"{plan_name(doc)}{where}{quoted(sec.title)}"
    if ch and ch.title:
        return f"{plan_name(doc)}{where}{quoted(ch.title)}"
    return f"{plan_name(doc)}{where}"
