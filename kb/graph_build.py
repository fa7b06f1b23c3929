"""Building the plan graph: structure, extracted facts, and the links between them.

Every edge records how it was made (``evidence``: ``rule:<name>`` or ``curated``) and the
clause it rests on, so a user can see why a task is said to serve an indicator.
"""
from __future__ import annotations

from typing import Optional

import networkx as nx

from kb.extract import (extract_targets, find_bodies, find_regions, find_responsibility,
                        load_gazetteer, province_of)
from kb.extract.bodies import acts, kind_of
from kb.extract.deadlines import Deadline, find_deadlines, implied
from kb.extract.targets import Target
from kb.extract.text import clip, normalize, sentences
from kb.graph_indicators import indicator_rows
from kb.graph_links import read_links, resolve_links
from kb.graph_linking import link_document, plan_for
from kb.graph_terms import Subjects
from kb.model import Document

# clause kinds that carry work (what "task" means for tracing) and those read for targets
TASK_KINDS = ("task", "measure", "box_item")
# a clause with a responsibility tag is a task whatever its kind (a plan whose sections are
# one tagged paragraph each parses them as section intros)
TARGET_KINDS = ("task", "measure", "box_item", "goal", "intro", "text", "principle")
NO_FACTS = ("table_row", "note", "footnote")

def _short(text: str, n: int = 28) -> str:
    return clip(text, n, "…")


def _clause_label(c) -> str:
    return c.lead or _short(c.text)


def build(corpus) -> tuple[nx.MultiDiGraph, dict]:
    g = nx.MultiDiGraph()
    info: dict = {"targets": {}, "indicators": {}, "warnings": [], "tasks": set()}
    gazetteer_dir = corpus.root / "gazetteer"
    base_gaz = load_gazetteer(gazetteer_dir)
    for doc in corpus.documents:
        _add_document(g, doc, base_gaz, gazetteer_dir, info)
    raw = read_links(corpus.root / "links.toml")
    links, warnings = resolve_links(raw, corpus, info["indicators"])
    info["warnings"].extend(warnings)
    for link in links:
        if link.reject:
            for u, v, k in list(g.edges(link.source, keys=True)):
                if v == link.target and g.edges[u, v, k].get("kind") == link.kind:
                    g.remove_edge(u, v, k)
            continue
        clause = link.source if corpus.clause(link.source) else g.nodes.get(link.source, {}).get("clause", "")
        _edge(g, link.source, link.target, link.kind, "curated", clause, note=link.note)
    return g, info


def _edge(g, u, v, kind, evidence, clause="", **attrs) -> None:
    """One edge per (u, v, kind): the first evidence wins, later ones are kept as alternates."""
    if g.has_edge(u, v, key=kind):
        e = g.edges[u, v, kind]
        if evidence == "curated" and e["evidence"] != "curated":
            e["also"] = e["evidence"]
            e["evidence"] = "curated"
        return
    g.add_edge(u, v, key=kind, kind=kind, evidence=evidence, clause=clause, **attrs)


def _node(g, nid, kind, label, **attrs) -> None:
    if nid not in g:
        g.add_node(nid, kind=kind, label=label, **attrs)


def _add_document(g, doc: Document, base_gaz, gazetteer_dir, info) -> None:
    province = province_of(doc.title, str(doc.meta.get("issuer", "")), str(doc.meta.get("region", "")))
    gaz = base_gaz.for_province(province)
    _add_structure(g, doc)
    _add_mentions(g, doc, gaz)
    _body_parents(g, gaz)
    for c in doc.clauses:
        if c.kind in TASK_KINDS or any(k in ("responsible", "supports")
                                       for _, _, k in g.out_edges(c.id, keys=True)):
            info["tasks"].add(c.id)
            g.nodes[c.id]["task"] = True
    _add_targets(g, doc, info)
    _add_indicators(g, doc, info)
    prov_names = [e.name for e in gaz.regions if e.kind == "province"] + [
        a for e in gaz.regions if e.kind == "province" for a in e.aliases]
    _link_document(g, doc, info, Subjects.load(gazetteer_dir, prov_names))


def _container(g, doc: Document, chapter, section) -> str:
    """The node that holds something printed in a chapter or section: the most specific
    one the graph has, else the document."""
    if section:
        nid = f"{doc.id}:{chapter}.{section}"
    elif chapter:
        nid = f"{doc.id}:{chapter}"
    else:
        nid = doc.id
    return nid if nid in g else doc.id


def _add_structure(g, doc: Document) -> None:
    roles = {ch.number: ch.role for ch in doc.chapters}
    _node(g, doc.id, "document", doc.title, document=doc.id)
    for ch in doc.chapters:
        cid = f"{doc.id}:{ch.number}"
        _node(g, cid, "chapter", ch.heading or ch.title, document=doc.id, role=ch.role)
        _edge(g, doc.id, cid, "contains", "rule:structure")
        for s in ch.sections:
            sid = f"{doc.id}:{ch.number}.{s.number}"
            _node(g, sid, "section", s.heading or s.title, document=doc.id)
            _edge(g, cid, sid, "contains", "rule:structure")
    for b in doc.boxes:
        bid = f"{doc.id}:box{b.number}"
        _node(g, bid, "box", b.heading or f"专栏{b.number} {b.title}", document=doc.id)
        _edge(g, _container(g, doc, b.chapter, b.section), bid, "contains", "rule:structure")
    for t in doc.tables:
        tid = f"{doc.id}:t{t.number}"
        _node(g, tid, "table", t.title or f"表{t.number}", document=doc.id)
        _edge(g, _container(g, doc, t.chapter, t.section), tid, "contains", "rule:structure")
    for c in doc.clauses:
        if c.kind == "table_row":
            continue
        _node(g, c.id, "clause", _clause_label(c), document=doc.id, clause_kind=c.kind,
              text=c.text, chapter=c.chapter, section=c.section, box=c.box,
              breadcrumb=list(c.breadcrumb), order=c.order, chapter_role=roles.get(c.chapter, ""))
        if c.box:
            parent = f"{doc.id}:box{c.box}"
        elif c.table:
            parent = f"{doc.id}:t{c.table}"
        else:
            parent = _container(g, doc, c.chapter, c.section)
        _edge(g, parent if parent in g else doc.id, c.id, "contains", "rule:structure")


def _add_mentions(g, doc: Document, gaz) -> None:
    """Responsibility tags, then bodies and regions named outside the tags."""
    rule = False  # a “列第一位者为牵头部门，下同” seen earlier in the document
    for c in doc.clauses:
        if c.kind in NO_FACTS:
            continue
        tags = find_responsibility(c.text, rule)
        for r in tags:
            rule = rule or r.first_leads
            for kind, units in (("responsible", r.lead), ("supports", r.support)):
                for u in units:
                    name = gaz.canonical_body(u)
                    _body_node(g, gaz, name, u)
                    _edge(g, c.id, f"body:{name}", kind, "rule:responsibility_tag", c.id,
                          role="lead" if kind == "responsible" else "support", tag=r.text)
        tagged = {i for r in tags for i in range(r.start, r.end)}
        for b in find_bodies(c.text, gaz):
            if b.start in tagged:
                continue
            _body_node(g, gaz, b.name, b.surface, b.kind)
            if acts(c.text, b, gaz):  # 由省版权局负责……: the subject of the action is responsible
                _edge(g, c.id, f"body:{b.name}", "responsible", "rule:body_acts", c.id,
                      surface=b.surface, role="lead")
                continue
            _edge(g, c.id, f"body:{b.name}", "mentions", f"rule:body_{b.source}", c.id,
                  surface=b.surface)
        for r in find_regions(c.text, gaz):
            rid = f"region:{r.name}"
            _node(g, rid, "region", r.name, region_kind=r.kind,
                  kind_label=gaz.region_kinds.get(r.kind, r.kind))
            _edge(g, c.id, rid, "mentions", "rule:region_gazetteer", c.id, surface=r.surface)


def _add_targets(g, doc: Document, info) -> None:
    start, end = doc.period
    roles = {ch.number: ch.role for ch in doc.chapters}
    lead_in: dict = {}  # (chapter, section) → the deadline of “到2025年，……实现如下主要目标：”
    for c in doc.clauses:
        if c.kind not in TARGET_KINDS or roles.get(c.chapter) == "review":
            continue
        found = [t for t in extract_targets(c.text, plan_end=end, plan_start=start)
                 if not (start and t.deadline.kind in ("by", "period") and t.deadline.year
                         and t.deadline.year < start)]  # the last plan's results, not targets
        dl = _goal_lead_in(c.text, start, end)
        if dl is not None:
            lead_in[(c.chapter, c.section)] = dl
        if c.kind == "goal" and c.lead and not found:
            # a listed main goal (——知识产权保护水平显著提升。……): its lead, dated by the lead-in
            t = Target(text=c.lead + "。", metric=c.lead.rstrip("。"), value=None,
                       deadline=lead_in.get((c.chapter, c.section)) or implied(end))
            found = [t]
        if _is_statement(c, found):
            g.nodes[c.id]["statement"] = True
        for k, t in enumerate(found, 1):
            tid = f"target:{c.id}.t{k}"
            d = t.to_json()
            d.update(id=tid, clause=c.id, document=doc.id)
            _node(g, tid, "target", _short(t.label, 40), document=doc.id, clause=c.id,
                  metric=t.metric, value=t.value, unit=t.unit)
            info["targets"][tid] = {"target": t, "json": d, "clause": c}
            _edge(g, c.id, tid, "sets_target", "rule:same_clause", c.id)
            dl = t.deadline
            did = _deadline_node(g, dl)
            if did:
                _edge(g, tid, did, "due", "rule:implied_deadline" if dl.kind == "implied"
                      else f"rule:deadline_{dl.kind}", c.id, text=dl.text)


def _is_statement(c, found) -> bool:
    """A target statement (“十四五”期间，全省专利、商标质押融资金额达2500亿元……): a clause
    with no lead of its own whose every sentence opens with its deadline and states a
    level (metric 达 value), not work (建设150个……). Its targets are what it
    says; a trace draws them as targets, not the clause as a task."""
    if c.lead or not found or c.kind not in TASK_KINDS:
        return False
    for _, _, sent in sentences(normalize(c.text)):
        sent = sent.strip()
        opening = [d for d in find_deadlines(sent) if d.kind in ("by", "period") and d.start <= 1]
        first = next((t for t in found if t.text == sent), None)
        # a sentence that asks for work (建设150个……) is a task, one that states a level is not
        if first is None or not opening or first.action:
            return False
    return True


def _add_indicators(g, doc: Document, info) -> None:
    for row in indicator_rows(doc):
        iid = row["id"]
        label = f"{row['number']}. {row['name']}" if row["number"] else row["name"]
        _node(g, iid, "indicator", label, document=doc.id, clause=row["clause"],
              history=row["history"], unit=row["unit"])
        info["indicators"][iid] = row
        table = f"{doc.id}:t{row['table']}"
        _edge(g, table if table in g else doc.id, iid, "contains", "rule:structure")
        if not row["history"] and row["target_year"]:
            did = _deadline_node(g, Deadline("by", row["target_year"], ""))
            _edge(g, iid, did, "due", "rule:indicator_table", row["clause"])


def _goal_lead_in(text: str, start, end) -> Optional[Deadline]:
    """The deadline of a sentence that introduces a list of goals (……实现如下主要目标：)."""
    t = normalize(text).rstrip()
    if not t.endswith("：") or "目标" not in t[-20:]:
        return None
    dated = [d for d in find_deadlines(t, end) if d.kind in ("by", "period") and d.year
             and (not start or d.year >= start)]
    return dated[-1] if dated else None


def _body_node(g, gaz, name, surface, kind=None) -> None:
    """A body's node, made on first mention; ``kind`` None: the gazetteer's, else guessed
    from the name. A surface form other than the name becomes an alias."""
    bid = f"body:{name}"
    if bid not in g:
        entry = gaz.body_entry(name)
        if kind is None:
            kind = entry.kind if entry else kind_of(name)
        k = kind or (entry.kind if entry else "actor")
        g.add_node(bid, kind="body", label=name, body_kind=k,
                   kind_label=gaz.body_kinds.get(k, k), category=bool(entry and entry.category),
                   aliases=sorted(set(entry.aliases) - {name}) if entry else [])
    collective = gaz.body_entry(surface) if surface else None
    if collective is not None and collective.members:
        return  # 高校院所 names 高校 and 科研院所; it is an alias of neither
    if surface and surface != name and surface not in g.nodes[bid]["aliases"]:
        g.nodes[bid]["aliases"] = sorted(set(g.nodes[bid]["aliases"]) | {surface})


def _body_parents(g, gaz) -> None:
    """A 分中心 belongs to its 中心: the gazetteer's ``parent``, else the longest known body
    whose name begins the sub-centre's (国家海外……指导中心深圳分中心 → 国家海外……指导中心)."""
    names = {e.name for e in gaz.bodies} | {a["label"] for _, a in g.nodes(data=True) if a["kind"] == "body"}
    for bid, a in list(g.nodes(data=True)):
        if a["kind"] != "body" or a.get("parent"):
            continue
        name = a["label"]
        entry = gaz.body_entry(name)
        parent = entry.parent if entry and entry.parent else None
        if parent is None and name.endswith("分中心"):
            cands = [n for n in names if n != name and n.endswith("中心") and not n.endswith("分中心")
                     and name.startswith(n)]
            parent = max(cands, key=len) if cands else None
        if parent:
            _body_node(g, gaz, parent, "")
            a["parent"] = f"body:{parent}"


def _deadline_node(g, d: Deadline) -> Optional[str]:
    if d.kind == "annual":
        did = "deadline:annual"
        _node(g, did, "deadline", "每年", year=None)
        return did
    if d.year is None:
        return None
    did = f"deadline:{d.year}"
    _node(g, did, "deadline", f"{d.year}年", year=d.year)
    return did


def _link_document(g, doc: Document, info, subjects: Subjects) -> None:
    """Targets → indicators, tasks → targets and indicators: the named rules of
    kb.graph_linking, in order."""
    link_document(g, plan_for(doc, info, subjects, _edge))
