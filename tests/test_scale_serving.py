"""Nothing heavy in the request path (issue 12): a corpus change is noticed by a cheap
version, not by hashing the corpus per request; the new corpus is built in the
background while the old snapshot answers; the graph is kept in the instance, so a
restart loads it instead of building it."""
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

import kb.corpus
import kb.graph
from kb import graph_store

ROOT = Path(__file__).resolve().parent.parent
NEW_PLACE = "山西省"  # in no plan of the seed corpus
SEARCH = f"/api/search?q={NEW_PLACE}"


@pytest.fixture
def corpus(tmp_path):
    """The seed corpus (plans and data files) in a folder the test may change."""
    root = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", root, ignore=shutil.ignore_patterns("raw"))
    return root


def add_second_plan(root: Path) -> str:
    """A second real plan: the seed with its own id and title and its province renamed,
    as an office adds a sister province's plan."""
    text = (root / "gd-ip-14fyp.md").read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    head = re.sub(r'^id: "([^"]+)"', 'id: "sx-ip-14fyp"', head, count=1, flags=re.M)
    head = re.sub(r'^title: "广东省', f'title: "{NEW_PLACE}', head, count=1, flags=re.M)
    (root / "sx-ip-14fyp.md").write_text(head + sep + re.sub("广东省|广东", NEW_PLACE, body),
                                         encoding="utf-8")
    return "sx-ip-14fyp"


def make_app(corpus, inst, **config):
    from webapp import create_app

    return create_app({"INSTANCE_PATH": inst, "CORPUS_DIR": str(corpus), "TESTING": True,
                       "CORPUS_CHECK_SECONDS": 0, **config})


@pytest.fixture
def hash_calls(monkeypatch):
    """Every call of the corpus content hash, with the thread that made it."""
    calls = []
    real = kb.corpus.content_hash

    def counted(root):
        calls.append(threading.current_thread())
        return real(root)

    monkeypatch.setattr(kb.corpus, "content_hash", counted)
    return calls


def test_version_changes_with_any_data_file_and_costs_no_read(corpus, monkeypatch):
    v = kb.corpus.version(corpus)
    assert kb.corpus.version(corpus) == v
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"read {self}"))
    (corpus / "dict" / "extra.txt").write_text("新词 5\n", encoding="utf-8")
    assert kb.corpus.version(corpus) != v


def test_a_corpus_change_is_noticed_without_hashing_in_requests(corpus, tmp_path, hash_calls):
    from webapp.resources import close_all, resources, warm

    app = make_app(corpus, tmp_path / "inst")
    try:
        warm(app)  # what plankb serve does before it accepts connections
        main = threading.current_thread()
        c = app.test_client()
        hash_calls.clear()
        for url in ("/healthz", "/search?q=专利", "/api/search?q=专利", "/outline", "/bodies", "/graph"):
            assert c.get(url).status_code == 200, url
        assert c.get("/healthz").json["documents"] == 1
        assert [t for t in hash_calls if t is main] == []

        add_second_plan(corpus)
        assert c.get("/healthz").status_code == 200  # notices the change, answers at once
        assert resources(app).wait(300)
        assert c.get("/healthz").json["documents"] == 2
        assert c.get(SEARCH).json["total"] > 0
        assert [t for t in hash_calls if t is main] == []  # no request hashed the corpus
        assert hash_calls, "the background update keys the new index by the content hash"
        from index.store import current_build

        folder, meta = current_build(tmp_path / "inst")
        assert meta["documents"] == 2
        # built by a child process (ix-<hash>-<time>-<pid>), not by a thread of the server
        assert int(folder.name.rsplit("-", 1)[1]) != os.getpid()
        assert graph_store.stored_keys(tmp_path / "inst") == [
            graph_store.graph_key(app.extensions["plankb"].live.corpus)]
    finally:
        close_all(app)


def test_a_request_during_a_rebuild_is_answered_from_the_old_index(corpus, tmp_path):
    from index import open_index
    from webapp.resources import close_all, resources

    inst = tmp_path / "inst"
    entered, gate = threading.Event(), threading.Event()
    main = threading.current_thread()
    built = []

    def gated(c):
        if built:  # the rebuild: it must not run in a request, and waits for the test
            if threading.current_thread() is main:
                raise AssertionError("the index was rebuilt inside a web request")
            entered.set()
            assert gate.wait(300)
        built.append(len(c.documents))
        return open_index(c, inst)

    app = make_app(corpus, inst, SEARCH_FACTORY=gated)
    try:
        c = app.test_client()
        assert c.get(SEARCH).json["total"] == 0
        add_second_plan(corpus)
        assert c.get(SEARCH).json["total"] == 0  # the old index answers, nothing waits
        assert entered.wait(300)  # the rebuild is under way, held by the gate
        page = c.get(f"/search?q={NEW_PLACE}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "正在后台重建索引和图谱" in html
        assert c.get(SEARCH).json["total"] == 0
        health = c.get("/healthz").json
        assert health["documents"] == 1 and health["updating"] is True
        gate.set()
        assert resources(app).wait(300)
        assert built == [1, 2]
        assert c.get(SEARCH).json["total"] > 0
        assert "正在后台重建" not in c.get("/search?q=专利").get_data(as_text=True)
        assert "updating" not in c.get("/healthz").json
    finally:
        gate.set()
        close_all(app)


def test_a_broken_plan_is_left_out_and_named_and_a_failed_update_keeps_the_old_corpus(corpus, tmp_path):
    from webapp.resources import close_all, resources

    app = make_app(corpus, tmp_path / "inst")
    try:
        c = app.test_client()
        assert c.get("/healthz").json["documents"] == 1
        # one bad file beside a good plan: the update goes through without it, and says so
        (corpus / "broken.md").write_bytes("---\nid: 坏\n".encode("gbk"))  # not UTF-8
        c.get("/healthz")
        assert resources(app).wait(300)
        health = c.get("/healthz").json
        assert health["status"] == "ok" and health["documents"] == 1 and "update_error" not in health
        assert any("broken.md" in p and "UTF-8" in p for p in health["left_out"])
        # nothing readable at all: the update fails and the plan already served stays
        (corpus / "gd-ip-14fyp.md").write_bytes("---\nid: 坏\n".encode("gbk"))
        c.get("/healthz")
        assert resources(app).wait(300)
        health = c.get("/healthz").json
        assert health["status"] == "ok" and health["documents"] == 1
        assert "UTF-8" in health["update_error"]
        assert c.get("/outline").status_code == 200
    finally:
        close_all(app)


def test_the_graph_is_loaded_from_the_instance_after_a_restart(corpus, tmp_path, monkeypatch):
    from webapp.resources import close_all, warm

    inst = tmp_path / "inst"
    app = make_app(corpus, inst)
    warm(app)
    first = app.test_client().get("/api/graph").json
    close_all(app)
    assert len(graph_store.stored_keys(inst)) == 1

    builds = []
    real = kb.graph.build_graph
    monkeypatch.setattr(kb.graph, "build_graph", lambda c: builds.append(1) or real(c))
    kb.graph._cache.clear()
    app = make_app(corpus, inst)  # a restart: a new app, same instance
    try:
        c = app.test_client()
        assert c.get("/api/graph").json == first
        assert c.get("/trace/body:高校").status_code == 200
        assert builds == []
        g = app.extensions["plankb"].live.parts["graph"]
        corpus_obj = app.extensions["plankb"].live.corpus
        clauses = [t["clause"] for t in g._info["targets"].values()]
        assert clauses  # the graph's clauses are the corpus's own objects, not copies
        assert all(corpus_obj.clause(cl.id) is cl for cl in clauses)
    finally:
        close_all(app)


def test_a_damaged_or_stale_stored_graph_is_rebuilt(corpus, tmp_path, monkeypatch):
    from kb.corpus import load_corpus

    inst = tmp_path / "inst"
    c = load_corpus(corpus)
    key = graph_store.graph_key(c)
    graph_store.graph_dir(inst).mkdir(parents=True)
    graph_store.graph_path(inst, key).write_bytes(b"\x80\x05not a pickle")
    builds = []
    real = kb.graph.build_graph
    monkeypatch.setattr(kb.graph, "build_graph", lambda corpus: builds.append(1) or real(corpus))
    kb.graph._cache.clear()
    pg = graph_store.load_or_build(c, inst)
    assert builds == [1] and pg.tasks()
    assert graph_store.load_graph(c, inst, key) is not None  # the damaged file was replaced

    add_second_plan(corpus)  # the stored graph is now of another corpus: not loaded
    c2 = load_corpus(corpus)
    assert graph_store.load_graph(c2, inst, graph_store.graph_key(c2)) is None
    pg2 = graph_store.load_or_build(c2, inst)
    assert builds == [1, 1] and "sx-ip-14fyp" in {n for n in pg2.nodes_of("document")} | {
        pg2.g.nodes[n].get("document") for n in pg2.tasks()}
    assert graph_store.stored_keys(inst) == [graph_store.graph_key(c2)]
