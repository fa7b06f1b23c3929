"""Fit a plan's turn of question vectors (index/adapter.py) on its judged sets marked ``tune``.

Each tune query is searched as staff would type it; what the search hands the sentence
model (the question as typed, with the thesaurus' plan words after it) is kept, with its
vector and the judged grades.  The turn is fitted against the plan's clause and sentence
vectors (index.adapter.fit), then sets are left out five at a time to estimate what it does
for questions worded by people it never read: meaning alone, MRR@10 by kind.  The held-out
sets are not read.  With ``--write`` the turn goes to corpus/dict/adapters/<plan>.npz.

    PLANKB_EMBED_CACHE=… .venv/bin/python bench/train_adapter.py [--plan ID] [--write]
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from judged import STAFF_SETS, load_kinds  # noqa: E402

SEED = "gd-ip-14fyp"
FOLDS = 5
DEPTH = 10


def folds(names) -> list[list[str]]:
    """The sets of each fold: sorted by name, taken five apart."""
    names = sorted(names)
    return [names[i::FOLDS] for i in range(FOLDS)]


def tune_sets() -> list:
    """The numbered judged sets marked ``tune``: the only ones fitted on."""
    return [s for s in STAFF_SETS if s[2] == "tune"]


@contextlib.contextmanager
def tune_index():
    """The bundled corpus's index, built in a temporary folder, that the tune sets are searched on."""
    from kb.corpus import load_corpus
    from index import build_index, open_index

    corpus = load_corpus(ROOT / "corpus")
    with tempfile.TemporaryDirectory() as tmp:
        build_index(corpus, Path(tmp))
        with open_index(corpus, Path(tmp)) as ix:
            yield ix


class Questions:
    """A plan's judged tune questions as the sentence model reads them, and the plan's vectors."""

    def __init__(self, ix, plan: str, sets):
        self.plan = plan
        self.docnums = sorted(d for d, r in ix.records.items() if r["document"] == plan)
        if ix._vectors is None or not self.docnums:
            raise SystemExit(f"{plan}：索引中没有这份规划的语义向量（模型未能加载，或规划编号有误）。")
        self.rows, self.owner, self.whole = ix._vectors.rows_of(self.docnums)
        place = {ix.records[d]["id"]: i for i, d in enumerate(self.docnums)}
        said: list[str] = []
        plain = ix._semantic_arrays

        def keep(text, passage=False):  # what the search compares: the recorder's one job
            said.append(text)
            return plain(text, passage)

        ix._semantic_arrays = keep
        self.sets, self.kinds, vectors, gains = [], [], [], []
        try:
            for name, path, _split in sets:
                for q, grades, split, kind in load_kinds(path, doc_prefix=plan + ":"):
                    if split != "tune":
                        continue
                    said.clear()
                    ix.search(q, limit=DEPTH)
                    vec = ix._encode(said[0]) if said and said[0] else None
                    if vec is None:
                        continue  # quoted, or nothing left to compare: meaning is not asked
                    g = np.zeros(len(self.docnums))
                    for cid, grade in grades.items():
                        if cid in place:
                            g[place[cid]] = 2.0 ** grade - 1
                    self.sets.append(name)
                    self.kinds.append(kind)
                    vectors.append(np.asarray(vec, dtype=np.float32))
                    gains.append(g)
        finally:
            ix._semantic_arrays = plain
        dim = self.rows.shape[1]
        self.vectors = np.stack(vectors) if vectors else np.zeros((0, dim), dtype=np.float32)
        self.gains = np.stack(gains) if gains else np.zeros((0, len(self.docnums)))
        self.sets, self.kinds = np.array(self.sets, dtype=str), np.array(self.kinds, dtype=str)

    def fit(self, mask=None):
        """The plan's turn fitted on the questions ``mask`` selects (all by default)."""
        from index.adapter import Adapter, fit

        mask = np.ones(len(self.sets), dtype=bool) if mask is None else mask
        return Adapter(self.plan, fit(self.vectors[mask], self.gains[mask], self.rows, self.owner))

    def reciprocal_ranks(self, mask, turn=None) -> np.ndarray:
        """Meaning alone: each question's reciprocal rank of a relevant clause in the first ten,
        clauses scored as the search scores them (best sentence, and the clause itself)."""
        from index.semantic import CLAUSE_SHARE

        out = []
        for vec, gains in zip(self.vectors[mask], self.gains[mask]):
            cos = self.rows @ (turn.turn(vec) if turn is not None else vec)
            best = np.full(len(self.docnums), -np.inf)
            np.maximum.at(best, self.owner, cos)
            own = np.zeros(len(self.docnums))
            own[self.owner[self.whole]] = cos[self.whole]
            scores = (best + CLAUSE_SHARE * own) / (1 + CLAUSE_SHARE)
            top = np.argsort(-scores)[:DEPTH]
            hit = [k for k, c in enumerate(top, 1) if gains[c] > 0]
            out.append(1.0 / hit[0] if hit else 0.0)
        return np.array(out)

    def folds(self) -> list[np.ndarray]:
        """Masks of the questions of each fold (:func:`folds`, as bench/train_rerank.py takes them)."""
        return [np.isin(self.sets, fold) for fold in folds(set(self.sets.tolist()))]


def by_kind(kinds: np.ndarray, rr: np.ndarray) -> str:
    parts = [f"all {rr.mean():.3f}"]
    for k in sorted(collections.Counter(kinds.tolist())):
        parts.append(f"{k} {rr[kinds == k].mean():.3f}")
    return "  ".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plan", default=SEED, help="the plan's id (its judged sets: STAFF_SETS)")
    ap.add_argument("--write", action="store_true", help="write corpus/dict/adapters/<plan>.npz")
    args = ap.parse_args(argv)

    from index.adapter import write
    from index.semantic import MODEL_KEY

    with tune_index() as ix:
        qs = Questions(ix, args.plan, tune_sets())
    if not len(qs.sets):
        raise SystemExit(f"{args.plan}：评判检索集中没有这份规划的 tune 检索词，无从拟合。")
    plain = np.zeros(len(qs.sets))
    turned = np.zeros(len(qs.sets))
    for mask in qs.folds():
        turn = qs.fit(~mask)
        plain[mask] = qs.reciprocal_ranks(mask)
        turned[mask] = qs.reciprocal_ranks(mask, turn)
    print(f"{len(qs.sets)} tune questions from {len(set(qs.sets.tolist()))} sets; meaning alone, MRR@{DEPTH}")
    print("plain model            ", by_kind(qs.kinds, plain))
    print("turned, sets left out  ", by_kind(qs.kinds, turned))
    if args.write:
        names = sorted(set(qs.sets.tolist()))
        made = (f"bench/train_adapter.py: {len(qs.sets)} tune questions of {len(names)} judged sets "
                f"({', '.join(names)}); sets left out {FOLDS} folds, meaning alone MRR@{DEPTH} "
                f"{plain.mean():.3f} (plain) -> {turned.mean():.3f} (turned).")
        path = write(ROOT / "corpus" / "dict", qs.fit(), MODEL_KEY, made)
        print("written", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
