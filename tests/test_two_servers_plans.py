"""Two `plankb serve` processes on one database: a plan published through the import page of
server A is found by search on server B without a restart (B notices the database's
stamp, writes the plan into its own corpus folder and updates in the background), a
removal reaches both, and a login on A is a login on B (the session key is in the
database). On PostgreSQL each server has its own instance folder (own index, own corpus
folder); on SQLite both share one. Waits poll the JSON API with a generous deadline:
the busy CI machine may take minutes to build an index."""
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from cli_support import ROOT, free_port, run_plankb
from db_support import ENGINES, fresh_pg

SAMPLE = ROOT / "tests" / "data" / "samples" / "shandong-education-14fyp.txt"
SAMPLE_TEXT = "建设高质量教育体系"  # in the Shandong plan only
DOC_ID = "sd-two"
PASSWORD = "two-servers-plans-1"
DEADLINE = 900  # seconds: a generous bound for a slow machine, not a speed goal


class Browser:
    """One cookie jar for both servers (cookies are per host name, not per port), the CSRF
    token, forms and JSON."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url):
        with self.opener.open(url, timeout=120) as r:
            return r.read().decode("utf-8")

    def json(self, url):
        try:
            with self.opener.open(url, timeout=120) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def token(self, url):
        return re.search(r'csrf-token" content="([^"]+)"', self.get(url)).group(1)

    def post(self, url, data: bytes, content_type: str):
        req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})
        try:
            with self.opener.open(req, timeout=300) as r:
                return r.status, r.geturl(), r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, url, e.read().decode("utf-8")

    def form(self, url, fields: dict):
        return self.post(url, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def upload(self, url, fields: dict, name: str, data: bytes):
        boundary = "plankb" + secrets.token_hex(8)
        body = b""
        for k, v in fields.items():
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").encode()
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        return self.post(url, body, f"multipart/form-data; boundary={boundary}")


def _serve(instance, corpus, port, env):
    proc = subprocess.Popen([sys.executable, "-m", "plankb", "--instance", str(instance), "--corpus", str(corpus),
                             "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:  # waits for the start line, however slow the machine
        lines.append(line)
        if "已启动" in line:
            return proc
    proc.wait()
    raise AssertionError("".join(lines))


def until(what, check, deadline=DEADLINE):
    """Poll ``check()`` until it returns something true; fail after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while True:
        got = check()
        if got:
            return got
        assert time.monotonic() < end, f"{what}：{deadline} 秒内未发生"
        time.sleep(0.5)


def found(browser, base, text):
    status, data = browser.json(f"{base}/api/search?" + urllib.parse.urlencode({"q": text}))
    return status == 200 and [h["id"] for h in data["hits"] if h["id"].startswith(f"{DOC_ID}:")]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_plan_published_on_one_server_is_found_on_the_other(tmp_path, engine):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("PLANKB_DATABASE_URL", None)
    if engine == "postgresql":  # two machines: nothing shared but the database
        env["PLANKB_DATABASE_URL"] = fresh_pg()
        instances = [tmp_path / "a", tmp_path / "b"]
        corpora = [tmp_path / "bundled-a", tmp_path / "bundled-b"]
    else:
        instances = [tmp_path / "shared"] * 2
        corpora = [tmp_path / "bundled"] * 2
    for corpus in set(corpora):
        shutil.copytree(ROOT / "corpus", corpus)
    bundled = sorted(p.relative_to(corpora[0]).as_posix() for p in corpora[0].rglob("*"))
    run_plankb("--instance", str(instances[0]), "user", "add", "admin", "--role", "admin",
               "--password-stdin", env=env, input=PASSWORD + "\n")
    procs = []
    try:
        ports = []
        for inst, corpus in zip(instances, corpora):
            ports.append(free_port())
            procs.append(_serve(inst, corpus, ports[-1], env))
        a, b = (f"http://127.0.0.1:{port}" for port in ports)
        browser = Browser()
        assert not found(browser, b, SAMPLE_TEXT)
        # logged in on A only: B accepts the same session cookie (one key, in the database)
        status, _, page = browser.form(f"{a}/login", {"username": "admin", "password": PASSWORD,
                                                      "csrf_token": browser.token(f"{a}/login")})
        assert status == 200 and "admin" in page
        assert browser.json(f"{b}/api/admin/import")[0] == 200
        csrf = browser.token(f"{a}/admin/import")
        status, where, page = browser.upload(f"{a}/admin/import", {"csrf_token": csrf, "doc_id": DOC_ID},
                                             SAMPLE.name, SAMPLE.read_bytes())
        assert status == 200 and "/admin/import/" in where, page[:500]
        token = where.rsplit("/", 1)[1]
        assert browser.form(f"{a}/admin/import/{token}/publish", {"csrf_token": csrf})[0] == 200

        def published():
            state = browser.json(f"{a}/api/admin/import/{token}")[1]
            assert state["status"] != "staged", state["message"]
            return state["status"] == "published"

        until("A 发布完成", published)
        t0 = time.monotonic()
        assert found(browser, a, SAMPLE_TEXT)  # "已发布" means findable on A
        until("B 检索到 A 发布的规划", lambda: found(browser, b, SAMPLE_TEXT))
        print(f"\n[{engine}] A 发布完成到 B 检索到：{time.monotonic() - t0:.1f} 秒")
        trail = browser.json(f"{b}/api/admin/audit")[1]["entries"]
        assert (trail[0]["action"], trail[0]["subject"], trail[0]["actor"]) == ("plan.publish", DOC_ID, "admin")
        # removed from the command line: gone from both
        run_plankb("--instance", str(instances[1]), "--corpus", str(corpora[1]), "plan", "remove", DOC_ID, env=env)
        for base in (a, b):
            until("移除后检索不到", lambda: not found(browser, base, SAMPLE_TEXT))
        for corpus in corpora:  # the bundled folders are never written
            assert sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*")) == bundled
    finally:
        for p in procs:
            p.terminate()
            p.wait(30)
