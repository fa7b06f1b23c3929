"""Search cost at 1, 10 and 100 plans, in-process: does a query's work follow what it shows?

Run: ``.venv/bin/python bench/search_cost.py [--sizes 1,10,100] [--work DIR] [--distinct 1000]``.

Corpora are bench/scale.py's (real plans and varied copies); each is built once into
``--work`` (PLANKB_SEMANTIC=0: 8,000 clause vectors would take half an hour of CPU) and
reused by later runs.  So that the semantic part is in the numbers all the same, an index
without vectors gets stand-in clause vectors (random unit vectors, the model's 384
dimensions) while queries go through the real model when it loads: the cost of a query is
the same whatever the vectors say.  ``--no-vectors`` measures the lexical side alone.

Per size it prints: clauses, index open time, the literal index's size and the columns'
(index/columns.py: the per-clause fields filtering, facets and ranking read as arrays); p50/p95 of
the judged queries (staff and keyword sets, warm: best of two rounds); the issue's pages
``/api/search?q=知识产权`` and ``/search?q=知识产权保护`` through the web app (Flask test
client, warm median; lexical only, see ``measure``), and the same two queries in-process; then resident memory before,
half-way through and after ``--distinct`` distinct queries (one process for all sizes, so
it adds up from size to size), with what the caches hold (entries and size
against their budget).  Numbers, not assertions; the load average is printed because the
machine may be shared.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

os.environ.setdefault("PLANKB_SEMANTIC", "0")  # the build; queries turn the model on below

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from judged import JUDGED, JUDGED_STAFF, load_graded, load_kinds  # noqa: E402
from run import percentile  # noqa: E402

PAGES = ["/api/search?q=知识产权", "/search?q=知识产权保护"]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def corpus_for(work: Path, n: int) -> Path:
    import scale

    path = work / f"corpus-{n}"
    if not path.is_dir():
        bases = scale.base_plans(work)
        scale.make_corpus(work, bases, n, scale.places())
    return path


def open_built(corpus_dir: Path, instance: Path):
    """The index of ``corpus_dir`` in ``instance``, built there first if need be."""
    from kb.corpus import load_corpus
    from index import build_index
    from index.search import SearchIndex
    from index.store import current_build, is_fresh

    corpus = load_corpus(corpus_dir)
    cur = current_build(instance)
    if cur is None or not is_fresh(cur[1], corpus.content_hash()):
        t = time.perf_counter()
        build_index(corpus, instance)
        print(f"  (built {corpus_dir.name} in {time.perf_counter() - t:.0f} s)", flush=True)
        cur = current_build(instance)
    os.environ.pop("PLANKB_SEMANTIC", None)  # queries: the model if it loads
    t = time.perf_counter()
    ix = SearchIndex(corpus, *cur)
    return corpus, ix, time.perf_counter() - t


def stand_in_vectors(ix) -> bool:
    """Random unit clause vectors where the build has none; True when the model encodes queries."""
    import numpy as np

    from index import semantic

    if ix.semantic:
        return True
    if semantic.model() is None:
        return False
    ids, _ = semantic.corpus_passages(ix.corpus)  # clauses and their sentences
    mat = np.random.default_rng(1).standard_normal((len(ids), 384)).astype(np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    stored, scale = semantic.quantize(mat)  # as a build stores them
    ix._vectors = semantic.ClauseVectors(ids, stored, {r["id"]: d for d, r in ix.records.items()}, scale)
    ix.semantic_note = None
    return True


def judged_queries() -> list[str]:
    qs = [q for q, *_ in load_kinds(JUDGED_STAFF)] + [q for q, *_ in load_graded(JUDGED)]
    return list(dict.fromkeys(qs))


def timed(fn, *a, **kw) -> float:
    t = time.perf_counter()
    fn(*a, **kw)
    return (time.perf_counter() - t) * 1000


def distinct_queries(ix, n: int, seed: int = 1000) -> list[str]:
    """``n`` different queries: runs of 2–8 characters from clause texts, some with a second word."""
    rng = random.Random(seed)
    texts = [r["folded"] for r in ix.records.values() if len(r["folded"]) > 10]
    out: dict[str, None] = {}
    while len(out) < n:
        t = rng.choice(texts)
        k = rng.randrange(2, 9)
        i = rng.randrange(0, len(t) - k)
        q = t[i:i + k]
        if rng.random() < 0.3:
            u = rng.choice(texts)
            q += " " + u[:rng.randrange(2, 5)]
        out[q] = None
    return list(out)


def app_client(corpus_dir: Path, instance: Path):
    from webapp import create_app

    app = create_app({"INSTANCE_PATH": str(instance), "CORPUS_DIR": str(corpus_dir), "TESTING": False})
    return app.test_client()


def measure(work: Path, n: int, args) -> dict:
    corpus_dir = corpus_for(work, n)
    instance = work / f"inst-{n}"
    os.environ["PLANKB_SEMANTIC"] = "0"
    corpus, ix, open_s = open_built(corpus_dir, instance)
    vectors = stand_in_vectors(ix) if not args.no_vectors else False
    qs = judged_queries()
    for q in qs:  # warm: query vectors, caches
        ix.search(q, limit=20)
    lat = [min(timed(ix.search, q, limit=20) for _ in range(2)) for q in qs]
    inproc = {q: statistics.median(timed(ix.search, q, limit=20) for _ in range(15))
              for q in ("知识产权", "知识产权保护")}
    row = {"plans": len(corpus.documents), "clauses": len(ix.records), "open s": open_s,
           "literal MB": ix._literal.nbytes / 1e6, "columns KB": ix.columns.nbytes / 1024, "semantic": vectors,
           "p50": percentile(lat, 50), "p95": percentile(lat, 95), "max": max(lat),
           "知识产权 ms": inproc["知识产权"], "知识产权保护 ms": inproc["知识产权保护"]}
    if args.pages:
        # The app opens its own index; with the model wanted it would rebuild this one with
        # real vectors (half an hour at 100 plans): its pages are timed lexical only.
        os.environ["PLANKB_SEMANTIC"] = "0"
        client = app_client(corpus_dir, instance)
        for page in PAGES:
            path = page.split("?")[0] + "?q=" + quote(page.split("q=")[1])
            client.get(path)
            times = [timed(client.get, path) for _ in range(15)]
            row[page] = statistics.median(times)
    row["rss MB"] = rss_mb()
    if args.distinct:
        t = time.perf_counter()
        qs = distinct_queries(ix, args.distinct)
        half = len(qs) // 2
        for i, q in enumerate(qs):
            if i == half:
                row["rss half-way MB"] = rss_mb()  # caches full by then: the rest should add nothing
            ix.search(q, limit=20)
        row["distinct s"] = time.perf_counter() - t
        row["rss after MB"] = rss_mb()
        row["caches"] = {name: (len(c), c.weight, c.budget) for name, c in (
            ("postings", ix._posting_cache), ("literal", ix._literal_cache), ("scores", ix._score_cache),
            ("rows", ix._literal._rows_cache))}
    ix.close()
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,100")
    ap.add_argument("--work", type=Path, default=Path("/tmp/plankb-search-cost"))
    ap.add_argument("--distinct", type=int, default=1000, help="distinct queries for the memory check")
    ap.add_argument("--no-vectors", action="store_true", help="lexical side only")
    ap.add_argument("--no-pages", dest="pages", action="store_false", help="skip the web app pages")
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"measuring {n} plan(s)…", flush=True)
        rows.append(measure(args.work, n, args))
    print(f"\nsearch cost in-process (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"semantic: {'stand-in clause vectors, real query model' if rows[0]['semantic'] else 'off'})")
    keys = ["plans", "clauses", "open s", "literal MB", "columns KB", "p50", "p95", "max", "知识产权 ms", "知识产权保护 ms"]
    keys += [p for p in PAGES if p in rows[0]] + ["rss MB", "distinct s", "rss half-way MB", "rss after MB"]
    width = max(len(k) for k in keys) + 2
    for k in keys:
        cells = []
        for r in rows:
            v = r.get(k, "—")
            cells.append(f"{v:>12.1f}" if isinstance(v, float) else f"{v!s:>12}")
        print(f"{k:<{width}}" + "".join(cells))
    for r in rows:
        if "caches" in r:
            shown = ", ".join(f"{name} {n} entries {w:,}/{b:,}" for name, (n, w, b) in r["caches"].items())
            print(f"caches after {args.distinct} distinct queries at {r['plans']} plan(s): {shown}")
    base = rows[0]
    for r in rows[1:]:
        growth = ", ".join(f"{k} {r[k] / base[k]:.1f}×" for k in ["知识产权 ms", "知识产权保护 ms", "p95"] + PAGES
                           if k in r and base.get(k))
        print(f"growth {base['plans']} → {r['plans']} plans: {growth}")


if __name__ == "__main__":
    main()
