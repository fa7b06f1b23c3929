"""Who should lead a task and by when, for a task list (任务分解表).

A named chain of one-job rules, each a function a reader can open:

  ``no_suggestion``      review, preamble, goals, principles, notes and the last plan's table
                         are nobody's task: no units at all;
  ``responsibility_tag`` the plan's own words (…牵头, 配合单位：…) or a curated assignment;
  ``named_in_title``     a unit the task's title names (a unit, of the list's level, not a
                         category such as 金融机构);
  ``duty_of_title``      the body whose kind of work the title names (``duties.toml``);
  ``issuer``             else the plan's issuer.

The first rule that finds a lead gives it; supporting units are then gathered from the
tag, the units the text names and the duties its text touches, all of the list's level
(``levels.toml``: a provincial list names 人民银行广州分行, not 人民银行 or 国家知识产权局).
``source`` says which rule led, so a list can mark a suggestion as one. The deadline is the
earliest stated deadline among the task's targets, else the plan's end year.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from kb.extract.duties import load_duties, suggest_by_duty
from kb.extract.levels import Level, level_of_document

# body kinds (corpus/gazetteer/bodies.toml) that can be handed a task; services and
# associations only support
OFFICIAL_KINDS = ("central", "provincial", "local", "court", "procuratorate", "police", "customs", "finance",
                  "coordination")
# clause kinds that are nobody's task, and chapter roles whose paragraphs are not tasks
NOT_ASSIGNED = ("preamble", "review", "goal", "principle", "note", "footnote")
NOT_ASSIGNED_ROLES = ("review", "general")


@dataclass
class Ask:
    """What the rules read about one clause and what they decide."""
    pg: object
    node: str                 # the graph node: a clause, or the indicator of a table row
    clause: object            # kb.model clause
    doc: object
    level: Optional[Level]
    title: str                # the task's lead sentence, its box's title, or the indicator's name
    text: str
    lead: list = field(default_factory=list)
    support: list = field(default_factory=list)
    source: str = ""
    duty_terms: list = field(default_factory=list)
    inferred: list = field(default_factory=list)  # (unit, "lead" | "support") from duties.toml
    duty: Optional[dict] = None  # what duties.toml says of this clause (read once)
    none: bool = False

    def fits(self, name: str, kind: str = "", category: bool = False) -> bool:
        return not category and (self.level is None or self.level.fits(name, kind))


def no_suggestion(a: Ask) -> bool:
    """Review, preamble, goals, principles, notes, the general chapter and the previous
    plan's completion table: a list hands none of them to anybody."""
    c, doc = a.clause, a.doc
    roles = {ch.number: ch.role for ch in doc.chapters} if doc else {}
    history = a.node.startswith("indicator:") and a.pg.g.nodes[a.node].get("history")
    if c.kind in NOT_ASSIGNED or c.kind == "table_row" and (history or not a.node.startswith("indicator:")) \
            or roles.get(c.chapter) in NOT_ASSIGNED_ROLES and c.kind != "table_row":
        a.none = True
    return a.none


def responsibility_tag(a: Ask) -> bool:
    """The plan's responsibility tag or a curated assignment: its units, as printed."""
    g = a.pg.g
    for _, v, k in g.out_edges(a.node, keys=True):
        if k == "responsible":
            a.lead.append(g.nodes[v]["label"])
        elif k == "supports":
            a.support.append(g.nodes[v]["label"])
    if a.lead:
        a.source = "tag"
    return bool(a.lead)


def named_in_title(a: Ask) -> bool:
    """A unit of the list's level that the task's title names (强化海关知识产权保护 in the
    body of a task does not make 海关 its lead; a title naming it would)."""
    for name, surfaces, kind, category in _named(a):
        if kind in OFFICIAL_KINDS and a.fits(name, kind, category) and \
                any(s and s in a.title for s in surfaces):
            a.lead, a.source = [name], "mentions"
            return True
    return False


def duty_of_title(a: Ask) -> bool:
    """The body whose kind of work the title names (courts for 司法保护), the issuer
    supporting."""
    duty = _duty(a)
    a.duty_terms = duty["terms"]
    if duty["lead"]:
        a.lead, a.source = [duty["lead"]], "duty"
        a.inferred.append((duty["lead"], "lead"))
        a.support.append(_issuer(a))
        return True
    return False


def issuer(a: Ask) -> bool:
    """The plan's issuer leads what nobody else is named for."""
    name = _issuer(a)
    if name:
        a.lead, a.source = [name], "issuer"
    return bool(name)


LEAD_RULES: tuple[Callable[[Ask], bool], ...] = (no_suggestion, responsibility_tag, named_in_title,
                                                 duty_of_title, issuer)


def supporting_units(a: Ask) -> None:
    """Units the text names (of the list's level, not categories), then the duties its text
    touches (as the list's level writes them). A responsibility tag is the plan's own
    assignment: nothing is added to it."""
    if a.none or a.source == "tag":
        return
    for name, _, kind, category in _named(a):
        if (kind in OFFICIAL_KINDS or kind == "service") and a.fits(name, kind, category):
            a.support.append(name)
    duty = _duty(a)
    if not a.duty_terms:
        a.duty_terms = duty["terms"]
    for unit in duty["support"]:
        if a.fits(unit):
            a.support.append(unit)
            a.inferred.append((unit, "support"))


def decide(pg, clause_id: str) -> Ask:
    """The chain run on one clause."""
    a = _ask(pg, clause_id)
    for rule in LEAD_RULES:
        if rule(a):
            break
    supporting_units(a)
    return a


def add_suggested(pg) -> int:
    """Edges ``suggested`` from each task to the units its kind of work calls for
    (duties.toml), so a trace shows them beside the named ones, marked 建议, and the courts
    reach the 司法保护 tasks. Made once, when the graph is built; returns how many."""
    from kb.extract.bodies import kind_of
    from kb.extract.gazetteer import load_gazetteer

    g, n = pg.g, 0
    base = load_gazetteer(pg.corpus.root / "gazetteer")
    for nid in sorted(pg.tasks()):
        a = decide(pg, nid)
        gaz = base.for_province(a.level.province if a.level else "")
        for unit, role in a.inferred:
            bid = f"body:{unit}"
            if bid in g and g.has_edge(nid, bid):
                continue  # named or tagged already: that says more
            if bid not in g:
                entry = gaz.body_entry(unit)
                kind = entry.kind if entry else kind_of(unit)
                g.add_node(bid, kind="body", label=unit, body_kind=kind,
                           kind_label=gaz.body_kinds.get(kind, kind), category=False,
                           aliases=sorted(set(entry.aliases) - {unit}) if entry else [])
            g.add_edge(nid, bid, key="suggested", kind="suggested",
                       evidence="rule:duty_of_title" if role == "lead" else "rule:supporting_units",
                       clause=nid, role=role, terms="、".join(_unique(a.duty_terms)[:4]))
            n += 1
    return n


def suggest(pg, clause_id: str) -> dict:
    a = decide(pg, clause_id)
    if a.none:
        return {"lead": [], "support": [], "deadline": "", "deadline_year": None,
                "implied_deadline": False, "source": "", "duty_terms": []}
    year, annual, stated = _deadline(a)
    end = a.doc.period[1] if a.doc else None
    deadline = f"{year}年底" if year else ""
    if annual and not stated:
        deadline = "每年" + (f"（至{end}年底）" if end else "")
    lead = _unique(a.lead)
    return {"lead": lead, "support": _unique(s for s in a.support if s not in lead),
            "deadline": deadline, "deadline_year": year, "implied_deadline": not stated and not annual,
            "source": a.source, "duty_terms": _unique(a.duty_terms)}


# -- what the rules read ----------------------------------------------------------------

def _ask(pg, clause_id: str) -> Ask:
    cid = clause_id[len("indicator:"):] if clause_id.startswith("indicator:") else clause_id
    c = pg.corpus.clause(cid)
    if c is None:
        raise KeyError(clause_id)
    node = pg.resolve(cid) if c.kind != "table_row" else f"indicator:{cid}"
    if c.kind == "table_row" and node not in pg.g:
        node = cid  # a table row that is no indicator
    doc = pg.corpus.document(c.document)
    level = level_of_document(pg.corpus.root / "gazetteer", doc)
    if node.startswith("indicator:"):
        title = text = pg.indicator_row(node)["name"]
    else:
        box = doc.box(c.box) if doc and c.box else None
        title, text = c.lead or (box.title if box else ""), c.text
    return Ask(pg, node, c, doc, level, title, text)


def _named(a: Ask) -> list[tuple[str, list[str], str, bool]]:
    """(name, surface forms, kind, category) of the bodies the clause names."""
    g = a.pg.g
    if a.node not in g:
        return []
    out = []
    for _, v, k in g.out_edges(a.node, keys=True):
        if k != "mentions" or g.nodes[v]["kind"] != "body":
            continue
        n = g.nodes[v]
        surfaces = [n["label"], g.edges[a.node, v, k].get("surface", ""), *n.get("aliases", [])]
        out.append((n["label"], surfaces, n.get("body_kind", ""), bool(n.get("category"))))
    return out


def _duty(a: Ask) -> dict:
    """Lead and supporting units by the kind of work the clause names, as the list's level
    writes them: only the task's title can make a body the lead. Read once per clause."""
    if a.duty is None:
        province = a.level.province if a.level else ""
        a.duty = suggest_by_duty(a.text, load_duties(a.pg.corpus.root / "gazetteer"), province,
                                 lead_text=a.title, unit=a.level.unit if a.level else None)
    return a.duty


def _issuer(a: Ask) -> str:
    return str(a.doc.meta.get("issuer", "")) if a.doc else ""


def _deadline(a: Ask) -> tuple[Optional[int], bool, bool]:
    """(year, annual, stated): the earliest stated deadline of the targets the task reaches;
    for an indicator row, its target year; else the plan's end."""
    pg = a.pg
    end = a.doc.period[1] if a.doc else None
    if a.node.startswith("indicator:"):
        y = pg.indicator_row(a.node).get("target_year")
        return (y or end), False, bool(y)
    years, annual = [], False
    for p in pg.forward_paths(a.node):
        for n in p:
            if pg.g.nodes[n]["kind"] != "target":
                continue
            dl = pg.target_of(n).deadline
            if dl.kind == "annual":
                annual = True
            elif dl.kind != "implied" and dl.year:
                years.append(dl.year)
    return (min(years) if years else end), annual, bool(years)


def _unique(items) -> list:
    out = []
    for i in items:
        if i and i not in out:
            out.append(i)
    return out
