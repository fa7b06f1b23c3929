"""导入规划: an administrator uploads a plan file, reviews the outline beside the source with
every uncertain decision of the ingest highlighted, fixes decisions with a click (each a
correction with what, where and why in the staged sidecar), and publishes.

Everything is under ``/admin/`` so webapp.auth lets administrators only in (a 401 for the
anonymous, a 403 for an editor), and every POST carries ``csrf_token`` (webapp.security).
Forms only: the page works without JavaScript. The staging and publishing themselves are
office.plans; this module only turns requests into calls and answers into pages.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, url_for

from office.plans import DEFAULT_WHY, FIX_KINDS, KIND_LABELS, PlanError
from webapp.resources import get_store, instance_dir

bp = Blueprint("imports", __name__)

UPLOAD_LIMIT = 30 * 1024 * 1024  # a 60-page plan PDF is a few MiB; scanned books are refused anyway


def _corpus():
    return current_app.config["CORPUS_DIR"]


def _plans():
    from office import plans

    return plans


def _fail(e: PlanError):
    abort(e.status, description=str(e))


def _published() -> list[dict]:
    """The plans the database serves (office.published), newest first."""
    from office.published import ORIGINS, PlanStore

    return [{"id": r.doc_id, "version": r.id, "title": r.title, "who": r.who, "at": r.at,
             "origin": ORIGINS.get(r.origin, r.origin)} for r in PlanStore(get_store().db).published()]


@bp.get("/admin/import")
def import_page():
    return render_template("import.html", staged=_plans().staged_plans(instance_dir()), published=_published(),
                           limit_mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024), kinds=KIND_LABELS,
                           notice=request.args.get("removed") and f"已移除 {request.args['removed'][:64]}，检索索引将在后台更新。")


@bp.get("/api/admin/import")
def import_api():
    return {"staged": _plans().staged_plans(instance_dir()), "published": _published(),
            "max_bytes": current_app.config["IMPORT_MAX_BYTES"], "kinds": KIND_LABELS}


@bp.post("/admin/plans/<doc_id>/remove")
@bp.post("/api/admin/plans/<doc_id>/remove")
def remove_plan(doc_id):
    """Take a published plan out of every server's corpus (the trail keeps old → new)."""
    from kb.model import valid_doc_id
    from office.published import PlanStore, PlanStoreError, bundled_ids
    from webapp.resources import corpus_changed

    if not valid_doc_id(doc_id):
        abort(404, description="没有这份规划（编号无效）。")
    try:
        PlanStore(get_store().db).remove(doc_id, bundled=bundled_ids(_corpus()))
    except PlanStoreError as e:
        abort(e.status, description=str(e))
    corpus_changed()
    if request.path.startswith("/api/"):
        return {"removed": doc_id}
    return redirect(url_for("imports.import_page", removed=doc_id), code=303)


@bp.post("/admin/import")
def upload():
    f = request.files.get("file")
    if f is None or not f.filename:
        return _upload_error("请选择要导入的规划文件。", 400)
    data = f.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
    if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
        return _upload_error(f"文件超过 {current_app.config['IMPORT_MAX_BYTES'] // (1024 * 1024)} MB，无法导入。", 413)
    from webapp.auth import current_user

    try:
        token = _plans().stage_upload(instance_dir(), _corpus(), data, f.filename,
                                      request.form.get("doc_id", "")[:100], current_user().name,
                                      database=get_store().db, replace=request.form.get("replace") == "1")
    except PlanError as e:
        return _upload_error(str(e), e.status)
    return redirect(url_for("imports.review_page", token=token), code=303)


def _upload_error(message: str, status: int):
    if request.path.startswith("/api/"):
        abort(status, description=message)
    return render_template("import.html", staged=_plans().staged_plans(instance_dir()), error=message,
                           published=_published(),
                           limit_mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024), kinds=KIND_LABELS), status


def _review(token):
    try:
        return _plans().review(instance_dir(), token)
    except PlanError as e:
        _fail(e)


@bp.get("/admin/import/<token>")
def review_page(token):
    from office.published import served_ids

    data = _review(token)
    taken = data["meta"]["status"] == "staged" and data["doc_id"] in served_ids(get_store().db, _corpus())
    page = render_template("import_review.html", r=data, token=token, fixes=FIX_KINDS, default_why=DEFAULT_WHY,
                           kinds=KIND_LABELS, notice=request.args.get("done") and "已记录更正并重新解析。",
                           taken=taken)
    # while the index is rebuilt the page reloads itself (no JavaScript needed)
    return (page, 200, {"Refresh": "2"}) if data["meta"]["status"] == "publishing" else page


@bp.get("/api/admin/import/<token>")
def review_api(token):
    data = _review(token)
    return {"token": token, "status": data["meta"]["status"], "message": data["meta"].get("message", ""),
            **{k: data[k] for k in ("meta", "doc_id", "title", "metadata", "counts", "stats",
                                    "corrections", "decisions", "outline", "source")}}


@bp.post("/admin/import/<token>/fix")
def fix(token):
    form = request.form
    try:
        _plans().add_correction(instance_dir(), _corpus(), token, form.get("what", ""), form.get("line", ""),
                                form.get("why", ""), after=form.get("after", ""), box=form.get("box", ""), title=form.get("title", ""))
    except PlanError as e:
        if e.status == 404:
            _fail(e)
        data = _review(token)
        return render_template("import_review.html", r=data, token=token, fixes=FIX_KINDS,
                               default_why=DEFAULT_WHY, kinds=KIND_LABELS, error=str(e)), e.status
    line = form.get("line", "")
    return redirect(url_for("imports.review_page", token=token, done=1) + (f"#L{line}" if line.isdigit() else ""),
                    code=303)


def _serve_new_corpus(app) -> None:
    """The corpus has the new plan: switch this server to it now (the index was built for
    it before the files arrived, so this only opens it) and wait until it is served."""
    from webapp.resources import corpus_changed, resources

    corpus_changed(app)
    resources(app).wait(600)


@bp.post("/admin/import/<token>/publish")
def publish(token):
    from office.audit import current_actor

    try:
        app = current_app._get_current_object()
        _plans().start_publish(instance_dir(), _corpus(), token, get_store().db, current_actor(),
                               on_published=lambda: _serve_new_corpus(app),
                               replace=request.form.get("replace") == "1")
    except PlanError as e:
        _fail(e)
    return redirect(url_for("imports.review_page", token=token), code=303)


@bp.post("/admin/import/<token>/discard")
def discard(token):
    try:
        _plans().discard(instance_dir(), token)
    except PlanError as e:
        _fail(e)
    return redirect(url_for("imports.import_page"), code=303)


def _upload_limit():
    """Before the CSRF check reads the form: the upload may be larger than the app's
    1 MiB limit for list edits, and only this one form."""
    if request.endpoint == "imports.upload":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + 64 * 1024


def _served_corpus(app: Flask):
    """CORPUS_SYNC: the bundled corpus plus the plans in the database, as a folder
    (office.published.sync), for webapp.resources' once-a-second check."""
    from office.published import sync

    with app.app_context():
        db = get_store().db
    return sync(db, app.config["CORPUS_DIR"], app.instance_path)


def init_import(app: Flask) -> None:
    app.config.setdefault("IMPORT_MAX_BYTES", UPLOAD_LIMIT)
    app.config.setdefault("CORPUS_SYNC", lambda: _served_corpus(app))
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)
    app.register_blueprint(bp)
