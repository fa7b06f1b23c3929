"""The index in the instance folder: explicit build, status, automatic and atomic rebuilds."""
import threading
from pathlib import Path

import pytest

import index.store as store
from index import IndexBuildError, build_index, index_status, open_index

ROOT = Path(__file__).resolve().parent.parent
SEED = "gd-ip-14fyp"


def builds(instance):
    return sorted(p.name for p in (instance / "search").iterdir() if p.is_dir())


def test_build_writes_into_the_instance_folder_not_the_source_tree(corpus, instance):
    stats = build_index(corpus, instance)
    assert stats["clauses"] == len(corpus.document(SEED).clauses) and stats["documents"] == 1
    assert Path(stats["path"]).is_relative_to(instance)
    assert not Path(stats["path"]).is_relative_to(ROOT)
    status = index_status(corpus, instance)
    assert status["exists"] and status["fresh"] and status["clauses"] == stats["clauses"]


def test_status_of_a_missing_index(corpus, tmp_path):
    status = index_status(corpus, tmp_path / "empty")
    assert status == status | {"exists": False, "fresh": False}
    with pytest.raises(IndexBuildError, match="plankb build"):
        open_index(corpus, tmp_path / "empty", build_if_missing=False)


def test_changed_corpus_is_noticed_and_rebuilt(corpus_copy, tmp_path):
    instance = tmp_path / "inst"
    first = open_index(corpus_copy, instance)
    first_dir = first.folder
    first.close()
    with open(corpus_copy.root / "dict" / "synonyms.txt", "a", encoding="utf-8") as f:
        f.write("蓝色剑 => 蓝剑\n")
    assert not index_status(corpus_copy, instance)["fresh"]
    second = open_index(corpus_copy, instance)
    try:
        assert second.folder != first_dir
        assert index_status(corpus_copy, instance)["fresh"]
        want = {c.id for c in corpus_copy.clauses() if "蓝剑" in c.text}
        assert f"{SEED}:box1.p1" in want
        assert {h["id"] for h in second.search("蓝色剑", limit=100)["hits"]} == want
    finally:
        second.close()


def test_failed_build_keeps_the_live_index(corpus_copy, tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    build_index(corpus_copy, instance)
    before = builds(instance)
    calls = {"n": 0}
    real = store.clause_fields

    def flaky(clause, doc):
        calls["n"] += 1
        if calls["n"] > 20:
            raise RuntimeError("disk full")
        return real(clause, doc)

    monkeypatch.setattr(store, "clause_fields", flaky)
    with pytest.raises(RuntimeError):
        build_index(corpus_copy, instance, full=True)  # (an update of nothing changed adds no clause)
    assert builds(instance) == before  # no half-built folder left, pointer unchanged
    monkeypatch.undo()
    ix = open_index(corpus_copy, instance, build_if_missing=False)
    try:
        assert ix.search("蓝剑")["total"] >= 1
    finally:
        ix.close()


def test_concurrent_openers_build_once(corpus_copy, tmp_path):
    instance = tmp_path / "inst"
    results, errors = [], []

    def worker():
        try:
            ix = open_index(corpus_copy, instance)
            results.append(ix.search("商业秘密")["total"])
            ix.close()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1 and results[0] > 0
    assert len(builds(instance)) == 1


def test_unwritable_instance_is_a_clear_error(corpus, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(IndexBuildError, match="实例目录|检索索引"):
        open_index(corpus, blocker / "inst")


def test_a_damaged_index_is_rebuilt_from_the_corpus(corpus, tmp_path):
    build_index(corpus, tmp_path)
    folder = store.current_build(tmp_path)[0]
    for f in folder.glob("*.seg"):
        f.write_bytes(b"\x00garbage" * 20)
    with pytest.raises(IndexBuildError, match="检索索引已损坏.*plankb build"):
        open_index(corpus, tmp_path, build_if_missing=False)
    ix = open_index(corpus, tmp_path)
    try:
        assert ix.search("惩罚性赔偿")["total"] == 5
        assert store.current_build(tmp_path)[0] != folder
    finally:
        ix.close()
