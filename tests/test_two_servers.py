"""Two `plankb serve` processes on one database see each other's edits and lose nothing.

On PostgreSQL (the deployment for several servers; needs PLANKB_TEST_DATABASE_URL, see
tests/db_support.py — under CI a missing server fails) each server has its own instance
folder (its own search index and key); on SQLite both share one instance folder.
"""
import http.cookiejar
import json
import os
import re
import sys
import urllib.parse
import urllib.request

import pytest

from cli_support import ROOT, free_port, run_plankb
from db_support import ENGINES, fresh_pg

sys.path.insert(0, str(ROOT / "bench"))
from serve_process import start_serve, stop  # noqa: E402 — one way to start servers, shared with bench/two_servers.py

CLAUSE = "gd-ip-14fyp:3.2.p3"
PASSWORD = "two-servers-1"


class Browser:
    """Cookies, the CSRF token and JSON, as the page's JavaScript would use them."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = None

    def get(self, path):
        with self.opener.open(self.base + path, timeout=60) as r:
            return r.read().decode("utf-8")

    def refresh_token(self, path="/lists"):
        self.token = re.search(r'csrf-token" content="([^"]+)"', self.get(path)).group(1)

    def login(self, name, password):
        self.refresh_token("/login")
        data = urllib.parse.urlencode({"username": name, "password": password, "csrf_token": self.token}).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=60) as r:
            assert name in r.read().decode("utf-8")
        self.refresh_token()

    def api(self, method, path, body=None):
        req = urllib.request.Request(self.base + path, method=method, data=json.dumps(body or {}).encode(),
                                     headers={"Content-Type": "application/json", "X-CSRFToken": self.token})
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)


@pytest.mark.parametrize("engine", ENGINES)
def test_two_servers_see_each_others_edits_and_lose_nothing(tmp_path, engine):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("PLANKB_DATABASE_URL", None)
    if engine == "postgresql":
        env["PLANKB_DATABASE_URL"] = fresh_pg()
        instances = [tmp_path / "a", tmp_path / "b"]
    else:
        instances = [tmp_path / "shared"] * 2
    r = run_plankb("--instance", str(instances[0]), "user", "add", "editor", "--role", "editor",
                   "--password-stdin", env=env, input=PASSWORD + "\n", ok=False)
    assert r.returncode == 0, r.stderr
    procs = []
    try:
        ports = []
        for inst in instances:
            ports.append(free_port())
            procs.append(start_serve(inst, ports[-1], env))
        a, b = (Browser(f"http://127.0.0.1:{port}") for port in ports)
        a.login("editor", PASSWORD)
        b.login("editor", PASSWORD)
        status, tl = a.api("POST", "/api/lists", {"name": "两台服务器"})
        assert status == 201
        status, added = a.api("POST", f"/api/lists/{tl['id']}/items", {"clauses": [CLAUSE]})
        item = added["added"][0]
        # B sees A's list and item, and edits one field; A, still on the old version, another
        seen = b.api("GET", f"/api/lists/{tl['id']}")[1]
        assert [i["clause_id"] for i in seen["items"]] == [CLAUSE]
        url = f"/api/lists/{tl['id']}/items/{item['id']}"
        assert b.api("PATCH", url, {"version": item["version"], "lead_unit": "省法院"})[0] == 200
        assert a.api("PATCH", url, {"version": item["version"], "deadline": "2025年底前"})[0] == 200
        # the same field from a stale version is a conflict carrying B's value, never a silent overwrite
        status, conflict = a.api("PATCH", url, {"version": item["version"], "lead_unit": "省检察院"})
        assert status == 409 and conflict["current"]["lead_unit"] == "省法院"
        for browser in (a, b):
            final = browser.api("GET", f"/api/lists/{tl['id']}")[1]["items"][0]
            assert (final["lead_unit"], final["deadline"]) == ("省法院", "2025年底前")
        history = a.api("GET", f"/api/lists/{tl['id']}/history")[1]["entries"]
        assert [(e["field"], e["new"]) for e in history[:2]] == [("deadline", "2025年底前"), ("lead_unit", "省法院")]
    finally:
        stop(procs)
