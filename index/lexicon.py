"""The corpus's own vocabulary: jieba user dictionary, synonyms, query stop words,
question words.

All four are data files under ``corpus/dict/`` so that a new plan's terms are added
without touching code.  A private ``jieba.Tokenizer`` is used, never jieba's global
one, so other parts of plankb that load other dictionaries do not change how this
index segments text (segmentation at query time must equal segmentation at build
time, or word matches silently disappear).
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jieba

from index.normalize import fold

jieba.setLogLevel(logging.WARNING)

USER_DICT = "jieba_user.txt"
SYNONYMS = "synonyms.txt"
# Seeded from 同义词词林 by bench/seed_thesaurus.py; the curated SYNONYMS wins on a shared key.
SEEDED_SYNONYMS = "synonyms_cilin.txt"
STOPWORDS = "stopwords.txt"
QUESTIONS = "question_words.txt"


class LexiconError(Exception):
    """A dictionary file that cannot be read: the message names the file and line."""


def _lines(path: Path):
    if not path.is_file():
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LexiconError(f"无法读取词典文件 {path}：{e}") from None
    for no, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            yield no, line


def read_user_words(path: Path) -> list[tuple[str, int | None, str | None]]:
    words = []
    for no, line in _lines(path):
        parts = line.split()
        word, freq, tag = parts[0], None, None
        if len(parts) > 1:
            if not parts[1].isdigit():
                raise LexiconError(f"{path} 第 {no} 行：词频应为整数（“{line}”）")
            freq = int(parts[1])
        if len(parts) > 2:
            tag = parts[2]
        words.append((word, freq, tag))
    return words


def read_synonyms(path: Path) -> dict[str, list[str]]:
    """``简称 => 全称1 | 全称2``; keys and values in folded (literal) form."""
    table: dict[str, list[str]] = {}
    for no, line in _lines(path):
        if "=>" not in line:
            raise LexiconError(f"{path} 第 {no} 行：应为“简称 => 全称1 | 全称2”（“{line}”）")
        left, right = line.split("=>", 1)
        key = fold(left)
        values = [fold(v) for v in right.split("|") if fold(v)]
        if not key or not values:
            raise LexiconError(f"{path} 第 {no} 行：简称或全称为空（“{line}”）")
        table.setdefault(key, [])
        table[key] += [v for v in values if v != key and v not in table[key]]
    return table


def read_stopwords(path: Path) -> frozenset[str]:
    return frozenset(fold(line) for _, line in _lines(path))


def read_question_words(path: Path) -> tuple[str, ...]:
    """Phrases that frame a question (如何, 哪些地方, 要达到多少), longest first.

    They are cut out of a typed word before it is segmented, because jieba would
    otherwise split an unknown phrase into single characters that match everywhere,
    and so that the rest (加强中小企业知识产权保护) can still match literally.
    """
    words = {fold(line) for _, line in _lines(path)}
    return tuple(sorted((w for w in words if w), key=lambda w: (-len(w), w)))


@dataclass
class Lexicon:
    dict_dir: Path
    signature: str
    synonyms: dict[str, list[str]] = field(default_factory=dict)
    stopwords: frozenset[str] = frozenset()
    question_words: tuple[str, ...] = ()
    user_words: list = field(default_factory=list)
    _jieba: object = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def jieba(self) -> jieba.Tokenizer:
        """Loaded on first use: jieba's dictionary takes about a second to load."""
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    tk = jieba.Tokenizer()
                    tk.initialize()
                    for word, freq, tag in self.user_words:
                        tk.add_word(fold(word), freq, tag)
                    # Abbreviations must stay whole so they can be expanded.
                    for key in self.synonyms:
                        if len(key) > 1 and not tk.FREQ.get(key):
                            tk.add_word(key)
                    self._jieba = tk
        return self._jieba

    def strip_questions(self, folded: str) -> str:
        """``folded`` without its question phrases; unchanged if nothing would be left.
        Besides the listed ones, any A-not-A question (要不要, 会唔会, 好唔好, 可不可以).
        A thesaurus key holding a question phrase stays whole (归哪个部门 => 集中统一管理:
        哪个部门 alone is a question, 归哪个部门 asks about who is in charge)."""
        out = _A_NOT_A.sub("", folded)
        keys = self._asking_keys
        pieces = keys.split(out) if keys is not None else [out]
        for i in range(0, len(pieces), 2):  # the odd pieces are the keys themselves
            for w in self.question_words:
                if w in pieces[i]:
                    pieces[i] = pieces[i].replace(w, "")
        out = "".join(pieces)
        return out if out.strip() else folded

    @cached_property
    def _asking_keys(self) -> re.Pattern | None:
        """The thesaurus keys that hold a question phrase, longest first, as one pattern
        whose split keeps them; None when there are none."""
        keys = sorted((k for k in self.synonyms if any(w in k for w in self.question_words)),
                      key=lambda k: (-len(k), k))
        return re.compile("(" + "|".join(map(re.escape, keys)) + ")") if keys else None

    def segment(self, folded: str):
        """Yield (word, start, end) over already folded text; deterministic (no HMM)."""
        return self.jieba.tokenize(folded, HMM=False)


# 要不要, 是不是, 会唔会, 有冇有 (Cantonese 唔/冇 as 不/没): a verb, its negation, the verb again;
# 可不可以 and 可唔可以 keep their 以 with it.
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不唔没冇]\1(?:(?<=可)以)?")


def vocabulary(lex: "Lexicon", index_terms, inner=()) -> dict:
    """The slice of jieba's dictionary that query segmentation needs, with frequencies.

    Every word the index holds, the dictionary's own words, every single character,
    jieba's grand total, and ``inner``: {word: frequency} maps of :func:`inner_words`, the
    dictionary words written inside the plans though indexed only as part of a longer
    word (加盟 in 特许加盟): a query word the plans never use (加盟店) then comes apart
    into the part they do use, found by Ctrl+F, instead of being ignored whole.
    Segmenting with this slice gives the same words as the
    full dictionary whenever the full result is made of indexed words (the best
    path keeps its score, other paths can only lose), and a query word the index
    does not hold could not match a word field anyway.  Loading it takes
    milliseconds instead of the second jieba's full dictionary takes.
    """
    tk = lex.jieba
    words = set(index_terms)
    words |= {fold(w) for w, _, _ in lex.user_words}
    words |= set(lex.synonyms) | {v for vs in lex.synonyms.values() for v in vs}
    words |= set(lex.stopwords)
    freq = {w: tk.FREQ[w] for w in words if tk.FREQ.get(w)}
    freq.update({w: f for w, f in tk.FREQ.items() if len(w) == 1 and f})
    for words_of_plan in inner:
        freq.update(words_of_plan)
    return {"total": tk.total, "freq": freq}


INNER_WORD_CHARS = (2, 3, 4)


def inner_words(dictionary: dict, texts) -> dict:
    """{word: frequency} of the dictionary's words of 2–4 characters written in ``texts``."""
    out: dict = {}
    for text in texts:
        text = fold(text)
        for n in INNER_WORD_CHARS:
            for i in range(len(text) - n + 1):
                w = text[i:i + n]
                if w not in out:
                    f = dictionary.get(w)
                    if f:
                        out[w] = f
    return out


class _WholeNumbers(jieba.Tokenizer):
    """jieba, except that a decimal number stays one word: jieba cuts 181.5 into 181 . 5,
    and a typed figure (质押融资181.5亿元) then asks for 181 and 5, which the plan's
    181.5 does not hold as numbers."""

    def cut(self, sentence, *args, **kwargs):
        words = list(super().cut(sentence, *args, **kwargs))
        out: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            if (w.isdigit() and i + 2 < len(words) and words[i + 1] == "."
                    and words[i + 2].isdigit()):
                out.append(w + "." + words[i + 2])
                i += 3
                continue
            out.append(w)
            i += 1
        return iter(out)


def vocabulary_tokenizer(vocab: dict) -> jieba.Tokenizer:
    """A jieba tokenizer over a :func:`vocabulary` slice (prefix dict built as jieba does);
    decimal numbers stay whole (see :class:`_WholeNumbers`)."""
    lfreq: dict[str, int] = {}
    for word, f in vocab["freq"].items():
        lfreq[word] = int(f)
        for i in range(1, len(word)):
            lfreq.setdefault(word[:i], 0)
    tk = _WholeNumbers()
    tk.FREQ, tk.total, tk.initialized = lfreq, int(vocab["total"]), True
    return tk


def _signature(dict_dir: Path) -> str:
    h = hashlib.sha256()
    for name in (USER_DICT, SYNONYMS, SEEDED_SYNONYMS, STOPWORDS, QUESTIONS):
        p = dict_dir / name
        h.update(name.encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


_cache: dict[Path, Lexicon] = {}
_cache_lock = threading.Lock()


def load_lexicon(dict_dir: Path) -> Lexicon:
    """The lexicon for a corpus's ``dict/`` folder; reloaded when a file there changes."""
    dict_dir = Path(dict_dir).resolve()
    sig = _signature(dict_dir)
    with _cache_lock:
        hit = _cache.get(dict_dir)
        if hit is not None and hit.signature == sig:
            return hit
        lex = Lexicon(
            dict_dir=dict_dir,
            signature=sig,
            synonyms=read_synonyms(dict_dir / SEEDED_SYNONYMS) | read_synonyms(dict_dir / SYNONYMS),
            stopwords=read_stopwords(dict_dir / STOPWORDS),
            question_words=read_question_words(dict_dir / QUESTIONS),
            user_words=read_user_words(dict_dir / USER_DICT),
        )
        _cache[dict_dir] = lex
        return lex
