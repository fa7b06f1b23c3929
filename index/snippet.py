"""Snippets: a window of the clause text with the matched terms marked.

Matching is done on the folded text (so 知识 产权 in a PDF line break still lights
up 知识产权) and mapped back to the printed characters.  The text is HTML-escaped
segment by segment *before* <mark> tags are added, so clause text can never inject
markup into the page.
"""
from __future__ import annotations

import html
import re

from index.normalize import fold_with_map

ELLIPSIS = "…"


def match_spans(text: str, terms, plain: str | None = None) -> list[tuple[int, int]]:
    """Merged (start, end) spans of ``text`` (original offsets) where any term occurs.

    ``plain``: the folded text when it is known to fold character for character
    (the index records which clauses do), so no offset map is needed."""
    if plain is not None:
        folded, index = plain, None
    else:
        folded, index = fold_with_map(text)
    spans = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = folded.find(term)
        while start >= 0:
            end = start + len(term)
            spans.append((start, end) if index is None else (index[start], index[end - 1] + 1))
            start = folded.find(term, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _window(length: int, spans, width: int) -> tuple[int, int]:
    if length <= width or not spans:
        return 0, min(length, width)
    lead = min(24, width // 5)
    best, best_count = 0, -1
    for s, _ in spans:
        start = max(0, min(s - lead, length - width))
        count = sum(1 for a, b in spans if a >= start and b <= start + width)
        if count > best_count:
            best, best_count = start, count
    return best, best + width


def snippet(text: str, terms, width: int = 160, plain: str | None = None) -> str:
    """HTML: escaped text with <mark>…</mark> around matches, cut to about ``width`` chars
    (``plain``: see :func:`match_spans`)."""
    spans = match_spans(text, terms, plain)
    start, end = _window(len(text), spans, width)
    out = [ELLIPSIS] if start > 0 else []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[pos:s], quote=False))
        out.append("<mark>" + html.escape(text[s:e], quote=False) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end], quote=False))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def marks_to_terminal(snippet_html: str, style) -> str:
    """Turn a snippet's <mark> into terminal styling (``style`` wraps a string)."""
    parts = []
    pos = 0
    for m in _MARK.finditer(snippet_html):
        parts.append(html.unescape(snippet_html[pos:m.start()]))
        parts.append(style(html.unescape(m.group(1))))
        pos = m.end()
    parts.append(html.unescape(snippet_html[pos:]))
    return "".join(parts)
