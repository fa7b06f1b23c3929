"""Sentence vectors beside clause vectors (issue 10): a question is usually about one
sentence of a clause that lists several tasks, and one vector for the paragraph blurs it."""
import numpy as np
import pytest

from index import semantic

SEED = "gd-ip-14fyp"


def sid(s):
    return f"{SEED}:{s}"


def test_passages_are_each_clause_then_its_sentences(corpus):
    ids, texts = semantic.corpus_passages(corpus)
    by_id = dict(zip(ids, texts))
    # 3.2.p3 (加强民事司法保护…) has eight sentences, each under its section heading
    sentences = [i for i in ids if i.startswith(sid("3.2.p3#"))]
    assert len(sentences) == 8
    assert ids.index(sid("3.2.p3")) + 1 == ids.index(sentences[0])  # right after its clause
    assert by_id[sentences[2]] == "第二节　加强知识产权司法保护：依法合理分配举证责任，积极适用证据披露令和律师调查令制度，依法认定举证妨碍，减轻权利人维权负担。"
    # a table row: one extra vector for the indicator it names, not one per ；-separated cell
    assert [i for i in ids if i.startswith(sid("t1.r10#"))] == [sid("t1.r10#1")]
    assert by_id[sid("t1.r10#1")] == "广东省“十三五”时期知识产权主要指标完成情况：农产品地理标志登记"
    # a one-sentence clause has its clause vector only
    one = corpus.clause(sid("t2.n4"))
    assert one.text.count("。") == 1 and not any(i.startswith(sid("t2.n4#")) for i in ids)


def test_a_clause_scores_by_its_best_sentence(corpus):
    """Clause A's whole vector is lukewarm but one sentence is the query; clause B is
    lukewarm throughout: A first, and B (no sentences) keeps its own cosine."""
    q = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    ids = [sid("3.2.p3"), sid("3.2.p3#1"), sid("3.2.p3#2"), sid("4.1.p3")]
    mat = np.array([[0.5, 0.86, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.6, 0.8, 0.0]], dtype=np.float16)
    docnum = {sid("3.2.p3"): 7, sid("4.1.p3"): 9}
    scores = semantic.ClauseVectors(ids, mat, docnum).scores(q)
    assert scores[9] == pytest.approx(0.6, abs=1e-3)
    assert scores[7] == pytest.approx((1.0 + semantic.CLAUSE_SHARE * 0.5) / (1 + semantic.CLAUSE_SHARE), abs=1e-3)
    # a pasted paragraph is compared with whole clauses only
    whole = semantic.ClauseVectors(ids, mat, docnum).scores(q, sentences=False)
    assert whole[7] == pytest.approx(0.5, abs=1e-3) and whole[9] == pytest.approx(0.6, abs=1e-3)


def test_vectors_are_stored_a_byte_a_number_and_mapped_not_copied(tmp_path):
    """Two workers serving one build share one copy of its vectors (issue 12's memory),
    a quarter of float32's size, scored within 0.002 of the float cosines."""
    rng = np.random.default_rng(3)
    mat = rng.standard_normal((40, 384)).astype(np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    ids = [f"a:{i}" if i % 4 == 0 else f"a:{i - i % 4}#{i % 4}" for i in range(40)]
    semantic.write_vectors(tmp_path, ids, mat)
    got_ids, got, scale = semantic.read_vectors(tmp_path)
    assert got_ids == ids and isinstance(got, np.memmap) and got.dtype == np.int8
    vectors = semantic.ClauseVectors(got_ids, got, {f"a:{i}": i for i in range(0, 40, 4)}, scale)
    exact = semantic.ClauseVectors(ids, mat, {f"a:{i}": i for i in range(0, 40, 4)})
    q = mat[5]
    got_scores, want = vectors.scores(q), exact.scores(q)
    assert max(abs(got_scores[d] - want[d]) for d in want) < 0.002
    assert np.allclose(vectors.vector(8), mat[8], atol=0.01)
    # replaced: the new matrix file is named by the ids file, the old one removed
    before = np.array(got)
    semantic.write_vectors(tmp_path, ids[:2], mat[:2] * 0.5)
    assert len(list(tmp_path.glob(f"{semantic.MATRIX_PREFIX}*.npy"))) == 1
    assert np.array_equal(np.array(got), before)  # a reader's old map stays valid
    assert semantic.read_vectors(tmp_path)[0] == ids[:2]


def test_a_task_said_in_one_sentence_of_a_long_clause_is_found_first(seed_index):
    """Before sentence vectors 3.2.p3 came second: 证据披露令 is one of its eight sentences."""
    if not seed_index.semantic:
        pytest.skip("the sentence model cannot load here")
    hits = seed_index.search("打官司时让对方交出手里的证据", limit=3)["hits"]
    assert hits[0]["id"] == sid("3.2.p3")  # 证据披露令 is one sentence of eight
