"""Scale benchmark: the same pages with 1, 10 and 100 plans, side by side.

Run: ``.venv/bin/python bench/scale.py [--sizes 1,10,100] [--rounds 5] [--distinct 0]``.

How the corpora are made (real texts, varied copies):
- the base plans are real: the seed (``corpus/gd-ip-14fyp.md``) and every plan of other
  shapes the project ingests in its tests (the Shandong and Yunnan samples, the two
  variant plans under ``tests/data/``), ingested here with ``plankb ingest``;
- a corpus of N plans takes the base plans in turn; every copy after the first of a
  plan gets its own id and title, and its place names (广东, 我省, 全省…) are replaced by
  a city or province from the regions gazetteer, so the copies are different documents
  to the index and the graph, with the shapes and sizes of real plans.

For each size it prints: ``plankb build`` time, index size on disk, cold start (server
process start → first ``/healthz``), the first (cold) and median warm time of each page
over ``--rounds`` requests, ``/api/search`` p50/p95 with 1 and 8 concurrent clients
over the judged queries, and the server's resident memory after the warm run (and after
``--distinct`` distinct queries, then as many distinct other pages: each plan's outline,
bodies and trace index, the traces of its bodies, targets and tasks; to show whether
memory grows with them), both as the sum of resident sizes and as PSS (pages shared by
workers counted once), and per process: the parent's and each worker's PSS and private
memory (what a worker copied or allocated for itself; with ``--worker-memory`` a worker
past the limit is replaced, so the workers listed may change between rows). Then it adds one
plan to the served corpus and searches without pause until the server serves it: how long
the background update took, and the slowest search meanwhile (a request that waited for
a rebuild would show there). ``restart s`` is a second start on the same instance (the
graph loaded from it, not built). The server is ``plankb serve`` in its own process, as
staff run it; ``--serve-args "--workers 2"`` runs it with two workers. It prints the load
average, since the machine may be shared. Numbers, not assertions.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import percentile  # noqa: E402 — one percentile for every bench (run puts the project on the path)

from kb.procmem import proc_kb  # noqa: E402 — the /proc reader serve --worker-memory uses

ROOT = Path(__file__).resolve().parent.parent
SEED = "document=gd-ip-14fyp"  # per-plan pages show the seed at every size: like with like
PAGES = [
    "/", "/search?q=知识产权保护", "/api/search?q=知识产权", f"/outline?{SEED}", f"/boxes?{SEED}",
    f"/indicators?{SEED}", f"/targets?{SEED}", f"/bodies?{SEED}", "/trace", "/trace/body:高校", "/graph",
]
BASE_SOURCES = [
    ROOT / "tests/data/samples/shandong-education-14fyp.txt",
    ROOT / "tests/data/samples/yunnan-10fyp-outline-ocr.txt",
    ROOT / "tests/data/variants/city-plan-variants.txt",
    ROOT / "tests/data/variants/national-plan-variants.txt",
]
PLACE_WORDS = re.compile(r"广东省|广东|我省|全省|山东省|山东|云南省|云南")


def plankb_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("plankb")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "plankb"]


def run(args, **kw):
    return subprocess.run(plankb_cmd() + [str(a) for a in args], check=True, capture_output=True,
                          text=True, cwd=tempfile.gettempdir(), **kw)


def places() -> list[str]:
    data = tomllib.loads((ROOT / "corpus/gazetteer/regions.toml").read_text(encoding="utf-8"))
    names = []
    for value in data.values():
        for entry in (value if isinstance(value, list) else [value]):
            name = entry.get("name") if isinstance(entry, dict) else None
            if name and len(name) >= 2:
                names.append(name)
    return sorted(set(names)) or ["广州市", "深圳市", "珠海市"]


def base_plans(work: Path) -> list[str]:
    """The real plans as canonical Markdown: the seed, plus the samples ingested here."""
    out = work / "base"
    shutil.rmtree(out, ignore_errors=True)  # (a second size of bench/search_cost.py makes it again)
    out.mkdir()
    shutil.copytree(ROOT / "corpus/dict", out / "dict")
    texts = [(ROOT / "corpus/gd-ip-14fyp.md").read_text(encoding="utf-8")]
    for src in BASE_SOURCES:
        raw = out / "raw"
        raw.mkdir(exist_ok=True)
        shutil.copy(src, raw / src.name)
        sidecar = src.with_suffix(".toml")
        if sidecar.exists():
            shutil.copy(sidecar, raw / sidecar.name)
        before = set(out.glob("*.md"))
        run(["ingest", raw / src.name, "--out", out])
        written = set(out.glob("*.md")) - before  # the sidecar may name the id
        texts += [p.read_text(encoding="utf-8") for p in sorted(written)]
    return texts


def varied(text: str, copy: int, place: str) -> str:
    """Copy ``copy`` of a plan: its own id and title, its place names replaced."""
    if copy == 0:
        return text
    head, sep, body = text.partition("\n---\n")
    head = re.sub(r'^id: "([^"]+)"', lambda m: f'id: "{m.group(1)}-v{copy}"', head, count=1, flags=re.M)
    head = re.sub(r'^title: "', f'title: "{place}', head, count=1, flags=re.M)
    return head + sep + PLACE_WORDS.sub(place, body)


def make_corpus(work: Path, bases: list[str], n: int, names: list[str]) -> Path:
    root = work / f"corpus-{n}"
    root.mkdir()
    for sub in ("dict", "gazetteer"):
        shutil.copytree(ROOT / "corpus" / sub, root / sub)
    for i in range(n):
        text = varied(bases[i % len(bases)], i // len(bases), names[i % len(names)])
        doc_id = re.search(r'^id: "([^"]+)"', text, flags=re.M).group(1)
        (root / f"{doc_id}.md").write_text(text, encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 120.0) -> tuple[int, float, int]:
    """(status, milliseconds, bytes) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t = time.perf_counter()
    try:
        conn.request("GET", quote(path, safe="/?=&:"))
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, (time.perf_counter() - t) * 1000, len(body)
    finally:
        conn.close()


def server_pids(pid: int) -> list[int]:
    pids = [pid]
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in out.split()]
    except OSError:
        pass
    return pids


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its children (workers), in MB. Pages the
    workers share with the parent after the fork are counted in each: see pss_mb."""
    return sum(proc_kb(f"/proc/{p}/status", "VmRSS:") for p in server_pids(pid)) / 1024


def pss_mb(pid: int) -> float:
    """Proportional memory of the server and its workers (shared pages split between
    the processes sharing them): what the machine really gives the server."""
    return sum(proc_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in server_pids(pid)) / 1024


def per_process(pid: int) -> dict:
    """PSS and private (dirty) memory of the parent and of its workers, in MB: what the
    parent loaded before forking, and what each worker copied or allocated itself (what a
    second worker costs). Workers come and go (``--worker-memory``, updates), so they are
    given as a count and the largest and smallest; a worker that just exited is left out."""
    out = {"  parent PSS MB": proc_kb(f"/proc/{pid}/smaps_rollup", "Pss:") / 1024,
           "  parent private MB": proc_kb(f"/proc/{pid}/smaps_rollup", "Private_Dirty:") / 1024}
    workers = [(proc_kb(f"/proc/{p}/smaps_rollup", "Pss:") / 1024,
                proc_kb(f"/proc/{p}/smaps_rollup", "Private_Dirty:") / 1024) for p in server_pids(pid)[1:]]
    workers = [w for w in workers if w[0]]
    if workers:
        out["  workers (count)"] = len(workers)
        out["  worker PSS MB (largest)"] = max(w[0] for w in workers)
        out["  worker private MB (largest)"] = max(w[1] for w in workers)
        out["  worker private MB (smallest)"] = min(w[1] for w in workers)
    return out


def memory(pid: int, when: str = "") -> dict:
    """The server's PSS (all processes) and per process, labelled ``when``."""
    res = {f"server PSS MB{when}": pss_mb(pid)}
    res.update({k + when: v for k, v in per_process(pid).items()})
    return res


def queries() -> list[str]:
    out = []
    for name in ("judged.tsv", "judged_blind.tsv"):
        for line in (ROOT / "bench" / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                out.append(line.split("\t")[0])
    return out


def concurrent_search(port: int, qs: list[str], clients: int, per_client: int) -> list[float]:
    lat: list[float] = []
    lock = threading.Lock()

    def worker(k: int):
        mine = []
        for i in range(per_client):
            q = qs[(k * per_client + i) % len(qs)]
            status, ms, _ = get(port, f"/api/search?q={q}")
            mine.append(ms if status == 200 else float("inf"))
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat


def get_json(port: int, path: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", quote(path, safe="/?=&:"))
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def distinct_pages(port: int, corpus: Path, n: int) -> list[str]:
    """Up to ``n`` different pages other than search: each plan's outline, bodies and
    trace index, then the traces of its bodies, targets and tasks (memory must not grow
    with the pages seen, as it must not with the queries)."""
    docs = [m.group(1) for p in sorted(corpus.glob("*.md"))
            if (m := re.search(r'^id: "([^"]+)"', p.read_text(encoding="utf-8"), flags=re.M))]
    pages, starts = [], []
    for d in docs:
        pages += [f"/outline?document={d}", f"/bodies?document={d}", f"/trace?doc={d}"]
    for d in docs:
        if len(pages) + len(starts) >= n:
            break
        data = get_json(port, f"/api/trace?doc={d}")
        starts += [x["id"] for key in ("bodies", "targets", "tasks") for x in data.get(key, [])]
    pages += [f"/trace/{s}" for s in dict.fromkeys(starts)]
    return pages[:n]


def start_server(cmd: list[str], port: int) -> tuple[subprocess.Popen, float]:
    """``plankb serve`` started; (process, seconds until /healthz answered 200)."""
    t = time.perf_counter()
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=tempfile.gettempdir())
    while True:
        try:
            if get(port, "/healthz", timeout=5)[0] == 200:
                return server, time.perf_counter() - t
        except OSError:
            pass
        if server.poll() is not None or time.perf_counter() - t > 300:
            stop_server(server)
            raise SystemExit(f"server did not start: {' '.join(cmd)}")
        time.sleep(0.05)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def health(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/healthz")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def during_update(port: int, corpus: Path, bases: list[str], names: list[str], n: int) -> dict:
    """Add one plan to the served corpus; search without pause until every worker serves
    it. Returns how long the update took and the slowest search meanwhile: a request
    that waited for the rebuild would show here."""
    text = varied(bases[n % len(bases)], n // len(bases) + 1, names[(n + 7) % len(names)])
    doc_id = re.search(r'^id: "([^"]+)"', text, flags=re.M).group(1)
    (corpus / f"{doc_id}.md").write_text(text, encoding="utf-8")
    t = time.perf_counter()
    lat, done = [], 0
    qs = queries()
    while time.perf_counter() - t < 600:
        status, ms, _ = get(port, f"/api/search?q={qs[len(lat) % len(qs)]}")
        lat.append(ms if status == 200 else float("inf"))
        h = health(port)
        done = done + 1 if h.get("documents") == n + 1 and not h.get("updating") else 0
        if done >= 6:  # several answers in a row (every worker) serve the new corpus
            break
    return {"update s (one plan added, served)": time.perf_counter() - t,
            "search max ms during update": max(lat), "search p50 ms during update": percentile(lat, 50)}


def change_one_plan(corpus: Path) -> Path:
    """Change one plan's text (a new last clause): what an edited or re-imported plan is."""
    path = sorted(corpus.glob("*.md"))[len(list(corpus.glob("*.md"))) // 2]
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(f"{text}\n\n{{raw=99999}}\n新增一条测试条款，编号{time.time_ns()}。\n", encoding="utf-8")
    return path


def build_times(corpus: Path, inst: Path) -> dict:
    """``plankb build`` of the corpus (the lexical index: usable when it ends), then of the
    same corpus with one plan changed (an update by plan), then the vectors the build lacks
    (the sentence model permitting; cached by text, so computed once per text)."""
    res: dict = {}
    build = ["--corpus", corpus, "--instance", inst, "build"]
    t = time.perf_counter()
    run(build + ["--no-vectors", "--json"])
    res["build s (index usable)"] = time.perf_counter() - t
    change_one_plan(corpus)
    t = time.perf_counter()
    out = json.loads(run(build + ["--no-vectors", "--json"]).stdout)
    res["one plan changed: build s"] = time.perf_counter() - t
    res["one plan changed: plans re-indexed"] = len((out.get("build") or {}).get("reindexed", []))
    t = time.perf_counter()
    out = json.loads(run(build + ["--json"]).stdout)
    if "off" not in (out.get("semantic") or {}):
        res["vectors s (after the index is usable)"] = time.perf_counter() - t
    return res


def measure(corpus: Path, work: Path, args, bases, names, n) -> dict:
    inst = work / f"inst-{corpus.name}"
    res: dict = build_times(corpus, inst)
    size = sum(p.stat().st_size for p in (inst).rglob("*") if p.is_file())
    res["index MB"] = size / 1e6
    port = free_port()
    cmd = plankb_cmd() + ["--corpus", str(corpus), "--instance", str(inst), "serve", "--port", str(port)]
    cmd += args.serve_args.split() if args.serve_args else []
    server, res["cold start s"] = start_server(cmd, port)  # builds and stores the graph
    stop_server(server)
    server, res["restart s"] = start_server(cmd, port)  # loads it
    try:
        for page in PAGES:
            status, ms, size = get(port, page)
            res[f"{page} first ms"] = ms if status == 200 else float("nan")
            warm = [get(port, page)[1] for _ in range(args.rounds)]
            res[f"{page} warm ms"] = statistics.median(warm)
            res[f"{page} KB"] = size / 1024
        qs = queries()
        for clients in (1, 8):
            lat = concurrent_search(port, qs, clients, max(5, args.search_requests // clients))
            res[f"search p50 ({clients} client{'s' if clients > 1 else ''}) ms"] = percentile(lat, 50)
            res[f"search p95 ({clients} client{'s' if clients > 1 else ''}) ms"] = percentile(lat, 95)
        res["server MB"] = rss_mb(server.pid)
        res.update(memory(server.pid))
        if args.distinct:
            for i in range(args.distinct):
                get(port, f"/api/search?q=知识产权{i}号{qs[i % len(qs)]}")
                if i + 1 == args.distinct // 2:  # a plateau between the two shows bounded caches
                    res[f"server PSS MB after {i + 1} distinct queries"] = pss_mb(server.pid)
            res[f"server MB after {args.distinct} distinct queries"] = rss_mb(server.pid)
            res.update(memory(server.pid, f" after {args.distinct} distinct queries"))
            pages = distinct_pages(port, corpus, args.distinct)
            for page in pages:
                get(port, page)
            res["distinct pages (other than search)"] = len(pages)
            res.update(memory(server.pid, " after the distinct pages"))
        if args.update:
            res.update(during_update(port, corpus, bases, names, n))
            res.update(memory(server.pid, " after the update"))
    finally:
        stop_server(server)
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,100")
    ap.add_argument("--rounds", type=int, default=5, help="warm requests per page")
    ap.add_argument("--search-requests", type=int, default=80, help="searches per client count")
    ap.add_argument("--distinct", type=int, default=0, help="distinct queries for the memory check")
    ap.add_argument("--serve-args", default="", help="extra options for plankb serve, e.g. \"--workers 2\"")
    ap.add_argument("--no-update", dest="update", action="store_false",
                    help="skip adding a plan while serving (the background update)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="plankb-scale-") as tmp:
        work = Path(tmp)
        bases = base_plans(work)
        names = places()
        results = {}
        for n in sizes:
            corpus = make_corpus(work, bases, n, names)
            raw_mb = sum(p.stat().st_size for p in corpus.glob("*.md")) / 1e6
            print(f"… {n} plans ({raw_mb:.1f} MB Markdown)", file=sys.stderr, flush=True)
            results[n] = measure(corpus, work, args, bases, names, n)
    keys = list(next(iter(results.values())))
    for r in results.values():
        keys += [k for k in r if k not in keys]
    width = max(len(k) for k in keys) + 2
    print("".ljust(width) + "".join(f"{str(n) + ' plans':>14}" for n in sizes)
          + (f"{'growth':>10}" if len(sizes) > 1 else ""))
    for k in keys:
        vals = [results[n].get(k, float("nan")) for n in sizes]
        line = k.ljust(width) + "".join(f"{v:>14.1f}" for v in vals)
        if len(sizes) > 1 and vals[0] and vals[0] == vals[0]:
            line += f"{vals[-1] / vals[0]:>9.1f}×"
        print(line)
    print(f"serve args: {args.serve_args or '-'}; load average before/after: {load_before} / "
          f"{os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(json.dumps({str(n): r for n, r in results.items()}, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
