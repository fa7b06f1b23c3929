"""Adapters from kb.graph's PlanGraph to the JSON the pages and their twins return."""
from __future__ import annotations


def clause_links(graph, clause_id):
    if graph is None:
        return {"unavailable": "目标追踪图谱尚未就绪"}
    return {}


def indicator_nodes(graph, doc_id):
    return []


def targets_timeline(graph, corpus, doc_id):
    return {"years": []}


def bodies_with_tasks(graph, corpus, doc_id):
    return {"bodies": []}


def trace_view(graph, corpus, node_id):
    return None


def trace_starts(graph, corpus):
    return {}


def overview(graph, corpus, kind=None, q=None, limit=300):
    return {}
