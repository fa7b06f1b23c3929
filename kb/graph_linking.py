"""Linking a plan's tasks, targets and indicators: a named chain of one-job rules.

Each rule is a function ``rule(g, plan)``; an edge it makes records ``evidence =
"rule:<the function's name>"``, so the reason shown beside a link (“关键词相同（质押融资）”)
is a function a reader can open here. The rules run in ``LINK_RULES`` order and an edge is
made once (``add_edge``: the first rule wins), so an earlier, stricter rule names the link.

Thresholds were tuned on the seed plan. Coverage is the share of an indicator subject's
term weight (see graph_terms) that a text contains.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from kb.graph_indicators import same_quantity, unit_base
from kb.graph_terms import Subjects, TermWeights, bigrams
from kb.model import Document

TASK_INDICATOR_LEAD = 0.6        # the task's lead sentence names the subject
TASK_INDICATOR_TEXT = 0.75       # the task's text covers the subject …
TASK_INDICATOR_REPEATED = 0.5    # … or covers most of it and repeats its rarest term
TASK_TARGET_SECTION = 0.65       # a task covers a target's metric in the same section
TARGET_INDICATOR_COVERAGE = 0.6
TARGET_INDICATOR_WITH_VALUE = 0.35
RARE_SHARE = 0.15                # a "rare" bigram is in at most this share of clauses

_GOAL_VERB = re.compile(r"^(?:全面|基本|初步|加快|率先)?(?:建成|建设|建立|形成|打造|培育|设立)"
                        r"(?:一批|一系列|若干|一个|一套)?")


@dataclass
class Plan:
    """What the link rules read about one document."""
    doc: Document
    clauses: list          # every clause but table rows, in plan order
    tasks: set             # ids of clauses that carry work
    targets: dict          # target id → {"target", "json", "clause"} of this document
    indicators: list       # this document's main-indicator rows (with "subject")
    tw: TermWeights
    min_idf: float
    add_edge: Callable     # add_edge(g, u, v, kind, evidence, clause, **attrs)
    _pairs: dict = field(default_factory=dict)

    def pairs(self, text: str) -> set[str]:
        """The bigrams of a text, computed once per text."""
        hit = self._pairs.get(text)
        if hit is None:
            hit = self._pairs[text] = bigrams(text)
        return hit


def plan_for(doc: Document, info: dict, subjects: Subjects, add_edge) -> Plan:
    clauses = sorted((c for c in doc.clauses if c.kind != "table_row"), key=lambda c: c.order)
    tw = TermWeights([c.text for c in clauses])
    indicators = [r for r in info["indicators"].values() if r["document"] == doc.id and not r["history"]]
    for ind in indicators:
        ind["subject"] = subjects.subject(ind["name"])
    targets = {tid: v for tid, v in info["targets"].items() if v["clause"].document == doc.id}
    return Plan(doc, clauses, info["tasks"], targets, indicators, tw, tw.rare_idf(RARE_SHARE), add_edge)


# -- target → indicator (measured_by) ----------------------------------------------------

def _comparable(t, ind) -> bool:
    return t.value is not None and not (t.unit and ind["unit"] and
                                        unit_base(t.unit)[0] != unit_base(ind["unit"])[0])


def metric_terms(g, p: Plan) -> None:
    """A target is measured by an indicator whose subject its metric names (most of the
    subject's weight, a rare term shared)."""
    for tid, v in p.targets.items():
        t = v["target"]
        for ind in p.indicators:
            if not _comparable(t, ind) or not p.tw.shared(ind["subject"], t.metric, p.min_idf):
                continue
            cov = p.tw.coverage(ind["subject"], t.metric)
            if cov >= TARGET_INDICATOR_COVERAGE:
                p.add_edge(g, tid, ind["id"], "measured_by", "rule:metric_terms", v["clause"].id,
                           score=round(cov, 3), terms=words_of(p, ind["subject"], t.metric))


def metric_value(g, p: Plan) -> None:
    """A target whose value is the indicator's planned value, and whose metric names part
    of the indicator's subject."""
    for tid, v in p.targets.items():
        t = v["target"]
        for ind in p.indicators:
            tgt = ind["target"]
            if not _comparable(t, ind) or not tgt or not p.tw.shared(ind["subject"], t.metric, p.min_idf):
                continue
            cov = p.tw.coverage(ind["subject"], t.metric)
            if cov >= TARGET_INDICATOR_WITH_VALUE and same_quantity(t.value, t.unit, tgt["value"], ind["unit"]):
                p.add_edge(g, tid, ind["id"], "measured_by", "rule:metric_value", v["clause"].id,
                           score=round(cov, 3), terms=words_of(p, ind["subject"], t.metric))


# -- task → target (serves) --------------------------------------------------------------

def box_follows(g, p: Plan) -> None:
    """A box details the task it follows in the same section: the box's targets serve that
    task, and the box records it (``details``) so a trace from the box reaches the task's
    indicators too."""
    first: dict = {}
    for i, c in enumerate(p.clauses):
        if c.box and c.box not in first:
            first[c.box] = i
    for box, i in first.items():
        prev = next((q for q in reversed(p.clauses[:i]) if not q.box and q.id in p.tasks), None)
        if prev is None or (prev.chapter, prev.section) != (p.clauses[i].chapter, p.clauses[i].section):
            continue
        bid = f"{p.doc.id}:box{box}"
        if bid in g:
            g.nodes[bid]["details"] = prev.id
        for tid, v in p.targets.items():
            if v["clause"].box == box:
                p.add_edge(g, prev.id, tid, "serves", "rule:box_follows", v["clause"].id, box=bid)


def section_terms(g, p: Plan) -> None:
    """A task serves a target elsewhere in its section (a box, the section's closing goal)
    naming the same thing. A target another task sets is that task's own: a neighbour that
    merely shares its words (推广……快保护模式 beside 80%以上地市建立快保护机制) does not
    serve it."""
    for tid, v in p.targets.items():
        t, home = v["target"], v["clause"]
        if not t.metric or home.section is None or home.id in p.tasks:
            continue
        what = _GOAL_VERB.sub("", t.metric) or t.metric  # 建成一批X: X is what is asked
        for c in p.clauses:
            if c.id not in p.tasks or c.id == home.id or c.box or \
                    (c.chapter, c.section) != (home.chapter, home.section):
                continue
            tb = p.pairs(c.text)
            cov = p.tw.coverage(what, tb)
            if p.tw.shared(what, tb, p.min_idf) and cov >= TASK_TARGET_SECTION:
                p.add_edge(g, c.id, tid, "serves", "rule:section_terms", home.id,
                           score=round(cov, 3), terms=words_of(p, what, c.text))


# -- task → indicator (serves) -----------------------------------------------------------

def key_terms_lead(g, p: Plan) -> None:
    """A task whose lead sentence (its title) names most of an indicator's subject."""
    for c in p.clauses:
        if c.id not in p.tasks or not c.lead:
            continue
        tb, lb = p.pairs(c.text), p.pairs(c.lead)
        for ind in p.indicators:
            if not p.tw.shared(ind["subject"], tb, p.min_idf):
                continue
            lcov = p.tw.coverage(ind["subject"], lb)
            if lcov >= TASK_INDICATOR_LEAD:
                cov = p.tw.coverage(ind["subject"], tb)
                p.add_edge(g, c.id, ind["id"], "serves", "rule:key_terms_lead", c.id,
                           score=round(max(cov, lcov), 3), terms=words_of(p, ind["subject"], c.text))


def key_terms(g, p: Plan) -> None:
    """A task whose text covers an indicator's subject, or most of it while repeating its
    rarest term."""
    for c in p.clauses:
        if c.id not in p.tasks:
            continue
        tb = p.pairs(c.text)
        for ind in p.indicators:
            shared = p.tw.shared(ind["subject"], tb, p.min_idf)
            if not shared:
                continue
            cov = p.tw.coverage(ind["subject"], tb)
            if cov >= TASK_INDICATOR_TEXT or (cov >= TASK_INDICATOR_REPEATED and c.text.count(shared[0]) >= 2):
                lcov = p.tw.coverage(ind["subject"], p.pairs(c.lead)) if c.lead else 0.0
                p.add_edge(g, c.id, ind["id"], "serves", "rule:key_terms", c.id,
                           score=round(max(cov, lcov), 3), terms=words_of(p, ind["subject"], c.text))


LINK_RULES: tuple[Callable, ...] = (metric_terms, metric_value, box_follows, section_terms,
                                    key_terms_lead, key_terms)


def link_document(g, plan: Plan) -> None:
    for rule in LINK_RULES:
        rule(g, plan)


def words_of(p: Plan, name: str, text: str) -> str:
    """The shared words as a person names them (质押融资), not character pairs."""
    return "、".join(p.tw.shared_words(name, text, p.min_idf)[:4])
