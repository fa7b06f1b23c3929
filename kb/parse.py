"""Canonical Markdown → document model, built from markdown-it-py's token stream.

The Markdown carries structure (##, ###, blockquoted boxes, tables, footnotes) and each
block's raw line span (``{raw=a-b}``); everything else (ids, kinds, leads, breadcrumbs)
is derived here, so the same Markdown always gives the same model.
"""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from kb.headings import number_and_title
from kb.ingest.headings import box_number
from kb.model import DOC_ID_RULE, Box, Chapter, Clause, Document, Footnote, Section, Table, valid_doc_id
from kb.numerals import to_int
from kb.text import split_lead, title_spaces


class ParseError(Exception):
    """The Markdown is not a canonical plan; the message says where."""


def markdown_parser() -> MarkdownIt:
    return (MarkdownIt("commonmark").enable("table")
            .use(front_matter_plugin).use(attrs_block_plugin).use(footnote_plugin))


_MD = markdown_parser()
_STRUCTURE = Path(__file__).resolve().parent.parent / "corpus" / "dict" / "structure.toml"


def load_structure(corpus_dir: Path | None = None) -> dict:
    path = (Path(corpus_dir) / "dict" / "structure.toml") if corpus_dir else _STRUCTURE
    if not path.exists():
        path = _STRUCTURE
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _front_matter(content: str) -> dict:
    meta = {}
    for line in content.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip()
        try:
            meta[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            meta[key.strip()] = value
    return meta


def _span(token) -> tuple[int, int]:
    raw = str(token.attrs.get("raw", "")) if token.attrs else ""
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", raw)
    if not m:
        return (0, 0)
    return (int(m.group(1)), int(m.group(2) or m.group(1)))


def _inline_text(inline) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):  # markup in a plan is its text
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("")
    return "".join(parts).strip()


def _chapter_number(text: str) -> tuple[int | None, str]:
    return number_and_title(text, "chapter")


def _section_number(text: str) -> tuple[int | None, str]:
    return number_and_title(text, "section")


def _role(title: str, structure: dict) -> str:
    for role, words in structure.get("chapter_roles", {}).items():
        if any(w in title for w in words):
            return role
    return "tasks"


class _Builder:
    def __init__(self, doc: Document, structure: dict):
        self.doc = doc
        self.structure = structure
        self.part = None
        self.parts = 0
        self.chapter: Chapter | None = None
        self.section: Section | None = None
        self.box: Box | None = None
        self.counters: dict[str, int] = {}
        self.pending_table_title = None
        self.last_table: Table | None = None
        self.after_table = False
        self.restart = False  # chapter numbers start again in each part (第一部分 一、… 第二部分 一、…)
        self.scopes: dict[int, str] = {}  # chapter (unique number) → its scope in clause ids

    def scope(self, ch: Chapter) -> str:
        """A chapter's part of a clause id: its number, or pt2.1 (part 2, chapter 一、) where
        chapter numbers start again in each part."""
        return self.scopes.get(ch.number, str(ch.number))

    def next_id(self, scope: str) -> str:
        return f"{self.doc.id}:{scope}.p{self._count(scope)}"

    def crumbs(self) -> list[str]:
        out = []
        if self.chapter and self.chapter.heading:
            out.append(self.chapter.heading)
        if self.section:
            out.append(self.section.heading)
        return out

    def add(self, clause: Clause) -> Clause:
        clause.order = len(self.doc.clauses)
        self.doc.clauses.append(clause)
        return clause

    # --- structure -------------------------------------------------------------
    def heading(self, level: int, text: str, span, in_quote: bool) -> None:
        self.after_table = False
        if in_quote and level == 4:
            m = re.match(r"^专栏\s*([0-9一二三四五六七八九十]+(?:\s*[-—–－]\s*\d+)?)\s*(.*)$", text)
            if not m:
                raise ParseError(f"第{span[0]}行：引用块中的标题不是专栏：{text}")
            self.box = Box(box_number(m.group(1)), m.group(2).strip(), text,
                           self.chapter.number if self.chapter else None,
                           self.section.number if self.section else None, span)
            self.doc.boxes.append(self.box)
            return
        self.box = None
        if level == 1:
            self.part = text
            self.parts += 1
            self.chapter, self.section = None, None
        elif level == 2:
            number, title = _chapter_number(text)
            number = number if number is not None else 0
            if self.restart and self.part:
                unique = len(self.doc.chapters) + 1  # numbers repeat across parts: keep them apart
                self.scopes[unique] = f"pt{self.parts}.{number}"
                number = unique
            self.chapter = Chapter(number, title, text, span,
                                   role=_role(title, self.structure), part=self.part)
            self.doc.chapters.append(self.chapter)
            self.section = None
        elif level == 3:
            if self.chapter is None:  # a plan (or part) whose top level is the 节: one unnamed chapter
                self.chapter = Chapter(0, "", "", span, role="tasks", part=self.part)
                self.doc.chapters.append(self.chapter)
            number, title = _section_number(text)
            number = number if number is not None else len(self.chapter.sections) + 1
            self.section = Section(number, title, text, self.chapter.number, span)
            self.chapter.sections.append(self.section)
        elif level == 4:
            self.pending_table_title = (text, span)

    # --- paragraphs ------------------------------------------------------------
    def paragraph(self, text: str, markdown: str, span, in_quote: bool) -> None:
        if self.after_table and text in ("注：", "注:", "注"):
            return
        self.after_table = False
        lead, _ = split_lead(text)
        if in_quote and self.box is not None:
            cid = self.next_id(f"box{self.box.number}")
            c = Clause(cid, self.doc.id, "box_item", text, span, lead=lead,
                       chapter=self.box.chapter, section=self.box.section, box=self.box.number,
                       breadcrumb=self.crumbs() + [self.box.heading], markdown=markdown)
            self.box.clauses.append(cid)
            self.add(c)
            return
        ch, sec = self.chapter, self.section
        if ch is None:
            # before the first chapter: the preamble, or the opening text of a part (篇)
            cid = self.next_id(f"pt{self.parts}") if self.part else f"{self.doc.id}:p{self._count('')}"
            self.add(Clause(cid, self.doc.id, "preamble", text, span, breadcrumb=[self.part] if self.part else [],
                            markdown=markdown))
            return
        if sec is None:
            cid = f"{self.doc.id}:{self.scope(ch)}.p{self._count(self.scope(ch))}"
            kind = "intro"
            if lead and ch.role in ("safeguards", "tasks"):
                kind = "measure" if ch.role == "safeguards" else "task"
            ch.clauses.append(cid)
            self.add(Clause(cid, self.doc.id, kind, text, span, lead=lead, chapter=ch.number,
                            breadcrumb=self.crumbs(), markdown=markdown))
            return
        scope = f"{self.scope(ch)}.{sec.number}"
        n = self._count(scope)
        cid = f"{self.doc.id}:{scope}.p{n}"
        kind = self._kind(ch, sec, lead, n, text)
        sec.clauses.append(cid)
        self.add(Clause(cid, self.doc.id, kind, text, span, lead=lead, chapter=ch.number, section=sec.number,
                        breadcrumb=self.crumbs(), markdown=markdown))

    def _count(self, scope: str) -> int:
        self.counters[scope] = self.counters.get(scope, 0) + 1
        return self.counters[scope]

    @staticmethod
    def _kind(ch: Chapter, sec: Section, lead, n: int, text: str) -> str:
        if ch.role == "safeguards":
            return "measure"
        if ch.role == "review":
            return "review" if lead else ("intro" if n == 1 else "text")
        if ch.role == "general":
            if lead:
                return "goal" if text.startswith("——") or "目标" in sec.title else "principle"
            return "intro" if n == 1 else "text"
        if lead:
            return "task"
        return "intro" if n == 1 else "text"

    # --- tables ------------------------------------------------------------------
    def table(self, header: list[str], rows: list[list[str]], span, row_lines: list[int]) -> None:
        title, _ = self.pending_table_title or ("", span)
        self.pending_table_title = None
        number = len(self.doc.tables) + 1
        t = Table(number, title, header, [dict(zip(header, r)) for r in rows], [],
                  self.chapter.number if self.chapter else None,
                  self.section.number if self.section else None, span)
        name_col = next((h for h in header if "指标" in h), header[min(2, len(header) - 1)] if header else "")
        for i, r in enumerate(rows, 1):
            cid = f"{self.doc.id}:t{number}.r{i}"
            text = "；".join(f"{h}：{v}" for h, v in zip(header, r) if v)
            line = row_lines[i - 1] if i - 1 < len(row_lines) else span[0]
            self.add(Clause(cid, self.doc.id, "table_row", text, (line, line), lead=dict(zip(header, r)).get(name_col),
                            chapter=t.chapter, section=t.section, table=number,
                            breadcrumb=self.crumbs() + [title], markdown="| " + " | ".join(r) + " |"))
            t.clauses.append(cid)
        self.doc.tables.append(t)
        self.last_table = t
        self.after_table = True

    def note(self, text: str, markdown: str, span) -> None:
        t = self.last_table
        t.notes.append(text)
        cid = f"{self.doc.id}:t{t.number}.n{len(t.notes)}"
        t.clauses.append(cid)
        self.add(Clause(cid, self.doc.id, "note", text, span, chapter=t.chapter, section=t.section,
                        table=t.number, breadcrumb=self.crumbs() + [t.title], markdown=markdown))

    def footnote(self, label: str, text: str, markdown: str, span) -> None:
        cid = f"{self.doc.id}:fn{label}"
        self.doc.footnotes.append(Footnote(label, text, span, cid))
        self.add(Clause(cid, self.doc.id, "footnote", text, span, breadcrumb=["脚注"], markdown=markdown))


def parse_document(text: str, path: Path | str | None = None, structure: dict | None = None) -> Document:
    tokens = _MD.parse(text)
    if not tokens or tokens[0].type != "front_matter":
        raise ParseError("缺少文首元数据（--- … ---）")
    meta = _front_matter(tokens[0].content)
    if not meta.get("id") or not meta.get("title"):
        raise ParseError("文首元数据缺少 id 或 title")
    if not valid_doc_id(str(meta["id"])):
        raise ParseError(f"{DOC_ID_RULE}：{meta['id']!r}")
    doc = Document(str(meta["id"]), str(meta["title"]), meta, path=str(path or ""))
    if structure is None:
        structure = load_structure(Path(path).parent if path else None)
    b = _Builder(doc, structure)
    b.restart = _chapters_restart(tokens)
    src = text.split("\n")
    quote = 0
    in_list_after_table = False
    footnote_label = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if t == "blockquote_open":
            quote += 1
        elif t == "blockquote_close":
            quote -= 1
            if quote == 0:
                b.box = None
        elif t == "heading_open":
            b.heading(int(tok.tag[1]), title_spaces(_inline_text(tokens[i + 1])), _span(tok), quote > 0)
            i += 2
        elif t == "ordered_list_open":
            in_list_after_table = b.after_table or (b.last_table is not None and in_list_after_table)
        elif t == "ordered_list_close":
            in_list_after_table = False
            b.after_table = False
        elif t == "footnote_open":
            footnote_label = tok.meta.get("label")
        elif t == "footnote_close":
            footnote_label = None
        elif t == "paragraph_open":
            inline = tokens[i + 1]
            body = _inline_text(inline)
            md_src = "\n".join(src[tok.map[0]:tok.map[1]]) if tok.map else body
            md_src = re.sub(r"^(> )?\{raw=[^}]*\}\n?", "", md_src).replace("\n> ", "\n")
            if footnote_label is not None:
                b.footnote(footnote_label, body, inline.content, _span(tok))
            elif in_list_after_table:
                b.note(body, inline.content, _span(tok))
            else:
                b.paragraph(body, inline.content, _span(tok), quote > 0)
            i += 2
        elif t == "table_open":
            header, rows, row = [], [], None
            j = i + 1
            while tokens[j].type != "table_close":
                tj = tokens[j]
                if tj.type == "tr_open":
                    row = []
                elif tj.type == "inline":
                    row.append(tj.content.replace("\\|", "|").strip())
                elif tj.type == "tr_close":
                    if header:
                        rows.append(row)
                    else:
                        header = row
                j += 1
            lines = [int(x) for x in str(tok.attrs.get("rows", "")).split()] if tok.attrs else []
            b.table(header, rows, _span(tok), lines)
            i = j
        i += 1
    if not doc.chapters:
        raise ParseError("没有章标题（##）")
    _sections_as_tasks(doc)
    return doc


def _chapters_restart(tokens) -> bool:
    """Whether chapter numbers start again under each part (the part must then be in ids)."""
    seen_part, last, quote = False, 0, 0
    for i, tok in enumerate(tokens):
        if tok.type == "blockquote_open":
            quote += 1
        elif tok.type == "blockquote_close":
            quote -= 1
        elif tok.type == "heading_open" and not quote:
            if tok.tag == "h1":
                seen_part = True
            elif tok.tag == "h2":
                number, _ = _chapter_number(_inline_text(tokens[i + 1]))
                if number:
                    if seen_part and number <= last:
                        return True
                    last = number
    return False


def _sections_as_tasks(doc: Document) -> None:
    """Plans that number each task as a section (（一）加强党的全面领导。…) have no lead
    paragraphs: there the section is the task, its title the lead, its first paragraph
    the task's text."""
    by_id = {c.id: c for c in doc.clauses}
    for ch in doc.chapters:
        if ch.role != "tasks":
            continue
        for sec in ch.sections:
            paras = [by_id[i] for i in sec.clauses]
            if paras and not any(c.kind == "task" for c in paras):
                paras[0].kind, paras[0].lead = "task", sec.title
