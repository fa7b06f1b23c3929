"""/healthz: cheap liveness for monitoring; says whether the corpus loads."""
from __future__ import annotations

from flask import Blueprint, jsonify

from webapp.resources import get_corpus

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        corpus = get_corpus()
        docs = len(corpus.documents)
        clauses = sum(len(d.clauses) for d in corpus.documents)
    except Exception as e:  # health answers, it does not fail
        return jsonify({"status": "degraded", "reason": getattr(e, "description", str(e))}), 503
    return jsonify({"status": "ok", "documents": docs, "clauses": clauses})
