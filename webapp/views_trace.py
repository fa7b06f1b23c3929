"""Trace: for a task, target, indicator or body, the chain drawn as a diagram."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template

from webapp.params import check_id, text_param
from webapp.resources import get_corpus, get_graph

bp = Blueprint("trace", __name__)

COLUMNS = [("body", "责任单位"), ("task", "任务"), ("target", "目标"),
           ("indicator", "指标"), ("deadline", "时限")]


def trace_data(node_id: str) -> dict:
    from webapp.graph_data import trace_view

    check_id(node_id, "追踪起点编号")
    data = trace_view(get_graph(), get_corpus(), node_id)
    if data is None:
        abort(404, description=f"没有编号为“{node_id}”的任务、目标、指标或责任单位，无法追踪。")
    return data


@bp.get("/api/trace/<path:node_id>")
def trace_api(node_id):
    return jsonify(trace_data(node_id))


@bp.get("/trace/<path:node_id>")
def trace_page(node_id):
    from webapp.diagram import layered_svg

    data = trace_data(node_id)
    diagram = layered_svg(data["nodes"], data["edges"], COLUMNS, start=data["start"]["id"],
                          title=f"“{data['start']['label']}”的追踪图")
    return render_template("trace.html", data=data, diagram=diagram, columns=COLUMNS)


@bp.get("/api/trace")
def trace_index_api():
    from webapp.graph_data import trace_starts

    return jsonify(trace_starts(get_graph(), get_corpus()))


@bp.get("/trace")
def trace_index():
    node_id = text_param("id")
    if node_id:
        from flask import redirect, url_for

        return redirect(url_for("trace.trace_page", node_id=node_id))
    from webapp.graph_data import trace_starts

    return render_template("trace_index.html", starts=trace_starts(get_graph(), get_corpus()))
