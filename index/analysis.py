"""Whoosh tokenizers for Chinese: jieba words and character n-grams.

jieba's bundled ``ChineseAnalyzer`` reports character offsets as positions, so two
adjacent words look 2–4 positions apart and whoosh phrase queries never match.
These tokenizers follow whoosh's contract: ``pos`` is the ordinal of the token,
``startchar``/``endchar`` are offsets into the original, unfolded value (so
highlights fall on the printed text).

The n-gram tokenizer is what makes literal ("Ctrl+F") search exact whatever jieba
does: a query string of n characters is the phrase of its n-1 bigrams, so 处理 is
found inside 待处理 even though jieba keeps 待处理 as one word.
"""
from __future__ import annotations

from pathlib import Path

from whoosh.analysis import Token, Tokenizer

from index.lexicon import load_lexicon
from index.normalize import fold_with_map


def is_wordish(token: str) -> bool:
    """A token worth indexing: has a letter, digit or CJK character (not bare punctuation)."""
    return any(ch.isalnum() for ch in token)


class JiebaTokenizer(Tokenizer):
    """Words as jieba (with the corpus's user dictionary) segments the folded text."""

    def __init__(self, dict_dir: str | Path):
        self.dict_dir = str(dict_dir)

    def __eq__(self, other):
        return type(other) is type(self) and other.dict_dir == self.dict_dir

    def __getstate__(self):  # whoosh pickles the schema into the index
        return {"dict_dir": self.dict_dir}

    def __setstate__(self, state):
        self.dict_dir = state["dict_dir"]

    def words(self, value: str) -> list[tuple[str, int, int]]:
        """(word, startchar, endchar) in ``value``'s own offsets, punctuation dropped."""
        folded, index = fold_with_map(value, keep_spaces=True)
        lex = load_lexicon(Path(self.dict_dir))
        out = []
        for word, start, end in lex.segment(folded):
            word = word.strip()
            if not word or not is_wordish(word):
                continue
            out.append((word, index[start], index[end - 1] + 1))
        return out

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        items = self.words(value) if tokenize else [(value, 0, len(value))]
        for pos, (word, start, end) in enumerate(items):
            t.text = word
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = value[start:end]
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = start_char + start
                t.endchar = start_char + end
            yield t


def char_ngrams(folded: str, n: int) -> list[str]:
    if len(folded) < n:
        return []
    return [folded[i:i + n] for i in range(len(folded) - n + 1)]


class NgramTokenizer(Tokenizer):
    """Overlapping character n-grams of the folded text (whitespace removed).

    Position i is the n-gram starting at folded character i, so consecutive
    positions are consecutive characters and a phrase query is a substring test.
    """

    def __init__(self, n: int = 2):
        self.n = n

    def __eq__(self, other):
        return type(other) is type(self) and other.n == self.n

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        folded, index = fold_with_map(value)
        n = self.n
        for i in range(len(folded) - n + 1):
            t.text = folded[i:i + n]
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = start_pos + i
            if chars:
                t.startchar = start_char + index[i]
                t.endchar = start_char + index[i + n - 1] + 1
            yield t
