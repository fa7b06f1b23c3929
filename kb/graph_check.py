"""Consistency check: numbers a plan states twice, compared.

A plan repeats itself: the review gives 每万人口发明专利拥有量 27.8件, the previous plan's
completion table gives 27.8 too; the main-indicator table's 2020 base of 知识产权保护社会
满意度 is 80 while the completion table says 75.07. The comparisons are a named chain of
one-job rules (``CHECK_RULES``); each finding records ``rule:<the function's name>``:

  ``table_vs_table``          the completion table's result with the main table's base (the
                              same year), for near-identical names (edit similarity);
  ``table_vs_table_subject``  the same, for the same subject with the same value (agreements
                              only);
  ``text_vs_table``           a number in the text with a cell of an indicator table, when the
                              text's metric names the indicator.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from kb.extract import extract_targets
from kb.graph_build import NO_FACTS
from kb.graph_indicators import same_quantity, unit_base
from kb.graph_terms import TermWeights, edit_similarity
from kb.model import Document

SAME_NAME = 0.8        # edit similarity for "the same metric"
SIMILAR_SUBJECT = 0.6  # term coverage for "about the same thing" (agreements only)


@dataclass
class Plan:
    """What the check rules read about one document."""
    doc: Document
    rows: list[dict]
    tw: TermWeights

    @property
    def history(self) -> list[dict]:
        return [r for r in self.rows if r["history"]]

    @property
    def current(self) -> list[dict]:
        return [r for r in self.rows if not r["history"]]


@dataclass
class Findings:
    agreements: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    seen: set = field(default_factory=set)

    def record(self, doc_id: str, kind: str, metric: str, a: dict, b: dict, rule: Callable, score: float):
        key = (kind, a["source"], b["source"], a.get("cell"), b.get("cell"))
        if key in self.seen:
            return
        self.seen.add(key)
        (self.agreements if kind == "agreement" else self.conflicts).append(
            {"document": doc_id, "metric": metric, "values": [a, b], "rule": f"rule:{rule.__name__}",
             "score": round(score, 3)})


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


def _result_and_base(p: Plan):
    """(completion row, main row, their values as findings) for every pair of the same year
    and the same kind of number (a stock or an increment)."""
    for h in p.history:
        res = h.get("result")
        if not res:
            continue
        for c in p.current:
            base = c.get("base")
            if not base or bool(base.get("increment")) != bool(res.get("increment")):
                continue
            same = same_quantity(res["value"], h["unit"], base["value"], c["unit"])
            if same is None:
                continue
            a = {"source": h["id"], "name": h["name"], "cell": "result", "value": res["value"],
                 "unit": h["unit"], "text": res.get("text", ""), "year": h.get("target_year")}
            b = {"source": c["id"], "name": c["name"], "cell": "base", "value": base["value"],
                 "unit": c["unit"], "text": base.get("text", ""), "year": c.get("base_year")}
            yield h, c, same, a, b


def table_vs_table(p: Plan, found: Findings) -> None:
    """The completion table's result and the main table's base of one metric (near-identical
    names): an agreement when equal, else a conflict."""
    for h, c, same, a, b in _result_and_base(p):
        sim = edit_similarity(h["name"], c["name"])
        if sim >= SAME_NAME:
            found.record(p.doc.id, "agreement" if same else "conflict", c["name"], a, b, table_vs_table, sim)


def table_vs_table_subject(p: Plan, found: Findings) -> None:
    """Differently named rows about the same subject with the same value agree."""
    for h, c, same, a, b in _result_and_base(p):
        if edit_similarity(h["name"], c["name"]) >= SAME_NAME or not same:
            continue
        cov = p.tw.coverage(c.get("subject") or c["name"], h["name"])
        if cov >= SIMILAR_SUBJECT:
            found.record(p.doc.id, "agreement", c["name"], a, b, table_vs_table_subject, cov)


def text_vs_table(p: Plan, found: Findings) -> None:
    """A number stated in the text against the table row its metric names: agreeing with any
    cell, or, for the same metric, conflicting with the table's figure for the same time."""
    start, end = p.doc.period
    for cl in p.doc.clauses:
        if cl.kind in NO_FACTS:
            continue
        for t in extract_targets(cl.text, end, start, statements=True):
            metric = _strip(t.metric)
            if len(metric) < 3:
                continue
            for r in p.rows:
                ub = unit_base(t.unit)[0]
                if not ub or ub != unit_base(r["unit"])[0]:
                    continue
                sim = edit_similarity(metric, r["name"])
                cov = p.tw.coverage(r.get("subject") or r["name"], metric)
                if sim < SAME_NAME and cov < SIMILAR_SUBJECT:
                    continue
                a = {"source": cl.id, "name": t.metric, "cell": "text", "value": t.value,
                     "unit": t.unit, "text": t.text}
                matched = next(((key, v) for key, v in _cells(r)
                                if same_quantity(t.value, t.unit, v["value"], r["unit"])), None)
                if matched:
                    key, v = matched
                    found.record(p.doc.id, "agreement", r["name"], a, _cell(r, key, v), text_vs_table,
                                 max(sim, cov))
                elif sim >= SAME_NAME:
                    # a reported figure vs the table's figure for the same time
                    key = "result" if r["history"] else "base"
                    v = r.get(key)
                    if not v or v.get("increment") and not t.increment:
                        continue
                    found.record(p.doc.id, "conflict", r["name"], a, _cell(r, key, v), text_vs_table, sim)


def _cell(r: dict, key: str, v: dict) -> dict:
    return {"source": r["id"], "name": r["name"], "cell": key, "value": v["value"], "unit": r["unit"],
            "text": v.get("text", "")}


CHECK_RULES: tuple[Callable[[Plan, Findings], None], ...] = (table_vs_table, table_vs_table_subject,
                                                            text_vs_table)


def check(pg) -> dict:
    found = Findings()
    for doc in pg.corpus.documents:
        rows = pg.indicator_rows(doc.id)
        if not rows:
            continue
        plan = Plan(doc, rows, TermWeights([c.text for c in doc.clauses]))
        for rule in CHECK_RULES:
            rule(plan, found)
    return {"agreements": found.agreements, "conflicts": found.conflicts,
            "summary": {"agreements": len(found.agreements), "conflicts": len(found.conflicts)}}
