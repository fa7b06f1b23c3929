"""The one search schema, and how a clause becomes an index document.

Jieba words (``title``, ``body``, ``heading``) serve BM25F ranking and word
matching.  Exact literal (Ctrl+F) matching needs no postings here: it is answered
in memory from the folded clause texts (index/literal.py).  Filter fields are
stored so that filtering and facet counting happen on the stored values without a
second lookup.
"""
from __future__ import annotations

from pathlib import Path

from whoosh import fields

from index.analysis import JiebaTokenizer
from index.years import deadline_years, table_row_years

# Bump when the schema or the tokenization changes: an index built by another
# version is rebuilt instead of being read wrongly.
SCHEMA_VERSION = 6  # 6: no character n-gram fields (literal matching is in memory)

# BM25F field weights: a clause's lead sentence (or box/table title) says what it
# is about; the headings above it give context but are shared by many clauses.
TITLE_BOOST = 2.5
BODY_BOOST = 1.0
HEADING_BOOST = 0.4


def build_schema(dict_dir: Path | str) -> fields.Schema:
    words = JiebaTokenizer(dict_dir)
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        document=fields.ID(stored=True),
        chapter=fields.ID(stored=True),
        section=fields.ID(stored=True),
        box=fields.ID(stored=True),
        kind=fields.ID(stored=True),
        year=fields.KEYWORD(stored=True, commas=True),
        order=fields.NUMERIC(stored=True),
        title=fields.TEXT(analyzer=words, phrase=True, field_boost=TITLE_BOOST),
        body=fields.TEXT(analyzer=words, phrase=True, field_boost=BODY_BOOST),
        heading=fields.TEXT(analyzer=words, phrase=False, field_boost=HEADING_BOOST),
    )


def searchable_text(clause) -> str:
    """What Ctrl+F looks in: the clause text, with its lead if the text lacks it."""
    text = clause.text or ""
    lead = clause.lead or ""
    if lead and lead not in text:
        return f"{lead}。{text}" if text else lead
    return text


def clause_title(clause, document=None) -> str:
    """A short label for a hit: the lead sentence, else the nearest heading."""
    if clause.lead:
        return clause.lead.rstrip("。；;，, ")
    if clause.breadcrumb:
        return clause.breadcrumb[-1]
    return document.title if document is not None else ""


def heading_text(clause, document=None) -> str:
    """Headings of the chapter, section, box or table that contain the clause."""
    return " ".join(dict.fromkeys(p for p in (clause.breadcrumb or []) if p))


def clause_years(clause, document) -> list[int]:
    period = document.period if document is not None else (None, None)
    years = set(deadline_years(searchable_text(clause), period[1]))
    if clause.kind == "table_row" and clause.table and document is not None:
        table = next((t for t in document.tables if t.number == clause.table), None)
        i = table.clauses.index(clause.id) if table is not None and clause.id in table.clauses else -1
        if 0 <= i < len(table.rows):
            years.update(table_row_years(table.columns, table.rows[i], period))
    return sorted(years)


def _s(v) -> str:
    return "" if v is None else str(v)


def clause_fields(clause, document) -> dict:
    """The index document for one clause."""
    text = searchable_text(clause)
    return {
        "id": clause.id,
        "document": clause.document,
        "chapter": _s(clause.chapter),
        "section": _s(clause.section),
        "box": _s(clause.box),
        "kind": clause.kind,
        "year": ",".join(str(y) for y in clause_years(clause, document)),
        "order": int(clause.order or 0),
        "title": clause.lead or "",
        "body": text,
        "heading": heading_text(clause, document),
    }
