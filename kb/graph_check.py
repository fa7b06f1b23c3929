"""Consistency check: numbers a plan states twice, compared.

A plan repeats itself: the review gives 每万人口发明专利拥有量 27.8件, the previous plan's
completion table gives 27.8 too; the main-indicator table's 2020 base of 知识产权保护社会
满意度 is 80 while the completion table says 75.07. Pairs compared:
  - a number in the text with a cell of an indicator table (completion value, base or
    target), when the text's metric names the indicator;
  - the completion table's result with the main table's base (both the same year).
Same metric means near-identical names (edit similarity), or, for an agreement only, the
same subject with the same value and unit.
"""
from __future__ import annotations

from kb.extract import extract_targets
from kb.graph_build import NO_FACTS
from kb.graph_indicators import same_quantity, unit_base
from kb.graph_terms import TermWeights, edit_similarity

SAME_NAME = 0.8        # edit similarity for "the same metric"
SIMILAR_SUBJECT = 0.6  # term coverage for "about the same thing" (agreements only)


def _cells(row: dict) -> list[tuple[str, dict]]:
    out = []
    for key, label in (("result", "完成值"), ("base", "基期值"), ("target", "目标值")):
        v = row.get(key)
        if isinstance(v, dict) and v.get("value") is not None:
            out.append((key, v | {"label": label}))
    return out


def _strip(metric: str) -> str:
    for p in ("全省", "全市", "全国", "我省"):
        if metric.startswith(p):
            metric = metric[len(p):]
    for s in ("累计", "分别", "总额", "达到", "达"):
        if metric.endswith(s):
            metric = metric[: -len(s)]
    return metric


def check(pg) -> dict:
    agreements, conflicts = [], []
    corpus = pg.corpus
    rows_by_doc: dict[str, list[dict]] = {}
    for row in pg._info["indicators"].values():
        rows_by_doc.setdefault(row["document"], []).append(row)
    for doc in corpus.documents:
        rows = rows_by_doc.get(doc.id, [])
        if not rows:
            continue
        start, end = doc.period
        tw = TermWeights([c.text for c in doc.clauses])
        history = [r for r in rows if r["history"]]
        current = [r for r in rows if not r["history"]]
        seen = set()

        def record(kind, metric, a, b, rule, score):
            key = (kind, a["source"], b["source"], a.get("cell"), b.get("cell"))
            if key in seen:
                return
            seen.add(key)
            (agreements if kind == "agreement" else conflicts).append(
                {"document": doc.id, "metric": metric, "values": [a, b], "rule": rule,
                 "score": round(score, 3)})

        # completion table vs main table: the same year, two tables
        for h in history:
            res = h.get("result")
            if not res:
                continue
            for c in current:
                base = c.get("base")
                if not base or bool(base.get("increment")) != bool(res.get("increment")):
                    continue
                same = same_quantity(res["value"], h["unit"], base["value"], c["unit"])
                if same is None:
                    continue
                sim = edit_similarity(h["name"], c["name"])
                cov = tw.coverage(c.get("subject") or c["name"], h["name"])
                a = {"source": h["id"], "name": h["name"], "cell": "result", "value": res["value"],
                     "unit": h["unit"], "text": res.get("text", ""), "year": h.get("target_year")}
                b = {"source": c["id"], "name": c["name"], "cell": "base", "value": base["value"],
                     "unit": c["unit"], "text": base.get("text", ""), "year": c.get("base_year")}
                if sim >= SAME_NAME:
                    record("agreement" if same else "conflict", c["name"], a, b, "rule:table_vs_table", sim)
                elif same and cov >= SIMILAR_SUBJECT:
                    record("agreement", c["name"], a, b, "rule:table_vs_table_subject", cov)

        # text vs tables
        for cl in doc.clauses:
            if cl.kind in NO_FACTS:
                continue
            for t in extract_targets(cl.text, end, start, statements=True):
                metric = _strip(t.metric)
                if len(metric) < 3:
                    continue
                for r in rows:
                    ub = unit_base(t.unit)[0]
                    if not ub or ub != unit_base(r["unit"])[0]:
                        continue
                    sim = edit_similarity(metric, r["name"])
                    cov = tw.coverage(r.get("subject") or r["name"], metric)
                    if sim < SAME_NAME and cov < SIMILAR_SUBJECT:
                        continue
                    a = {"source": cl.id, "name": t.metric, "cell": "text", "value": t.value,
                         "unit": t.unit, "text": t.text}
                    matched = None
                    for key, v in _cells(r):
                        if same_quantity(t.value, t.unit, v["value"], r["unit"]):
                            matched = (key, v)
                            break
                    if matched:
                        key, v = matched
                        record("agreement", r["name"], a,
                               {"source": r["id"], "name": r["name"], "cell": key, "value": v["value"],
                                "unit": r["unit"], "text": v.get("text", "")},
                               "rule:text_vs_table", max(sim, cov))
                    elif sim >= SAME_NAME:
                        # a reported figure vs the table's figure for the same time
                        key = "result" if r["history"] else "base"
                        v = r.get(key)
                        if not v or v.get("increment") and not t.increment:
                            continue
                        record("conflict", r["name"], a,
                               {"source": r["id"], "name": r["name"], "cell": key, "value": v["value"],
                                "unit": r["unit"], "text": v.get("text", "")},
                               "rule:text_vs_table", sim)
    return {"agreements": agreements, "conflicts": conflicts,
            "summary": {"agreements": len(agreements), "conflicts": len(conflicts)}}
