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
