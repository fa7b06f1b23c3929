"""Putting the lexical and the semantic ranking together, and what staff want first.

Two rankings of one query: the lexical one (literal and word matches, BM25F, tiers)
and the semantic one (cosine of sentence vectors).  They are fused by reciprocal
rank (RRF): each list gives a clause ``weight / (K + rank)``.  RRF needs no score
calibration between the two, and a clause both lists like rises above either's
favourite.  The weights were tuned on the tune part of bench/judged_staff.tsv and
judged_blind.tsv only (bench/run.py --failures lists misses on those parts only).

The lexical tiers stay: a clause containing the query as typed (the Ctrl+F tier), then
one containing each typed word, then the rest; fusion orders clauses within a tier
(the fused score is below 1).  Staff who type the plan's own words want those first.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from index.normalize import fold

RANKING_FILE = "ranking.toml"

RRF_K = 2.0
LEXICAL_WEIGHT = 1.0
SEMANTIC_WEIGHT = 0.6
# Clauses only the semantic side found: at most this many, and only those whose
# cosine is within SEMANTIC_MARGIN of the best (beyond that they are noise).
SEMANTIC_EXTRA = 6
SEMANTIC_MARGIN = 0.03
# Background clauses (ranking.toml) lose this much of the fused score: below the tasks
# that match as well (惩罚性赔偿: the task 3.2.p3 before the goal 2.3.p3).
BACKGROUND_PENALTY = 0.3


@dataclass(frozen=True)
class Preferences:
    background_kinds: frozenset = frozenset()
    past_roles: frozenset = frozenset()
    never_background: frozenset = frozenset()
    past_words: tuple = ()
    goal_words: tuple = ()

    def asks_past(self, folded_query: str) -> bool:
        return any(w in folded_query for w in self.past_words)

    def asks_goals(self, folded_query: str) -> bool:
        return any(w in folded_query for w in self.goal_words)

    def is_background(self, kind: str, role: str, past: bool, goals: bool) -> bool:
        """Background for this query: looking back, goals and intros — unless the query asks
        about the past or about goals (a 目标 asked for may be the last period's 目标值)."""
        if kind in self.never_background or past or goals:
            return False
        if role in self.past_roles and not past:
            return True
        return kind in self.background_kinds


_cache: dict[Path, tuple[float, Preferences]] = {}


def load_preferences(dict_dir: Path) -> Preferences:
    path = Path(dict_dir) / RANKING_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return Preferences()
    hit = _cache.get(path)
    if hit and hit[0] == mtime:
        return hit[1]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        from index.lexicon import LexiconError

        raise LexiconError(f"无法读取排序偏好 {path}：{e}") from None
    prefs = Preferences(
        background_kinds=frozenset(data.get("background_kinds", [])),
        past_roles=frozenset(data.get("past_roles", [])),
        never_background=frozenset(data.get("never_background", [])),
        past_words=tuple(fold(w) for w in data.get("past_words", [])),
        goal_words=tuple(fold(w) for w in data.get("goal_words", [])),
    )
    _cache[path] = (mtime, prefs)
    return prefs


def rrf(rank: int | None, weight: float) -> float:
    return 0.0 if rank is None else weight / (RRF_K + rank)


def semantic_extras(sims: dict[int, float], have: set[int]) -> list[int]:
    """Clauses the semantic side adds: the best few not already matched, near the best cosine."""
    if not sims:
        return []
    order = sorted(sims, key=lambda d: -sims[d])
    top = sims[order[0]]
    out = []
    for d in order:
        if sims[d] < top - SEMANTIC_MARGIN or len(out) >= SEMANTIC_EXTRA:
            break
        if d not in have:
            out.append(d)
    return out
