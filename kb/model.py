"""The document model every other part of plankb reads.

A plan is parsed once from its canonical Markdown into these plain objects; search,
graph, CLI and web app only ever see them, never the Markdown or the raw text.
Clause ids are built from structure (document, chapter, section, box, ordinal), so a
rebuild from the same Markdown gives the same ids.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, asdict
from typing import Optional

# A document id goes into clause ids, URLs and the Markdown's file name: ASCII only.
DOC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
DOC_ID_RULE = "文档编号只能含字母、数字、-、_（以字母或数字开头，至多 64 个字符）"


def valid_doc_id(value) -> bool:
    return isinstance(value, str) and DOC_ID.fullmatch(value) is not None


def doc_id_from_name(stem: str) -> tuple[Optional[str], str]:
    """(id, suggestion) from a file name: ``my plan`` → ``my-plan``; a name with no usable
    letters (山东规划, 2025年规划) gives no id, only a suggestion for ``--id``."""
    if valid_doc_id(stem):
        return stem, stem
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:64].strip("-_")
    if valid_doc_id(slug) and len(slug) >= 3 and re.search(r"[A-Za-z]", slug):
        return slug, slug
    suggestion = f"plan-{slug}" if slug else "plan-" + hashlib.sha1(stem.encode("utf-8")).hexdigest()[:6]
    return None, suggestion[:64]

# Clause kinds, with the Chinese label the UI shows.
KINDS = {
    "preamble": "前言",
    "intro": "导语",
    "review": "回顾",
    "principle": "原则",
    "goal": "目标",
    "task": "任务",
    "text": "段落",
    "measure": "保障措施",
    "box_item": "专栏内容",
    "table_row": "表格行",
    "note": "表注",
    "footnote": "脚注",
}


@dataclass
class Clause:
    id: str
    document: str
    kind: str
    text: str
    source_lines: tuple[int, int]
    lead: Optional[str] = None
    chapter: Optional[int] = None
    section: Optional[int] = None
    box: Optional[str] = None
    table: Optional[int] = None
    breadcrumb: list[str] = field(default_factory=list)
    order: int = 0
    markdown: str = ""  # the clause's Markdown source (keeps **emphasis**, footnote refs)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def to_json(self) -> dict:
        d = asdict(self)
        d["source_lines"] = list(self.source_lines)
        d["kind_label"] = self.kind_label
        d.pop("order")
        return d


@dataclass
class Section:
    number: int
    title: str
    heading: str  # as printed: 第二节 加强知识产权司法保护
    chapter: int
    source_lines: tuple[int, int]
    clauses: list[str] = field(default_factory=list)


@dataclass
class Chapter:
    number: int
    title: str
    heading: str  # as printed: 第三章 全面加强知识产权保护 激发全社会创新活力
    source_lines: tuple[int, int]
    role: str = "tasks"  # review | general | tasks | safeguards
    part: Optional[str] = None  # 篇, where a plan has that level
    sections: list[Section] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)  # intro clauses before the first section


@dataclass
class Box:
    number: str  # "1", "1-1"; as printed, Chinese numerals converted
    title: str
    heading: str  # 专栏1 打击知识产权犯罪专项工程
    chapter: Optional[int]
    section: Optional[int]
    source_lines: tuple[int, int]
    clauses: list[str] = field(default_factory=list)


@dataclass
class Table:
    number: int
    title: str
    columns: list[str]
    rows: list[dict]  # column name -> cell text, as printed
    notes: list[str]
    chapter: Optional[int]
    section: Optional[int]
    source_lines: tuple[int, int]
    clauses: list[str] = field(default_factory=list)  # row clause ids, then note ids


@dataclass
class Footnote:
    label: str
    text: str
    source_lines: tuple[int, int]
    clause: str = ""


@dataclass
class Document:
    id: str
    title: str
    meta: dict
    chapters: list[Chapter] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    path: str = ""

    @property
    def period(self) -> tuple[Optional[int], Optional[int]]:
        p = self.meta.get("period") or {}
        return p.get("start"), p.get("end")

    def chapter(self, number: int) -> Optional[Chapter]:
        return next((c for c in self.chapters if c.number == number), None)

    def box(self, number: str) -> Optional[Box]:
        return next((b for b in self.boxes if b.number == str(number)), None)
