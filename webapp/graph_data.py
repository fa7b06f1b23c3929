"""Adapters from kb.graph's PlanGraph to what the pages and their JSON twins show.

The graph speaks in node ids and rule codes (``rule:deadline_by``); staff need labels,
links and a sentence saying why two things are connected. That translation lives
here, once, for the clause page, the trace diagram, targets, bodies and the overview.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from urllib.parse import urlencode

from flask import url_for

from kb.extract.text import clip
from kb.graph import EDGE_KINDS, NODE_KINDS, TRACE_LIMIT
from kb.model import KINDS
from webapp.diagram import layered_svg
from webapp.errors import BadParam

# The graph's own labels; the pages call a body 责任单位 and draw tasks as a column of their own.
NODE_TITLES = {**NODE_KINDS, "task": "任务", "body": "责任单位"}
RULES = {  # evidence code -> why, in words a reader accepts or disputes
    "structure": "规划结构包含",
    "body_gazetteer": "条文提及该单位（未写明由其负责）",
    "body_pattern": "条文提及该单位名称（未写明由其负责）",
    "region_gazetteer": "条文中写明该地区",
    "same_clause": "同一条文提出",
    "box_follows": "专栏紧随本条，细化本条任务",
    "key_terms": "关键词相同",
    "key_terms_lead": "任务标题关键词相同",
    "metric_terms": "指标名称相同",
    "indicator_table": "指标表规划期末年份",
    "deadline_by": "条文写明时限",
    "deadline_period": "规划期内完成",
    "deadline_annual": "每年完成",
    "implied_deadline": "未写明时限，按规划期末",
    "curated": "人工整理的关联",
    "responsibility_tag": "条文标注牵头/配合单位",
    "metric_value": "目标数值与指标表规划值一致",
    "section_terms": "同节任务与目标关键词相同",
    "body_acts": "条文以该单位为主语（负责）",
    "duty_of_title": "任务标题所属职能，建议牵头",
    "supporting_units": "任务涉及的职能，建议配合",
}
URL_SAFE = "!$'()*,/:;?@"  # what url_for leaves unquoted in a query value (werkzeug's urlencode)
# how a body stands to the tasks of a trace, and how its box is drawn
ROLE_STYLE = {"负责": "", "配合": "", "建议": "dotted", "提及": "dashed"}


def evidence_text(link: dict, graph=None) -> str:
    """A sentence for an edge: the rule in Chinese plus what it matched."""
    ev = str(link.get("evidence") or "")
    code = ev.split(":", 1)[1] if ev.startswith("rule:") else ev
    text = RULES.get(code, code or EDGE_KINDS.get(link.get("kind"), ""))
    terms = link.get("terms")
    if terms:
        text += f"（{terms}）"
    src = link.get("from", "")
    if code == "deadline_by" and graph is not None and graph.g.nodes.get(src, {}).get("kind") == "target":
        deadline = graph.node(src).get("deadline_text")
        if deadline:
            text += f"：“{deadline}”"
    return text


def node_url(node_id: str, kind: str) -> str:
    if kind == "clause":
        return url_for("plan.clause_page", clause_id=node_id)
    return url_for("trace.trace_page", node_id=node_id)


def _clause_label(corpus, cid: str) -> str:
    c = corpus.clause(cid)
    if c is None:
        return cid
    if c.lead:
        return c.lead
    return clip(c.text, 24)


def _ref(kind: str, nid: str, label: str, **extra) -> dict:
    return {"id": nid, "kind": kind, "label": label, "url": node_url(nid, kind)} | extra


# -- clause page -------------------------------------------------------------------------

def clause_links(graph, clause_id: str) -> dict:
    if graph is None:
        return {"unavailable": "目标追踪图谱尚未就绪"}
    try:
        raw = graph.clause_links(clause_id)
    except KeyError:
        return {}
    why = {}
    for link in raw.get("links", []):
        other = link["to"] if link["from"] == clause_id else link["from"]
        why.setdefault(other, evidence_text(link, graph))
    out = {}
    out["targets"] = [_ref("target", t["id"], t["label"], evidence=why.get(t["id"], ""),
                           deadline=t.get("deadline_label")) for t in raw.get("targets", [])]
    out["indicators"] = [_ref("indicator", i["id"], i["label"], evidence=why.get(i["id"], ""))
                         for i in raw.get("indicators", [])]
    out["bodies"] = [_ref("body", b["id"], b["label"], evidence=why.get(b["id"], ""))
                     for b in raw.get("bodies", [])]
    out["deadlines"] = [_ref("deadline", d["id"], d["label"], evidence=why.get(d["id"], ""))
                        for d in raw.get("deadlines", [])]
    out["tasks"] = [_ref("clause", t["id"], t["label"], evidence=why.get(t["id"], ""))
                    for t in raw.get("tasks", [])]
    try:
        out["suggest"] = graph.suggest(clause_id)
    except KeyError:
        pass
    return out


# -- trace -------------------------------------------------------------------------------

def _diagram_kind(kind: str) -> str:
    return "task" if kind == "clause" else kind


def trace_view(graph, corpus, node_id: str, document: str | None = None,
               limit: int | None = TRACE_LIMIT) -> dict | None:
    """A trace as drawn: nodes by column, edges with their reasons, and, for a hub, the
    tasks shown per plan (``groups``) so the page can offer 显示更多 and a plan filter."""
    try:
        t = graph.trace(node_id, document=document, limit=limit)
    except KeyError:
        return None
    start = dict(t["start"])
    start["url"] = node_url(start["id"], start["kind"])
    start["kind_label"] = NODE_TITLES.get(start["kind"], start["kind"])
    nodes, seen = [], set()

    def add(nid, kind, label, sub=None, style=""):
        if nid in seen:
            return
        seen.add(nid)
        nodes.append({"id": nid, "kind": _diagram_kind(kind), "label": label,
                      "url": node_url(nid, kind), "sub": sub} | ({"style": style} if style else {}))

    if start["kind"] in ("clause", "target", "indicator", "deadline", "body"):
        label = _clause_label(corpus, start["id"]) if start["kind"] == "clause" else start["label"]
        add(start["id"], start["kind"], label)
    for x in t["tasks"]:
        add(x["id"], "clause", _clause_label(corpus, x["id"]))
    for x in t["targets"]:
        add(x["id"], "target", x["label"], x.get("deadline_label"))
    for x in t["indicators"]:
        add(x["id"], "indicator", x["label"], x.get("table_title") and f"表{x.get('table')}第{x.get('number')}行")
    for x in t["deadlines"]:
        add(x["id"], "deadline", x["label"])
    for x in t["bodies"]:
        role = x.get("role") or "提及"
        sub = "·".join(v for v in (role, x.get("kind_label")) if v)
        add(x["id"], "body", x["label"], sub, ROLE_STYLE.get(role, ""))
    edges = []
    for link in t["links"]:
        if link["from"] in seen and link["to"] in seen:
            edges.append({"source": link["from"], "target": link["to"], "kind": link["kind"],
                          "kind_label": EDGE_KINDS.get(link["kind"], link["kind"]),
                          "evidence": evidence_text(link, graph), "rule": link.get("evidence"),
                          "clause": link.get("clause")})
    # counted as drawn, the start included: a task traced from itself is one task, not zero
    per_kind = Counter(n["kind"] for n in nodes)
    counts = {k + "s" if k != "body" else "bodies": per_kind[k]
              for k in ("task", "target", "indicator", "deadline", "body")}
    counts["regions"] = len(t.get("regions", []))
    roles = Counter(x.get("role") or "提及" for x in t["bodies"])
    groups = t.get("groups", [])
    if groups:  # each plan's link: the page's own address built once (a hub lists a hundred plans)
        base = url_for("trace.trace_page", node_id=start["id"])
        for g in groups:
            g["url"] = f"{base}?{urlencode({'doc': g['document']}, safe=URL_SAFE)}"
    return {"start": start, "nodes": nodes, "edges": edges, "counts": counts, "roles": dict(roles),
            "regions": [r | {"url": node_url(r["id"], "region")} for r in t.get("regions", [])],
            "paths": t["paths"], "groups": groups, "document": document, "limit": limit,
            "per_plan": max((g.get("limit", 0) for g in groups), default=0) or limit,
            "truncated": any(g["tasks_shown"] < g["tasks"] or g["targets_shown"] < g["targets"]
                             for g in groups if not document or g["document"] == document)}


def trace_starts(graph, document=None, corpus=None) -> dict:
    """What the trace index offers to start from: tasks (of one plan: the first, unless
    ``document`` says), targets, indicators, deadlines, bodies and regions."""
    docs = [{"id": n, "title": graph.g.nodes[n]["label"], "url": node_url(n, "document")}
            for n in graph.nodes_of("document")]
    if document is None and docs:
        document = docs[0]["id"]
    tasks = []
    for n in sorted(graph.tasks(document), key=lambda n: graph.g.nodes[n].get("order", 0)):
        a = graph.g.nodes[n]
        label = _clause_label(corpus, n) if corpus is not None else a["label"]
        tasks.append(_ref("clause", n, label, sub="·".join(a.get("breadcrumb", [])[-1:]),
                          trace=url_for("trace.trace_page", node_id=n)))
    targets = [_ref("target", x["id"], x["label"], sub=x.get("deadline_label"))
               for x in graph.targets(document)]
    indicators = [_ref("indicator", x["id"], x["label"], sub=x.get("table_title"))
                  for x in graph.indicators(document, history=False)]
    bodies = [_ref("body", x["id"], x["name"], sub="，".join(
                  p for p in (f"{len(x['clauses'])} 条" if x["clauses"] else "",
                              f"建议 {len(x['suggested'])} 条" if x["suggested"] else "") if p))
              for x in graph.bodies(document)]
    regions = [_ref("region", x["id"], x["name"], sub=f"{len(x['clauses'])} 条")
               for x in graph.regions(document)]
    deadlines = sorted(({"id": n, "kind": "deadline", "label": graph.g.nodes[n]["label"],
                         "year": graph.g.nodes[n].get("year"), "url": node_url(n, "deadline")}
                        for n in graph.nodes_of("deadline")),
                       key=lambda d: d["year"] or 9999)
    return {"document": document, "documents": docs, "tasks": tasks, "targets": targets,
            "indicators": indicators, "deadlines": deadlines, "bodies": bodies, "regions": regions}


# -- targets, indicators, bodies ---------------------------------------------------------

def targets_timeline(graph, corpus, doc_id: str) -> dict:
    groups: dict = defaultdict(list)
    for t in graph.targets(doc_id):
        key = t["deadline"] if t["deadline"] is not None else "none"
        groups[key].append({
            "id": t["id"], "label": t["label"], "text": t["text"], "metric": t["metric"],
            "value_text": t.get("value_text"), "deadline_label": t.get("deadline_label"),
            "deadline_text": t.get("deadline_text"), "implied_deadline": t["implied_deadline"],
            "clause": {"id": t["clause"], "label": _clause_label(corpus, t["clause"])},
            "tasks": [{"id": c, "label": _clause_label(corpus, c)} for c in t["tasks"]],
            "indicators": t.get("indicators", []),
        })

    def order(k):
        return (0, k) if isinstance(k, int) else (1, 0 if k == "annual" else 1)

    years = []
    for k in sorted(groups, key=order):
        label = f"{k}年" if isinstance(k, int) else ("每年" if k == "annual" else "未定")
        years.append({"year": k, "label": label, "targets": groups[k]})
    return {"years": years, "total": sum(len(y["targets"]) for y in years)}


def indicator_nodes(graph, doc_id: str) -> list[dict]:
    if graph is None:
        return []
    out = []
    for i in graph.indicators(doc_id, history=False):
        out.append({"id": i["id"], "label": i["label"], "table": i.get("table"),
                    "number": i.get("number"), "targets": len(i.get("targets", [])),
                    "tasks": len(i.get("tasks", [])), "task_ids": i.get("tasks", [])})
    return out


def bodies_with_tasks(graph, corpus, doc_id: str) -> dict:
    """The 责任单位 page: each body with its tasks, each task marked 牵头, 配合, 建议 (from
    the kind of work) or 提及 (only named); and the regions the plan names."""
    bodies = []
    kinds = Counter()
    for b in graph.bodies(doc_id):
        lead, support, suggested = set(b.get("lead", [])), set(b.get("support", [])), set(b.get("suggested", []))
        tasks = []
        for cid in b["clauses"] + [x for x in b.get("suggested", []) if x not in b["clauses"]]:
            if not graph.asks(cid):  # the preamble and the review are nobody's tasks
                continue
            c = corpus.clause(cid)
            role = "牵头" if cid in lead else "配合" if cid in support else "建议" if cid in suggested else "提及"
            tasks.append({"id": cid, "label": _clause_label(corpus, cid), "role": role,
                          "kind": c.kind if c else None,
                          "kind_label": KINDS.get(c.kind, c.kind) if c else None})
        if not tasks:
            continue
        kinds[b["kind_label"] or "其他"] += 1
        bodies.append({"id": b["id"], "name": b["name"], "aliases": b.get("aliases", []),
                       "kind": b["kind"], "kind_label": b["kind_label"] or "其他", "tasks": tasks,
                       "category": b.get("category", False)})
    regions = [{"id": r["id"], "name": r["name"], "kind_label": r.get("kind_label", ""),
                "clauses": len(r["clauses"]), "url": node_url(r["id"], "region")}
               for r in graph.regions(doc_id)]
    return {"bodies": bodies, "kinds": dict(kinds.most_common()), "total": len(bodies), "regions": regions}


# -- overview ----------------------------------------------------------------------------

OVERVIEW_KINDS = ("target", "indicator", "history", "deadline", "body", "region", "clause", "box",
                  "section", "chapter", "table", "document")
NODE_TITLES_OVERVIEW = {"history": "上期指标完成情况"}


def _count_kind(a: dict) -> str:
    """The kind a node is counted as: an indicator of the previous plan's table apart."""
    return "history" if a["kind"] == "indicator" and a.get("history") else a["kind"]


def overview(graph, kind=None, q=None, limit=300) -> dict:
    g = graph.g
    census = graph.census()
    node_counts = Counter(census["nodes"])
    # one count, one meaning: 条文 are all the plans' clauses, the rows of indicator tables
    # included (as the outline counts them); 指标 are the main indicators, the previous
    # plan's completion rows are counted apart
    node_counts["clause"] += node_counts["indicator"] + node_counts["history"]
    if kind is not None and kind not in node_counts:
        raise BadParam(f"参数 kind 的取值“{kind}”无效（可选：{'、'.join(sorted(node_counts))}）。")
    pair_counts = Counter(census["pairs"])
    edge_counts = Counter(census["edges"])
    schema = [{"source": s, "kind": k, "target": t, "count": n,
               "label": f"{NODE_TITLES.get(s, s)} —{EDGE_KINDS.get(k, k)}→ {NODE_TITLES.get(t, t)}"}
              for (s, k, t), n in sorted(pair_counts.items(), key=lambda x: -x[1])]
    nodes = []
    if kind:
        stored = {"clause": ("clause", "indicator"), "history": ("indicator",)}.get(kind, (kind,))
        for nid in (n for k in stored for n in graph.nodes_of(k)):
            a = g.nodes[nid]
            if _count_kind(a) != kind and not (kind == "clause" and a["kind"] == "indicator"):
                continue
            label = a["label"]
            if q and q not in label and q not in nid:
                continue
            ins = Counter(k for _, _, k in g.in_edges(nid, keys=True) if k != "contains")
            outs = Counter(k for _, _, k in g.out_edges(nid, keys=True) if k != "contains")
            nodes.append({"id": nid, "kind": kind, "label": label, "url": node_url(nid, a["kind"]),
                          "in": dict(ins), "out": dict(outs),
                          "degree": sum(ins.values()) + sum(outs.values())})
        nodes.sort(key=lambda n: (-n["degree"], n["label"]))
    return {
        "nodes_by_kind": [{"kind": k, "label": NODE_TITLES_OVERVIEW.get(k) or NODE_TITLES.get(k, k),
                           "count": node_counts[k]}
                          for k in OVERVIEW_KINDS if node_counts.get(k)],
        "edges_by_kind": [{"kind": k, "label": EDGE_KINDS.get(k, k), "count": n}
                          for k, n in edge_counts.most_common()],
        "schema": schema,
        "kind": kind, "q": q,
        "total": len(nodes), "nodes": nodes[:limit], "truncated": len(nodes) > limit,
    }


def schema_diagram(data: dict):
    """The overview drawn kind by kind: who is named by which clauses, which targets and
    indicators the clauses serve, and by when. Structure kinds stay in the counts above."""
    counts = {n["kind"]: n["count"] for n in data["nodes_by_kind"]}
    columns = [("actor", "单位与地区"), ("clause", "条文"), ("target", "目标与指标"), ("deadline", "时限")]
    col_of = {"body": "actor", "region": "actor", "clause": "clause", "target": "target",
              "indicator": "target", "deadline": "deadline"}
    nodes = [{"id": f"kind:{k}", "kind": col_of[k], "label": f"{NODE_TITLES.get(k, k)}（{counts[k]}）",
              "css": k,
              "url": url_for("graph.graph_page", kind=k)} for k in col_of if counts.get(k)]
    pairs: dict = defaultdict(list)
    for s in data["schema"]:
        if s["source"] in col_of and s["target"] in col_of:
            pairs[(s["source"], s["target"])].append(f"{EDGE_KINDS.get(s['kind'], s['kind'])}{s['count']}")
    edges = [{"source": f"kind:{a}", "target": f"kind:{b}", "kind": "summary", "evidence": "·".join(v)}
             for (a, b), v in pairs.items()]
    return layered_svg(nodes, edges, columns, title="图谱概览：各类节点之间的关联",
                       label_chars=24)
