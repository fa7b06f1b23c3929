"""Tracking benchmark: the seed plan with every measure filled for every year.

Run: ``.venv/bin/python bench/track.py [--rounds N]``. Prints one table: building the
measures, judging all of them, writing the Excel template, reading a filled template
back (the import's parse and checks), storing it in the office database (SQLite; with the
audit trail, and overwriting every value again: history rows), and the evaluation report
in DOCX and XLSX with and without charts (the charts are most of it). Numbers, not
assertions: a clerk importing a template or downloading the report from the 监测 page
should not wait more than a few seconds.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import load_workbook  # noqa: E402

from kb.corpus import load_corpus  # noqa: E402
from kb.graph import build_graph  # noqa: E402
from office.db import Database, sqlite_url  # noqa: E402
from office.tracking.actuals import DbActualsStore, MemoryActualsStore, make_actual  # noqa: E402
from office.tracking.report import build_report, render  # noqa: E402
from office.tracking.status import Plan, tracking  # noqa: E402
from office.tracking.template import read_template, template_bytes  # noqa: E402


def timed(fn, rounds: int):
    times, result = [], None
    for _ in range(rounds):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), result


def filled_template(plan: Plan) -> bytes:
    """The template with a value in every open cell (a tenth of the target a year)."""
    data = template_bytes(plan, {})
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    ids = {m.id: m for m in plan.indicators + plan.targets}
    for r in range(4, ws.max_row + 1):
        m = ids[ws.cell(row=r, column=1).value]
        for i, y in enumerate(range(2021, 2026)):
            if y in m.years:
                ws.cell(row=r, column=8 + i, value=float(m.goal.value * Decimal("0.21") + i))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    corpus = load_corpus(args.corpus)
    graph = build_graph(corpus)
    n = args.rounds
    rows = []
    ms, lo, plan = timed(lambda: Plan(corpus, graph), n)
    rows.append(("measures (Plan)", ms, lo, f"{len(plan.indicator_ids)} indicators ({len(plan.indicators)} figures), {len(plan.targets)} targets"))
    filled = filled_template(plan)
    mem = MemoryActualsStore()
    ms, lo, actuals = timed(lambda: read_template(filled, plan, {}), n)
    rows.append(("read filled template", ms, lo, f"{len(actuals)} values, {len(filled) // 1024} KB"))
    mem.put(actuals)
    with tempfile.TemporaryDirectory() as tmp:
        def fresh():
            db = Database(sqlite_url(Path(tmp) / f"a{time.perf_counter_ns()}.sqlite3"))
            db.migrate()
            return DbActualsStore(db)

        def store_once():
            s = fresh()  # the migration is not what is measured
            t = time.perf_counter()
            count = s.put(actuals)
            return (time.perf_counter() - t) * 1000, count
        results = [store_once() for _ in range(n)]
        rows.append(("store in office db (one transaction)", statistics.median(r[0] for r in results),
                     min(r[0] for r in results), f"{results[-1][1]} rows, each in the trail"))
        again = [make_actual(a.measure_id, a.year, str(a.number + 1), source=a.source) for a in actuals]

        def overwrite_once():
            s = fresh()
            s.put(actuals)
            t = time.perf_counter()
            s.put(again)
            return (time.perf_counter() - t) * 1000, len(s.history())
        results = [overwrite_once() for _ in range(n)]
        rows.append(("overwrite every value (one tx)", statistics.median(r[0] for r in results),
                     min(r[0] for r in results), f"{results[-1][1]} history rows"))
    ms, lo, data = timed(lambda: tracking(plan, mem), n)
    rows.append(("judge every measure", ms, lo, f"{len(data['indicators']) + len(data['targets'])} entries"))
    ms, lo, tpl = timed(lambda: template_bytes(plan, mem.all()), n)
    rows.append(("write template (filled)", ms, lo, f"{len(tpl) // 1024} KB"))
    for charts in (False, True):
        ms, lo, rep = timed(lambda: build_report(plan, mem, charts=charts), n)
        rows.append((f"gather report{' + charts' if charts else ''}", ms, lo, f"{len(rep.charts)} charts"))
        for fmt in ("docx", "xlsx"):
            ms, lo, blob = timed(lambda: render(rep, fmt), n)
            rows.append((f"  render {fmt}{' with charts' if charts else ''}", ms, lo, f"{len(blob) // 1024} KB"))
    print(f"{'step':<36}{'median ms':>10}{'min ms':>10}  notes")
    for name, ms, lo, note in rows:
        print(f"{name:<36}{ms:>10.1f}{lo:>10.1f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
