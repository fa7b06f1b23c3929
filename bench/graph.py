"""Trace-graph benchmark: what a staff member waits for when tracing a plan.

Run: ``.venv/bin/python bench/graph.py [--corpus DIR] [--rounds N] [--plans 1,10,100]``.
Prints one table: loading the corpus, building the graph cold (gazetteer read, patterns
compiled, every extractor and linker run), a cached build (what every web request and
CLI call after the first pays: the content hash and a dictionary lookup), the
consistency check, and tracing every task of every plan. Numbers, not assertions.

With ``--plans``, it also builds corpora of that many plans — the seed plan and copies of
it under other ids (``copy-NN``: same text, so the same bodies, regions and deadlines
become hubs named by every plan, the worst case for a hub's trace) — and prints, per size,
what the listings and hub traces cost: the bodies listing of one plan and of all, the
trace index's lists, and the trace of 高校 and of 2025 (all tasks, and the first
``TRACE_LIMIT`` tasks, shared among the plans drawn, that the page shows), with the size
of the JSON each returns.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import kb.corpus as kb_corpus  # noqa: E402
import kb.extract.bodies as bodies  # noqa: E402
import kb.extract.gazetteer as gazetteer  # noqa: E402
import kb.extract.regions as regions  # noqa: E402
import kb.graph as graph  # noqa: E402
from kb.corpus import load_corpus  # noqa: E402


def timed(fn, rounds: int, before=None):
    """(median ms, min ms, last result) over ``rounds`` calls; ``before`` runs untimed."""
    times, result = [], None
    for _ in range(rounds):
        if before:
            before()
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), result


def cold() -> None:
    """Forget everything the first build caches, so the next build pays for all of it."""
    graph._cache.clear()
    gazetteer._load.cache_clear()
    gazetteer._INDEX_CACHE.clear()
    bodies._CACHE.clear()
    regions._RE_CACHE.clear()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus folder (default: the bundled one)")
    ap.add_argument("--rounds", type=int, default=5, help="timed runs of each step (default 5)")
    ap.add_argument("--plans", default="", help="also measure corpora of these sizes, e.g. 1,10,100")
    args = ap.parse_args(argv)
    rounds = max(1, args.rounds)
    root = Path(args.corpus)

    rows = []
    med, low, corpus = timed(lambda: load_corpus(root), rounds, before=kb_corpus._cache.clear)
    rows.append(("load_corpus（冷）", med, low,
                 f"{len(corpus.documents)} 个规划，{sum(1 for _ in corpus.clauses())} 条"))
    med, low, pg = timed(lambda: graph.build_graph(corpus), rounds, before=cold)
    rows.append(("build_graph（冷）", med, low,
                 f"{pg.g.number_of_nodes()} 个节点，{pg.g.number_of_edges()} 条边"))
    med, low, hit = timed(lambda: graph.build_graph(corpus), rounds)
    rows.append(("build_graph（缓存）", med, low, "同一对象" if hit is pg else "重建了！"))
    med, low, res = timed(pg.check, rounds)
    rows.append(("check()", med, low, f"一致 {len(res['agreements'])}，不一致 {len(res['conflicts'])}"))
    # every clause that carries work: the plan's tasks, its measures and its boxes' items
    work = sorted(pg._info["tasks"], key=lambda n: (pg.g.nodes[n].get("document", ""), pg.g.nodes[n].get("order", 0)))
    med, low, _ = timed(lambda: [pg.trace(t) for t in work], rounds)
    stats = pg.stats()
    rows.append((f"trace × {len(work)} 条", med, low,
                 f"每条 {med / max(len(work), 1):.2f} ms（任务 {stats['tasks']} 项，其余为措施和专栏条文）；"
                 f"{stats['tasks_reaching_target_or_indicator']}/{stats['tasks']} 项任务关联到目标或指标"))

    w = max(len(r[0]) for r in rows) + 4
    print(f"{'步骤':<{w}}{'中位数 ms':>10}{'最快 ms':>10}  说明（{rounds} 轮）")
    for name, m, lo, note in rows:
        print(f"{name:<{w}}{m:>10.1f}{lo:>10.1f}  {note}")
    if args.plans:
        scale([int(n) for n in args.plans.split(",")], root, rounds)
    return 0


def corpus_of(n: int, src: Path, dest: Path) -> Path:
    """``n`` plans: the seed and ``n - 1`` copies of it under other ids (see the docstring)."""
    shutil.copytree(src / "gazetteer", dest / "gazetteer")
    shutil.copytree(src / "dict", dest / "dict")
    seed = (src / "gd-ip-14fyp.md").read_text(encoding="utf-8")
    (dest / "gd-ip-14fyp.md").write_text(seed, encoding="utf-8")
    shutil.copy(src / "links.toml", dest / "links.toml")
    for i in range(1, n):
        text = seed.replace('id: "gd-ip-14fyp"', f'id: "copy-{i:03d}"', 1)
        (dest / f"copy-{i:03d}.md").write_text(text, encoding="utf-8")
    return dest


def scale(sizes: list[int], src: Path, rounds: int) -> None:
    def size(obj) -> str:
        return f"{len(json.dumps(obj, ensure_ascii=False, default=str)) / 1024:.0f} KB"

    limit = getattr(graph, "TRACE_LIMIT", None)
    print()
    print(f"{'规划数':>6}{'构建 ms':>10}{'单规划单位 ms':>14}{'全部单位 ms':>12}{'追踪首页 ms':>12}"
          f"{'高校全部 ms':>12}{'高校分页 ms':>12}{'2025分页 ms':>12}  页面数据")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="plankb-bench-") as tmp:
            kb_corpus._cache.clear()
            cold()
            corpus = load_corpus(corpus_of(n, src, Path(tmp)))
            t = time.perf_counter()
            pg = graph.build_graph(corpus)
            build_ms = (time.perf_counter() - t) * 1000
            one, _, _ = timed(lambda: pg.bodies("gd-ip-14fyp"), rounds)
            every, _, _ = timed(lambda: pg.bodies(), rounds)

            def index():
                return (pg.bodies(), pg.regions(), pg.targets("gd-ip-14fyp"),
                        pg.indicators("gd-ip-14fyp", history=False))
            idx, _, _ = timed(index, rounds)
            hub_all, _, full = timed(lambda: pg.trace("body:高校"), rounds)
            if limit:
                hub_page, _, page = timed(lambda: pg.trace("body:高校", limit=limit), rounds)
                year, _, ypage = timed(lambda: pg.trace("deadline:2025", limit=limit), rounds)
            else:
                hub_page, page, year, ypage = float("nan"), full, float("nan"), {}
            print(f"{n:>6}{build_ms:>10.0f}{one:>14.1f}{every:>12.1f}{idx:>12.1f}{hub_all:>12.1f}"
                  f"{hub_page:>12.1f}{year:>12.1f}  高校全部 {size(full)}，分页 {size(page)}，2025分页 {size(ypage)}")


if __name__ == "__main__":
    sys.exit(main())
