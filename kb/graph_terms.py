"""Meaning links by shared key terms: IDF-weighted character bigrams.

Chinese plans have no spaces, and a jieba load would cost most of the graph's time
budget; character bigrams weighted by how rare they are in the plan itself give the
same signal for short names such as 知识产权质押融资登记金额: 知识/产权 are everywhere
(weight near 0), 质押/融资 are not. The weights come from the document, so nothing here
is specific to one plan.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

# runs of CJK text, split at conjunctions: 维权援助和调解 is 维权援助 | 调解
_CJK = re.compile(r"(?:(?![和与及])[\u4e00-\u9fff])+|[A-Za-z]{2,}")


def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of a text's CJK runs (and its Latin words), computed once per
    text: the linker asks for an indicator name's bigrams once per clause."""
    return _bigrams(text or "")


@lru_cache(maxsize=16384)
def _bigrams(text: str) -> frozenset[str]:
    out = set()
    for run in _CJK.findall(text or ""):
        if run.isascii():
            out.add(run.lower())
        elif len(run) == 1:
            continue
        else:
            out.update(run[i:i + 2] for i in range(len(run) - 1))
    return frozenset(out)


class TermWeights:
    """IDF of bigrams over a set of passages (a plan's clauses)."""

    def __init__(self, passages: Iterable[str]):
        df: Counter = Counter()
        self.passages = list(passages)
        for p in self.passages:
            df.update(bigrams(p))
        self.n = max(len(self.passages), 1)
        self.df = df
        self._share: dict[str, float] = {}

    def idf(self, bg: str) -> float:
        return math.log((self.n + 1) / (self.df.get(bg, 0) + 0.5))

    def rare_idf(self, share: float) -> float:
        """The IDF of a bigram found in ``share`` of the passages (or in 3, for a short
        plan where any share is a handful): the bar for "rare"."""
        return math.log((self.n + 1) / (max(share * self.n, 3) + 0.5))

    def coverage(self, name: str, text: str | set[str]) -> float:
        """How much of ``name``'s weight ``text`` contains, 0..1."""
        nb = bigrams(name)
        if not nb:
            return 0.0
        tb = text if isinstance(text, (set, frozenset)) else bigrams(text)
        total = sum(self.idf(b) for b in nb)
        if total <= 0:
            return 0.0
        return sum(self.idf(b) for b in nb & tb) / total

    def shared(self, name: str, text: str | set[str], min_idf: float = 1.5) -> list[str]:
        """The rare bigrams both share, rarest first: the evidence shown for a link."""
        tb = text if isinstance(text, (set, frozenset)) else bigrams(text)
        common = [b for b in bigrams(name) & tb if self.idf(b) >= min_idf]
        return sorted(common, key=lambda b: (-self.idf(b), b))


    def share(self, word: str) -> float:
        """The share of passages that contain ``word`` as printed."""
        hit = self._share.get(word)
        if hit is None:
            hit = self._share[word] = sum(1 for p in self.passages if word in p) / self.n
        return hit

    def shared_words(self, name: str, text: str, min_idf: float = 1.5) -> list[str]:
        """The words ``name`` and ``text`` share, as a person would name them: the longest
        stretches of ``name`` printed in ``text``, without a leading or trailing word that
        most passages use (知识产权质押融资 → 质押融资), keeping those with a rare bigram;
        rarest first. Evidence for a link, where ``shared`` gives bigrams (押融、权质)."""
        rare = set(self.shared(name, text, min_idf))
        found: list[tuple[float, str]] = []
        for run in _CJK.findall(name or ""):
            spans = []
            for i in range(len(run) - 1):
                j = i + 2
                while j <= len(run) and run[i:j] in text:
                    j += 1
                if j - 1 >= i + 2:
                    spans.append((i, j - 1))
            for s, e in spans:
                if any(o != (s, e) and o[0] <= s and e <= o[1] for o in spans):
                    continue  # inside a longer shared stretch
                w = self._trim(run[s:e])
                pairs = {w[k:k + 2] for k in range(len(w) - 1)}
                if pairs & rare and w not in [x for _, x in found]:
                    found.append((max(self.idf(b) for b in pairs), w))
        found.sort(key=lambda x: (-x[0], x[1]))
        return [w for _, w in found]

    def _trim(self, w: str, common: float = 0.3) -> str:
        """Drop a leading or trailing word that at least ``common`` of the passages use."""
        for k in range(len(w) - 2, 1, -1):
            if self.share(w[:k]) >= common:
                w = w[k:]
                break
        for k in range(len(w) - 2, 1, -1):
            if self.share(w[-k:]) >= common:
                w = w[:-k]
                break
        return w


def edit_similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / longer length: 每万人口… vs 每万人… is 0.91."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1 - prev[-1] / max(len(a), len(b))


class Subjects:
    """An indicator name without its statistical wording (``corpus/gazetteer/metrics.toml``)."""

    def __init__(self, suffixes: list[str], prefixes: list[str]):
        self.suffixes = sorted(suffixes, key=len, reverse=True)
        self.prefixes = sorted(prefixes, key=len, reverse=True)

    @classmethod
    def load(cls, folder, extra_prefixes: Iterable[str] = ()) -> "Subjects":
        import tomllib
        from pathlib import Path

        p = Path(folder) / "metrics.toml"
        data = {}
        if p.exists():
            try:
                data = tomllib.loads(p.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
                raise ValueError(f"无法读取指标用语表 {p}：{e}") from None
        return cls(list(data.get("suffixes", [])), list(data.get("prefixes", [])) + list(extra_prefixes))

    def subject(self, name: str) -> str:
        s = name
        changed = True
        while changed and s:
            changed = False
            for suf in self.suffixes:
                if s.endswith(suf) and len(s) > len(suf) + 1:
                    s = s[: -len(suf)]
                    changed = True
                    break
            for pre in self.prefixes:
                if s.startswith(pre) and len(s) > len(pre) + 1:
                    s = s[len(pre):]
                    changed = True
                    break
        return s or name
