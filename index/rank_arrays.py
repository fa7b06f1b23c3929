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


def figure_texts(numbers: list[str]) -> list[str]:
    """What a clause stating one of the typed figures must contain literally: the figure's
    digits before any decimal point (:func:`ranking.number_pattern` matches 543 in 543.0
    and 1.50 as 1.5, never without the whole part).  Clauses without any of these have a
    :func:`ranking.number_share` of 0, so only the others need its regular expressions."""
    return list(dict.fromkeys(n.partition(".")[0] for n in numbers if n))
