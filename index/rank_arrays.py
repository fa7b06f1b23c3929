"""The ranking formula of index/ranking.py over arrays: one call for all matches.

index/ranking.py says, for one clause, what a rank or a signal is worth; a query
matching thousands of clauses asked it thousands of times.  These are its twins for
numpy arrays, computing the same floats with the same operations in the same order
(so ties stay ties and the order is the scalar one, bit for bit); they read
ranking's constants at call time, and tests/test_rank_arrays.py checks each twin
against its scalar function on real data.
"""
from __future__ import annotations

import numpy as np

from index import ranking


def rrf(ranks: np.ndarray, weight: float) -> np.ndarray:
    """:func:`ranking.rrf` per element; a rank of 0 stands for “not in that ranking”."""
    ranks = np.asarray(ranks)
    out = weight / (ranking.RRF_K + ranks.astype(np.float64))
    return np.where(ranks > 0, out, 0.0)


def within_tier(bm25: np.ndarray, coverage: np.ndarray, coord: np.ndarray) -> np.ndarray:
    """:func:`ranking.within_tier` per element: it is plain arithmetic, so it is applied to
    the arrays as they are; should it ever become something arrays cannot go through
    (a ``max``, an ``if``), it is applied element by element instead."""
    try:
        out = ranking.within_tier(bm25, coverage, coord)
        if isinstance(out, np.ndarray) and out.shape == np.shape(bm25):
            return out.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        pass
    return np.fromiter((ranking.within_tier(b, c, k) for b, c, k in
                        zip(np.asarray(bm25).tolist(), np.asarray(coverage).tolist(), np.asarray(coord).tolist())),
                       dtype=np.float64, count=len(bm25))


def tied_ranks(score: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """:func:`ranking.tied_ranks` per element: 1 + how many of the clauses that have a rank
    (``ranks`` > 0, those with a lexical score) score more than a tie above this one."""
    have = np.sort(score[ranks > 0])
    ahead = len(have) - np.searchsorted(have, score + ranking.LEXICAL_TIE, side="right")
    return np.where(ranks > 0, ahead + 1, 0).astype(np.int64)


def figure_texts(numbers: list[str]) -> list[str]:
    """What a clause stating one of the typed figures must contain literally: the figure's
    digits before any decimal point (:func:`ranking.number_pattern` matches 543 in 543.0
    and 1.50 as 1.5, never without the whole part).  Clauses without any of these have a
    :func:`ranking.number_share` of 0, so only the others need its regular expressions."""
    return list(dict.fromkeys(_literal_head(n) for n in numbers if n))


def _literal_head(number: str) -> str:
    """The digits a clause stating ``number`` holds for certain: the whole part, or for a
    figure said roughly (900+) the digits before its trailing zeros (9)."""
    return ranking.rough_head(number) if number.endswith(ranking.ROUGH) else number.partition(".")[0]


def best_first(score: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Positions of ``score`` best first, ties by lower ``order``, then by position: what the
    scalar code's ``sort(key=lambda x: (score, -order), reverse=True)`` (stable) gives.

    ``np.lexsort`` and stable argsorts are merge sorts, five times slower here than numpy's
    quicksort; so the equal scores are found after one quicksort, and the ties (if any)
    are settled by a second quicksort on one integer key that is unique per position
    (score's dense rank, then order, then position), where stability does not matter."""
    n = len(score)
    first = np.argsort(-score)
    if n < 2:
        return first
    ranked = score[first]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    if new.all():
        return first  # no two scores equal
    dense = np.empty(n, dtype=np.int64)
    dense[first] = np.cumsum(new) - 1
    lo = int(order.min()) if len(order) else 0
    width = int(order.max()) - lo + 1
    if n * width * n >= 2**62:  # (no such corpus; the exact key would overflow)
        return np.lexsort((np.arange(n), order, -score))
    key = (dense * width + (order.astype(np.int64) - lo)) * n + np.arange(n)
    return np.argsort(key)
