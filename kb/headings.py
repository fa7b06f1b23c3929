"""The heading grammar of Chinese plans, in one place: reading a heading's number and title,
and printing its number again (citations, breadcrumbs, facets, exports).

Forms, from the top: 第X篇 / 第X部分 (a part), 第X章, 第X节, ``一、``, ``（一）`` or ``(一)``,
``1.`` / ``1．`` / ``1、``, ``（1）``; and ``专栏X`` for boxes. Which form is a chapter and
which a section depends on the forms a plan uses (:func:`levels`); a heading's printed
number is always the one the plan prints.
"""
from __future__ import annotations

import re
from typing import Optional

from kb.numerals import NUMERAL_CHARS, to_chinese, to_int

N = f"[{NUMERAL_CHARS}]+"
CN = "[一二三四五六七八九十百零〇两]+"
S = r"[ \t\u3000]*"

# form name → pattern of the number at the start of a heading (group "num")
FORMS = {
    "part": rf"第{S}(?P<num>{N}){S}篇",
    "part_bu": rf"第{S}(?P<num>{N}){S}部分",
    "chapter": rf"第{S}(?P<num>{N}){S}章",
    "section": rf"第{S}(?P<num>{N}){S}节",
    "enum": rf"(?P<num>{CN}){S}、",
    "paren": rf"[（(]{S}(?P<num>{CN}){S}[）)]",
    "decimal": r"(?P<num>\d{1,3})(?:[.．](?!\d)|、)",
    "paren_decimal": r"[（(](?P<num>\d{1,3})[）)]",
}
_COMPILED = {k: re.compile(rf"^\s*(?:{v}){S}") for k, v in FORMS.items()}


def form_of(text: str) -> Optional[tuple[str, int, str]]:
    """(form, number, rest of the line) of a line that opens with a heading number."""
    for form, rx in _COMPILED.items():
        m = rx.match(text)
        if m:
            n = to_int(m.group("num"))
            if n is not None:
                return form, n, text[m.end():]
    return None


def number_and_title(heading: str, level: str) -> tuple[Optional[int], str]:
    """A chapter's or section's number and title from its heading as printed."""
    hit = form_of(heading or "")
    if hit is None:
        return (0 if level == "chapter" else None), (heading or "").strip()
    return hit[1], hit[2].strip()


def printed_place(chapter, section=None) -> str:
    """第三章第二节, 第二部分（三）, or where chapters start again under each part (第一部分
    一、… 第二部分 一、…) 第二部分第一项（三）: the part is needed to tell them apart."""
    out = ""
    if chapter is not None and chapter.heading:
        hit = form_of(chapter.heading)
        part = getattr(chapter, "part", None)
        if hit and hit[0] == "enum" and part and form_of(part) and form_of(part)[0] in ("part", "part_bu"):
            out += printed_number(part, 0, "part") + f"第{to_chinese(hit[1])}项"
        else:
            out += printed_number(chapter.heading, chapter.number, "chapter")
    if section is not None:
        out += printed_number(section.heading, section.number, "section")
    return out


def printed_number(heading: str, number: int, level: str) -> str:
    """The number as the plan prints it, for a citation: 第三章, 第二节, （一）, 4., or for a
    plan numbered 二、（一） the chapter as 第二部分; else built from the number."""
    hit = form_of(heading or "")
    if hit:
        form, n, _ = hit
        m = _COMPILED[form].match(heading)
        printed = re.sub(r"[ \t\u3000]", "", m.group(0))
        if form in ("part", "part_bu", "chapter", "section"):
            return printed
        if form == "enum" and level == "chapter":
            return f"第{to_chinese(n)}部分"
        if form in ("paren", "paren_decimal"):
            return printed.replace("(", "（").replace(")", "）")
        if form == "decimal":
            return f"第{n}条" if level == "section" else printed
    if not number:
        return ""  # an unnumbered heading (序言, 附件): named by its title, not a number
    if level == "chapter":
        return f"第{to_chinese(number)}章"
    return f"第{to_chinese(number)}节"
