"""Search in staff's words on a plan the ranking was not built around.

Every staff set in ``bench/judged_staff*.tsv`` asks about the seed plan, whose words the
thesaurus and the ranking's rules were tuned on. This benchmark asks the same engine about
another plan the users add: the national 14th five-year outline (a PDF the ingest reads
here, placed in one corpus beside the seed, as a user's instance holds several plans). Its
sets were written blind from that plan's clause texts (``judged_nat*.tsv``; ids without a
document prefix are the outline's). Numbers, not assertions.

    .venv/bin/python bench/other_plans.py [--pdf PATH]

The outline's vectors are computed on the first run (about two minutes on two cores) and
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
DOC_ID = "cn-14fyp"
PDF = ROOT.parent / "shared" / "corpus-samples" / "originals" / "national-14fyp-outline.pdf"
# (name, file, split): the first written blind and held out (measured, never tuned on), the
# second written blind to be tuned on.
NAT_SETS = (
    ("nat1", HERE / "judged_nat1.tsv", "held"),
    ("nat2", HERE / "judged_nat2.tsv", "tune"),
)


def two_plan_corpus(pdf: Path, into: Path) -> Path:
    """The seed's corpus folder with the outline's canonical Markdown beside it."""
    from kb.ingest import ingest_file, write_atomic

    shutil.copytree(ROOT / "corpus", into, dirs_exist_ok=True)
    result = ingest_file(pdf, into, doc_id=DOC_ID)
    if result.text_copy:  # the lines {raw=…} counts
        write_atomic(into / result.text_copy[0], result.text_copy[1])
    write_atomic(into / f"{DOC_ID}.md", result.markdown)
    return into


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", type=Path, default=PDF)
    ap.add_argument("--failures", action="store_true", help="list misses on the tune sets only")
    args = ap.parse_args(argv)
    if not args.pdf.exists():
        sys.exit(f"找不到国家纲要原文：{args.pdf}")

    from kb.corpus import load_corpus
    from index import build_index, open_index
    from peers import Fts5Peer, RankBm25Peer

    with tempfile.TemporaryDirectory(prefix="plankb-other-") as tmp:
        corpus = load_corpus(two_plan_corpus(args.pdf, Path(tmp) / "corpus"))
        instance = Path(tmp) / "instance"
        build_index(corpus, instance)
        ix = open_index(corpus, instance)
        sets = {}
        for name, path, split in NAT_SETS:
            if not path.exists():
                continue
            rows = load_kinds(path, doc_prefix=DOC_ID + ":")
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
