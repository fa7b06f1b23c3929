"""Two real `plankb serve` processes on one database, 2 × 8 editors at once, over HTTP.

Run (SQLite: both servers on one instance folder):
    .venv/bin/python bench/two_servers.py [--rounds R]
PostgreSQL (each server its own instance folder, as behind nginx):
    bash scripts/with-postgres.sh bash -c '.venv/bin/python bench/two_servers.py --url "$PLANKB_TEST_DATABASE_URL"'

Eight items; each has one editor on server A (牵头单位) and one on server B (完成时限),
16 logged-in editors in all, each saving its field ``rounds`` times with the version
its last answer gave it, as the list page does. Prints saves per second, latency
(median, 95th percentile), conflicts (409: the other server's edit of the *other*
field must merge, so 0 expected), errors, and lost edits (a final value that is not
the editor's last save; must be 0), and checks the audit trail has every save.
Numbers, not assertions.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from serve_process import ROOT, free_port, start_serve, stop  # noqa: E402 — bench/ is this script's own folder

PASSWORD = "bench-password-1"
FIELDS = ("lead_unit", "deadline")


class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def _token(self, path: str) -> None:
        with self.opener.open(self.base + path, timeout=120) as r:
            self.token = re.search(r'csrf-token" content="([^"]+)"', r.read().decode()).group(1)

    def login(self, name: str) -> None:
        self._token("/login")
        data = urllib.parse.urlencode({"username": name, "password": PASSWORD, "csrf_token": self.token}).encode()
        self.opener.open(self.base + "/login", data=data, timeout=120).read()
        self._token("/lists")

    def api(self, method: str, path: str, body=None):
        req = urllib.request.Request(self.base + path, method=method, data=json.dumps(body or {}).encode(),
                                     headers={"Content-Type": "application/json", "X-CSRFToken": self.token})
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="PostgreSQL URL (default: SQLite in a shared temporary instance folder)")
    ap.add_argument("--editors", type=int, default=8, help="editors per server")
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("PLANKB_DATABASE_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        if args.url:
            env["PLANKB_DATABASE_URL"] = args.url
            instances = [Path(tmp) / "a", Path(tmp) / "b"]
        else:
            instances = [Path(tmp) / "shared"] * 2
        os.environ.update({k: v for k, v in env.items() if k == "PLANKB_DATABASE_URL"})
        from office.audit import Actor, AuditLog, acting_as
        from office.db import Database
        from office.users import UserStore

        db = Database.for_instance(instances[0])
        users = UserStore(db)
        names = [f"editor{s}-{k}" for s in range(2) for k in range(args.editors)]
        with acting_as(Actor("bench", "admin")):
            for n in names:
                users.add(n, role="editor", password=PASSWORD)
        procs, ports = [], []
        try:
            for inst in instances:
                ports.append(free_port())
                procs.append(start_serve(inst, ports[-1], env, "--threads", "8"))
            owner = Client(f"http://127.0.0.1:{ports[0]}")
            owner.login(names[0])
            _, tl = owner.api("POST", "/api/lists", {"name": f"两台服务器压力测试-{time.time_ns()}"})
            from kb.corpus import load_corpus

            clauses = [c.id for c in load_corpus(ROOT / "corpus").clauses()][:args.editors]
            status, added = owner.api("POST", f"/api/lists/{tl['id']}/items", {"clauses": clauses})
            if status != 201:
                raise SystemExit(f"cannot add items: {status} {added}")
            items = added["added"]
            audit_before = AuditLog(db).count(tl["id"])
            latencies, conflicts, errors = [], [0], []
            lock = threading.Lock()

            def editor(server: int, k: int):
                c = Client(f"http://127.0.0.1:{ports[server]}")
                c.login(names[server * args.editors + k])
                item, field = items[k], FIELDS[server]
                version = item["version"]
                url = f"/api/lists/{tl['id']}/items/{item['id']}"
                for r in range(args.rounds):
                    while True:
                        t = time.perf_counter()
                        status, body = c.api("PATCH", url, {"version": version, field: f"{field}-{r}"})
                        with lock:
                            latencies.append((time.perf_counter() - t) * 1000)
                        if status == 200:
                            version = body["version"]
                            break
                        if status == 409:
                            with lock:
                                conflicts[0] += 1
                            version = body["current"]["version"]
                            continue
                        errors.append(f"{status} {body}")
                        break

            threads = [threading.Thread(target=editor, args=(s, k)) for s in range(2) for k in range(args.editors)]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - t0
            _, final = owner.api("GET", f"/api/lists/{tl['id']}")
            lost = sum(it[f] != f"{f}-{args.rounds - 1}" for it in final["items"] for f in FIELDS)
            saves = len(latencies) - conflicts[0] - len(errors)
            trail = AuditLog(db).count(tl["id"]) - audit_before
            lat = sorted(latencies)
            engine = "PostgreSQL" if args.url else "SQLite"
            print(f"{engine}，2 个 plankb serve × {args.editors} 名编辑 × {args.rounds} 轮（HTTP）："
                  f"保存 {saves} 次，{saves / elapsed:.0f} 次/秒，耗时 {elapsed:.1f} 秒；"
                  f"延迟中位数 {statistics.median(lat):.0f} ms，95% {lat[int(len(lat) * 0.95) - 1]:.0f} ms；"
                  f"冲突 {conflicts[0]} 次，错误 {len(errors)} 个，丢失 {lost} 处；操作记录 {trail} 条（应为 {saves}）")
            for e in errors[:3]:
                print("  错误：", e)
        finally:
            stop(procs)
            db.close()


if __name__ == "__main__":
    main()
