"""One folding of text shared by indexing, querying and highlighting.

Staff paste text from PDFs, Word files and web pages: the same clause arrives with
full-width or half-width punctuation, curly or straight quotes, and stray spaces
inside words (line breaks of the printed page).  Literal ("Ctrl+F") matching must
not care, so both the clause text and the query are folded the same way.  The
folding keeps a map back to the original characters so that highlights land on
the text as printed.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

# Quote and dash variants NFKC leaves alone but readers treat as the same mark.
_EXTRA = str.maketrans({
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "＂": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'",
    "〝": '"', "〞": '"',
})


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    if ch.isspace():
        return " "
    out = unicodedata.normalize("NFKC", ch).translate(_EXTRA).lower()
    return _simplified(out) if len(out) == 1 and 0x3400 <= ord(out) <= 0x2FFFF else out


@lru_cache(maxsize=1)
def _traditional_to_simplified():
    try:
        import opencc
    except ImportError:  # an environment installed before opencc was needed: fold as before
        import logging

        logging.getLogger("plankb.search").warning(
            "未安装 opencc，繁体字不按简体检索（提示：重新运行 make run 安装依赖）。")
        return None
    return opencc.OpenCC("t2s.json")


def _simplified(ch: str) -> str:
    """A character only traditional writing uses folds to its simplified form: a query
    typed or pasted in traditional characters (專利質押融資, from a Hong Kong or Macao
    colleague) finds the plan's 专利质押融资, and a plan printed in them is found in
    simplified.  Characters of the simplified standard set (GB 2312) stay as they are:
    著 of 著作权, 乾, 后 are words of their own there.  One character for one, so the
    maps back to the printed text hold.  OpenCC's table (the converter every Chinese
    platform uses), not one of our own."""
    try:
        ch.encode("gb2312")
        return ch
    except UnicodeEncodeError:
        pass
    converter = _traditional_to_simplified()
    out = converter.convert(ch) if converter is not None else ch
    return out if len(out) == 1 else ch


def is_cjk(ch: str) -> bool:
    """Wider than ``kb.text.is_cjk`` on purpose: CJK punctuation, full-width forms and the
    supplementary ideographs count too, since a line break beside any of them is no word
    break (知识 产权 joins, PCT 申请量 keeps its space)."""
    o = ord(ch)
    return (0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF
            or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF)


class _FoldTable(dict):
    """``str.translate`` table folding one character at a time, filled on first sight.

    Characters that do not fold to exactly one visible character (spaces, marks that
    vanish, ligatures that become two) are remembered in ``irregular``: text with none
    of them folds one-to-one, so the slow per-character walk is not needed."""

    def __init__(self):
        super().__init__()
        self.irregular: set[str] = set()

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = _fold_char(ch)
        if len(out) != 1 or not out.strip():
            self.irregular.add(ch)
        self[code] = out
        return out


_TABLE = _FoldTable()


def fold_with_map(text: str, keep_spaces: bool = False) -> tuple[str, list[int]]:
    """Fold ``text``; return the folded string and, per folded char, its source index.

    Whitespace is dropped (``keep_spaces=False``, the literal form) or kept as one
    space only between two non-CJK characters (``keep_spaces=True``, the form the
    word tokenizer sees, so "PCT 申请量" still splits but "知识 产权" joins).
    """
    folded = text.translate(_TABLE)  # fills the table (and ``irregular``) for new characters
    if _TABLE.irregular.isdisjoint(text):  # one folded character per character: the common case
        return folded, list(range(len(text)))
    chars: list[str] = []
    index: list[int] = []
    pending_space = -1
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        if f == " " or not f.strip():
            if keep_spaces and chars and pending_space < 0:
                pending_space = i
            continue
        if pending_space >= 0:
            if not is_cjk(chars[-1]) and not is_cjk(f[0]):
                chars.append(" ")
                index.append(pending_space)
            pending_space = -1
        for c in f:
            if c.isspace():
                continue
            chars.append(c)
            index.append(i)
    return "".join(chars), index


def fold(text: str) -> str:
    """The literal form: what Ctrl+F compares."""
    return fold_with_map(text)[0]


def strip_controls(text: str) -> tuple[str, bool]:
    """Drop control and format characters a user cannot mean; say whether any were."""
    out = []
    dropped = False
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in "\t\n\r":
            dropped = True
            continue
        out.append(" " if ch in "\t\n\r" else ch)
    return "".join(out), dropped
