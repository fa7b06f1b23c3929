"""The hand-judged suggestion cases and judged indicator links: how many pass.

Run: ``.venv/bin/python bench/suggestions.py [--corpus DIR] [-v]``.
Reads ``tests/data/suggestions_judged.toml`` (clause → acceptable 牵头单位 / forbidden units)
and ``tests/data/indicator_links_judged.toml`` (box or task → a main indicator its trace must
reach) and prints the number passing, with the reason of each failure. Numbers, not
assertions: tests/test_graph_suggest_judged.py asserts they all pass.
"""
from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOC = "gd-ip-14fyp"
SUGGESTIONS = ROOT / "tests" / "data" / "suggestions_judged.toml"
INDICATOR_LINKS = ROOT / "tests" / "data" / "indicator_links_judged.toml"


def load(path: Path, key: str) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8"))[key]


def judge_suggestion(pg, case: dict) -> str:
    """'' when the suggestion for the case's clause is acceptable, else why not."""
    try:
        s = pg.suggest(f"{DOC}:{case['clause']}")
    except KeyError:
        s = {"lead": [], "support": []}
    lead, support = list(s["lead"]), list(s["support"])
    every = lead + support
    if case.get("none"):
        return "" if not every else f"应无建议，却有 {every}"
    if case.get("lead") and (not lead or lead[0] not in case["lead"]):
        return f"牵头 {lead} 不在 {case['lead']}"
    missing = [u for u in case.get("support", []) if u not in every]
    if missing:
        return f"缺 {missing}（有 {every}）"
    bad_lead = [u for u in case.get("forbid_lead", []) if u in lead]
    if bad_lead:
        return f"不应牵头：{bad_lead}"
    bad = [u for u in case.get("forbid", []) if u in every]
    if bad:
        return f"不应建议：{bad}"
    return ""


def judge_link(pg, link: dict) -> str:
    start = f"{DOC}:{link['start']}"
    want = f"indicator:{DOC}:t2.r{link['indicator']}"
    got = [i["id"] for i in pg.trace(start)["indicators"]]
    return "" if want in got else f"到不了指标{link['indicator']}（到 {got}）"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "corpus"))
    ap.add_argument("-v", "--verbose", action="store_true", help="list every failing case")
    args = ap.parse_args(argv)
    from kb.corpus import load_corpus
    from kb.graph import build_graph

    pg = build_graph(load_corpus(Path(args.corpus)))
    for title, items, fn, name in (
            ("建议的牵头/配合单位", load(SUGGESTIONS, "case"), judge_suggestion, "clause"),
            ("任务/专栏到指标的关联", load(INDICATOR_LINKS, "link"), judge_link, "start")):
        fails = [(it, why) for it in items if (why := fn(pg, it))]
        print(f"{title}：{len(items) - len(fails)}/{len(items)} 通过")
        if args.verbose:
            for it, why in fails:
                print(f"  {it[name]}（{it.get('what') or it.get('why')}）：{why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
