"""Typing slips of the pinyin input method: 质压融资 for 质押融资, 地里标志 for 地理标志,
and zhuanli for 专利 (the input method was off).

Chinese is typed by sound, so the usual slip is the right syllables with the wrong
characters picked — a word that sounds exactly like the plan's.  A query word no clause
holds, not even by synonym or part, is otherwise ignored; if a word of the plans sounds
the same (toneless pinyin, pypinyin's phrase-aware readings) and shares characters with
it, the query asks for that word instead and the reply says so.  Only whole query words
are corrected, never pieces of a longer run (沉重代价不敢再犯 holds syllables that sound
like some plan word by chance), and only to words the plans hold.

pypinyin (MIT, its dictionaries in the package, no download) over xpinyin: it reads
polyphonic characters by phrase (银行 yinhang, 行业 hangye), which is what a typist's
input method does.
"""
from __future__ import annotations

import logging
import re
import threading

from index.cache import BoundedCache
from index.normalize import is_cjk

MIN_CHARS, MAX_CHARS = 2, 6
MIN_SPELT = 5  # letters of a pinyin word typed in Latin (zhuanli); shorter runs are abbreviations
# A typed word that is itself a word of jieba's dictionary was meant unless the plan word
# is this many times more common (地里 572 → 地理 8,066 is corrected; 同一 3,327 → 统一
# 13,986 and 一般 → 一半 are not: staff typed 同一 and 一般 on purpose).
MORE_COMMON = 10


log = logging.getLogger("plankb.search")


def _sound(word: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


def _differing(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b))


_FREQ_CACHE = BoundedCache(4096, size=lambda _count: 0)  # counts looked up, the last 4,096 words


def _frequencies(words) -> dict[str, int]:
    """Each word's count in jieba's own dictionary (0 when absent).  The 3 MB file is read
    for the rare query with a candidate and not kept (workers stay small); the counts
    looked up are."""
    out = {w: _FREQ_CACHE.get(w) for w in words}
    missing = [w for w, n in out.items() if n is None]
    if missing:
        import jieba

        with jieba.get_dict_file() as f:
            text = "\n" + f.read().decode("utf-8")
        for w in missing:
            m = re.search("\n" + re.escape(w) + r" (\d+)", text)
            out[w] = int(m.group(1)) if m else 0
            _FREQ_CACHE.put(w, out[w])
    return out


class Homophones:
    """The plans' words by sound, made on first use (about 50 ms per 2,500 words)."""

    def __init__(self, words):
        self._words = words  # the query dictionary's words (any iterable, read once)
        self._by_sound: dict[str, list[str]] | None = None
        self._lock = threading.Lock()

    def _table(self) -> dict[str, list[str]]:
        with self._lock:
            if self._by_sound is None:
                table: dict[str, list[str]] = {}
                try:
                    for w in self._words:
                        if MIN_CHARS <= len(w) <= MAX_CHARS and all(is_cjk(c) for c in w):
                            table.setdefault(_sound(w), []).append(w)
                except ImportError:  # an environment installed before pypinyin was needed
                    log.warning("未安装 pypinyin，检索不纠正同音错字（提示：重新运行 make run 安装依赖）。")
                    table = {}
                self._by_sound = table
                self._words = None
            return self._by_sound

    def prefill(self) -> None:
        self._table()

    def correct(self, word: str, clauses) -> str | None:
        """The plan word ``word`` was most likely typed for, or None.

        ``clauses(w)`` counts the clauses holding ``w``: a candidate must be in some, and
        the one in most wins.  At most half of the characters may differ (one of two or
        three): the slip is a character or two, not a different word that sounds alike;
        and a real word typed stays unless the plan's is far more common (MORE_COMMON).
        """
        if not (MIN_CHARS <= len(word) <= MAX_CHARS) or not all(is_cjk(c) for c in word):
            return None
        table = self._table()
        if not table:
            return None
        cands = [c for c in table.get(_sound(word), ())
                 if len(c) == len(word) and 1 <= _differing(c, word) <= len(word) // 2]
        counted = [(n, c) for n, c in ((clauses(c), c) for c in cands) if n]
        if not counted:
            return None
        best = max(counted)[1]
        freq = _frequencies((word, best))
        return best if freq[best] >= MORE_COMMON * freq[word] else None

    def spelt(self, latin: str, clauses) -> str | None:
        """The plan word whose toneless pinyin is ``latin`` (zhuanli → 专利: typed with the
        input method switched off), the one in most clauses; None for anything shorter
        than MIN_SPELT letters (pct, sep, ai are abbreviations, not pinyin) or not a plan
        word's sound."""
        if len(latin) < MIN_SPELT or not latin.isascii() or not latin.isalpha():
            return None
        counted = [(n, c) for n, c in ((clauses(c), c) for c in self._table().get(latin.lower(), ())) if n]
        return max(counted)[1] if counted else None
