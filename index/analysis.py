"""The whoosh tokenizer for Chinese words (jieba), and character n-grams for pasted text.

jieba's bundled ``ChineseAnalyzer`` reports character offsets as positions, so two
adjacent words look 2–4 positions apart and whoosh phrase queries never match.
The tokenizer follows whoosh's contract: ``pos`` is the ordinal of the token,
``startchar``/``endchar`` are offsets into the original, unfolded value (so
highlights fall on the printed text).

Literal ("Ctrl+F") matching is not done here but in memory (index/literal.py): an
exact substring test whatever jieba does, so 处理 is found inside 待处理.
"""
from __future__ import annotations

from pathlib import Path

from whoosh.analysis import Token, Tokenizer

from index.lexicon import load_lexicon
from index.normalize import fold_with_map


def is_wordish(token: str) -> bool:
    """A token worth indexing: has a letter, digit or CJK character (not bare punctuation)."""
    return any(ch.isalnum() for ch in token)


SEGMENT_CACHE = 20000  # texts whose words one tokenizer remembers (headings repeat on every clause)


class JiebaTokenizer(Tokenizer):
    """Words as jieba (with the corpus's user dictionary) segments the folded text.

    The lexicon is looked up once per tokenizer, not once per field value: looking it
    up re-reads and hashes the dictionary files (a third of a build's analysis time).
    An index is opened, and built, with one dictionary; a changed dictionary changes
    the corpus version, so a new index and a new tokenizer follow. The words of the
    last texts seen are remembered: a clause's headings are the same text for every
    clause under them.
    """

    def __init__(self, dict_dir: str | Path):
        self.dict_dir = str(dict_dir)
        self._lex = None
        self._seen: dict[str, list] = {}

    def __eq__(self, other):
        return type(other) is type(self) and other.dict_dir == self.dict_dir

    def __getstate__(self):  # whoosh pickles the schema into the index
        return {"dict_dir": self.dict_dir}

    def __setstate__(self, state):
        self.dict_dir = state["dict_dir"]
        self._lex = None
        self._seen = {}

    @property
    def lexicon(self):
        if self._lex is None:
            self._lex = load_lexicon(Path(self.dict_dir))
        return self._lex

    def words(self, value: str) -> list[tuple[str, int, int]]:
        """(word, startchar, endchar) in ``value``'s own offsets, punctuation dropped."""
        hit = self._seen.get(value)
        if hit is not None:
            return hit
        folded, index = fold_with_map(value, keep_spaces=True)
        out = []
        for word, start, end in self.lexicon.segment(folded):
            word = word.strip()
            if not word or not is_wordish(word):
                continue
            out.append((word, index[start], index[end - 1] + 1))
        if len(self._seen) >= SEGMENT_CACHE:
            self._seen.clear()  # bounded: a server's queries never grow it past this
        self._seen[value] = out
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
