"""Chinese typography for text extracted from PDFs and OCR.

Extraction leaves spaces where lines wrapped (知识 产权, 2020 年, 35. 1), ASCII
punctuation (, : ; ( ) ") inside Chinese and OCR variant characters. Chinese readers
expect none of that: full-width punctuation, “” quotes, no stray spaces, while numbers
and Latin words keep their half-width form.
"""
from __future__ import annotations

import re

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』—…·～"
_cjk_re = re.compile(f"[{CJK}]")


def is_cjk(ch: str) -> bool:
    return bool(ch) and bool(_cjk_re.match(ch))


def cjk_chars(text: str) -> list[str]:
    return _cjk_re.findall(text)


def has_cjk(text: str) -> bool:
    return bool(_cjk_re.search(text))


# Full-width Latin letters, digits and %: half-width, as numbers are printed in text.
_HALF_WIDTH = {c: c - 0xFEE0 for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0xFF05]}

# A "wide" neighbour: a Chinese character or full-width punctuation.
_W = f"[{CJK}{CJK_PUNCT}]"
_WL = f"[{CJK}{CJK_PUNCT}A-Za-z0-9%‰()]"


def pair_quotes(text: str, ascii_q: str = '"', open_q: str = "“", close_q: str = "”") -> str:
    """ASCII quotes to Chinese ones by alternation: the first opens, the next closes."""
    out, opened = [], False
    for ch in text:
        if ch == ascii_q:
            out.append(close_q if opened else open_q)
            opened = not opened
        else:
            out.append(ch)
    return "".join(out)


def apply_variants(text: str, variants: dict[str, str]) -> str:
    if not variants:
        return text
    return "".join(variants.get(ch, ch) for ch in text)


def normalize(text: str, variants: dict[str, str] | None = None, keep_title_spaces: bool = False,
              parens: bool = True) -> str:
    """Canonical Chinese text. ``keep_title_spaces`` keeps one space between two parts
    of a heading (第三章 全面加强知识产权保护 激发全社会创新活力), as printed;
    ``parens=False`` keeps ASCII brackets, as table cells print them: (2500)."""
    t = text.replace("\t", " ").replace("\u3000", " ").replace("\xa0", " ")
    t = apply_variants(t, variants or {})
    t = t.translate(_HALF_WIDTH)
    t = re.sub(r"(?<![-A-Za-z0-9])- ?-(?![-A-Za-z0-9])", "——", t)  # OCR "- -" for a dash
    t = re.sub(r" {2,}", " ", t).strip()
    # spaced-out digits (2 0 0 5年) and decimals split by wrapping (35. 1, 6 .5)
    t = re.sub(r"(?<!\d)\d(?: \d)+(?!\d)", lambda m: m.group(0).replace(" ", ""), t)
    t = re.sub(r"(\d) ?\. ?(\d)", r"\1.\2", t)
    t = re.sub(r"(\d) ([%‰])", r"\1\2", t)
    # ASCII punctuation inside Chinese text becomes full-width; numbers keep theirs.
    t = re.sub(r"(?<!\d),|,(?!\d)", "，", t)
    t = re.sub(r";", "；", t)
    t = re.sub(r"(?<!\d):|:(?!\d)", "：", t)
    t = re.sub(r"(?<=[" + CJK + r"\s])\?|\?(?=[" + CJK + r"])", "？", t)
    t = re.sub(r"(?<=[" + CJK + r"\s])!|!(?=[" + CJK + r"])", "！", t)
    t = pair_quotes(t)
    if parens:
        t = _parens(t)
    # stray spaces: around wide characters, and between a wide character and a number or Latin word
    if keep_title_spaces:
        t = re.sub(f"(?<=[{CJK_PUNCT}]) | (?=[{CJK_PUNCT}])", "", t)
        t = re.sub(f"(?<=[{CJK}]) (?=[0-9A-Za-z%])|(?<=[0-9A-Za-z%]) (?=[{CJK}])", "", t)
    else:
        t = re.sub(f"(?<={_W}) +(?={_WL})|(?<={_WL}) +(?={_W})", "", t)
    t = re.sub(r"，{2,}", "，", t)
    return t


def _parens(t: str) -> str:
    """( ) → （ ） when the bracket sits in Chinese text; (2500) alone stays ASCII."""
    out = list(t)
    stack = []
    for i, ch in enumerate(t):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            j = stack.pop()
            inner = t[j + 1:i]
            before = t[j - 1] if j > 0 else ""
            after = t[i + 1] if i + 1 < len(t) else ""
            if has_cjk(inner) or is_cjk(before.strip() or " ") or is_cjk(after.strip() or " ") \
                    or before in CJK_PUNCT or after in CJK_PUNCT:
                out[j], out[i] = "（", "）"
    return "".join(out).replace("（ ", "（").replace(" ）", "）")


def title_spaces(text: str) -> str:
    """A space between two Chinese parts of a heading (第三章 全面加强…保护 激发…) is printed
    as a full-width space, as official documents set it; an ASCII space there would read as
    a line-wrapping artefact."""
    return re.sub(f"(?<=[{CJK}{CJK_PUNCT}]) +(?=[{CJK}{CJK_PUNCT}])", "\u3000", text)


_TERMINAL = "。！？；：!?;:…"
_CLOSERS = "”’）)」』】》\"'"


def ends_sentence(text: str) -> bool:
    """Whether a line ends a paragraph (else a page break cut it mid-sentence)."""
    t = text.rstrip()
    if not t:
        return True
    if t[-1] in _TERMINAL:
        return True
    if t[-1] in _CLOSERS:
        s = t.rstrip(_CLOSERS)
        return bool(s) and (s[-1] in _TERMINAL or t[-1] in "）)")
    return False


LEAD_MAX = 32
# 1．建立…体系。 / 01 保护中心建设。 / （2）…: the item's number is not part of its lead
_lead_re = re.compile(r"^(?:——)?(?:(?:\d{1,2}(?:[.．、](?!\d)|\s+))\s*|[（(]\d{1,2}[）)]\s*)?"
                      r"(?P<lead>[^，,。；;：:！？!?\n]{2,%d}?)。" % LEAD_MAX)


def split_lead(text: str) -> tuple[str | None, str]:
    """A task paragraph opens with its title: 健全知识产权法规体系。严格执行…"""
    m = _lead_re.match(text)
    if not m:
        return None, text
    return m.group("lead"), text[m.end():]
