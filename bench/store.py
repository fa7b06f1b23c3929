"""Office database benchmark: what durability costs, and concurrent editors losing nothing.

Run: ``.venv/bin/python bench/store.py [--url URL] [--edits N] [--servers 2 --editors 8 --rounds R]``
(with ``scripts/with-postgres.sh`` and ``--url "$PLANKB_TEST_DATABASE_URL"`` for PostgreSQL).

1. SQLite only: N sequential item edits with ``synchronous = FULL`` (what the store
   uses: an acknowledged edit survives a power cut) and with NORMAL (what 0.1 used),
   in ms per edit.
2. ``servers`` processes (as app servers) × ``editors`` threads each, every editor
   editing its own field of a shared item set ``rounds`` times, reading the item
   before each edit as a browser would. Prints edits/s, conflicts and lost edits
   (a final value that is not the last one written); lost must be 0.
Numbers, not assertions.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from office.errors import ConflictError  # noqa: E402
from office.lists import FIELDS, ListStore  # noqa: E402


def sequential_edits(url: str, n: int, synchronous: str) -> float:
    store = ListStore(url)
    if synchronous != "FULL":
        store.db.engine.dispose()

        @event.listens_for(store.db.engine, "connect")
        def _sync(dbapi_conn, _record):
            dbapi_conn.execute(f"PRAGMA synchronous = {synchronous}")

    tl = store.create_list(f"bench-{synchronous}")
    (item,) = store.add_items(tl.id, ["gd-ip-14fyp:1.1.p1"])
    version, times = item.version, []
    for i in range(n):
        t = time.perf_counter()
        version = store.update_item(item.id, version, note=f"第{i}次").version
        times.append((time.perf_counter() - t) * 1000)
    store.close()
    return statistics.median(times)


def _server(url, item_ids, fields, rounds, out):
    store = ListStore(url)
    done, conflicts, errors = [0], [0], []
    lock = threading.Lock()

    def editor(item_id, field):
        for r in range(rounds):
            try:
                seen = store.get_item(item_id)
                store.update_item(item_id, seen.version, **{field: f"{field}-{r}"})
                with lock:
                    done[0] += 1
            except ConflictError:
                with lock:
                    conflicts[0] += 1
            except Exception as e:  # noqa: BLE001 — counted, printed
                errors.append(repr(e))

    threads = [threading.Thread(target=editor, args=(i, f)) for i, f in zip(item_ids, fields)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((done[0], conflicts[0], errors[:3]))


def concurrent_editors(url: str, servers: int, editors: int, rounds: int) -> dict:
    store = ListStore(url)
    tl = store.create_list(f"bench-concurrent-{time.time_ns()}")
    fields = list(FIELDS)
    # each item is shared by one editor per server; each of them owns a different field
    items = store.add_items(tl.id, [f"gd-ip-14fyp:2.{k + 1}.p1" for k in range(editors)])
    ids = [it.id for it in items]
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    t = time.perf_counter()
    procs = [ctx.Process(target=_server, args=(url, ids, [fields[s % len(fields)]] * editors, rounds, out))
             for s in range(servers)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t
    done = sum(r[0] for r in results)
    lost = 0
    for it in store.items(tl.id):
        for s in range(servers):
            f = fields[s % len(fields)]
            lost += getattr(it, f) != f"{f}-{rounds - 1}"
    return {"edits": done, "conflicts": sum(r[1] for r in results), "errors": [e for r in results for e in r[2]],
            "lost": lost, "seconds": elapsed, "per_second": done / elapsed}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--edits", type=int, default=300)
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--editors", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=25)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        if engine == "SQLite":
            full = sequential_edits(url, args.edits, "FULL")
            normal = sequential_edits(url, args.edits, "NORMAL")
            print(f"SQLite 顺序编辑 {args.edits} 次（中位数）：synchronous=FULL {full:.2f} ms/次，"
                  f"NORMAL {normal:.2f} ms/次，FULL 多 {full - normal:+.2f} ms")
        r = concurrent_editors(url, args.servers, args.editors, args.rounds)
        print(f"{engine} 并发编辑：{args.servers} 个服务器进程 × {args.editors} 名编辑 × {args.rounds} 轮："
              f"成功 {r['edits']} 次，冲突 {r['conflicts']} 次，错误 {len(r['errors'])} 个，丢失 {r['lost']} 处，"
              f"{r['seconds']:.1f} 秒，{r['per_second']:.0f} 次/秒")
        for e in r["errors"]:
            print("  错误：", e)


if __name__ == "__main__":
    main()
