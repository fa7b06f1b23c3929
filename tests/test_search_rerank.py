"""The re-ranker's look at a query's first clauses (index/rerank.py), on the seed plan.

Its weights are data (corpus/dict/rerank.toml, fitted by bench/train_rerank.py on the tune
sets); these tests hold the shipped file to the features the code computes, the order to
the rules' groups, and two tune-set paraphrases to the clause they mean.
"""
import numpy as np
import pytest

from index import LexiconError
from index.rerank import FEATURES, RERANK_FILE, Candidates, Reranker, dumps, features, groups, load_reranker
from index.store import dict_dir
from search_support import ids, sid


@pytest.fixture(scope="module")
def ix(seed_index):
    return seed_index


def test_the_shipped_weights_name_the_features_this_version_computes(corpus):
    model = load_reranker(dict_dir(corpus))
    assert model is not None and model.depth >= 2
    assert model.weights.shape == (len(FEATURES),) and np.isfinite(model.weights).all()
    assert (model.scale > 0).all()
    # written by the script, saying how it was made
    assert "bench/train_rerank.py" in (dict_dir(corpus) / RERANK_FILE).read_text(encoding="utf-8")


def test_no_file_no_reranking_and_a_stale_file_is_named_in_chinese(tmp_path):
    assert load_reranker(tmp_path) is None
    model = Reranker(np.ones(len(FEATURES)), np.zeros(len(FEATURES)), np.ones(len(FEATURES)), depth=10)
    text = dumps(model, "test")
    (tmp_path / RERANK_FILE).write_text(text.replace('"length"', '"长度"'), encoding="utf-8")
    with pytest.raises(LexiconError, match="bench/train_rerank.py"):
        load_reranker(tmp_path)
    (tmp_path / RERANK_FILE).write_text("depth = ", encoding="utf-8")
    with pytest.raises(LexiconError, match="重排权重"):
        load_reranker(tmp_path)
    (tmp_path / RERANK_FILE).write_text(text, encoding="utf-8")
    back = load_reranker(tmp_path)
    assert back.depth == 10 and np.allclose(back.weights, 1.0)


def test_a_clause_moves_only_among_the_places_of_its_group():
    """Groups are tier × background: the Ctrl+F tier stays above, the review stays where the
    fused order put it among the tasks."""
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("cosine_gap")] = 1.0  # the model here: highest cosine first
    model = Reranker(weights, np.zeros(len(FEATURES)), np.ones(len(FEATURES)), depth=6)
    tier = np.array([1, 1, 0, 0, 0, 0])  # two literal matches
    background = np.array([False, False, False, True, False, False])  # the review at place 4
    cos = np.array([0.1, 0.5, 0.2, 0.9, 0.3, 0.8])
    n = len(cos)
    cands = Candidates(
        fused=np.linspace(1, 0, n), cosine=cos, lexical_rank=np.arange(1, n + 1), semantic_rank=np.arange(1, n + 1),
        coordination=np.zeros(n), coverage=np.zeros(n), bm25=np.zeros(n), background=background,
        stated=np.zeros(n), named=np.zeros(n, dtype=bool), tier=tier, rarity_held=np.zeros(n),
        length=np.full(n, 100), known=1.0, leads=False)
    x = features(cands)
    assert x.shape == (n, len(FEATURES))
    assert groups(cands).tolist() == [2, 2, 0, 1, 0, 0]
    order = model.order(x, groups(cands))
    assert order.tolist() == [1, 0, 5, 3, 4, 2]


def test_the_re_ranker_puts_the_meant_clause_first_where_the_fused_order_had_it_second(ix, monkeypatch):
    """Two tune-set paraphrases (the seventh and eighth blind sets): the fused order put a
    clause sharing their words (侵权, 公安; 侵权, 帮) first."""
    if not ix.semantic:
        pytest.skip("the embedding model is not installed")
    cases = {"市场监管查处的侵权案够得上坐牢了，怎么转给公安检察": "3.4.p2",
             "小老板被侵权没钱请律师，政府有帮忙的地方吗": "3.4.p4"}
    for q, meant in cases.items():
        assert ids(ix.search(q, limit=3))[0] == sid(meant), q
    monkeypatch.setattr(ix, "reranker", None)
    for q, meant in cases.items():
        fused = ids(ix.search(q, limit=3))
        assert fused[0] != sid(meant) and sid(meant) in fused, q


def test_reported_scores_stay_best_first_after_reranking(ix):
    if not ix.semantic:
        pytest.skip("the embedding model is not installed")
    for q in ("核心专利想卖给外国买家，需要过安全审查吗", "小企业能拿商标去银行贷款吗", "软件著作权登记去哪办"):
        scores = [h["score"] for h in ix.search(q, limit=20)["hits"]]
        assert scores == sorted(scores, reverse=True), q


def test_a_question_the_rules_answer_is_not_reranked(ix, monkeypatch):
    """A part named by number, a figure typed, targets missed: the rules' order stands."""
    if not ix.semantic:
        pytest.skip("the embedding model is not installed")
    seen = []

    class Watching:
        depth = 10

        def order(self, x, groups):
            seen.append(len(x))
            return np.arange(len(x))

    monkeypatch.setattr(ix, "reranker", Watching())
    for q in ("专栏7有什么内容", "质押融资2500亿元", "哪些指标没有完成"):
        ix.search(q, limit=5)
    assert seen == []
    ix.search("核心专利想卖给外国买家，需要过安全审查吗", limit=5)
    assert seen and seen[0] == 10
