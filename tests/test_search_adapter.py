"""The seed plan's turn of question vectors (index/adapter.py), fitted on its judged sets.

The turn is data (corpus/dict/adapters/gd-ip-14fyp.npz, fitted by bench/train_adapter.py
on the tune sets); these tests hold the shipped file to the model it was fitted for, the
turned cosines to the plain ones' scale, other plans' clauses to their plain cosines, and
tune-set paraphrases that the plain model cannot place to the clause they mean.
"""
import numpy as np
import pytest

from index import LexiconError
from index.adapter import Adapter, fit, load_adapters, matched, write
from index.semantic import MODEL_KEY, ClauseVectors
from index.store import dict_dir
from search_support import SEED, ids, sid


@pytest.fixture(scope="module")
def ix(seed_index):
    return seed_index


def _plain(ix, monkeypatch):
    """The search with no turn, as before there was one."""
    ix.turn_questions({})
    monkeypatch.setattr(ix, "reranker", None)  # (its weights were fitted with the turn)
    return ix.turn_questions


def test_the_shipped_turn_is_the_seeds_and_fits_this_model(corpus):
    adapters = load_adapters(dict_dir(corpus), MODEL_KEY)
    assert list(adapters) == [SEED]
    delta = adapters[SEED].delta
    assert delta.shape == (384, 384) and np.isfinite(delta).all()
    # a turn, not a new space: the plain vector still counts for most of it
    assert 0.05 < np.linalg.norm(delta) / np.sqrt(384) < 0.9


def test_questions_the_plain_model_cannot_place_find_their_clause_first(ix, monkeypatch):
    """Tune-set paraphrases (the eighth, fifth and twenty-fourth blind sets): the plain model
    puts other clauses first and the meant one below the fifth."""
    if not ix.semantic:
        pytest.skip("the embedding model is not installed")
    cases = {"有没有一个网站能把全世界的专利数据一起查": "6.1.p3",
             "这份规划是照着哪些上级文件编出来的": "p1",
             "靠大量技术发明撑起来的那些行业，有没有专门名单和产值统计": "5.3.p2"}
    for q, meant in cases.items():
        assert ids(ix.search(q, limit=3))[0] == sid(meant), q
    restore = _plain(ix, monkeypatch)
    try:
        for q, meant in cases.items():
            assert sid(meant) not in ids(ix.search(q, limit=5)), q
    finally:
        restore()


def test_turned_cosines_keep_the_plain_scale_and_other_plans_are_untouched():
    rng = np.random.default_rng(7)
    mat = rng.normal(size=(6, 8)).astype(np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    ids_ = ["a:1", "a:1#1", "a:1#2", "a:2", "b:1", "b:2"]
    vectors = ClauseVectors(ids_, mat, {"a:1": 0, "a:2": 1, "b:1": 2, "b:2": 3})
    q = mat[0] + mat[4]
    q /= np.linalg.norm(q)
    docs, plain = vectors.arrays(q)
    turn = Adapter("a", rng.normal(scale=0.5, size=(8, 8)).astype(np.float32))
    vectors.turn_plans({"a": turn, "c": turn}, {0: "a", 1: "a", 2: "b", 3: "b"})
    docs2, turned = vectors.arrays(q)
    assert docs2 == docs
    assert turned[2:].tolist() == plain[2:].tolist()  # plan b has no turn
    assert not np.allclose(turned[:2], plain[:2])
    # rows of plan a: their cosines (clause and sentences) keep the plain mean and spread
    raw = mat[:4] @ q
    moved = matched(mat[:4] @ turn.turn(q), raw)
    assert np.isclose(moved.mean(), raw.mean(), atol=1e-6) and np.isclose(moved.std(), raw.std(), atol=1e-6)
    # a pasted paragraph is sought as written: not turned
    assert vectors.arrays(q, sentences=False)[1].tolist() == ClauseVectors(
        ids_, mat, {"a:1": 0, "a:2": 1, "b:1": 2, "b:2": 3}).arrays(q, sentences=False)[1].tolist()


def test_fitting_moves_questions_towards_the_clauses_judged_for_them():
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(5, 16))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    owner = np.arange(5)
    # questions lying nearer clause 0 than clause 1, but judged for clause 1
    qs = rows[0] * 0.8 + rows[1] * 0.3 + rng.normal(scale=0.05, size=(12, 16))
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    gains = np.zeros((12, 5))
    gains[:, 1] = 3
    delta = fit(qs, gains, rows, owner, steps=200, rate=0.01)
    turned = np.stack([Adapter("p", delta).turn(v) for v in qs])
    assert ((qs @ rows.T).argmax(axis=1) == 0).all()
    assert ((turned @ rows.T).argmax(axis=1) == 1).all()
    assert np.array_equal(delta, fit(qs, gains, rows, owner, steps=200, rate=0.01))  # deterministic
    # questions judged for no clause of the plan teach nothing: no turn
    assert not fit(qs, np.zeros_like(gains), rows, owner).any()
    assert not fit(qs[:0], gains[:0], rows, owner).any()


def test_files_are_checked_and_named_in_chinese(tmp_path):
    assert load_adapters(tmp_path, MODEL_KEY) == {}
    turn = Adapter("plan-x", np.zeros((4, 4), dtype=np.float32))
    path = write(tmp_path, turn, MODEL_KEY, "test")
    back = load_adapters(tmp_path, MODEL_KEY)
    assert list(back) == ["plan-x"] and back["plan-x"].delta.shape == (4, 4)
    with pytest.raises(LexiconError, match="bench/train_adapter.py"):
        load_adapters(tmp_path, "another-model")
    path.rename(path.with_name("plan-y.npz"))
    with pytest.raises(LexiconError, match="与文件名不符"):
        load_adapters(tmp_path, MODEL_KEY)
    good = path.with_name("plan-y.npz").read_bytes()
    for broken in (b"not a zip", good[:len(good) // 2], good[:40]):  # a copy cut short, too
        path.with_name("plan-y.npz").write_bytes(broken)
        with pytest.raises(LexiconError, match="无法读取语义校准文件"):
            load_adapters(tmp_path, MODEL_KEY)
