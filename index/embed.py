"""``python -m index.embed CORPUS INSTANCE [PARENT_PID]``: compute the live build's missing clause vectors.

Started detached by a server (index.start_embedder) after it opened a build that lacks
some: minutes of embedding run here, never in a process that answers requests. One
embedder per instance at a time (index.store.embed_missing takes its lock); one that
finds nothing missing exits at once. It lives no longer than the server that started
it (PARENT_PID): a stopped server leaves the vectors computed so far in the cache, and
the next start resumes from there, instead of a process nobody waits for spinning on.
"""
from __future__ import annotations

import os
import sys


class ParentGone(Exception):
    """The server that started this embedder has stopped."""


def main(argv: list[str]) -> int:
    from index.store import current_build, embed_missing, vectors_missing
    from kb.corpus import load_corpus, parse_cache_dir

    root, instance = argv[:2]
    parent = int(argv[2]) if len(argv) > 2 else None
    corpus = load_corpus(root, parse_cache_dir(instance))
    cur = current_build(instance)
    if cur is None or cur[1].get("content_hash") != corpus.content_hash() or not vectors_missing(cur[1]):
        return 0  # nothing built for this corpus yet, or nothing missing

    def progress(done: int, total: int) -> None:
        if parent is not None and os.getppid() != parent:
            raise ParentGone

    try:
        embed_missing(corpus, instance, progress=progress)
    except ParentGone:
        pass  # what was computed is in the cache and in the build (embed_missing's finally)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
