"""A last look at a query's first clauses, with weights learned from judged queries.

The fused ranking (index/ranking.py) adds reciprocal ranks: it knows that a clause is
the model's first, not by how far, and each rule beside it (coordination, background,
typed figures) was set by hand, one at a time.  Near the top, where a paraphrase's
clause is often second or third, a linear model over what the ranking already knows
of each of the first ``depth`` clauses (their fused score, cosine, word ranks, how much
of the query each holds, weighed by rarity) reorders them.  Its weights are data:
``bench/train_rerank.py`` fits them on the judged sets marked ``tune`` only and writes
``rerank.toml`` beside ranking.toml; without the file the fused order stands.

What the rules decide stays: a clause moves only among the places held by clauses of its
own group (its tier, and whether it is background), so a clause holding the query as typed
is never moved below one that does not, nor the 十三五 review above a task it was below.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.lexicon import LexiconError

RERANK_FILE = "rerank.toml"

# What the model reads of each candidate; rerank.toml names them in this order.
FEATURES = (
    "position",        # 1 / (1 + place in the fused order)
    "fused_gap",       # fused score minus the best candidate's
    "cosine_gap",      # cosine minus the best candidate's (×10)
    "cosine_z",        # cosine against the candidates' mean, in their standard deviations
    "lexical_rrf",     # 1 / (2 + word rank), 0 when words did not find it
    "semantic_rrf",    # 1 / (2 + meaning rank)
    "coordination",    # share of the query's words it holds
    "coverage",        # share of the typed characters it holds unbroken
    "bm25",            # bm25 / (bm25 + 10)
    "background",      # review, goals, intros (ranking.toml)
    "stated",          # states a figure typed
    "named",           # its part was named by number
    "literal",         # holds the query as typed (the Ctrl+F tier)
    "cosine_gap_unsaid",   # cosine_gap × share of the typed characters the plan does not use
    "lexical_rrf_known",   # lexical_rrf × share it uses
    "semantic_rrf_unsaid",  # semantic_rrf × share it does not use
    "cosine_gap_leads",    # cosine_gap where meaning leads (ranking.meaning_sure)
    "rarity_held",     # share of the query's words it holds, weighed by rarity
    "rarity_gap",      # rarity_held minus the best candidate's
    "length",          # log(1 + characters) / 6
)


class RerankError(LexiconError):
    """rerank.toml cannot be used: unreadable, or written for other features (reported as a
    dictionary file is, by every command that opens an index)."""


@dataclass(frozen=True)
class Candidates:
    """What the ranking knows of its first clauses, in its order (arrays of one length)."""

    fused: np.ndarray
    cosine: np.ndarray      # NaN where the clause has no vector
    lexical_rank: np.ndarray  # 0: not found by words
    semantic_rank: np.ndarray  # 0: no cosine
    coordination: np.ndarray
    coverage: np.ndarray
    bm25: np.ndarray
    background: np.ndarray
    stated: np.ndarray
    named: np.ndarray
    tier: np.ndarray
    rarity_held: np.ndarray
    length: np.ndarray
    known: float            # share of the typed characters in words the plan uses
    leads: bool             # meaning leads (index/search.py _meaning_leads)


def features(c: Candidates) -> np.ndarray:
    """One row per candidate, one column per name in FEATURES."""
    n = len(c.fused)
    has = ~np.isnan(c.cosine)
    floor = float(c.cosine[has].min()) - 0.02 if has.any() else 0.0
    cos = np.where(has, c.cosine, floor)
    gap = (cos - cos.max()) * 10
    z = (cos - cos.mean()) / (cos.std() + 1e-6)
    lex = np.where(c.lexical_rank > 0, 1.0 / (2 + c.lexical_rank), 0.0)
    sem = np.where(c.semantic_rank > 0, 1.0 / (2 + c.semantic_rank), 0.0)
    unsaid = 1.0 - c.known
    cols = {
        "position": 1.0 / (2 + np.arange(n)),
        "fused_gap": c.fused - c.fused.max(),
        "cosine_gap": gap,
        "cosine_z": z,
        "lexical_rrf": lex,
        "semantic_rrf": sem,
        "coordination": c.coordination,
        "coverage": c.coverage,
        "bm25": c.bm25 / (c.bm25 + 10),
        "background": c.background.astype(float),
        "stated": (c.stated > 0).astype(float),
        "named": c.named.astype(float),
        "literal": (c.tier > 0).astype(float),
        "cosine_gap_unsaid": gap * unsaid,
        "lexical_rrf_known": lex * c.known,
        "semantic_rrf_unsaid": sem * unsaid,
        "cosine_gap_leads": gap * float(c.leads),
        "rarity_held": c.rarity_held,
        "rarity_gap": c.rarity_held - c.rarity_held.max(),
        "length": np.log1p(c.length) / 6,
    }
    return np.column_stack([np.asarray(cols[f], dtype=np.float64) for f in FEATURES])


def groups(c: Candidates) -> np.ndarray:
    """Each candidate's group: its tier and whether it is background.  A clause moves only among
    the places its group held (:meth:`Reranker.order`)."""
    return np.asarray(c.tier, dtype=np.int64) * 2 + np.asarray(c.background, dtype=np.int64)


@dataclass(frozen=True)
class Reranker:
    """A linear score over standardised features; ``depth`` clauses are looked at again."""

    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    depth: int

    def order(self, x: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """The candidates' new order (a permutation).  Each clause moves only among the places its
        group held in the fused order, best score first (ties: the fused order), so what the
        rules put where stays: the Ctrl+F tier above the rest, the look back and the goals
        (background) as far down among the tasks as the fused order had them."""
        score = ((x - self.mean) / self.scale) @ self.weights
        out = np.arange(len(score))
        for g in np.unique(groups):
            places = np.flatnonzero(groups == g)
            out[places] = places[np.lexsort((places, -score[places]))]
        return out


def load_reranker(dict_dir: Path) -> Reranker | None:
    """The weights in ``dict_dir``/rerank.toml, or None where there is no such file."""
    path = Path(dict_dir) / RERANK_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise RerankError(f"无法读取重排权重 {path}：{e}") from None
    try:
        data = tomllib.loads(text)
        names = tuple(data["features"])
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("weights", "mean", "scale")]
        depth = int(data["depth"])
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as e:
        raise RerankError(f"重排权重 {path} 格式有误：{e}") from None
    if names != FEATURES or any(a.shape != (len(FEATURES),) for a in arrays) or depth < 2 \
            or not all(np.isfinite(a).all() for a in arrays) or (arrays[2] <= 0).any():
        raise RerankError(f"重排权重 {path} 与本版本的特征不符，请用 bench/train_rerank.py 重新生成。")
    return Reranker(*arrays, depth=depth)


def dumps(model: Reranker, header: str) -> str:
    """rerank.toml's text: a comment saying how it was made, then the arrays, named."""
    def row(a) -> str:
        return "[" + ", ".join(f"{float(v):.6g}" for v in a) + "]"
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"depth = {model.depth}", "features = [" + ", ".join(f'"{f}"' for f in FEATURES) + "]",
              f"weights = {row(model.weights)}", f"mean = {row(model.mean)}", f"scale = {row(model.scale)}", ""]
    return "\n".join(lines)
