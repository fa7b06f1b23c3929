"""Server memory that does not grow with threads, workers, queries or pages (issue 12).

No RSS or timing here (bench/scale.py prints those): what is checked is the cause of
each cost, on the real seed corpus: a searcher reads the index's memory map instead of
copying it, caches hold a bounded number of entries, the workers share what was
loaded before the fork.
"""
import tracemalloc

import whoosh.query as Q


def test_a_searcher_reads_the_segment_map_without_copying_the_postings(seed_index):
    """whoosh's BufferFile wrapped the mapped postings in BytesIO, a private copy per
    searcher: the web app keeps one searcher per thread, so eight copies."""
    whoosh_ix = seed_index._ix
    with whoosh_ix.searcher() as probe:
        postings = len(probe.reader()._terms._postfile._buf)
    assert postings > 200_000  # the seed's postings (word fields only): a copy would show
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        with whoosh_ix.searcher() as s:
            found = list(s.docs_for_query(Q.Term("body", "知识产权")))
            held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert found
    assert held < postings / 4, (held, postings)


def _plans(tmp_path, n: int):
    """``n`` plans: the seed and copies of it with their own ids (as bench/scale.py makes)."""
    import shutil
    from pathlib import Path

    from kb.corpus import load_corpus

    src = Path(__file__).resolve().parent.parent / "corpus"
    root = tmp_path / f"plans-{n}"
    shutil.copytree(src / "gazetteer", root / "gazetteer")
    seed = (src / "gd-ip-14fyp.md").read_text(encoding="utf-8")
    for i in range(n):
        (root / f"plan-{i}.md").write_text(seed.replace('id: "gd-ip-14fyp"', f'id: "plan-{i}"', 1),
                                           encoding="utf-8")
    return load_corpus(root)


def test_a_hub_trace_draws_as_much_with_six_plans_as_with_one(tmp_path):
    """The year 2025 and 高校 are named in every plan: their trace page draws the same
    number of tasks at most (TRACE_LIMIT, shared among the plans drawn) with six plans as
    with one, and lists the other plans with their counts; the drawing grows less than
    3× (the 1-plan trace of 高校 has 10 tasks, fewer than the limit)."""
    import json

    from kb.graph import TRACE_LIMIT, build_graph

    one, six = build_graph(_plans(tmp_path, 1)), build_graph(_plans(tmp_path, 6))
    for hub in ("deadline:2025", "body:高校"):
        small, big = one.trace(hub, limit=TRACE_LIMIT), six.trace(hub, limit=TRACE_LIMIT)
        assert len(big["groups"]) == 6
        assert len(big["tasks"]) <= TRACE_LIMIT + 2 and len(big["targets"]) <= TRACE_LIMIT + 2, hub
        drawn = json.dumps({k: big[k] for k in ("tasks", "targets", "links", "paths")}, ensure_ascii=False)
        alone = json.dumps({k: small[k] for k in ("tasks", "targets", "links", "paths")}, ensure_ascii=False)
        assert len(drawn) < 3 * len(alone), (hub, len(drawn), len(alone))


def test_the_module_keeps_one_built_graph_not_one_per_corpus_seen(tmp_path):
    """A server that updates its corpus builds a graph per version; the module cache kept
    up to nine of them (450 MB at 100 plans) besides the one served."""
    import kb.graph

    corpora = [_plans(tmp_path, n) for n in (1, 2, 3)]
    graphs = [kb.graph.build_graph(c) for c in corpora]
    assert len({id(g) for g in graphs}) == 3
    assert len(kb.graph._cache) == 1
    assert kb.graph.build_graph(corpora[-1]) is graphs[-1]  # the last one is still kept
