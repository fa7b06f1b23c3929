"""Graph overview: node and edge counts by kind, a filterable table, a small SVG."""
from __future__ import annotations

from flask import Blueprint

from kb.graph import EDGE_KINDS
from webapp.graph_data import overview, schema_diagram
from webapp.params import int_param, text_param
from webapp.resources import get_graph
from webapp.twin import twin

bp = Blueprint("graph", __name__)


def graph_params() -> dict:
    return {"kind": text_param("kind", max_len=30), "q": text_param("q", max_len=100),
            "limit": int_param("limit", 300, 1, 5000)}


def _drawing(data: dict) -> dict:
    return {"diagram": schema_diagram(data), "edge_titles": EDGE_KINDS}


@twin(bp, "/graph", "/api/graph", "graph.html", endpoint="graph", context=_drawing)
def graph():
    return overview(get_graph(), **graph_params())
