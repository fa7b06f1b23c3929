"""``python -m index.embed CORPUS INSTANCE``: compute the live build's missing clause vectors.

Started detached by a server (index.start_embedder) after it opened a build that lacks
some: minutes of embedding run here, never in a process that answers requests. One
embedder per instance at a time (index.store.embed_missing takes its lock); one that
finds nothing missing exits at once.
"""
from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from index.store import current_build, embed_missing, vectors_missing
    from kb.corpus import load_corpus, parse_cache_dir

    root, instance = argv
    corpus = load_corpus(root, parse_cache_dir(instance))
    cur = current_build(instance)
    if cur is None or cur[1].get("content_hash") != corpus.content_hash() or not vectors_missing(cur[1]):
        return 0  # nothing built for this corpus yet, or nothing missing
    embed_missing(corpus, instance)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
