"""Recognising the heading levels of Chinese plans: 篇, 章, 节, 专栏, and the
``一、`` / ``（一）`` levels of plans that have no 第X章."""
from __future__ import annotations

import re

from kb.numerals import NUMERAL_CHARS, to_int

N = f"[{NUMERAL_CHARS}]+"
_S = r"[ \t\u3000]*"

PART = re.compile(rf"^第{_S}(?P<num>{N}){_S}篇{_S}(?P<title>\S.*)?$")
CHAPTER = re.compile(rf"^第{_S}(?P<num>{N}){_S}章{_S}(?P<title>\S.*)?$")
SECTION = re.compile(rf"^第{_S}(?P<num>{N}){_S}节{_S}(?P<title>\S.*)?$")
PART_AS_CHAPTER = re.compile(rf"^第{_S}(?P<num>{N}){_S}部分{_S}(?P<title>\S.*)?$")
BOX = re.compile(rf"^专栏{_S}(?P<num>{N}(?:{_S}[-—–－]{_S}\d+)?){_S}(?P<title>.*)$")
ENUM_CHAPTER = re.compile(r"^(?P<num>[一二三四五六七八九十]+)、(?P<title>[^。]{2,40}?)[。]?$")
ENUM_SECTION = re.compile(r"^[（(](?P<num>[一二三四五六七八九十]+)[）)](?P<title>[^。；]{2,40}?)(?:。(?P<rest>.*))?$")

# Where a heading starts inside a line (OCR runs headings together with text).
INLINE = re.compile(rf"(?<=[。；！？\s])(?=(?:第{N}[篇章节]|专栏{_S}{N})[^，。；,]{{2,40}}$)")
RUN_TOGETHER = re.compile(rf"(?=第{N}[篇章节])")
PREFIX = re.compile(rf"^(第{_S}{N}{_S}(?:[篇章节]|部分)|专栏{_S}{N}(?:{_S}[-—–－]{_S}\d+)?|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{{1,3}}(?:[.．](?!\d)|、))")


def box_number(raw: str) -> str:
    raw = re.sub(r"\s", "", raw)
    parts = re.split(r"[-—–－]", raw)
    return "-".join(str(to_int(p)) if to_int(p) is not None else p for p in parts)


_DECIMAL_HEADING = re.compile(r"^(?P<num>\d{1,3})(?:[.．](?!\d)|、)\s*(?P<title>[^。；！？\d][^。；！？，]{1,39}?)。?$")


def classify(text: str, enum_levels: bool, unnumbered: list[str], section_form: str = "paren",
             parts_over_enum: bool = False, enum_sections: bool = False):
    """(kind, number, title, rest) for a heading line, else None. ``parts_over_enum``: the
    plan has 第X部分 and 一、 headings both, so 第X部分 is a part above the 一、 chapters."""
    t = text.strip()
    if len(t) > 80:
        return None
    for kind, rx in (("part", PART), ("chapter", CHAPTER), ("section", SECTION)):
        m = rx.match(t)
        if m and not re.search(r"[。；]", m.group("title") or "") and len(m.group("title") or "") <= 60:
            return kind, to_int(m.group("num")), (m.group("title") or "").strip(), None
    m = BOX.match(t)
    if m and not re.search(r"[。；]", m.group("title")):
        return "box", box_number(m.group("num")), m.group("title").strip().lstrip("：:").strip(), None
    squashed = re.sub(r"\s", "", t)
    if squashed in unnumbered or (len(t) <= 40 and not re.search(r"[。；，]", t) and any(
            w.endswith("*") and squashed.startswith(w[:-1]) for w in unnumbered)):
        return "unnumbered", 0, t, None
    if enum_sections:  # 第一章 … 一、… 二、…: a plan with chapters but no 第X节 numbers its sections 一、
        m = ENUM_CHAPTER.match(t) if enum_sections == "enum" else ENUM_SECTION.match(t)
        if m and not (m.groupdict().get("rest") or "").strip():
            return "section", to_int(m.group("num")), m.group("title").strip(), None
    if enum_levels:
        m = PART_AS_CHAPTER.match(t)
        if m and not re.search(r"[。；]", m.group("title") or ""):
            kind = "part" if parts_over_enum else "chapter"
            return kind, to_int(m.group("num")), (m.group("title") or "").strip(), None
        m = ENUM_CHAPTER.match(t)
        if m:
            return "chapter", to_int(m.group("num")), m.group("title").strip(), None
        m = ENUM_SECTION.match(t) if len(t) <= 80 else None
        if m and not (m.group("rest") or "").strip() and section_form == "paren":
            return "section", to_int(m.group("num")), m.group("title").strip(), None
        m = _DECIMAL_HEADING.match(t) if section_form == "decimal" else None
        if m:
            return "section", to_int(m.group("num")), m.group("title").strip(), None
    return None


SECTION_OPENER = {"paren": re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]"),
                  "decimal": re.compile(r"^\s*\d{1,3}(?:[.．](?!\d)|、)")}
ENUM_OPENER = {"enum": re.compile(r"^\s*[一二三四五六七八九十]+、"),
               "paren": re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")}
# an item of a box (专栏): 01 …, 1. …, （1）…, ①…
BOX_ITEM = re.compile(r"^\s*(?:0\d(?=\s|[^\d.．%])|\d{1,2}(?:[.．](?!\d)|、)|[（(]\d{1,2}[）)]|[①-⑳])")


_SECTION_FORMS = {
    # 一、坚持创新引领。… (sections of a plan with 第X章 chapters and no 第X节)
    "enum": re.compile(r"^(?P<num>[一二三四五六七八九十]+)、(?P<title>[^。；，,！？]{2,40}?)(?:。|$)(?P<rest>.*)$"),
    # （一）指导思想。高举…  /  (一)指导思想
    "paren": re.compile(r"^[（(]\s*(?P<num>[一二三四五六七八九十]+)\s*[）)](?P<title>[^。；，,！？]{2,40}?)(?:。|$)(?P<rest>.*)$"),
    # 4.“十四五”时期经济社会发展指导思想。高举…  (numbers may run on across chapters)
    "decimal": re.compile(r"^(?P<num>\d{1,3})(?:[.．](?!\d)|、)\s*(?P<title>[^。；！？\d][^。；！？]{1,48}?)(?:。|$)(?P<rest>.*)$"),
}


def enum_sections(lines: list[str]) -> bool:
    """第X章 chapters with no 第X节 but 一、 headings under them: those are the sections."""
    stripped = [t.strip() for t in lines]
    if not any(CHAPTER.match(t) for t in stripped) or any(SECTION.match(t) for t in stripped):
        return False
    if sum(1 for t in stripped if ENUM_CHAPTER.match(t)) >= 2:
        return "enum"
    if sum(1 for t in stripped if re.match(r"^[（(][一二三四五六七八九十]+[）)]", t)) >= 2:
        return "paren"
    return False


def parts_over_enum(lines: list[str]) -> bool:
    """第一部分 … 一、 … 第二部分 … 一、: the parts are a level above the 一、 chapters."""
    parts = sum(1 for t in lines if PART_AS_CHAPTER.match(t.strip()) and len(t.strip()) <= 40)
    enum = sum(1 for t in lines if ENUM_CHAPTER.match(t.strip()))
    return parts >= 1 and enum >= 2


def section_form(lines: list[str]) -> str:
    """Which numbering is a plan's section level under ``一、`` chapters: ``（一）`` where the
    plan has it, else ``1.`` where paragraphs are numbered 1., 2., … (the CPC proposals)."""
    paren = decimal = 0
    for t in lines:
        t = t.strip()
        if re.match(r"^[（(][一二三四五六七八九十]+[）)]", t):
            paren += 1
        elif _SECTION_FORMS["decimal"].match(t):
            decimal += 1
    return "paren" if paren else "decimal" if decimal >= 2 else "paren"


def section_forms(lines) -> dict[int, str]:
    """The section form of each chapter's lines (raw line → form): a plan may number the
    sections of 一、总体要求 （一）（二） and those of its other chapters 1.–33. straight
    through; a chapter with any （一） has （一） sections (its 1. are items below them)."""
    forms, region = {}, []

    def close():
        texts = [t for _, t in region]
        form = section_form(texts) if any(re.match(r"^\s*[（(][一二三四五六七八九十]+[）)]", t) for t in texts) \
            else ("decimal" if any(_SECTION_FORMS["decimal"].match(t.strip()) for t in texts) else None)
        for no, _ in region:
            if form:
                forms[no] = form
        region.clear()

    for no, text in lines:
        if ENUM_CHAPTER.match(text.strip()) or PART_AS_CHAPTER.match(text.strip()):
            close()
        region.append((no, text))
    close()
    return forms


def enum_section(text: str, form: str = "paren"):
    """（一）指导思想。高举… → (1, 指导思想, 高举…): a 节 that runs into its text."""
    t = text.strip()
    m = _SECTION_FORMS.get(form, _SECTION_FORMS["paren"]).match(t)
    if not m:
        return None
    return to_int(m.group("num")), m.group("title").strip(), m.group("rest").strip()
