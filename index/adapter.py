"""Meaning tuned to one plan, learned from the questions staff asked of it.

The sentence model has never read a plan: it puts 小企业能拿商标去银行贷款吗 near clauses
about enterprises and trademarks in general rather than near 专栏14's 质押融资, and no
thesaurus holds every way of saying a clause.  Judged queries on a plan say where such
questions belong; a linear turn of the query's vector, fitted on them, moves questions
towards the clauses that answer them (fresh blind sets on the seed, meaning alone: MRR
0.85 → 0.96 in session 10's measurements, paraphrase 0.66 → 0.89).

A turn is data of one plan — ``corpus/dict/adapters/<plan id>.npz``, fitted by
``bench/train_adapter.py`` from that plan's judged sets — and is used for that plan's
clauses only.  Fitted against one plan, it knows nothing of others: turned cosines run on
another scale (0.1–0.3 where the model's run 0.8–0.9), so a plan's turned cosines are
brought back to the mean and spread the plain query has over the same clauses.  The
rules that read cosines (margins, how far the best stands out) and the clauses of other
plans then compare with them as before, and only the order within the plan changes.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.atomic import atomic_write_bytes
from index.lexicon import LexiconError

ADAPTER_DIR = "adapters"  # beside the dictionaries: corpus/dict/adapters/
SUFFIX = ".npz"

# Fitting (bench/train_adapter.py; tune sets, five folds left out by set): a turn starting
# from none, pulled back towards none by L2 (0.001–0.1 tried: 0.01), against a softmax over
# the plan's clause and sentence vectors at temperature 0.02 (0.05 lost 0.015 left out);
# 100 steps of Adam (300: within 0.003).
L2 = 0.01
TEMPERATURE = 0.02
STEPS = 100
LEARNING_RATE = 1e-3


class AdapterError(LexiconError):
    """An adapter file cannot be used (reported as a dictionary file is, by every command
    that opens an index)."""


@dataclass(frozen=True)
class Adapter:
    """The turn fitted for one plan: a query vector ``v`` becomes ``v + v·delta``, normalised."""

    plan: str
    delta: np.ndarray  # float32, dimension × dimension

    def turn(self, vec) -> np.ndarray:
        v = np.asarray(vec, dtype=np.float32)
        u = v + v @ self.delta
        n = float(np.linalg.norm(u))
        return u / n if n else v


def matched(turned: np.ndarray, plain: np.ndarray) -> np.ndarray:
    """The turned cosines of a plan's rows on the plain cosines' mean and spread there."""
    spread, plain_spread = float(turned.std()), float(plain.std())
    if len(turned) < 2 or not spread:
        return plain
    return (turned - float(turned.mean())) * (plain_spread / spread) + float(plain.mean())


def folder(dict_dir: Path) -> Path:
    return Path(dict_dir) / ADAPTER_DIR


def load_adapters(dict_dir: Path, model_key: str) -> dict[str, Adapter]:
    """{plan id: adapter} for each file in ``dict_dir``/adapters (none: an empty dict)."""
    out: dict[str, Adapter] = {}
    base = folder(dict_dir)
    if not base.is_dir():
        return out
    for path in sorted(base.glob("*" + SUFFIX)):
        adapter = _read(path, model_key)
        out[adapter.plan] = adapter
    return out


def _read(path: Path, model_key: str) -> Adapter:
    try:
        with np.load(path, allow_pickle=False) as z:
            plan, model, delta = str(z["plan"]), str(z["model"]), np.asarray(z["delta"], dtype=np.float32)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise AdapterError(f"无法读取语义校准文件 {path}：{e}") from None
    if model != model_key:
        raise AdapterError(f"语义校准文件 {path} 是为另一语义模型（{model}）拟合的，"
                           f"请用 bench/train_adapter.py 重新生成。")
    if delta.ndim != 2 or delta.shape[0] != delta.shape[1] or not np.isfinite(delta).all():
        raise AdapterError(f"语义校准文件 {path} 格式有误：矩阵应为方阵且为有限值。")
    if plan + SUFFIX != path.name:
        raise AdapterError(f"语义校准文件 {path} 的规划编号（{plan}）与文件名不符。")
    return Adapter(plan, delta)


def write(dict_dir: Path, adapter: Adapter, model_key: str, made: str) -> Path:
    """Store ``adapter`` as ``<plan id>.npz`` (half precision: cosines move by under 0.001)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, plan=np.array(adapter.plan), model=np.array(model_key),
                        made=np.array(made), delta=adapter.delta.astype(np.float16))
    base = folder(dict_dir)
    base.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(base / (adapter.plan + SUFFIX), buf.getvalue())


def fit(queries: np.ndarray, gains: np.ndarray, rows: np.ndarray, owner: np.ndarray,
        l2: float = L2, temperature: float = TEMPERATURE, steps: int = STEPS,
        rate: float = LEARNING_RATE) -> np.ndarray:
    """The turn (delta) that makes each query's softmax over a plan's vectors ``rows``
    (its clauses' and their sentences') match its judged gains, by plain Adam from no turn:
    deterministic, so a second run writes the same file.

    ``queries``: n × d normalised query vectors; ``gains``: n × clauses, the judged gain of
    each clause (0 unjudged); ``owner``: the clause of each row.
    """
    q = np.asarray(queries, dtype=np.float64)
    m = np.asarray(rows, dtype=np.float64)
    target = np.asarray(gains, dtype=np.float64)[:, owner]
    total = target.sum(axis=1, keepdims=True)
    keep = total[:, 0] > 0
    q, target = q[keep], target[keep] / total[keep]
    delta = np.zeros((q.shape[1], q.shape[1]))
    if not len(q):
        return delta.astype(np.float32)  # nothing judged: no turn
    first, second = np.zeros_like(delta), np.zeros_like(delta)
    for step in range(1, steps + 1):
        u = q + q @ delta
        length = np.linalg.norm(u, axis=1, keepdims=True)
        v = u / length
        s = v @ m.T / temperature
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        dv = (p - target) @ m / (temperature * len(q))
        du = (dv - v * (v * dv).sum(axis=1, keepdims=True)) / length
        grad = q.T @ du + 2 * l2 * delta
        first = 0.9 * first + 0.1 * grad
        second = 0.999 * second + 0.001 * grad * grad
        delta -= rate * (first / (1 - 0.9 ** step)) / (np.sqrt(second / (1 - 0.999 ** step)) + 1e-8)
    return delta.astype(np.float32)
