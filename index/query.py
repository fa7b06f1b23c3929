"""The query language staff type, parsed leniently.

Plain words (AND), ``"quoted phrases"`` (literal), ``-word`` (exclude), ``A OR B``.
Anything else is a plain word: users paste clause fragments full of quotes,
dashes and brackets, and a search box must never answer with a syntax error.  What
was repaired is reported in ``messages`` (Chinese) instead.  Only an empty or
absurdly long query is refused, with :class:`QueryError`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from index.normalize import _fold_char, fold, strip_controls

MAX_QUERY_CHARS = 5000  # a pasted paragraph or two (see SearchIndex: paste to find the source)


class QueryError(ValueError):
    """A query that cannot be answered; ``str(e)`` is a Chinese sentence for the user."""


@dataclass
class Term:
    text: str  # folded, no whitespace
    quoted: bool = False


@dataclass
class ParsedQuery:
    original: str
    groups: list[list[Term]] = field(default_factory=list)  # AND of ORs
    negatives: list[str] = field(default_factory=list)
    whole: str = ""  # the folded query as one literal string (Ctrl+F guarantee)
    messages: list[str] = field(default_factory=list)
    exclusion_only: bool = False  # only -words: list every clause without them

    @property
    def positives(self) -> list[Term]:
        return [t for g in self.groups for t in g]


def _quotes_to_ascii(text: str) -> str:
    """Any double-quote form (“ ” ＂ …) becomes ", so phrases can be typed either way."""
    return "".join('"' if _fold_char(ch) == '"' else ch for ch in text)


def _lex(text: str, messages: list[str]) -> list[tuple[str, bool]]:
    """Split into (token, quoted) pairs; an unclosed quote runs to the end."""
    out: list[tuple[str, bool]] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                messages.append("引号不成对：已把最后一个引号之后的内容当作短语检索。")
                end = n
            if buf:
                out.append(("".join(buf), False))
                buf = []
            phrase = text[i + 1:end]
            if fold(phrase):
                out.append((phrase, True))
            i = end + 1
            continue
        if ch.isspace():
            if buf:
                out.append(("".join(buf), False))
                buf = []
        else:
            buf.append(ch)
        i += 1
    if buf:
        out.append(("".join(buf), False))
    return out


def parse_query(q: str) -> ParsedQuery:
    if q is None:
        raise QueryError("检索词为空（提示：输入要找的词或短语）。")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"检索词过长（{len(q)} 字）：请缩短到 {MAX_QUERY_CHARS} 字以内，"
                         f"或只保留最关键的几个词。")
    messages: list[str] = []
    cleaned, dropped = strip_controls(q)
    if dropped:
        messages.append("已忽略检索词中的控制字符。")
    prepared = _quotes_to_ascii(cleaned)
    whole = fold(cleaned)
    if not whole:
        raise QueryError("检索词为空（提示：输入要找的词或短语）。")
    parsed = ParsedQuery(original=q, whole=whole, messages=messages)

    tokens = _lex(prepared, messages)
    groups: list[list[Term]] = []
    pending_or = False
    dropped_ops = False
    for idx, (tok, quoted) in enumerate(tokens):
        if not quoted and tok in ("OR", "ＯＲ", "|"):
            if not groups or idx == len(tokens) - 1 or pending_or:
                dropped_ops = True
                continue
            pending_or = True
            continue
        if not quoted and _fold_char(tok[0]) == "-":
            rest = fold(tok[1:])
            if not rest:
                dropped_ops = True
                continue
            parsed.negatives.append(rest)
            pending_or = False
            continue
        term = Term(fold(tok), quoted)
        if not term.text:
            continue
        if pending_or and groups:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    if not groups and parsed.negatives:
        # Only exclusions (-知识产权): the clauses without them, said so in the reply; the
        # text as typed is still the query, for the Ctrl+F promise (see SearchIndex.search).
        parsed.exclusion_only = True
        groups = [[Term(whole, False)]]
    elif not groups:
        # Only operators: search the text as typed instead of nothing.
        messages.append("没有可检索的词（只有运算符）：已按原文字面检索。")
        groups = [[Term(whole, False)]]
    elif dropped_ops:
        messages.append("已忽略多余的运算符（OR 或 -）。")
    parsed.groups = groups
    return parsed
