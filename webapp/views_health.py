"""/healthz: cheap liveness for monitoring; says whether the corpus loads.

It answers from the snapshot being served (no parsing, no hashing), says when a newer
corpus is being built (``updating``) or failed to build (``update_error``), and names
the worker process that answered in the ``X-Plankb-Worker`` header (``serve --workers``).
"""
from __future__ import annotations

import os

from flask import Blueprint, jsonify

from webapp.resources import get_corpus, status

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        corpus = get_corpus()
        docs = len(corpus.documents)
        clauses = sum(len(d.clauses) for d in corpus.documents)
    except Exception as e:  # health answers, it does not fail
        resp = jsonify({"status": "degraded", "reason": getattr(e, "description", str(e))})
        resp.status_code = 503
    else:
        resp = jsonify({"status": "ok", "documents": docs, "clauses": clauses,
                        "left_out": list(getattr(corpus, "problems", [])), **status()})
    resp.headers["X-Plankb-Worker"] = str(os.getpid())
    return resp
