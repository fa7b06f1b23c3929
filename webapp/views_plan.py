"""The plan itself: outline, clause, boxes, targets, indicators, bodies (each with an /api twin)."""
from __future__ import annotations

from flask import Blueprint, abort, url_for

from kb.indicators import indicator_tables
from webapp import graph_data, plan_data
from webapp.params import check_id, text_param
from webapp.resources import get_corpus, get_document, get_graph, graph_or_none
from webapp.twin import twin

bp = Blueprint("plan", __name__)


def _doc():
    return get_document(text_param("document"))


@twin(bp, "/outline", "/api/outline", "outline.html", endpoint="outline")
def outline():
    corpus = get_corpus()
    doc = _doc()
    data = plan_data.outline(doc, corpus.clause)
    data["documents"] = [plan_data.document_brief(d) for d in corpus.documents]
    data["tables"] = indicator_tables(doc)["tables"]
    return data


@twin(bp, "/clauses/<path:clause_id>", "/api/clauses/<path:clause_id>", "clause.html",
      endpoint="clause")
def clause(clause_id: str):
    corpus = get_corpus()
    check_id(clause_id, "条目编号")
    c = corpus.clause(clause_id)
    if c is None:
        abort(404, description=f"没有编号为“{clause_id}”的条目。")
    data = plan_data.clause_detail(corpus, c, graph_data.clause_links(graph_or_none(), c.id))
    data["crumb_links"] = crumb_links(c, data["document_title"])
    return data


def crumb_links(c, document_title: str) -> list[dict]:
    """The breadcrumb as links back into the outline, the boxes or the indicator tables,
    so a reader can step up from a clause to its section without hunting for it."""
    outline = url_for("plan.outline_page", document=c.document)
    steps = [(document_title, outline)]
    if c.chapter is not None:
        steps.append((None, f"{outline}#ch-{c.chapter}"))
        if c.section is not None:
            steps.append((None, f"{outline}#ch-{c.chapter}-s-{c.section}"))
    if c.box is not None:
        steps.append((None, url_for("plan.boxes_page", document=c.document) + f"#box-{c.box}"))
    elif c.table is not None:
        steps.append((None, url_for("plan.indicators_page", document=c.document) + f"#table-{c.table}"))
    labels = list(c.breadcrumb or [])
    if len(labels) != len(steps) - 1:  # a shape we do not know: plain labels, no wrong links
        return [{"label": document_title, "url": outline}] + [{"label": b, "url": None} for b in labels]
    return [{"label": lab or labels[i - 1], "url": url} for i, (lab, url) in enumerate(steps)]


@twin(bp, "/boxes", "/api/boxes", "boxes.html", endpoint="boxes")
def boxes():
    return plan_data.boxes(_doc(), get_corpus().clause)


@twin(bp, "/indicators", "/api/indicators", "indicators.html", endpoint="indicators")
def indicators():
    doc = _doc()
    data = indicator_tables(doc)
    data["document"] = plan_data.document_brief(doc)
    data["indicators"] = graph_data.indicator_nodes(graph_or_none(), doc.id)
    return data


def _from_graph(build) -> dict:
    """A page drawn from the graph for one plan: ``build(graph, corpus, doc_id)`` plus the plan."""
    doc = _doc()
    data = build(get_graph(), get_corpus(), doc.id)
    data["document"] = plan_data.document_brief(doc)
    return data


@twin(bp, "/targets", "/api/targets", "targets.html", endpoint="targets")
def targets():
    return _from_graph(graph_data.targets_timeline)


@twin(bp, "/bodies", "/api/bodies", "bodies.html", endpoint="bodies")
def bodies():
    return _from_graph(graph_data.bodies_with_tasks)
