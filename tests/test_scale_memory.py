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
    assert postings > 500_000  # the seed's postings: the copy would show
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
