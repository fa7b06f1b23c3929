"""Text normalisation shared by the extractors.

Raw plans come from PDFs: half-width commas beside Chinese, spaces around numbers
(``到 2025 年``, ``35. 1``). Extractors match on one normal form so their patterns stay
simple; positions they report refer to the normalised text.
"""
from __future__ import annotations

import re

from kb.text import pair_quotes

_HALF_TO_FULL = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）",
                               "!": "！", "?": "？"})
_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’《》〈〉【】"
# a space is noise when it touches a CJK character or sits inside a number
_SPACE_CJK = re.compile(rf"(?<=[{_CJK}])[ \t\u3000]+|[ \t\u3000]+(?=[{_CJK}])")
_SPACE_NUM = re.compile(r"(?<=\d)[ \t]*\.[ \t]*(?=\d)|(?<=\d)[ \t]+(?=[%％])")
_FULL_DIGITS = str.maketrans("０１２３４５６７８９％．", "0123456789%.")


def normalize(text: str) -> str:
    """One normal form: full-width clause punctuation, no stray spaces, ASCII digits.

    A decimal point stays half-width; ``35. 1`` becomes ``35.1``. Length may change.
    """
    t = text.translate(_FULL_DIGITS)
    t = _SPACE_NUM.sub(lambda m: "." if "." in m.group() else "", t)
    # half-width punctuation next to CJK is clause punctuation; keep it inside numbers (1,000)
    t = re.sub(r",(?!\d{3})", "，", t)
    t = t.translate(_HALF_TO_FULL)
    t = pair_quotes(t)
    t = _SPACE_CJK.sub("", t)
    t = re.sub(r"\*\*|__", "", t)  # Markdown emphasis, when handed Markdown
    return t.strip()


_SENT_END = re.compile(r"[^。；！？]*(?:[。；！？]|$)")


def sentences(text: str) -> list[tuple[int, int, str]]:
    """Sentences (split at 。；！？) as (start, end, text), in a normalised text."""
    out = []
    for m in _SENT_END.finditer(text):
        s = m.group()
        if s.strip():
            out.append((m.start(), m.end(), s))
    return out


# a number as printed, with the unit that belongs to it: 2500亿元, 80%, 35.1万件
NUMBER_RUN = re.compile(r"\d[\d.,]*(?:[%％‰]|[万亿千百]?[元件项个家名人次所座条]|[万亿千百])?")


def clip(text: str, n: int, mark: str = "……") -> str:
    """At most about ``n`` characters and ``mark``; never cut inside a number or between a
    number and its unit (…金额达25…… loses the target, …金额达2500亿元…… keeps it)."""
    text = (text or "").strip()
    if len(text) <= n:
        return text
    cut = n
    for m in NUMBER_RUN.finditer(text):
        if m.start() < cut < m.end():
            cut = m.end()
            break
        if m.start() >= cut:
            break
    return text if cut >= len(text) else text[:cut] + mark


def unbreakable(text: str) -> list[str]:
    """The pieces a line may not break inside: each number with its unit, every other
    character alone (Chinese breaks anywhere else)."""
    out, pos = [], 0
    for m in NUMBER_RUN.finditer(text or ""):
        out += list(text[pos:m.start()])
        out.append(m.group())
        pos = m.end()
    return out + list((text or "")[pos:])
