"""What noticing database plans costs a server: the once-a-second look (office.published.sync
when nothing changed: one query for the plans stamp and a walk of the bundled folder's
file times), and writing one newly published plan into the served folder.

Run: ``.venv/bin/python bench/plans_sync.py [--corpus DIR] [--url DATABASE_URL]``
(default: the bundled corpus, a throwaway SQLite file). Numbers, no assertions.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "tests" / "data" / "samples" / "shandong-education-14fyp.txt"


def main() -> None:
    from kb.ingest import ingest_file
    from office.db import Database
    from office.published import PlanFiles, PlanStore, bundled_ids, sync

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--url")
    ap.add_argument("--plans", type=int, default=10, help="plans published to the database first")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-plans-"))
    database = Database(args.url or f"sqlite:///{tmp / 'plankb.sqlite3'}")
    database.migrate()
    store = PlanStore(database)
    base = Path(args.corpus)
    result = ingest_file(SAMPLE, ROOT / "corpus", doc_id="bench-0")
    plan = PlanFiles.from_ingest(result, SAMPLE)
    for i in range(args.plans):
        plan.doc_id = f"bench-{i}"
        store.publish(plan, replace=True, bundled=bundled_ids(base))
    inst = tmp / "inst"
    t = time.perf_counter()
    sync(database, base, inst)
    first = time.perf_counter() - t
    idle = []
    for _ in range(200):
        t = time.perf_counter()
        sync(database, base, inst)
        idle.append(time.perf_counter() - t)
    plan.doc_id = "bench-new"
    store.publish(plan, bundled=bundled_ids(base))
    t = time.perf_counter()
    sync(database, base, inst)
    one = time.perf_counter() - t
    files = sum(1 for _ in base.rglob("*"))
    print(f"bundled folder {base} ({files} entries), {args.plans} database plans, "
          f"{'PostgreSQL' if not database.is_sqlite else 'SQLite'}")
    print(f"first materialisation: {first * 1000:.0f} ms")
    print(f"look when nothing changed: median {statistics.median(idle) * 1000:.2f} ms, "
          f"max {max(idle) * 1000:.2f} ms (200 looks)")
    print(f"one newly published plan written into the served folder: {one * 1000:.0f} ms")
    database.close()


if __name__ == "__main__":
    main()
