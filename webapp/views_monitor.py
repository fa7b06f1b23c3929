"""监测: where the plan stands — indicators and targets by status, the plan by chapter
(indicators, targets and list tasks by status), a small chart per indicator, entry of
actual values, and the evaluation report to download.

Editors and administrators enter values in the indicators × years table itself (one
small form a cell, no script needed) or by downloading the Excel template and
uploading it filled; webapp.auth already refuses a write without login (redirect to
the login page, 401 JSON on /api) or from a viewer (403), and webapp.security checks
the CSRF token. The data comes from office.tracking, as the CLI's; the page draws each
chart as inline SVG on the server (base → yearly values → target), with no script.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup, escape

from office.export import content_disposition, safe_filename
from office.lists import STATUSES as TASK_STATUSES
from office.tracking.actuals import ActualsError, ActualsStore, open_store
from office.tracking.report import FORMATS, build_report, list_store_reader, render
from office.tracking.rules import STATUSES
from office.tracking.status import Plan, figures, find_entry, tracking
from webapp import plan_data
from webapp.errors import BadParam
from webapp.params import choice_param, int_param, text_param
from webapp.resources import cached, get_corpus, get_document, get_graph, get_store, instance_dir
from webapp.twin import twin

bp = Blueprint("monitor", __name__)
# Refusals of office.tracking (ActualsError: 400, 403, 404 for an unknown measure, 503)
# are answered by webapp.errors like every office refusal; only the entry forms catch
# them, to show the sentence above the table they came from.

BADGE = {"已完成": "ok", "进度正常": "ok", "未完成": "warn", "滞后": "warn", "无数据": "kind", "待判断": "kind",
         "推进中": "ok", "未启动": "kind", "已调整": "kind", "未填": "kind"}
UNSET = "未填"  # a list item nobody has given a 完成状态 yet
TASK_COLUMNS = (*TASK_STATUSES, UNSET)
UPLOAD_MAX = 5 * 1024 * 1024
REPORT_LABELS = {"docx": "Word", "xlsx": "Excel"}


def _plan() -> Plan:
    get_graph()  # a graph that cannot be built answers 503 here, once
    return cached("tracking_plan", lambda corpus: Plan(corpus, get_graph()))


def _store() -> ActualsStore:
    store = current_app.extensions.get("plankb_actuals")
    if store is None:
        store = open_store(instance_dir(), database=get_store().db)  # one engine for the office database
        current_app.extensions["plankb_actuals"] = store
    return store


def _tracking() -> dict:
    return tracking(_plan(), _store())


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


def _context(data: dict) -> dict:
    return {"charts": {e["id"]: spark_svg(e) for e in figures(data["indicators"]) + data["targets"]},
            "badge": BADGE, "can_edit": _can_edit(), "notices": get_flashed_messages()}


def _can_edit() -> bool:
    from webapp.auth import current_user

    user = current_user()
    return user is not None and user.actor().may_write()


def _list_tasks(doc) -> list[dict]:
    """Every list item on a clause of this plan, with its list, status and progress."""
    corpus = get_corpus()
    out = []
    try:
        store = get_store()
        for tl in store.lists():
            for it in store.tracked_items(tl.id):
                c = corpus.clause(it.clause_id)
                if c is None or c.document != doc.id:
                    continue
                out.append({"list_id": tl.id, "list": tl.display_title, "item_id": it.id, "clause": it.clause_id,
                            "chapter": c.chapter, "task": (c.lead or c.text)[:60], "lead_unit": it.lead_unit,
                            "status": it.status or UNSET, "progress": it.progress,
                            "url": url_for("lists.list_page", list_id=tl.id) + f"#item-{it.id}"})
    except Exception as e:  # noqa: BLE001 — the page stands without task counts
        current_app.logger.warning("list store unreadable for 监测: %r", e)
    return out


def _task_counts(tasks: list[dict]) -> dict:
    out = {s: 0 for s in TASK_COLUMNS}
    for t in tasks:
        out[t["status"]] += 1
    return out


@twin(bp, "/monitor", "/api/monitor", "monitor.html", endpoint="monitor", context=_context)
def monitor():
    corpus = get_corpus()
    doc = get_document(text_param("document"))
    status = choice_param("status", STATUSES)
    task_status = choice_param("task_status", TASK_COLUMNS)
    chapter = int_param("chapter", lo=1, hi=999)
    data = _tracking()
    inds = [e for e in data["indicators"] if e["document"] == doc.id]
    tgts = [e for e in data["targets"] if e["document"] == doc.id]
    for e in inds + tgts:
        e["chapter"] = _chapter_of(corpus, e)
    listed = _listed_clauses()
    listed_tasks = _list_tasks(doc)
    chapters = []
    for ch in doc.chapters:
        tasks = [c.id for c in doc.clauses if c.chapter == ch.number and c.kind in ("task", "box_item")]
        ch_inds = [e for e in inds if e["chapter"] == ch.number]
        ch_tgts = [e for e in tgts if e["chapter"] == ch.number]
        if not (tasks or ch_inds or ch_tgts):
            continue
        chapters.append({"number": ch.number, "heading": ch.heading, "tasks": len(tasks),
                         "tasks_listed": sum(t in listed for t in tasks),
                         "indicators": _counts(ch_inds), "targets": _counts(ch_tgts),
                         "task_status": _task_counts([t for t in listed_tasks if t["chapter"] == ch.number])})

    def keep(e):
        return (status is None or e["status"] == status) and (chapter is None or e["chapter"] == chapter)

    return {
        "document": plan_data.document_brief(doc),
        "documents": [plan_data.document_brief(d) for d in corpus.documents],
        "statuses": list(STATUSES),
        "filter": {"status": status, "chapter": chapter, "task_status": task_status},
        "summary": {"indicators": _counts(inds), "targets": _counts(tgts), "tasks": _task_counts(listed_tasks)},
        "task_statuses": list(TASK_COLUMNS),
        "tasks": [t for t in listed_tasks if (task_status is None or t["status"] == task_status)
                  and (chapter is None or t["chapter"] == chapter)] if task_status else [],
        "chapters": chapters,
        "years": sorted({y for e in inds for y in e["years"]}),
        "indicators": [e for e in inds if keep(e)],
        "targets": [e for e in tgts if keep(e)],
        "reports": [{"format": f, "label": REPORT_LABELS[f], "url": url_for("monitor.report", fmt=f)}
                    for f in FORMATS],
        "template_url": url_for("monitor.template", document=doc.id),
    }


# -- entry ------------------------------------------------------------------------------

def _page(code: int = 200, **extra):
    """The 监测 page again (after a refused entry or import: the message above the table)."""
    data = monitor()
    return render_template("monitor.html", data=data, **_context(data), **extra), code


def _who() -> str:
    from webapp.auth import current_user

    user = current_user()
    return (user.display_name or user.name) if user is not None else ""


def _set(form) -> tuple[dict, str]:
    """Store one value (or clear it when the value is empty); (entry, what was done)."""
    plan, store = _plan(), _store()
    mid = str(form.get("id") or form.get("measure_id") or "").strip()[:200]
    if not mid:
        raise ActualsError("缺少指标或目标编号。")
    m = plan.measure(mid)
    value = form.get("value")
    year = form.get("year")
    if value is None or (isinstance(value, str) and not value.strip()):
        y = plan.actual(m.id, year, "0").year  # the year checked as for a value
        done = f"已清除 {m.name} {y}年的实际值。" if store.delete(m.id, y) else f"{m.name} {y}年本来就没有值。"
    else:
        y = plan.actual(m.id, year, value).year
        old = next((a for a in store.all().get(m.id, []) if a.year == y), None)
        kept = {k: (form.get(k) or "") if k in form else (getattr(old, k) if old else "") for k in ("source", "note")}
        a = plan.actual(m.id, year, value, **kept, who=_who())  # a source or note not sent is kept
        changed = store.put([a])
        done = f"已{'保存' if changed else '保留（与已录入的相同）'}：{m.name} {a.year}年 {a.value}{m.unit}。"
    return find_entry(tracking(plan, store), m.id), done


@bp.post("/monitor/actuals")
def actual_form():
    """One cell of the table: save, change or clear a value, without JavaScript."""
    try:
        entry, done = _set(request.form)
    except ActualsError as e:
        if e.status >= 500:
            raise  # webapp.errors answers it
        return _page(e.status, error=str(e))
    flash(done)
    return redirect(url_for("monitor.monitor_page", document=entry["document"]) + f"#m-{entry['id']}", code=303)


@bp.post("/api/actuals")
def actual_api():
    """``{"id", "year", "value", "source"?, "note"?}`` → the measure's entry as in
    ``/api/monitor`` (an empty value clears the year)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadParam("请求体应为 JSON 对象，如 {\"id\": \"gd-ip-14fyp:t2.r11\", \"year\": 2023, \"value\": \"81.5\"}。")
    entry, done = _set({k: (str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                        for k, v in data.items()})
    return jsonify({"ok": True, "message": done, "entry": entry})


@bp.get("/monitor/template.xlsx")
def template():
    """The Excel template: every indicator and target a row, every year of the period
    a column, stored values filled in."""
    from office.tracking.template import template_bytes

    plan = _plan()
    title = "、".join(f"《{d.title}》" for d in plan.corpus.documents) + "实际值录入表"
    data = template_bytes(plan, _store().all(), title)
    resp = Response(data, content_type=FORMATS["xlsx"][0])
    resp.headers["Content-Disposition"] = content_disposition(safe_filename("实际值录入表", ".xlsx"))
    return resp


@bp.post("/monitor/import")
def import_form():
    """Upload a filled template: every value stored, or (any cell unreadable) none, with
    every unreadable cell named by its place."""
    from office.tracking.template import TemplateError, read_template

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(400, error="请选择要导入的 Excel（.xlsx）文件。")
    data = upload.read(UPLOAD_MAX + 1)
    if len(data) > UPLOAD_MAX:
        return _page(413, error=f"文件过大，超过 {UPLOAD_MAX // 1024 // 1024} MB 上限。")
    store = _store()
    try:
        actuals = read_template(data, _plan(), store.all(), who=_who())
        changed = store.put(actuals)
    except TemplateError as e:
        if e.whole:
            return _page(400, error=f"无法导入 {upload.filename[:80]}：{e}")
        return _page(400, error=f"{upload.filename[:80]} 有 {len(e.problems)} 处无法读取，未导入任何数值：",
                     problems=e.problems)
    except ActualsError as e:
        if e.status >= 500:
            raise  # webapp.errors answers it
        return _page(e.status, error=str(e))
    done = f"已导入 {upload.filename[:80]}：读到 {len(actuals)} 个数值，其中 {changed} 个为新录入或有改动。"
    flash(done)
    return redirect(url_for("monitor.monitor_page", document=text_param("document")), code=303)


@bp.get("/monitor/report.<fmt>")
def report(fmt: str):
    if fmt not in FORMATS:
        abort(404, description=f"不支持的报告格式：{fmt[:20]}（可选：{'、'.join(FORMATS)}）。")
    rep = build_report(_plan(), _store(), read_lists=list_store_reader(instance_dir()))
    data = render(rep, fmt)
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
