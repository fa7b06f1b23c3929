"""Who should lead a task and by when, for a task list (任务分解表).

The plan's own words come first: its responsibility tag; else the government bodies the
task names; else the body whose kind of work the task names (``duties.toml``), the issuer
supporting; else the plan's issuer. ``source`` says which, so a list can mark a
suggestion as one. The deadline is the earliest stated deadline among the task's
targets, else the plan's end year.
"""
from __future__ import annotations

from kb.extract.duties import load_duties, suggest_by_duty
from kb.extract.gazetteer import province_of

# body kinds (corpus/gazetteer/bodies.toml) that can be handed a task; services and
# associations only support
OFFICIAL_KINDS = ("central", "provincial", "local", "court", "procuratorate", "police", "customs",
                  "coordination")


def suggest(pg, clause_id: str) -> dict:
    nid = pg.resolve(clause_id)
    c = pg.corpus.clause(nid)
    if c is None:
        raise KeyError(clause_id)
    doc = pg.corpus.document(c.document)
    g = pg.g
    lead, support, source, duty_terms = [], [], "", []
    for _, v, k in g.out_edges(nid, keys=True):
        if k == "responsible":
            lead.append(g.nodes[v]["label"])
        elif k == "supports":
            support.append(g.nodes[v]["label"])
    if lead:
        source = "tag"
    else:
        named = [(g.nodes[v]["label"], g.nodes[v].get("body_kind"))
                 for _, v, k in g.out_edges(nid, keys=True)
                 if k == "mentions" and g.nodes[v]["kind"] == "body"]
        official = [n for n, k in named if k in OFFICIAL_KINDS]
        services = [n for n, k in named if k == "service"]
        if official:
            lead, support, source = official[:1], official[1:] + services, "mentions"
        else:
            issuer = str(doc.meta.get("issuer", "")) if doc else ""
            duty = _duty(pg, c, doc)
            if duty["lead"]:
                lead, source = [duty["lead"]], "duty"
                support = [issuer] if issuer else []
            elif issuer:
                lead, source = [issuer], "issuer"
            support = support + duty["support"] + services
            duty_terms = duty["terms"]
    years, annual = _target_years(pg, nid)
    end = doc.period[1] if doc else None
    year = min(years) if years else end
    deadline = f"{year}年底" if year else ""
    if annual and not years:
        deadline = "每年" + (f"（至{end}年底）" if end else "")
    return {"lead": _unique(lead), "support": _unique(s for s in support if s not in lead),
            "deadline": deadline, "deadline_year": year, "implied_deadline": not years and not annual,
            "source": source, "duty_terms": _unique(duty_terms)}


def _target_years(pg, nid: str) -> tuple[list[int], bool]:
    """Stated deadline years of the targets a task reaches, and whether one is annual."""
    years, annual = [], False
    for p in pg._forward_paths(nid, prefix=[]):
        for n in p:
            if pg.g.nodes[n]["kind"] != "target":
                continue
            dl = pg._info["targets"][n]["target"].deadline
            if dl.kind == "annual":
                annual = True
            elif dl.kind != "implied" and dl.year:
                years.append(dl.year)
    return years, annual


def _duty(pg, clause, doc) -> dict:
    """Lead and supporting units by the kind of work the clause names: only the task's
    title (its lead, or its box's title) can make a body the lead."""
    province = province_of(doc.title, str(doc.meta.get("issuer", "")),
                           str(doc.meta.get("region", ""))) if doc else ""
    box = doc.box(clause.box) if doc and clause.box else None
    title = clause.lead or (box.title if box else "")
    return suggest_by_duty(clause.text, load_duties(pg.corpus.root / "gazetteer"), province,
                           lead_text=title)


def _unique(items) -> list:
    out = []
    for i in items:
        if i and i not in out:
            out.append(i)
    return out
