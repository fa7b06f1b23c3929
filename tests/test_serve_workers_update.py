"""``serve --workers``: a corpus update is loaded once, by the parent, and served by new
workers that replace the old ones, without any request failing or waiting for it (issue 12).

Each worker used to load its own copy of the new corpus, index and graph (235 MB of
private memory per worker at 100 plans, until a restart).
"""
import json
import os
import shutil
import sys
import threading
import urllib.request
from urllib.parse import quote

from cli_support import ROOT
from test_scale_serving import NEW_PLACE, add_second_plan, make_app

sys.path.insert(0, str(ROOT / "bench"))
from serve_process import free_port, start_serve, stop  # noqa: E402


def _get(port: int, path: str):
    """(worker pid or 0, JSON) of one GET on a new connection."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{quote(path, safe='/?=&')}", timeout=120) as r:
        return int(r.headers.get("X-Plankb-Worker") or 0), json.load(r)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def seed_corpus(tmp_path):
    """The bundled corpus (without its raw files) in a folder of the test's own."""
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns("raw"))
    return corpus


def stop_clients_and_server(done, clients, proc) -> None:
    done.set()
    for t in clients:
        if t.is_alive():
            t.join()
    stop([proc])


def test_a_worker_follows_the_parent_it_only_says_an_update_is_under_way(tmp_path):
    """In a worker, a changed corpus starts nothing: the banner says it is coming."""
    from webapp.resources import close_all, resources, warm

    corpus = seed_corpus(tmp_path)
    app = make_app(corpus, tmp_path / "inst")
    try:
        warm(app)
        res = resources(app)
        res.follower = True
        c = app.test_client()
        add_second_plan(corpus)
        health = c.get("/healthz").json
        assert health["documents"] == 1 and health["updating"] is True
        assert res.thread is None  # nothing loaded or built in this process
        assert "正在后台重建索引和图谱" in c.get("/search?q=专利").get_data(as_text=True)
    finally:
        close_all(app)


def test_after_an_update_new_workers_serve_what_the_parent_loaded_and_no_request_fails(tmp_path):
    corpus = seed_corpus(tmp_path)
    env = dict(os.environ, PYTHONUNBUFFERED="1", PLANKB_CORPUS=str(corpus), PLANKB_SEMANTIC="0")
    port = free_port()
    proc = start_serve(tmp_path / "inst", port, env, "--workers", "2", "--threads", "4")
    failures: list[str] = []
    answered = []
    done = threading.Event()

    def client():  # searches and health checks without pause, through the whole swap
        while not done.is_set():
            for path in ("/api/search?q=专利", "/healthz", "/trace/body:高校"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{quote(path, safe='/?=&:')}", timeout=120) as r:
                        r.read()
                        answered.append(r.status)
                except Exception as e:  # noqa: BLE001 — any failure is what this test looks for
                    failures.append(f"{path}: {e!r}")

    clients = [threading.Thread(target=client) for _ in range(3)]
    try:
        old = set()
        for _ in range(400):
            pid, health = _get(port, "/healthz")
            assert health["documents"] == 1
            old.add(pid)
            if len(old) == 2:
                break
        assert len(old) == 2
        for t in clients:
            t.start()
        add_second_plan(corpus)
        new: dict[int, dict] = {}
        for _ in range(5000):  # bounded by requests, not by a clock
            pid, health = _get(port, "/healthz")
            if pid not in old:
                new[pid] = health
                if len(new) == 2:
                    break
        assert len(new) == 2, new
        parent = proc.pid
        for health in new.values():
            assert health["documents"] == 2 and "updating" not in health
            # loaded once, by the parent, before it forked them: one copy in memory
            assert health["loaded_by"] == {"corpus": parent, "index": parent, "graph": parent}, health
        for _ in range(5000):  # the old workers finish what they have and exit
            if all(_gone(p) for p in old):
                break
            _get(port, "/healthz")
        assert all(_gone(p) for p in old)
        # (asked only now: until the parent tells them to leave, the old ones may answer)
        _, found = _get(port, f"/api/search?q={NEW_PLACE}")
        assert found["total"] > 0
        seen = {_get(port, "/healthz")[0] for _ in range(40)}
        assert not seen & old
    finally:
        stop_clients_and_server(done, clients, proc)
    assert len(answered) > 10
    assert failures == [], failures[:5]
    assert set(answered) == {200}


def test_a_worker_past_its_memory_limit_is_replaced_without_failing_a_request(tmp_path):
    """--worker-memory: a worker that holds more of its own memory than the limit (here 1 MB:
    every worker) is replaced by a fresh fork, one at a time; the old one finishes and exits."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", PLANKB_SEMANTIC="0")
    port = free_port()
    proc = start_serve(tmp_path / "inst", port, env, "--workers", "2", "--threads", "4", "--worker-memory", "1")
    failures: list[str] = []
    done = threading.Event()

    def client():
        while not done.is_set():
            try:
                _get(port, "/api/search?q=专利")
            except Exception as e:  # noqa: BLE001 — any failure is what this test looks for
                failures.append(repr(e))

    clients = [threading.Thread(target=client) for _ in range(2)]
    try:
        old = set()
        for _ in range(400):
            old.add(_get(port, "/healthz")[0])
            if len(old) == 2:
                break
        assert len(old) == 2
        for t in clients:
            t.start()
        new = set()
        for _ in range(20000):  # bounded by requests, not by a clock
            pid, health = _get(port, "/healthz")
            assert health["status"] == "ok"
            if pid not in old:
                new.add(pid)
                break
        assert new, "no worker was replaced"
        for _ in range(20000):  # the replaced one finishes what it has and exits
            if any(_gone(p) for p in old):
                break
            _get(port, "/healthz")
        assert any(_gone(p) for p in old)
    finally:
        stop_clients_and_server(done, clients, proc)
    assert failures == [], failures[:5]


def test_the_warm_up_pages_answer_where_login_is_required_and_no_one_else_is_let_in(tmp_path):
    """A site that requires login used to answer every warm-up page with “please log in”,
    so nothing was warmed; the warm-up requests (marked in the WSGI environ, which no client
    can set) now read, and a real anonymous request is still refused."""
    from webapp.resources import WARM_PAGES, close_all, resources, warm, warm_pages

    corpus = seed_corpus(tmp_path)
    app = make_app(corpus, tmp_path / "inst", LOGIN_REQUIRED=True)
    try:
        warm(app)
        with app.app_context():
            assert warm_pages(app, resources(app).live) == len(WARM_PAGES)
        client = app.test_client()
        assert client.get("/api/search?q=专利").status_code == 401
        assert client.get("/api/search?q=专利", headers={"plankb.warmup": "1"}).status_code == 401
    finally:
        close_all(app)


def test_the_parent_runs_each_kind_of_page_once_and_starts_no_update_before_forking(tmp_path):
    """warm_pages (before the fork): every warm-up page answers, and a corpus changed
    meanwhile is not looked at (an update thread running at the fork could hold locks)."""
    from webapp.resources import WARM_PAGES, close_all, resources, warm, warm_pages

    corpus = seed_corpus(tmp_path)
    app = make_app(corpus, tmp_path / "inst")
    try:
        warm(app)
        res = resources(app)
        add_second_plan(corpus)
        with app.app_context():
            assert warm_pages(app, res.live) == len(WARM_PAGES)
        assert res.thread is None and res.updating is None
        assert app.test_client().get("/healthz").json["updating"] is True  # a real request looks
    finally:
        close_all(app)
