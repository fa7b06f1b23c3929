"""Export benchmark: the whole seed plan as one 任务分解表, in every format.

Run: ``.venv/bin/python bench/export.py [--corpus DIR] [--doc ID] [--rounds N]``.
Prints one table: building the rows (with and without the plan graph, which supplies
目标/指标; the graph itself is built once and timed on its own line), then rendering
each format from the same rows, with the file size. Numbers, not assertions: a
clerk exporting a whole plan from the web page should wait well under a second
for any format once the graph is built.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.corpus import load_corpus  # noqa: E402
from office.export import FORMATS, build_rows, render  # noqa: E402
from office.export.rows import default_graph  # noqa: E402


def timed(fn, rounds: int):
    """(median ms, min ms, last result) over ``rounds`` calls."""
    times, result = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus folder (default: the bundled one)")
    ap.add_argument("--doc", default=None, help="plan id (default: the first plan in the corpus)")
    ap.add_argument("--rounds", type=int, default=5, help="timed runs of each step (default 5)")
    args = ap.parse_args(argv)
    rounds = max(1, args.rounds)

    t = time.perf_counter()
    corpus = load_corpus(Path(args.corpus))
    load_ms = (time.perf_counter() - t) * 1000
    doc = corpus.document(args.doc) if args.doc else corpus.documents[0]
    if doc is None:
        print(f"没有规划 {args.doc}", file=sys.stderr)
        return 2
    ids = [c.id for c in doc.clauses]
    title = f"《{doc.title}》全部条款任务分解表"

    t = time.perf_counter()
    graph = default_graph(corpus)
    graph_ms = (time.perf_counter() - t) * 1000

    table = [("load_corpus", load_ms, load_ms, "", "1 run")]
    table.append(("build_graph", graph_ms, graph_ms, "", "1 run" if graph is not None else "kb.graph missing"))
    med, low, rows = timed(lambda: build_rows(corpus, ids, graph=None), rounds)
    table.append(("build_rows (no graph)", med, low, "", f"{len(rows)} rows"))
    med, low, rows = timed(lambda: build_rows(corpus, ids, graph=graph, suggest=True), rounds)
    table.append(("build_rows (graph, suggest)", med, low, "", f"{len(rows)} rows"))
    for fmt in FORMATS:
        med, low, data = timed(lambda: render(rows, fmt, title), rounds)
        table.append((f"render {fmt}", med, low, f"{len(data) / 1024:.0f} KiB", ""))

    print(f"plan {doc.id}: {len(ids)} clauses, {rounds} rounds, Python {sys.version.split()[0]}")
    print(f"{'step':<30}{'median ms':>11}{'min ms':>10}{'size':>10}  note")
    for name, med, low, size, note in table:
        print(f"{name:<30}{med:>11.1f}{low:>10.1f}{size:>10}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
