"""The data behind a task list's page and its /api twin, as plain JSON-ready dicts.

Like plan_data and graph_data it only reads: the views fetch the list from the store
(and turn the store's refusals into 4xx), then hand it here.
"""
from __future__ import annotations

from kb.citation import citation

from office.export.rows import suggestions_of
from webapp.plan_data import clause_brief


def suggestions(graph, clause_id: str) -> dict:
    """The units and deadline the plan names for a clause, the same words the export fills in."""
    return {k: v for k, v in suggestions_of(graph, clause_id).items() if v}


SUGGESTION_NOTES = {
    "issuer": "条文未写明责任单位，建议取规划印发单位",
}


def suggestion_notes(graph, clause_id: str) -> dict:
    """Why a suggestion says what it says, when it is a fallback rather than the text's own words."""
    if graph is None:
        return {}
    try:
        s = graph.suggest(clause_id) or {}
    except KeyError:  # a table row, a note or a clause gone from the corpus: no suggestion
        return {}
    notes = {}
    if s.get("source") in SUGGESTION_NOTES and s.get("lead"):
        notes["lead_unit"] = SUGGESTION_NOTES[s["source"]]
    elif s.get("source") == "duty" and s.get("lead"):
        terms = "、".join(s.get("duty_terms", [])[:3])
        notes["lead_unit"] = f"条文未写明责任单位，按任务涉及的职能建议（{terms}）"
    if s.get("implied_deadline") and s.get("deadline"):
        notes["deadline"] = "条文未写明时限，按规划期末"
    return notes


def list_detail(tl, items, corpus, graph) -> dict:
    """A list as its page and /api twin show it: each item with its clause, citation and
    the plan's own suggestions (with why, when a suggestion is a fallback)."""
    out = []
    for it in items:
        c = corpus.clause(it.clause_id)
        d = it.to_json()
        d["clause"] = clause_brief(c) if c else None
        d["citation"] = citation(corpus.document(c.document), c) if c else None
        d["suggestions"] = suggestions(graph, it.clause_id)
        d["suggestion_notes"] = {k: v for k, v in suggestion_notes(graph, it.clause_id).items()
                                 if k in d["suggestions"]}
        out.append(d)
    return {"list": tl.to_json(), "items": out}
