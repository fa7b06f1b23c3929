"""Trace: for a task, target, indicator or body, the chain drawn as a diagram."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for

from webapp.diagram import layered_svg
from webapp.errors import answer
from webapp.graph_data import trace_starts, trace_view
from webapp.params import check_id, text_param
from webapp.resources import get_corpus, get_graph

bp = Blueprint("trace", __name__)

COLUMNS = [("body", "责任单位"), ("task", "任务"), ("target", "目标"),
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
    out = []
    for group in ("bodies", "targets", "indicators"):
        for s in starts[group]:
            label = s["label"] or ""
            if key in label or (len(label) >= 2 and label in key):
                out.append({"id": s["id"], "kind": s["kind"], "label": label, "url": s["url"]})
    return out[:MAX_CANDIDATES]


def not_traceable(node_id: str, near: list[dict]):
    """404 with the near names: a page of links, or JSON with ``candidates``."""
    reason = f"没有编号或名称为“{node_id}”的任务、目标、指标或责任单位，无法追踪。"
    if near:
        reason += "您要找的可能是下列之一。"
    return answer(404, reason, candidates=near)


def trace_data(node_id: str) -> dict | None:
    check_id(node_id, "追踪起点编号")
    return trace_view(get_graph(), get_corpus(), node_id)


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
    return render_template("trace.html", data=data, diagram=diagram, columns=COLUMNS)


@bp.get("/api/trace")
def trace_index_api():
    return jsonify(trace_starts(get_graph()))


@bp.get("/trace")
def trace_index():
    node_id = text_param("id")
    if node_id:
        return redirect(url_for("trace.trace_page", node_id=node_id))
    return render_template("trace_index.html", starts=trace_starts(get_graph()))
