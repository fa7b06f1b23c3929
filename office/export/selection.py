"""What to export: the clauses of a chapter, section or box, or of a saved list.

Shared by the CLI (``--chapter 3.2``, ``--box 5``, ``--list 名称``) and the web routes,
so “export this chapter” means the same clauses everywhere.
"""
from __future__ import annotations

import re
from typing import Optional

from kb.citation import printed_number, quoted
from kb.model import Clause, Document

from office.export.rows import ExportError, clean_text

SKIP_KINDS = {"footnote"}  # a footnote explains an indicator; it is not a task
# offered unticked when a whole page or chapter is added to a list: a look back at the
# last plan, a note under a table or a footnote is nobody's task
NOT_ACTIONABLE_KINDS = {"review", "note", "footnote"}


def actionable(corpus, clause: Clause) -> bool:
    """Whether a clause is something an office assigns: not a review paragraph, a table
    note or a footnote, and not in a chapter that reviews the last plan (its 十三五 table)."""
    if clause.kind in NOT_ACTIONABLE_KINDS:
        return False
    doc = corpus.document(clause.document)
    ch = doc.chapter(clause.chapter) if doc and clause.chapter is not None else None
    return not (ch and ch.role == "review")


def resolve_document(corpus, doc_id: Optional[str] = None) -> Document:
    """The plan asked for, or the only plan in the corpus."""
    if doc_id:
        doc = corpus.document(doc_id)
        if doc is None:
            known = "、".join(d.id for d in corpus.documents) or "（无）"
            raise ExportError(f"找不到规划：{doc_id}（提示：可用的规划编号有 {known}）。")
        return doc
    if len(corpus.documents) == 1:
        return corpus.documents[0]
    if not corpus.documents:
        raise ExportError("语料中还没有任何规划（提示：先运行 plankb ingest）。")
    known = "、".join(d.id for d in corpus.documents)
    raise ExportError(f"语料中有多个规划，请用 --doc 指定其一：{known}。")


def _ordered(clauses: list[Clause]) -> list[Clause]:
    return sorted(clauses, key=lambda c: c.order)


def parse_chapter_spec(spec) -> tuple[int, Optional[int]]:
    """"3" → (3, None); "3.2" → (3, 2)."""
    m = re.fullmatch(r"\s*(\d{1,3})(?:\.(\d{1,3}))?\s*", str(spec))
    if not m:
        raise ExportError(f"章节写法不正确：{str(spec)[:20]}（提示：第三章写 3，第三章第二节写 3.2）。")
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None


def clauses_in_chapter(doc: Document, chapter: int, section: Optional[int] = None) -> list[Clause]:
    ch = doc.chapter(chapter)
    if ch is None:
        numbers = "、".join(str(c.number) for c in doc.chapters)
        raise ExportError(f"《{doc.title}》没有第 {chapter} 章（提示：可选 {numbers}）。")
    if section is not None and not any(s.number == section for s in ch.sections):
        raise ExportError(f"{ch.heading} 没有第 {section} 节（提示：可选 1–{len(ch.sections)}）。")
    picked = [c for c in doc.clauses if c.chapter == chapter and c.kind not in SKIP_KINDS
              and (section is None or c.section == section)]
    return _ordered(picked)


def parse_box_spec(spec) -> str:
    m = re.fullmatch(r"\s*(?:专栏)?\s*(\d{1,3}(?:-\d{1,3})?)\s*", str(spec))
    if not m:
        raise ExportError(f"专栏编号写法不正确：{str(spec)[:20]}（提示：专栏5 写 5）。")
    return m.group(1)


def clauses_in_box(doc: Document, number) -> list[Clause]:
    number = parse_box_spec(number)
    box = doc.box(number)
    if box is None:
        numbers = "、".join(b.number for b in doc.boxes) or "（无）"
        raise ExportError(f"《{doc.title}》没有专栏{number}（提示：可选 {numbers}）。")
    ids = box.clauses or [c.id for c in doc.clauses if c.box == number]
    by_id = {c.id: c for c in doc.clauses}
    return [by_id[i] for i in ids if i in by_id]


def find_list(store, name_or_id):
    """A saved list by name (CLI) or numeric id (web); a miss names the lists there are."""
    from office.lists import NotFoundError

    task_list = None
    if isinstance(name_or_id, int):
        try:
            task_list = store.get_list(name_or_id)
        except NotFoundError:
            task_list = None
    else:
        task_list = store.find_list(name_or_id)
    if task_list is None:
        names = "、".join(f"“{t.name}”" for t in store.lists()[:10]) or "（还没有清单）"
        raise ExportError(f"找不到清单：{str(name_or_id)[:64]}（提示：现有清单 {names}）。")
    return task_list


def list_entries(store, name_or_id):
    """(TaskList, items) of a saved list, by name (CLI) or numeric id (web), with each
    item's 完成状态 and 进展情况."""
    task_list = find_list(store, name_or_id)
    return task_list, store.tracked_items(task_list.id)


def default_title(*, doc: Optional[Document] = None, chapter: Optional[int] = None,
                  section: Optional[int] = None, box: Optional[str] = None, query: Optional[str] = None,
                  task_list=None) -> str:
    """The heading a clerk would type: 《规划》第三章重点任务分解表, 专栏5…, “关键词”相关条款…"""
    if task_list is not None:
        return task_list.display_title
    if query is not None:
        return f"{quoted(clean_text(query)[:40])}相关条款任务分解表"
    if doc is None:
        return "重点任务分解表"
    plan = f"《{doc.title}》"
    if box is not None:
        b = doc.box(str(box))
        return f"{plan}专栏{box}" + (quoted(b.title) if b else "") + "任务分解表"
    if chapter is not None:
        ch = doc.chapter(chapter)
        where = printed_number(ch.heading if ch else "", chapter, "chapter")
        if section is not None and ch:
            sec = next((s for s in ch.sections if s.number == section), None)
            where += printed_number(sec.heading if sec else "", section, "section")
        return f"{plan}{where}重点任务分解表"
    return f"{plan}重点任务分解表"


def plan_order(corpus, items) -> list:
    """Items in the order their clauses stand in the plans (plan by plan, as the corpus
    lists them); items whose clause left the corpus keep their place at the end."""
    docs = {d.id: n for n, d in enumerate(corpus.documents)}

    def key(pair):
        n, item = pair
        c = corpus.clause(item.clause_id)
        if c is None:
            return (1, 0, 0, n)
        return (0, docs.get(c.document, len(docs)), c.order, n)

    return [item for _, item in sorted(enumerate(items), key=key)]
