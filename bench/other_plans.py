"""Search in staff's words on a plan the ranking was not built around.

Every staff set in ``bench/judged_staff*.tsv`` asks about the seed plan, whose words the
thesaurus and the ranking's rules were tuned on. This benchmark asks the same engine about
plans the users add: the national 14th five-year outline (a PDF), Shandong's education
plan (text) and the civil-explosives industry's 13th plan (a web page), read by the ingest
here and placed in one corpus beside the seed, as a user's instance holds several plans.
Their sets were written blind from each plan's clause texts (``judged_nat*.tsv``,
``judged_edu*.tsv``, ``judged_mb*.tsv``; ids without a document prefix are that plan's).
Numbers, not assertions.

    .venv/bin/python bench/other_plans.py [--failures]

The plans' vectors are computed on the first run (about three minutes on two cores) and
kept in the embedding cache (``PLANKB_EMBED_CACHE``), so later runs take seconds.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from judged import KINDS, load_kinds, relevance  # noqa: E402

HERE = Path(__file__).resolve().parent
SAMPLES = ROOT.parent / "shared" / "corpus-samples"
# (document id, source file)
PLANS = (
    ("cn-14fyp", SAMPLES / "originals" / "national-14fyp-outline.pdf"),
    ("sd-edu-14fyp", SAMPLES / "shandong-education-14fyp.txt"),
    ("mbhy-13fyp", ROOT / "tests" / "data" / "plans" / "mbhy-13fyp.html"),
)
# (name, file, split, document id): written blind from the plan's clause texts; the held-out
# ones measured, never tuned on (nat1 and edu1: totals at the start and the end of session 8,
# and at the end of session 9 (nat1 once more in it, with a trial re-ranker); on the four plans,
# 517804f → 5be6f9f → 71a9611: nat1 0.725 → 0.728 → 0.733, edu1 0.779 → 0.796 → 0.801, while
# the tuned nat2 0.725 → 0.779 → 0.774, nat3 0.723 → 0.776 → 0.783, mb1 0.657 → 0.709 → 0.714).
# Session 10 (the seed's turn of question vectors, index/adapter.py, and the re-ranker refitted
# under it; the other plans have no turn): nat1 0.733 → 0.762, edu1 0.801 → 0.818, nat2 0.774 →
# 0.799, nat3 0.783 → 0.789, mb1 0.714 → 0.709.
OTHER_SETS = (
    ("nat1", HERE / "judged_nat1.tsv", "held", "cn-14fyp"),
    ("nat2", HERE / "judged_nat2.tsv", "tune", "cn-14fyp"),
    ("nat3", HERE / "judged_nat3.tsv", "tune", "cn-14fyp"),
    ("edu1", HERE / "judged_edu1.tsv", "held", "sd-edu-14fyp"),
    ("mb1", HERE / "judged_mb1.tsv", "tune", "mbhy-13fyp"),
)


def several_plan_corpus(into: Path) -> Path:
    """The seed's corpus folder with the other plans' canonical Markdown beside it."""
    from kb.ingest import ingest_file

    shutil.copytree(ROOT / "corpus", into, dirs_exist_ok=True)
    for doc_id, source in PLANS:
        ingest_file(source, into, doc_id=doc_id).write(into)
    return into


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--failures", action="store_true", help="list misses on the tune sets only")
    args = ap.parse_args(argv)
    missing = [str(p) for _, p in PLANS if not p.exists()]
    if missing:
        sys.exit("找不到规划原文：" + "、".join(missing))

    from kb.corpus import load_corpus
    from index import build_index, open_index
    from peers import Fts5Peer, RankBm25Peer

    with tempfile.TemporaryDirectory(prefix="plankb-other-") as tmp:
        corpus = load_corpus(several_plan_corpus(Path(tmp) / "corpus"))
        instance = Path(tmp) / "instance"
        build_index(corpus, instance)
        ix = open_index(corpus, instance)
        sets = {}
        for name, path, split, doc_id in OTHER_SETS:
            rows = load_kinds(path, doc_prefix=doc_id + ":")
            sets[f"{name}:{split}"] = rows
            for kind in KINDS:
                if any(r[3] == kind for r in rows):
                    sets[f"{name}:{split}:{kind}"] = [r for r in rows if r[3] == kind]
        queries = list(dict.fromkeys(q for rows in sets.values() for q, *_ in rows))
        systems = [("ours (hybrid)" if ix.semantic else "ours (lexical only)",
                    lambda q: [h["id"] for h in ix.search(q, limit=10)["hits"]])]
        for peer_cls in (Fts5Peer, RankBm25Peer):
            peer = peer_cls(corpus, ix.tokens)
            systems.append((peer.name, peer.search))
        clauses = {d.id: len(d.clauses) for d in corpus.documents}
        print(f"plans: {clauses}; {len(queries)} queries")
        head = f"{'set':<22} {'n':>3} {'system':<22} {'hit@1':>6} {'hit@3':>6} {'MRR@10':>7}"
        print(head + "\n" + "-" * len(head))
        ranked = {}
        for name, search in systems:
            ranked[name] = {q: search(q) for q in queries}
        for key, rows in sets.items():
            for name, _ in systems:
                r = relevance([ranked[name][q] for q, *_ in rows], rows)
                print(f"{key:<22} {len(rows):>3} {name:<22} {r['hit@1']:6.3f} {r['hit@3']:6.3f} {r['mrr@10']:7.3f}")
        if args.failures:
            ours = ranked[systems[0][0]]
            for key, rows in sets.items():
                if key.count(":") != 1 or not key.endswith(":tune"):
                    continue
                for q, grades, *_ in rows:
                    ids = ours[q]
                    if ids[:1] and grades.get(ids[0]) == 2:
                        continue
                    first = next((i for i, c in enumerate(ids, 1) if c in grades), None)
                    best = [c.split(":", 1)[1] for c, g in grades.items() if g == 2]
                    print(f"  {q[:34]:<34} first={first} want={' '.join(best)} "
                          f"top3={' '.join(c.split(':', 1)[1] for c in ids[:3])}")
        ix.close()


if __name__ == "__main__":
    main()
