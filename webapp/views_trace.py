"""Trace: for a task, target, indicator or body, the chain drawn as a diagram."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for

from webapp.diagram import layered_svg
from kb.graph import TRACE_LIMIT, TRACE_PLANS
from webapp.errors import BadParam, answer
from webapp.graph_data import trace_starts, trace_view
from webapp.params import check_id, int_param, text_param
from webapp.resources import get_corpus, get_graph

bp = Blueprint("trace", __name__)

COLUMNS = [("body", "单位"), ("task", "任务"), ("target", "目标"),
           ("indicator", "指标"), ("deadline", "时限")]


MAX_CANDIDATES = 12


def candidates(text: str) -> list[dict]:
    """Starting points whose name contains what was typed (or is contained in it).

    Staff type “法院”, not “body:人民法院”; a miss should offer the near names."""
    key = text.split(":", 1)[1] if text.startswith(("body:", "target:", "indicator:")) else text
    key = key.strip()
    if not key:
        return []
    starts = trace_starts(get_graph())
    inside, around = [], []  # names containing what was typed first; names it contains after
    for group in ("bodies", "regions", "targets", "indicators", "tasks"):
        for s in starts[group]:
            label = s["label"] or ""
            hit = {"id": s["id"], "kind": s["kind"], "label": label, "url": s["url"]}
            if key in label:
                inside.append(hit)
            elif len(label) >= 2 and label in key:
                around.append(hit)
    return (inside or around)[:MAX_CANDIDATES]


def not_traceable(node_id: str, near: list[dict]):
    """404 with the near names: a page of links, or JSON with ``candidates``."""
    reason = f"没有编号或名称为“{node_id}”的任务、目标、指标、责任单位或地区，无法追踪。"
    if near:
        reason += "您要找的可能是下列之一。"
    return answer(404, reason, candidates=near)


def trace_data(node_id: str) -> dict | None:
    """The trace of ``node_id``: ?doc= keeps one plan's tasks, ?limit= how many per plan
    (0: all); a hub's page stays small."""
    check_id(node_id, "追踪起点编号")
    graph = get_graph()
    doc = text_param("doc", max_len=100)
    if doc and doc not in graph.g:
        raise BadParam(f"参数 doc 的取值“{doc}”不是已收录的规划编号。")
    limit = int_param("limit", TRACE_LIMIT, 0, 100000)
    return trace_view(graph, get_corpus(), node_id, document=doc, limit=limit or None)


@bp.get("/api/trace/<path:node_id>")
def trace_api(node_id):
    data = trace_data(node_id)
    return jsonify(data) if data is not None else not_traceable(node_id, candidates(node_id))


@bp.get("/trace/<path:node_id>")
def trace_page(node_id):
    data = trace_data(node_id)
    if data is None:
        near = candidates(node_id)
        if len(near) == 1:  # one near name: that is what was meant
            return redirect(url_for("trace.trace_page", node_id=near[0]["id"]))
        return not_traceable(node_id, near)
    diagram = layered_svg(data["nodes"], data["edges"], COLUMNS, start=data["start"]["id"],
                          title=f"“{data['start']['label']}”的追踪图")
    return render_template("trace.html", data=data, diagram=diagram, columns=COLUMNS, plans_shown=TRACE_PLANS)


def index_data() -> dict:
    graph = get_graph()
    doc = text_param("doc", max_len=100)
    if doc and doc not in graph.g:
        raise BadParam(f"参数 doc 的取值“{doc}”不是已收录的规划编号。")
    return trace_starts(graph, doc, get_corpus())


@bp.get("/api/trace")
def trace_index_api():
    return jsonify(index_data())


@bp.get("/trace")
def trace_index():
    node_id = text_param("id")
    if node_id:
        return redirect(url_for("trace.trace_page", node_id=node_id))
    return render_template("trace_index.html", starts=index_data())
