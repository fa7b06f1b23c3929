"""The plan graph: which targets and indicators a task serves, by when, and who is asked.

``build_graph(corpus)`` returns a :class:`PlanGraph` over a networkx MultiDiGraph whose
nodes are documents, chapters, sections, boxes, tables, clauses, targets, indicators,
bodies, regions and deadlines, and whose edges (contains, mentions, responsible,
supports, sets_target, due, measured_by, serves) each say how they were made.

Node ids are readable and stable: clause ids as they are (``gd-ip-14fyp:3.2.p4``),
``gd-ip-14fyp:3.2`` a section, ``gd-ip-14fyp:3`` a chapter, ``gd-ip-14fyp:box5`` a box,
``target:gd-ip-14fyp:box5.p1.t2``, ``indicator:gd-ip-14fyp:t2.r4``,
``body:国家知识产权局``, ``region:深圳``, ``deadline:2025``, ``deadline:annual``.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterable, Optional

import networkx as nx

from kb.graph_build import build

NODE_KINDS = {"document": "规划", "chapter": "章", "section": "节", "box": "专栏", "table": "表格",
              "clause": "条文", "target": "目标", "indicator": "指标", "body": "机构",
              "region": "地区", "deadline": "时限"}
EDGE_KINDS = {"contains": "包含", "mentions": "提及", "responsible": "牵头", "supports": "配合",
              "suggested": "建议", "sets_target": "提出目标", "due": "时限", "measured_by": "对应指标",
              "serves": "服务于"}
# a clause → body edge: who is asked (负责: a tag, a subject that acts, a curated assignment),
# who is inferred from the kind of work (建议, duties.toml), who is only named (提及)
ACTOR_EDGES = ("responsible", "supports", "suggested", "mentions")
ROLE_LABELS = {"responsible": "负责", "supports": "配合", "suggested": "建议", "mentions": "提及"}
# clauses that ask nothing of anybody: a body named there is not asked to do it
NOT_ASKED_KINDS = ("review", "preamble", "principle")
NOT_ASKED_ROLES = ("review", "general")  # the last plan's review; guiding thought, principles, goals
# a trace from a hub (a body named in 200 clauses, the year 2025) draws this many tasks (and
# targets) unless asked for more: all of one plan's, or shared among the plans drawn, so the
# page is as large with a hundred plans as with one
TRACE_LIMIT = 20
# … from at most this many plans (its own first, then those with most tasks); the other
# plans are listed with their counts, to be opened one at a time
TRACE_PLANS = 3


class PlanGraph:
    """A built graph plus the lookups the CLI and the web app need."""

    def __init__(self, corpus, g: nx.MultiDiGraph, info: dict):
        self.corpus = corpus
        self.g = g
        self._info = info
        self.warnings: list[str] = list(info.get("warnings", []))
        self._index()

    def _index(self) -> None:
        """Adjacency the listings need, computed once: nodes by kind, a body's sub-bodies,
        the units of a category's kind. Listings then cost what they show, not the graph."""
        self._census: Optional[dict] = None
        self._by_kind: dict[str, list[str]] = {}
        self._kids: dict[str, list[str]] = {}
        self._attr: dict[str, dict] = {}  # node → its attributes (the graph's own dicts), for hot loops
        for n, a in self.g.nodes(data=True):
            self._attr[n] = a
            self._by_kind.setdefault(a["kind"], []).append(n)
            if a.get("parent"):
                self._kids.setdefault(a["parent"], []).append(n)
        for v in self._kids.values():
            v.sort()
        # targets, indicators and tasks of each plan, in the order of the whole lists: a
        # plan's listing costs that plan, not every plan's
        self._of_doc: dict[str, dict[str, list[str]]] = {"targets": {}, "indicators": {}, "tasks": {}}
        for tid, v in self._info["targets"].items():
            self._of_doc["targets"].setdefault(v["json"]["document"], []).append(tid)
        for iid, row in self._info["indicators"].items():
            self._of_doc["indicators"].setdefault(row["document"], []).append(iid)
        for n in self._info["tasks"]:
            if n in self._attr:
                self._of_doc["tasks"].setdefault(self._attr[n].get("document"), []).append(n)
        # who names or is asked of each body and region, and what leads to each target,
        # indicator and deadline (the nodes traced backwards), per plan, in plan order
        self._actor_in: dict[str, dict[str, list[tuple[str, str]]]] = {}
        nodes = self.g.nodes
        for kind in ("body", "region", "target", "indicator", "deadline"):
            for nid in self._by_kind.get(kind, []):
                per: dict[str, list[tuple[str, str]]] = {}
                for u, _, k in self.g.in_edges(nid, keys=True):
                    per.setdefault(nodes[u].get("document", ""), []).append((u, k))
                for lst in per.values():
                    lst.sort(key=lambda e: nodes[e[0]].get("order", 0))
                self._actor_in[nid] = per
        # per body or region, per plan: how many tasks ask something of it (or of its
        # members), so a hub's trace counts its plans without walking every plan's links
        self._asked_n: dict[str, dict[str, int]] = {
            nid: self._count_asked(nid) for kind in ("body", "region") for nid in self._by_kind.get(kind, [])}

    def _count_asked(self, nid: str) -> dict[str, int]:
        """Per plan, the number of tasks that ask something of ``nid`` or its members."""
        per: dict[str, set] = {}
        for b in self._actors(nid):
            for doc, edges in self._actor_in.get(b, {}).items():
                asked = {u for u, k in edges if k in ACTOR_EDGES and self.asks(u)}
                if asked:
                    per.setdefault(doc, set()).update(asked)
        return {d: len(v) for d, v in per.items()}

    # -- listings -----------------------------------------------------------------
    def targets(self, document: Optional[str] = None) -> list[dict]:
        ids = self._of_doc["targets"].get(document, []) if document else self._info["targets"]
        return [self._target_json(tid) for tid in ids]

    def indicators(self, document: Optional[str] = None, history: Optional[bool] = None) -> list[dict]:
        ids = self._of_doc["indicators"].get(document, []) if document else self._info["indicators"]
        rows = self._info["indicators"]
        return [self._indicator_json(iid) for iid in ids if history is None or rows[iid]["history"] == history]

    def tasks(self, document: Optional[str] = None) -> list[str]:
        """Ids of the clauses that carry work (not target statements), of one plan or all."""
        ids = self._of_doc["tasks"].get(document, []) if document is not None else self._info["tasks"]
        return [n for n in ids if n in self._attr and not self._attr[n].get("statement")]

    def census(self) -> dict:
        """Counts over the whole graph, made once: nodes by kind (the previous plan's
        indicators as ``history``), edges by kind, and (source kind, edge kind, target kind)."""
        if self._census is None:
            attr = self._attr
            nodes: dict[str, int] = {}
            for a in attr.values():
                k = "history" if a["kind"] == "indicator" and a.get("history") else a["kind"]
                nodes[k] = nodes.get(k, 0) + 1
            edges: dict[str, int] = {}
            pairs: dict[tuple, int] = {}
            for u, v, k in self.g.edges(keys=True):
                edges[k] = edges.get(k, 0) + 1
                key = (attr[u]["kind"], k, attr[v]["kind"])
                pairs[key] = pairs.get(key, 0) + 1
            self._census = {"nodes": nodes, "edges": edges, "pairs": pairs}
        return self._census

    def nodes_of(self, kind: str) -> list[str]:
        """Ids of every node of one kind (document, body, deadline…), from the index."""
        return list(self._by_kind.get(kind, []))

    def indicator_row(self, iid: str) -> dict:
        """One indicator table row as parsed (its name, unit, target year…)."""
        return self._info["indicators"][iid]

    def target_of(self, tid: str):
        """The extracted :class:`kb.extract.targets.Target` behind a target node."""
        return self._info["targets"][tid]["target"]

    def forward_paths(self, task: str) -> list[list[str]]:
        """task → target → indicator / deadline; task → indicator; task → body / region."""
        return self._forward_paths(task, prefix=[])

    def indicator_rows(self, document: Optional[str] = None) -> list[dict]:
        """The indicator tables' rows as parsed (both tables, history included)."""
        rows = self._info["indicators"]
        return [rows[i] for i in (self._of_doc["indicators"].get(document, []) if document is not None else rows)]

    def bodies(self, document: Optional[str] = None) -> list[dict]:
        out = []
        for nid in self._by_kind.get("body", []):
            d = self._body_json(nid, document)
            if d["clauses"] or d["suggested"]:
                out.append(d)
        out.sort(key=lambda d: (-len(d["clauses"]), -len(d["suggested"]), d["name"]))
        return out

    def regions(self, document: Optional[str] = None) -> list[dict]:
        out = []
        for nid in self._by_kind.get("region", []):
            a = self.g.nodes[nid]
            clauses = self._sources(nid, ("mentions",), document)
            if clauses:
                out.append({"id": nid, "name": a["label"], "kind": a.get("region_kind", ""),
                            "kind_label": a.get("kind_label", ""), "clauses": clauses})
        out.sort(key=lambda d: (-len(d["clauses"]), d["name"]))
        return out

    # -- single nodes -------------------------------------------------------------
    def resolve(self, node_id: str) -> str:
        """A node id from what a user types: the id itself, or a body or region name."""
        if node_id in self.g:
            return node_id
        for prefix in ("body:", "region:", "indicator:", "target:", "deadline:"):
            if prefix + node_id in self.g:
                return prefix + node_id
        raise KeyError(node_id)

    def node(self, node_id: str) -> dict:
        nid = self.resolve(node_id)
        a = dict(self._attr[nid])
        kind = a["kind"]
        if kind == "target":
            return self._target_json(nid) | {"kind": "target", "label": a["label"]}
        if kind == "indicator":
            return self._indicator_json(nid) | {"kind": "indicator", "label": a["label"]}
        if kind == "body":
            return self._body_json(nid) | {"kind": "body", "label": a["label"]}
        a["id"] = nid
        a["kind_label"] = a.get("kind_label") or NODE_KINDS.get(kind, kind)
        return a

    # -- tracing ------------------------------------------------------------------
    def trace(self, node_id: str, document: Optional[str] = None, limit: Optional[int] = None) -> dict:
        """What a node serves or is served by, with the edges that say so.

        From a task, box, section or chapter: its targets, indicators, deadlines, bodies.
        From a target or indicator: every task serving it. From a body or region: its tasks.
        ``document`` keeps the tasks of one plan; ``limit`` keeps the first ``limit`` tasks and
        targets (in plan order) of that plan, or, of all plans, of at most ``TRACE_PLANS``
        plans, sharing ``limit`` among them (at least one each); ``groups`` says how many
        each plan has and shows, so a hub's trace is a page of the same size whatever the
        number of plans, not megabytes.
        """
        start = self.resolve(node_id)
        kind = self._attr[start]["kind"]
        if kind in ("clause", "box", "section", "chapter", "document"):
            paths = self._paths_within(start)
        elif kind == "deadline" and (document or limit):
            paths, groups = self._paths_of_deadline(start, document, limit)
            return self._collect(start, paths) | {"groups": groups}
        elif kind in ("target", "indicator", "deadline"):
            paths = self._backward_paths(start)
        elif kind in ("body", "region"):
            # the tasks are chosen before their paths are walked: a body named by a
            # thousand clauses costs the tasks shown
            paths, groups = self._paths_of_actor(start, document, limit)
            return self._collect(start, paths) | {"groups": groups}
        else:
            paths = [[start]]
        paths, groups = self._by_plan(start, paths, document, limit)
        return self._collect(start, paths) | {"groups": groups}

    def _by_plan(self, start: str, paths: list[list[str]], document: Optional[str],
                 limit: Optional[int]) -> tuple[list[list[str]], list[dict]]:
        """The paths whose tasks and targets are of ``document`` and among the first
        ``limit`` of their plan (in plan order); with, per plan, how many tasks and targets
        it has and how many are kept. A target statement goes with its targets."""
        nodes = self._attr
        found: dict[str, dict[str, list[str]]] = {}
        seen = set()
        for p in paths:
            for n in p:
                a = nodes[n]
                if n == start or n in seen or a.get("statement") or a["kind"] not in ("clause", "target"):
                    continue
                seen.add(n)
                per = found.setdefault(a.get("document", ""), {"clause": [], "target": []})
                per[a["kind"]].append(n)
        keep, groups = self._plan_groups(start, found, document, limit)
        if not document and not limit:
            return paths, groups
        kept = [p for p in paths if all(n == start or n in keep or nodes[n]["kind"] not in ("clause", "target")
                                        or nodes[n].get("statement") for n in p)]
        return kept, groups

    def _plan_groups(self, start: str, found: dict, document: Optional[str],
                     limit: Optional[int]) -> tuple[set, list[dict]]:
        """Which of ``found`` (plan → {"clause": [...], "target": [...]}) to show: ``document``'s
        first ``limit``, or of the first ``TRACE_PLANS`` plans (the start's own plan first,
        then those with most) ``limit`` shared among them; and per plan, how many there are
        and shown (``limit``: how many each plan drawn may show)."""
        nodes = self._attr
        drawn = 1 if document else min(len(found), TRACE_PLANS)
        if limit and drawn > 1:
            limit = max(1, -(-limit // drawn))

        def order(n):
            a = nodes[n]
            return nodes[a["clause"]].get("order", 0) if a["kind"] == "target" else a.get("order", 0), n

        def n(x):  # a list of the plan's nodes, or only their number (a plan not drawn)
            return x if isinstance(x, int) else len(x)

        keep: set = set()
        groups = []
        home = nodes[start].get("document")
        plans = sorted(found, key=lambda d: (d != home, -n(found[d]["clause"]) - n(found[d]["target"]), d))
        for rank, doc_id in enumerate(plans):
            g = {"document": doc_id, "title": nodes[doc_id]["label"] if doc_id in self.g else doc_id}
            hidden = document and doc_id != document or limit and not document and rank >= TRACE_PLANS
            for kind, key in (("clause", "tasks"), ("target", "targets")):
                listed = found[doc_id][kind]
                if isinstance(listed, int):  # counted only: never drawn
                    g[key], g[key + "_shown"] = listed, 0
                    continue
                ordered = sorted(listed, key=order)
                shown = [] if hidden else ordered[:limit] if limit else ordered
                keep.update(shown)
                g[key], g[key + "_shown"] = len(ordered), len(shown)
            g["shown"] = g["tasks_shown"]
            g["limit"] = 0 if hidden else limit or 0
            groups.append(g)
        return keep, groups

    def _paths_within(self, start: str) -> list[list[str]]:
        """The forward paths of every task inside ``start``; for a box, also the tasks
        elsewhere that serve the box's targets."""
        tasks = self._tasks_within(start)
        paths = []
        for t in tasks:
            paths += self._forward_paths(t, prefix=[start] if t != start else [])
        if self._attr[start]["kind"] != "box":
            return paths
        targets = [n for p in paths for n in p if self._attr[n]["kind"] == "target"]
        for n in targets:
            paths += [[u, n] for u in self._sources(n, ("serves",)) if u not in tasks]
        # the task the box details (the paragraph it follows): what it serves, the box serves
        detailed = self._attr[start].get("details")
        if detailed and detailed not in tasks:
            paths += [p for p in self._forward_paths(detailed, prefix=[start])
                      if self._attr[p[-1]]["kind"] in ("indicator", "target", "deadline")]
        return paths

    def _actors(self, start: str) -> list[str]:
        """A body with its members (see ``_members``); a region alone."""
        return [start] + (self._members(start) if self._attr[start]["kind"] == "body" else [])

    def _paths_of_actor(self, start: str, document: Optional[str] = None,
                        limit: Optional[int] = None) -> tuple[list[list[str]], list[dict]]:
        """What the plan asks of a body or region (not the review of the last plan nor the
        preamble): its tasks and what they serve. A centre's sub-centres (深圳分中心) carry out
        part of what is asked of it; a category (人民法院) is carried out by the units of its
        kind (广东省高级人民法院, 广州知识产权法院…). The plans drawn are chosen from the
        per-plan counts (``_asked_n``) and only their links are walked, then their tasks
        (``_plan_groups``): a body named in every plan of a hundred costs the plans drawn."""
        counts = self._asked_n.get(start)
        if counts is None:  # not a body or region of the index (none is left out; safe anyway)
            counts = self._count_asked(start)
        drawn = set(counts) if not document and not limit else \
            {document} & set(counts) if document else set(self._drawn_plans(start, counts))
        asked: list[tuple[list[str], str]] = []  # (path prefix, task)
        found: dict[str, dict[str, list[str] | int]] = {
            d: {"clause": n, "target": 0} for d, n in counts.items() if d not in drawn}
        seen = set()
        for b in self._actors(start):
            pre = [start] if b == start else [start, b]
            per_doc = self._actor_in.get(b, {})
            for d in sorted(drawn):
                for u, k in per_doc.get(d, ()):
                    if k not in ACTOR_EDGES or not self.asks(u):
                        continue
                    asked.append((pre, u))
                    if u not in seen:
                        seen.add(u)
                        found.setdefault(d, {"clause": [], "target": []})["clause"].append(u)
        keep, groups = self._plan_groups(start, found, document, limit)
        for g in groups:  # targets are those of the tasks shown, not counted per plan
            g["targets"] = g["targets_shown"] = 0
        paths = []
        for pre, u in asked:
            if u not in keep:
                continue
            # what the task serves, and who else is asked (not who is only named)
            paths += [pre + p for p in self._forward_paths(u, prefix=[])
                      if self._attr[p[-1]]["kind"] not in ("body", "region")
                      or self.g.has_edge(u, p[-1]) and set(self.g[u][p[-1]]) - {"mentions"}]
            paths.append(pre + [u])
        return paths, groups

    def _drawn_plans(self, start: str, counts: dict[str, int]) -> list[str]:
        """The plans a trace from ``start`` draws when it shows some of all plans: its own
        plan first, then those with most, at most ``TRACE_PLANS`` (as ``_plan_groups`` orders)."""
        home = self._attr[start].get("document")
        return sorted(counts, key=lambda d: (d != home, -counts[d], d))[:TRACE_PLANS]

    def _paths_of_deadline(self, start: str, document: Optional[str],
                           limit: Optional[int]) -> tuple[list[list[str]], list[dict]]:
        """A year's targets and their tasks, chosen per plan before their paths are walked
        (the year 2025 is due in every plan of a province)."""
        nodes = self._attr
        found: dict[str, dict[str, list[str]]] = {}
        tasks_of: dict[str, list[str]] = {}
        for t in self._sources(start, ("due",)):
            if nodes[t]["kind"] != "target":
                continue
            per = found.setdefault(nodes[t].get("document", ""), {"clause": [], "target": []})
            per["target"].append(t)
            tasks_of[t] = [u for u in self._sources(t, ("sets_target", "serves")) if not nodes[u].get("statement")]
            per["clause"] += [u for u in tasks_of[t] if u not in per["clause"]]
        keep, groups = self._plan_groups(start, found, document, limit)
        paths = []
        for t in tasks_of:
            if t not in keep:
                continue
            for p in self._backward_paths(t):
                if all(nodes[n]["kind"] != "clause" or n in keep or nodes[n].get("statement") for n in p):
                    paths.append([start] + p)
        return paths, groups

    def _incoming(self, nid: str) -> list[tuple[str, str]]:
        """(source, edge kind) of the edges into a body or region, from the per-plan index."""
        per_doc = self._actor_in.get(nid)
        if per_doc is None:
            return [(u, k) for u, _, k in self.g.in_edges(nid, keys=True)]
        return [e for d in sorted(per_doc) for e in per_doc[d]]

    def asks(self, clause: str) -> bool:
        """Whether a clause asks anything of anybody: not the preamble, not the review."""
        a = self._attr[clause]
        return a.get("clause_kind") not in NOT_ASKED_KINDS and a.get("chapter_role") not in NOT_ASKED_ROLES

    def _members(self, bid: str) -> list[str]:
        """Sub-bodies of a body, and for a category the units of its kind."""
        out = list(self._children(bid))
        a = self._attr[bid]
        if a.get("category"):
            out += [n for n in self._by_kind.get("body", []) if n != bid and n not in out
                    and not self._attr[n].get("category")
                    and self._attr[n].get("body_kind") == a.get("body_kind")]
        return out

    def clause_links(self, clause_id: str) -> dict:
        """Targets, indicators, bodies, regions and deadlines of one clause (the clause page)."""
        nid = self.resolve(clause_id)
        if self._attr[nid]["kind"] != "clause":
            ind = f"indicator:{clause_id}"
            if ind in self.g:
                t = self.trace(ind)
                return {k: t[k] for k in ("targets", "indicators", "deadlines", "tasks", "bodies")} | {
                    "regions": [], "links": t["links"]}
            raise KeyError(clause_id)
        paths = self._forward_paths(nid, prefix=[])
        res = self._collect(nid, paths)
        return {k: res[k] for k in ("targets", "indicators", "bodies", "regions", "deadlines", "links")}

    def suggest(self, clause_id: str) -> dict:
        from kb.graph_suggest import suggest
        return suggest(self, clause_id)

    def check(self) -> dict:
        from kb.graph_check import check
        return check(self)

    def stats(self) -> dict:
        """Counts for reports: how many tasks reach a target or an indicator."""
        tasks = [n for n, a in self.g.nodes(data=True)
                 if a["kind"] == "clause" and (a.get("clause_kind") == "task"
                                              or a.get("task") and a.get("clause_kind") not in ("measure", "box_item"))]
        reached = 0
        for t in tasks:
            if any(self._attr[n]["kind"] in ("target", "indicator")
                   for p in self._forward_paths(t, prefix=[]) for n in p):
                reached += 1
        edges = {}
        for _, _, a in self.g.edges(data=True):
            key = f"{a['kind']} ({'curated' if a['evidence'] == 'curated' else 'rule'})"
            edges[key] = edges.get(key, 0) + 1
        kinds = {}
        for _, a in self.g.nodes(data=True):
            kinds[a["kind"]] = kinds.get(a["kind"], 0) + 1
        return {"tasks": len(tasks), "tasks_reaching_target_or_indicator": reached,
                "nodes": kinds, "edges": dict(sorted(edges.items()))}

    # -- export -------------------------------------------------------------------
    def write(self, path, format: str = "graphml") -> Path:
        from kb.graph_export import write
        return write(self.g, path, format)

    # -- internals ----------------------------------------------------------------
    def _sources(self, nid: str, kinds: Iterable[str], document: Optional[str] = None) -> list[str]:
        """The clauses (or targets) linking to ``nid`` by one of ``kinds``, in plan order.
        For a body or region of one plan, read from the per-plan index: the cost follows
        that plan's links, not every plan's."""
        kinds = tuple(kinds)
        nodes = self.g.nodes
        per_doc = self._actor_in.get(nid)
        if per_doc is not None:
            edges = per_doc.get(document, ()) if document is not None else \
                [e for d in sorted(per_doc) for e in per_doc[d]]
            out = list(dict.fromkeys(u for u, k in edges if k in kinds))  # already in plan order
            return out
        seen, out = set(), []
        for u, _, k in self.g.in_edges(nid, keys=True):
            if k in kinds and u not in seen and (document is None or nodes[u].get("document") == document):
                seen.add(u)
                out.append(u)
        out.sort(key=lambda u: (nodes[u].get("document", ""), nodes[u].get("order", 0)))
        return out

    def _children(self, bid: str) -> list[str]:
        return self._kids.get(bid, [])

    def _tasks_within(self, nid: str) -> list[str]:
        if self._attr[nid]["kind"] == "clause":
            return [nid]
        out = []
        for n in nx.descendants(_contains_view(self.g), nid):
            a = self._attr[n]
            if a["kind"] == "clause" and (a.get("task") or a.get("clause_kind") == "goal"):
                out.append(n)
        out.sort(key=lambda n: self._attr[n].get("order", 0))
        return out

    def _forward_paths(self, task: str, prefix: list[str]) -> list[list[str]]:
        """task → target → indicator / deadline; task → indicator; task → body / region."""
        paths = []
        base = prefix + [task]
        for _, v, k in self.g.out_edges(task, keys=True):
            vk = self._attr[v]["kind"]
            if k in ("sets_target", "serves") and vk == "target":
                paths.append(base + [v])
                for _, w, k2 in self.g.out_edges(v, keys=True):
                    if k2 in ("measured_by", "due"):
                        paths.append(base + [v, w])
                        if k2 == "measured_by":
                            for _, x, k3 in self.g.out_edges(w, keys=True):
                                if k3 == "due":
                                    paths.append(base + [v, w, x])
            elif k == "serves" and vk == "indicator":
                paths.append(base + [v])
                for _, x, k3 in self.g.out_edges(v, keys=True):
                    if k3 == "due":
                        paths.append(base + [v, x])
            elif k in ACTOR_EDGES:
                paths.append(base + [v])
        return paths

    def _backward_paths(self, start: str) -> list[list[str]]:
        kind = self._attr[start]["kind"]
        paths = []
        if kind == "deadline":
            for u in self._sources(start, ("due",)):
                if self._attr[u]["kind"] == "target":
                    for p in self._backward_paths(u):
                        paths.append([start] + p)
            return paths
        if kind == "indicator":
            for _, x, k in self.g.out_edges(start, keys=True):
                if k == "due":
                    paths.append([start, x])
            for u in self._sources(start, ("serves",)):
                paths.append([start, u])
            for tgt in self._sources(start, ("measured_by",)):
                for p in self._backward_paths(tgt):
                    paths.append([start] + p)
            return paths
        # target
        for _, x, k in self.g.out_edges(start, keys=True):
            if k in ("due", "measured_by"):
                paths.append([start, x])
        for u in self._sources(start, ("sets_target", "serves")):
            paths.append([start, u])
        return paths

    def _collect(self, start: str, paths: list[list[str]]) -> dict:
        seen: dict[str, list[str]] = {k: [] for k in
                                      ("targets", "indicators", "deadlines", "tasks", "bodies", "regions")}
        bucket = {"target": "targets", "indicator": "indicators", "deadline": "deadlines",
                  "clause": "tasks", "body": "bodies", "region": "regions"}
        links, seen_links = [], set()
        uniq_paths, seen_paths, placed = [], set(), set()
        for p in paths:
            if tuple(p) in seen_paths:
                continue
            seen_paths.add(tuple(p))
            uniq_paths.append(p)
            for n in p:
                b = bucket.get(self._attr[n]["kind"])
                if b and n != start and n not in placed:
                    placed.add(n)
                    seen[b].append(n)
            for u, v in zip(p, p[1:]):
                for a, b2 in ((u, v), (v, u)):
                    if self.g.has_edge(a, b2):
                        for k, e in self.g[a][b2].items():
                            key = (a, b2, k)
                            if key not in seen_links and k != "contains":
                                seen_links.add(key)
                                links.append({"from": a, "to": b2, "kind": k, "evidence": e["evidence"],
                                              "clause": e.get("clause", "")} |
                                             ({"score": e["score"]} if "score" in e else {}) |
                                             ({"terms": e["terms"]} if "terms" in e else {}))
        # a target statement (专栏14's “全省……达2500亿元”) is drawn as its targets, not as a task
        seen["tasks"] = [t for t in seen["tasks"] if t != start and not self._attr[t].get("statement")]
        # each body as what it is in this trace: the strongest of its links (负责 > 配合 > 建议 > 提及)
        role: dict[str, str] = {}
        role_kind: dict[str, str] = {}
        rank = {k: i for i, k in enumerate(ACTOR_EDGES)}
        for link in links:
            k = link["kind"]
            if k in rank and (link["to"] not in role or rank[k] < rank[role_kind[link["to"]]]):
                role_kind[link["to"]] = k
                role[link["to"]] = ROLE_LABELS[k]
        deadlines = sorted(seen["deadlines"], key=lambda d: (self._attr[d].get("year") or 9999))
        return {
            "start": self._brief(start),
            "targets": [self._target_json(t) for t in seen["targets"]],
            "indicators": [self._indicator_json(i) for i in seen["indicators"]],
            "deadlines": [self._brief(d) for d in deadlines],
            "tasks": [self._brief(t) for t in sorted(seen["tasks"], key=lambda n: (
                self._attr[n].get("document", ""), self._attr[n].get("order", 0)))],
            "bodies": [self._brief(b) | {"role": role.get(b, "提及")} for b in seen["bodies"]],
            "regions": [self._brief(r) for r in seen["regions"]],
            "paths": uniq_paths,
            "links": links,
        }

    def _brief(self, nid: str) -> dict:
        a = self._attr[nid]
        d = {"id": nid, "kind": a["kind"], "label": a["label"]}
        if a["kind"] == "clause":
            d.update(clause_kind=a.get("clause_kind"), document=a.get("document"),
                     text=a.get("text", ""), breadcrumb=a.get("breadcrumb", []))
        elif a["kind"] == "deadline":
            d["year"] = a.get("year")
        elif a["kind"] == "body":
            d.update(name=a["label"], body_kind=a.get("body_kind"), kind_label=a.get("kind_label"))
        elif a["kind"] == "region":
            d.update(name=a["label"], region_kind=a.get("region_kind"))
        return d

    def _target_json(self, tid: str) -> dict:
        v = self._info["targets"][tid]
        t, d = v["target"], dict(v["json"])
        dl = t.deadline
        inds = [w for _, w, k in self.g.out_edges(tid, keys=True) if k == "measured_by"]
        serving = self._sources(tid, ("serves",))
        return {
            "id": tid, "text": t.text, "metric": t.metric, "value": t.value, "comparator": t.comparator,
            "unit": t.unit, "deadline": "annual" if dl.kind == "annual" else dl.year,
            "implied_deadline": t.implied_deadline, "clause": v["clause"].id,
            "indicator": inds[0] if inds else None,
            # beyond the contract: what the UI shows
            "indicators": inds, "tasks": [v["clause"].id] + [s for s in serving if s != v["clause"].id],
            "document": d["document"], "label": self._attr[tid]["label"],
            "value_text": t.value_text, "comparator_text": t.comparator_text,
            "deadline_label": dl.label, "deadline_text": dl.text, "deadline_kind": dl.kind,
            "increment": t.increment, "annual": t.annual, "value_max": t.value_max,
        }

    def _indicator_json(self, iid: str) -> dict:
        row = dict(self._info["indicators"][iid])
        row["label"] = self._attr[iid]["label"]
        row["targets"] = self._sources(iid, ("measured_by",))
        row["tasks"] = self._sources(iid, ("serves",))
        return row

    def _body_json(self, bid: str, document: Optional[str] = None) -> dict:
        a = self._attr[bid]
        clauses = self._sources(bid, ("mentions", "responsible", "supports"), document)
        return {"id": bid, "name": a["label"], "aliases": list(a.get("aliases", [])),
                "kind": a.get("body_kind", ""), "kind_label": a.get("kind_label", ""),
                "category": bool(a.get("category")),
                "clauses": clauses, "parent": a.get("parent"), "children": self._children(bid),
                "lead": self._sources(bid, ("responsible",), document),
                "support": self._sources(bid, ("supports",), document),
                "suggested": self._sources(bid, ("suggested",), document)}


def _contains_view(g):
    return nx.subgraph_view(g, filter_edge=lambda u, v, k: k == "contains")


_cache: dict[str, PlanGraph] = {}
_lock = threading.Lock()
CACHED_GRAPHS = 1  # the last graph built: a server keeps its own in its snapshot, so an old
# corpus's graph (50 MB at 100 plans) must not stay here after an update


def build_graph(corpus) -> PlanGraph:
    """The graph of a corpus; the last one built is kept, per corpus content hash (data
    files included), for callers that ask again for the same corpus (the CLI, tests)."""
    key = f"{corpus.root}:{corpus.content_hash()}"
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit.corpus is corpus:
            return hit
        g, info = build(corpus)
        pg = PlanGraph(corpus, g, info)
        from kb.graph_suggest import add_suggested

        if add_suggested(pg):
            pg._index()
        while len(_cache) >= CACHED_GRAPHS:
            _cache.pop(next(iter(_cache)))
        _cache[key] = pg
        return pg
