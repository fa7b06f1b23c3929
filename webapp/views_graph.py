"""Graph overview: node and edge counts by kind, a filterable table, a small SVG."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from webapp.params import int_param, text_param
from webapp.resources import get_corpus, get_graph

bp = Blueprint("graph", __name__)


def graph_params() -> dict:
    return {"kind": text_param("kind", max_len=30), "q": text_param("q", max_len=100),
            "limit": int_param("limit", 300, 1, 5000)}


def graph_data() -> dict:
    from webapp.graph_data import overview

    return overview(get_graph(), get_corpus(), **graph_params())


@bp.get("/api/graph")
def graph_api():
    return jsonify(graph_data())


@bp.get("/graph")
def graph_page():
    from webapp.graph_data import EDGE_TITLES, schema_diagram

    data = graph_data()
    return render_template("graph.html", data=data, diagram=schema_diagram(data),
                           edge_titles=EDGE_TITLES)
