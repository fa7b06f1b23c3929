"""监测: where the plan stands — indicators and targets by status, the plan by chapter,
a small chart per indicator, and the evaluation report to download.

Read-only for now (values are entered with ``plankb actuals`` until the web has
accounts). The data comes from office.tracking, as the CLI's; the page draws each
chart as inline SVG on the server (base → yearly values → target), with no script.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, url_for
from markupsafe import Markup, escape

from office.errors import ListError
from office.export import content_disposition, safe_filename
from office.tracking.actuals import ActualsError, ActualsStore, open_store
from office.tracking.report import FORMATS, build_report, list_store_reader, render
from office.tracking.rules import STATUSES
from office.tracking.status import Plan, tracking
from webapp import plan_data
from webapp.params import choice_param, int_param, text_param
from webapp.resources import _cached, get_corpus, get_document, get_graph, get_store, instance_dir
from webapp.twin import twin

bp = Blueprint("monitor", __name__)

BADGE = {"已完成": "ok", "进度正常": "ok", "未完成": "warn", "滞后": "warn", "无数据": "kind", "待判断": "kind"}
REPORT_LABELS = {"docx": "Word", "xlsx": "Excel"}


def _plan() -> Plan:
    get_graph()  # a graph that cannot be built answers 503 here, once
    return _cached("tracking_plan", lambda corpus: Plan(corpus, get_graph()))


def _store() -> ActualsStore:
    store = current_app.extensions.get("plankb_actuals")
    if store is None:
        try:
            store = open_store(instance_dir(), database=get_store().db)  # one engine for the office database
        except (ActualsError, ListError) as e:
            abort(e.status, description=str(e))
        current_app.extensions["plankb_actuals"] = store
    return store


def _tracking() -> dict:
    try:
        return tracking(_plan(), _store())
    except ActualsError as e:
        abort(e.status, description=str(e))


def _listed_clauses() -> set[str]:
    """Clause ids in any task list (the list store's current contents)."""
    read = list_store_reader(instance_dir())
    try:
        return {cid for _, items in read() for cid, *_ in items}
    except Exception as e:  # noqa: BLE001 — the page stands without list counts
        current_app.logger.warning("list store unreadable for 监测: %r", e)
        return set()


def _counts(entries: list[dict]) -> dict:
    out = {s: 0 for s in STATUSES}
    for e in entries:
        out[e["status"]] += 1
    return out


def _chapter_of(corpus, entry: dict):
    c = corpus.clause(entry["clause"]) if entry.get("clause") else None
    return c.chapter if c else None


@twin(bp, "/monitor", "/api/monitor", "monitor.html", endpoint="monitor",
      context=lambda data: {"charts": {e["id"]: spark_svg(e) for e in data["indicators"] + data["targets"]},
                            "badge": BADGE})
def monitor():
    corpus = get_corpus()
    doc = get_document(text_param("document"))
    status = choice_param("status", STATUSES)
    chapter = int_param("chapter", lo=1, hi=999)
    data = _tracking()
    inds = [e for e in data["indicators"] if e["document"] == doc.id]
    tgts = [e for e in data["targets"] if e["document"] == doc.id]
    for e in inds + tgts:
        e["chapter"] = _chapter_of(corpus, e)
    listed = _listed_clauses()
    chapters = []
    for ch in doc.chapters:
        tasks = [c.id for c in doc.clauses if c.chapter == ch.number and c.kind in ("task", "box_item")]
        ch_inds = [e for e in inds if e["chapter"] == ch.number]
        ch_tgts = [e for e in tgts if e["chapter"] == ch.number]
        if not (tasks or ch_inds or ch_tgts):
            continue
        chapters.append({"number": ch.number, "heading": ch.heading, "tasks": len(tasks),
                         "tasks_listed": sum(t in listed for t in tasks),
                         "indicators": _counts(ch_inds), "targets": _counts(ch_tgts)})

    def keep(e):
        return (status is None or e["status"] == status) and (chapter is None or e["chapter"] == chapter)

    return {
        "document": plan_data.document_brief(doc),
        "documents": [plan_data.document_brief(d) for d in corpus.documents],
        "statuses": list(STATUSES),
        "filter": {"status": status, "chapter": chapter},
        "summary": {"indicators": _counts(inds), "targets": _counts(tgts)},
        "chapters": chapters,
        "years": sorted({y for e in inds for y in e["years"]}),
        "indicators": [e for e in inds if keep(e)],
        "targets": [e for e in tgts if keep(e)],
        "reports": [{"format": f, "label": REPORT_LABELS[f], "url": url_for("monitor.report", fmt=f)}
                    for f in FORMATS],
    }


@bp.get("/monitor/report.<fmt>")
def report(fmt: str):
    if fmt not in FORMATS:
        abort(404, description=f"不支持的报告格式：{fmt[:20]}（可选：{'、'.join(FORMATS)}）。")
    try:
        rep = build_report(_plan(), _store(), read_lists=list_store_reader(instance_dir()))
        data = render(rep, fmt)
    except ActualsError as e:
        abort(e.status, description=str(e))
    content_type, ext = FORMATS[fmt]
    resp = Response(data, content_type=content_type)
    resp.headers["Content-Disposition"] = content_disposition(safe_filename(rep.title, ext))
    return resp


# -- the chart ----------------------------------------------------------------------

W, H, PAD_X, PAD_Y = 200, 64, 8, 10


def _series(e: dict):
    """(base point, [(year, value, label)], target point) as the rules see them: an
    addition is drawn as its running total from 0."""
    start = e["period"]["start"]
    base = None
    points = []
    if e["increment"]:
        total = 0.0
        for a in e["actuals"]:
            total += a["value"]
            points.append((a["year"], total, f"{a['year']}年累计{total:g}"))
        base = (start - 1, 0.0) if start else None
    else:
        points = [(a["year"], float(a["value"]), f"{a['year']}年{a['text']}") for a in e["actuals"]]
        if start and e["base"] is not None:
            base = (start - 1, float(e["base"]))
    goal = (e["deadline"], float(e["target"])) if e["target"] is not None and e["deadline"] else None
    return base, points, goal


def spark_svg(e: dict) -> Markup:
    """A small inline SVG: dashed line from the base to the target, the yearly values
    as a line with dots, the target as a red diamond. Empty for a qualitative target."""
    if not e.get("quantitative") or e["target"] is None:
        return Markup("")
    base, points, goal = _series(e)
    start, end = e["period"]["start"], e["period"]["end"]
    if not (start and end):
        return Markup("")
    x0, x1 = start - 1, end
    ys = [p[1] for p in points] + ([base[1]] if base else []) + ([goal[1]] if goal else [])
    lo, hi = min(ys), max(ys)
    if hi == lo:
        lo, hi = lo - 1, hi + 1

    def x(year):
        return PAD_X + (year - x0) / (x1 - x0) * (W - 2 * PAD_X)

    def y(v):
        return H - PAD_Y - (v - lo) / (hi - lo) * (H - 2 * PAD_Y)

    said = [f"基期{e['base_text']}" if e.get("base_text") else ""] + [p[2] for p in points] + \
        [f"目标{e['target_text']}"]
    title = "，".join(s for s in said if s)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="spark" width="{W}" height="{H}" '
           f'viewBox="0 0 {W} {H}" role="img" aria-label="{escape(e["name"])}：{escape(title)}">',
           f"<title>{escape(title)}</title>",
           f'<line x1="{PAD_X}" y1="{H - 2}" x2="{W - PAD_X}" y2="{H - 2}" stroke="#ccc" stroke-width="1"/>']
    for yr in range(x0, x1 + 1):
        out.append(f'<line x1="{x(yr):.1f}" y1="{H - 4}" x2="{x(yr):.1f}" y2="{H}" stroke="#ccc" stroke-width="1"/>')
    if base and goal:
        out.append(f'<line class="path" x1="{x(base[0]):.1f}" y1="{y(base[1]):.1f}" x2="{x(goal[0]):.1f}" '
                   f'y2="{y(goal[1]):.1f}" stroke="#999" stroke-width="1" stroke-dasharray="3 2"/>')
    if base:
        out.append(f'<rect class="base" x="{x(base[0]) - 2.5:.1f}" y="{y(base[1]) - 2.5:.1f}" width="5" height="5" '
                   'fill="#555"/>')
    line = ([base] if base else []) + [(p[0], p[1]) for p in points]
    if len(line) > 1:
        pts = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in line)
        out.append(f'<polyline class="actual" points="{pts}" fill="none" stroke="#1f5fa8" stroke-width="1.6"/>')
    for yr, v, label in points:
        out.append(f'<circle class="value" cx="{x(yr):.1f}" cy="{y(v):.1f}" r="2.6" fill="#1f5fa8">'
                   f"<title>{escape(label)}</title></circle>")
    if goal:
        gx, gy = x(goal[0]), y(goal[1])
        out.append(f'<path class="target" d="M{gx:.1f} {gy - 4:.1f} L{gx + 4:.1f} {gy:.1f} L{gx:.1f} {gy + 4:.1f} '
                   f'L{gx - 4:.1f} {gy:.1f} Z" fill="#c0392b"/>')
    out.append("</svg>")
    return Markup("".join(out))
