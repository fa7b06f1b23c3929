"""The judged query set and the relevance measures, shared by the benchmark and tests."""
from __future__ import annotations

from pathlib import Path

JUDGED = Path(__file__).resolve().parent / "judged.tsv"


def load_judged(path: Path = JUDGED, doc_prefix: str = "gd-ip-14fyp:") -> list[tuple[str, list[str]]]:
    """[(query, [relevant clause ids…])]; ids in the file may omit the document prefix."""
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            q, ids = line.split("\t")
        except ValueError:
            raise ValueError(f"{path} 第 {no} 行：应为“检索词<TAB>条款编号…”") from None
        rel = [i if ":" in i else doc_prefix + i for i in ids.split()]
        out.append((q.strip(), rel))
    return out


def relevance(ranked_ids: list[list[str]], judged: list[tuple[str, list[str]]]) -> dict:
    """hit@1, hit@3 and MRR@10 of ranked result lists against the judged set."""
    h1 = h3 = mrr = 0.0
    for ids, (_, rel) in zip(ranked_ids, judged):
        rel = set(rel)
        rank = next((i for i, cid in enumerate(ids[:10], 1) if cid in rel), None)
        if rank is not None:
            mrr += 1.0 / rank
            h1 += rank == 1
            h3 += rank <= 3
    n = len(judged) or 1
    return {"hit@1": h1 / n, "hit@3": h3 / n, "mrr@10": mrr / n}
