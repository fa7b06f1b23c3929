"""The data behind the plan pages (outline, clause, boxes), as plain JSON-ready dicts.

Each HTML page renders exactly what its /api twin returns, so these functions are the
single source for both; they only read the document model.
"""
from __future__ import annotations

from pathlib import Path

from kb.citation import citation, locator
from kb.extract.text import clip
from kb.model import Clause, Document

SNIPPET = 60


def short(text: str, n: int = SNIPPET) -> str:
    return clip(text, n)


def clause_brief(c: Clause, limit: int | None = SNIPPET) -> dict:
    """A clause for a list: ``text`` is what follows the bold lead, so lead + text reads whole."""
    text = c.text
    if c.lead and text.startswith(c.lead):
        text = text[len(c.lead):]
    return {"id": c.id, "kind": c.kind, "kind_label": c.kind_label, "lead": c.lead,
            "text": short(text, limit) if limit else text, "breadcrumb": c.breadcrumb}


def outline(doc: Document, by_id) -> dict:
    """Chapters → sections → clauses, with each chapter's boxes and tables in place."""
    def briefs(ids):
        return [clause_brief(by_id(i)) for i in ids if by_id(i)]

    def boxes_in(ch, sec):
        return [{"number": b.number, "title": b.title, "heading": b.heading,
                 "clauses": briefs(b.clauses)}
                for b in doc.boxes if b.chapter == ch and b.section == sec]

    def tables_in(ch, sec):
        return [{"number": t.number, "title": t.title} for t in doc.tables
                if t.chapter == ch and t.section == sec]

    chapters = []
    for ch in doc.chapters:
        chapters.append({
            "all_clauses": [c.id for c in doc.clauses if c.chapter == ch.number],
            "number": ch.number, "title": ch.title, "heading": ch.heading, "role": ch.role,
            "part": ch.part, "clauses": briefs(ch.clauses),
            "boxes": boxes_in(ch.number, None), "tables": tables_in(ch.number, None),
            "sections": [{
                "number": s.number, "title": s.title, "heading": s.heading,
                "clauses": briefs(s.clauses), "boxes": boxes_in(ch.number, s.number),
                "tables": tables_in(ch.number, s.number),
            } for s in ch.sections],
        })
    preamble = [clause_brief(c) for c in doc.clauses
                if c.chapter is None and c.box is None and c.table is None and c.kind != "footnote"]
    return {"document": document_brief(doc), "preamble": preamble, "chapters": chapters,
            "boxes_outside": boxes_in(None, None)}


def document_brief(doc: Document) -> dict:
    start, end = doc.period
    return {"id": doc.id, "title": doc.title, "issuer": doc.meta.get("issuer"),
            "period": {"start": start, "end": end}, "clauses": len(doc.clauses),
            "chapters": len(doc.chapters), "boxes": len(doc.boxes)}


def boxes(doc: Document, by_id) -> dict:
    out = []
    for b in doc.boxes:
        ch = doc.chapter(b.chapter) if b.chapter is not None else None
        out.append({"number": b.number, "title": b.title, "heading": b.heading,
                    "chapter": b.chapter, "section": b.section,
                    "chapter_heading": ch.heading if ch else None,
                    "clauses": [clause_brief(by_id(i), None) for i in b.clauses if by_id(i)]})
    return {"document": document_brief(doc), "boxes": out}


def raw_lines(corpus_root: Path, doc: Document, span) -> list[dict]:
    """The raw text lines a clause came from, read from the sidecar path in the metadata.

    The path is data, so it is confined to the corpus folder before anything is read.
    """
    rel = doc.meta.get("raw") or f"raw/{doc.id}.txt"
    if not span:
        return []
    root = Path(corpus_root).resolve()
    path = (root / rel).resolve()
    if root not in path.parents or not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    first, last = int(span[0]), int(span[1])
    return [{"line": n, "text": lines[n - 1]} for n in range(first, last + 1) if 0 < n <= len(lines)]


def clause_detail(corpus, clause: Clause, links: dict | None = None) -> dict:
    doc = corpus.document(clause.document)
    order = doc.clauses
    i = next((k for k, c in enumerate(order) if c.id == clause.id), None)
    prev_c = order[i - 1] if i else None
    next_c = order[i + 1] if i is not None and i + 1 < len(order) else None
    data = clause.to_json()
    data.update({
        "document_title": doc.title,
        "locator": locator(doc, clause),
        "citation": citation(doc, clause),
        "previous": clause_brief(prev_c) if prev_c else None,
        "next": clause_brief(next_c) if next_c else None,
        "raw_lines": raw_lines(corpus.root, doc, clause.source_lines),
        "links": links or {},
    })
    return data
