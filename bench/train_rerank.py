"""Fit the re-ranking weights (index/rerank.py) on the judged sets marked ``tune``.

The search runs every tune query of ``bench/judged_staff*.tsv`` (STAFF_SETS) with the
re-ranker replaced by a recorder, which keeps what the ranking knew of its first clauses
and leaves their order alone.  A linear model is fitted to put a relevant clause first
(listwise: softmax over the candidates, cross-entropy against the judged ones, L2), by
plain gradient descent from the fused order, so two runs give the same weights.  Sets are
then left out five at a time to estimate what the weights do on sets they never saw; the
held-out sets are not read.  With ``--write`` the weights go to corpus/dict/rerank.toml.

    PLANKB_EMBED_CACHE=… .venv/bin/python bench/train_rerank.py [--write]
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from judged import load_kinds  # noqa: E402

DEPTH = 10  # MRR@10 is what is measured; deeper candidates rarely hold the answer
L2 = 0.01
STEPS = 400
RATE = 0.5
# what the model learns to put first: the best answer (grade 2) three times as much as one also
# relevant (grade 1), as nDCG weighs them (2^g − 1)
# (grades 0/1 alike instead: sets left out 0.932 rather than 0.933)


def gain(grades: np.ndarray) -> np.ndarray:
    return 2.0 ** grades - 1


class Recorder:
    """Stands in for the re-ranker: keeps each query's candidate features, order unchanged."""

    def __init__(self, depth: int):
        self.depth = depth
        self.last = None

    def order(self, x, groups):
        self.last = (x, np.asarray(groups))
        return np.arange(len(x))


def collect(ix, sets) -> list[dict]:
    """Per tune query: its set, kind, candidate ids, features, groups and grades."""
    recorder = Recorder(DEPTH)
    ix.reranker = recorder
    out = []
    for name, path, _split in sets:
        for q, grades, split, kind in load_kinds(path):
            if split != "tune":
                continue
            recorder.last = None
            hits = ix.search(q, limit=DEPTH)["hits"]
            if recorder.last is None or len(recorder.last[0]) != len(hits):
                continue  # no vectors, a quoted or one-clause query: nothing to reorder
            x, groups = recorder.last
            rel = np.array([float(grades.get(h["id"], 0)) for h in hits])
            out.append({"set": name, "kind": kind, "x": x, "groups": groups, "rel": rel,
                        "ids": [h["id"] for h in hits]})
    return out


def collect_crossfitted(ix, sets) -> list[dict]:
    """:func:`collect`, each fold's questions searched with the plans' turns of question
    vectors (index/adapter.py) fitted without that fold's sets: fitted on all of them, the
    turn would put a tune question's clause first far more often than it does for a question
    it never read, and the weights would learn to trust meaning by that much too."""
    if not ix.adapters or ix._vectors is None:
        return collect(ix, sets)
    from train_adapter import Questions, folds

    questions = [Questions(ix, plan, sets) for plan in sorted(ix.adapters)]
    questions = [q for q in questions if len(q.sets)]
    rows = []
    try:
        for fold in folds({s[0] for s in sets}):
            turns = dict(ix.adapters)
            turns.update({q.plan: q.fit(~np.isin(q.sets, fold)) for q in questions})
            ix.turn_questions(turns)
            rows += collect(ix, [s for s in sets if s[0] in fold])
    finally:
        ix.turn_questions()
    return rows


def fit(rows: list[dict]):
    from index.rerank import FEATURES, Reranker

    useful = [r for r in rows if (r["rel"] > 0).any() and not (r["rel"] > 0).all()]
    stacked = np.vstack([r["x"] for r in useful])
    mean, scale = stacked.mean(0), stacked.std(0) + 1e-9
    w = np.zeros(len(FEATURES))
    w[FEATURES.index("position")] = 1.0  # start from the fused order
    # candidates padded to DEPTH per query, so that one step is a few array operations
    z = np.zeros((len(useful), DEPTH, len(FEATURES)))
    target = np.zeros((len(useful), DEPTH))
    present = np.zeros((len(useful), DEPTH), dtype=bool)
    for i, r in enumerate(useful):
        k = len(r["rel"])
        z[i, :k] = (r["x"] - mean) / scale
        g = gain(r["rel"])
        target[i, :k] = g / g.sum()
        present[i, :k] = True
    for _ in range(STEPS):
        s = np.where(present, z @ w, -np.inf)
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = np.einsum("nkf,nk->f", z, p - target)
        w -= RATE * (grad / len(useful) + L2 * w)
    return Reranker(w, mean, scale, DEPTH)


def reciprocal_rank(row: dict, model) -> float:
    order = model.order(row["x"], row["groups"]) if model is not None else np.arange(len(row["rel"]))
    hits = np.flatnonzero(row["rel"][order] > 0)
    return 1.0 / (hits[0] + 1) if len(hits) else 0.0


def by_kind(rows, rrs) -> str:
    t = collections.defaultdict(list)
    for r, rr in zip(rows, rrs):
        t[r["kind"]].append(rr)
        t["all"].append(rr)
    return "  ".join(f"{k} {np.mean(v):.3f}" for k, v in sorted(t.items()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write corpus/dict/rerank.toml")
    args = ap.parse_args(argv)

    from kb.atomic import atomic_write_text
    from index.rerank import RERANK_FILE, dumps
    from train_adapter import folds as fold_sets, tune_index, tune_sets

    with tune_index() as ix:
        rows = collect_crossfitted(ix, tune_sets())
    names = sorted({r["set"] for r in rows})
    folds = fold_sets(names)
    base, left_out = [], []
    ordered = []
    for fold in folds:
        model = fit([r for r in rows if r["set"] not in fold])
        test = [r for r in rows if r["set"] in fold]
        ordered += test
        base += [reciprocal_rank(r, None) for r in test]
        left_out += [reciprocal_rank(r, model) for r in test]
    print(f"{len(rows)} tune queries from {len(names)} sets; MRR@{DEPTH} by kind")
    print("fused order          ", by_kind(ordered, base))
    print("re-ranked, sets left out", by_kind(ordered, left_out))
    model = fit(rows)
    if args.write:
        header = (f"Written by bench/train_rerank.py: {len(rows)} tune queries of {len(names)} judged sets "
                  f"({', '.join(names)}).\nSets left out {len(folds)} folds: MRR@{DEPTH} {np.mean(base):.3f} (fused order) "
                  f"-> {np.mean(left_out):.3f} (re-ranked).\nDo not edit by hand; run the script again.")
        path = ROOT / "corpus" / "dict" / RERANK_FILE
        atomic_write_text(path, dumps(model, header))
        print("written", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
