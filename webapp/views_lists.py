"""Task lists (清单): build, order and fill in lists; export them or any search result.

The store (office.lists) owns concurrency: every edit carries the version the browser
last saw, and a conflicting edit comes back as 409 with the current item so the page
can show both values. The export writers (office.export) own the file formats.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for

from webapp import list_data
from webapp.errors import BadParam
from office.export import FORMATS, ExportError, build_rows, content_disposition, export_bytes, options_from
from office.export.selection import actionable, plan_order
from office.lists import FIELDS, STATUSES, ConflictError, may_change_progress
from office.localtime import local_time, zone
from webapp.params import choice_param, int_param
from webapp.plan_data import clause_brief
from webapp.resources import get_corpus, get_store, graph_or_none
from webapp.views_search import run_search, search_params

bp = Blueprint("lists", __name__)

SEARCH_EXPORT_MAX = 500


def _body() -> dict:
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadParam("请求体应为 JSON 对象。")
        return data
    return request.form.to_dict()


def list_detail(list_id: int) -> dict:
    store = get_store()
    tl = store.get_list(list_id)
    items = store.tracked_items(list_id)
    data = list_data.list_detail(tl, items, get_corpus(), graph_or_none())
    entries = store.progress(list_id)  # each item's dated progress (完成状态 is on the item)
    actor = _page_actor()
    for d in data["items"]:
        d["progress_entries"] = [{**p.to_json(), "mine": actor is not None and may_change_progress(actor, p)}
                                 for p in entries.get(d["id"], [])]
    data["statuses"] = list(STATUSES)
    return data


def _page_actor():
    """The logged-in account as the stores see it (None when nobody is logged in): who may
    be offered to edit which progress entry."""
    from webapp.auth import current_user

    user = current_user()
    return user.actor() if user is not None else None


# -- pages -----------------------------------------------------------------------------

@bp.get("/lists")
def lists_page():
    tz = zone(current_app.config.get("TIMEZONE"))
    lists = [{**t.to_json(), "updated_local": local_time(t.updated_at, tz)} for t in get_store().lists()]
    return render_template("lists.html", lists=lists, timezone=str(tz))


@bp.post("/lists")
def lists_create_form():
    form = request.form
    tl = get_store().create_list(form.get("name", ""), form.get("title", ""))
    return redirect(url_for("lists.list_page", list_id=tl.id), code=303)


# The flag a form redirects back with after a save, and what the list page then says
# (the first flag present wins, in this order).
SAVED_NOTICES = {
    "saved": "已保存。",
    "renamed": "已重命名。",
    "sorted": "已按规划顺序排列。",
    "status_saved": "已更新完成状态。",
    "progress_saved": "已记录进展。",
    "progress_edited": "已修改进展。",
    "progress_deleted": "已删除进展。",
}


@bp.get("/lists/<int:list_id>")
def list_page(list_id):
    added, skipped = int_param("added", None, 0, 100000), int_param("skipped", None, 0, 100000)
    if added is not None:
        notice = f"已加入清单：新增 {added} 条" + (f"，{skipped} 条已在清单中" if skipped else "") + "。"
    else:
        notice = next((text for flag, text in SAVED_NOTICES.items() if request.args.get(flag)), None)
    if notice is None and (filled := int_param("filled", None, 0, 100000)) is not None:
        notice = f"已为 {filled} 条填入。"
    return render_list(list_id, notice=notice)


def render_list(list_id: int, **context) -> str:
    return render_template("list.html", data=list_detail(list_id),
                           field_limits={k: limit for k, (_, limit) in FIELDS.items()}, **context)


@bp.get("/lists/add")
def add_page():
    """Choose a list for some clauses: what the 加入清单 buttons open without JavaScript."""
    ids = _clause_ids(request.args.get("clauses", ""))
    corpus = get_corpus()
    clauses = []
    for i in ids:
        c = corpus.clause(i)
        clauses.append({**clause_brief(c), "ticked": actionable(corpus, c)})
    return render_template("list_add.html", ids=ids, clauses=clauses,
                           lists=[t.to_json() for t in get_store().lists()],
                           back=_safe_back(request.args.get("back")))


@bp.post("/lists/add")
def add_form():
    form = request.form
    if form.get("picked"):  # the chooser's tick-boxes: only what is ticked
        ids = form.getlist("clause")
        if not ids:
            raise BadParam("没有勾选任何条文：请至少勾选一条再加入清单。")
        ids = _clause_ids(" ".join(ids))
    else:
        ids = _clause_ids(form.get("clauses", ""))
    store = get_store()
    name = (form.get("name") or "").strip()
    if name:
        existing = store.find_list(name)
        tl = existing or store.create_list(name, "")
    elif form.get("list_id"):
        tl = store.get_list(_form_id(form.get("list_id"), "list_id"))
    else:
        raise BadParam("请选择一个清单，或输入新清单的名称。")
    added = store.add_items(tl.id, ids)
    return redirect(url_for("lists.list_page", list_id=tl.id, added=len(added),
                            skipped=len(set(ids)) - len(added)), code=303)


def _clause_ids(raw: str) -> list[str]:
    # dict.fromkeys, not a list scan: a 1 MB form of ids must not cost n² before the cap
    ids = list(dict.fromkeys((raw or "").split()))
    if not ids:
        raise BadParam("缺少 clauses：要加入清单的条目编号（以空格分隔）。")
    if len(ids) > 500:
        raise BadParam(f"一次最多加入 500 条，收到 {len(ids)} 条。")
    _check_known(ids)
    return ids


def _check_known(ids: list) -> None:
    """400 naming the first few ids that are not clauses of the corpus (or not text at all)."""
    corpus = get_corpus()
    unknown = [i for i in ids if not isinstance(i, str) or corpus.clause(i) is None]
    if unknown:
        raise BadParam(f"找不到条目：{'、'.join(str(u)[:60] for u in unknown[:5])}。")


def _form_id(raw, name: str) -> int:
    """A row id from a form field: a positive integer SQLite can hold, else 400."""
    raw = str(raw).strip()
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise BadParam(f"参数 {name} 应为正整数，收到“{raw[:20]}”。")
    return int(raw)


def _safe_back(url: str | None) -> str | None:
    """Only a path on this site: a form must not send people elsewhere.

    Browsers drop tabs and newlines inside URLs and read “\\” as “/”, so “/\t/evil.example”
    would leave the site: any whitespace, control character or backslash disqualifies."""
    if not url or len(url) > 500 or not url.startswith("/") or url.startswith("//"):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in url):
        return None
    return url


ITEM_ACTIONS = {"save", "up", "down", "top", "bottom", "remove"}


def _item_in(store, list_id: int, item_id: int):
    """The item, or 404 when it belongs to another list: a URL names both."""
    item = store.get_item(item_id)
    if item.list_id != list_id:
        abort(404, description="该条目不在这个清单中。")
    return item


@bp.post("/lists/<int:list_id>/items/<int:item_id>")
def item_form(list_id, item_id):
    """One item's form: save its fields, move it or remove it, without JavaScript.

    A conflicting save re-shows the list (409) with the other person's values in the
    fields and this person's unsaved values in the message, so nothing typed is lost."""
    form = request.form
    action = form.get("action") or "save"
    if action not in ITEM_ACTIONS:
        raise BadParam(f"参数 action 的取值“{action[:20]}”无效。")
    store = get_store()
    _item_in(store, list_id, item_id)
    anchor = f"item-{item_id}"
    if action == "remove":
        store.remove_items(list_id, [item_id])
        anchor = None
    elif action == "save":
        typed = {k: form[k] for k in FIELDS if k in form}
        fields = changed_fields(typed, form)
        try:
            store.update_item(item_id, form.get("version"), **fields)
        except ConflictError as e:
            return _conflict_page(list_id, item_id, e, typed), 409
    else:
        items = store.items(list_id)
        pos = next(i for i, it in enumerate(items) if it.id == item_id)
        target = {"up": pos - 1, "down": pos + 1, "top": 0, "bottom": len(items) - 1}[action]
        store.move_item(item_id, max(0, target))
    url = url_for("lists.list_page", list_id=list_id, saved=1 if action == "save" else None)
    return redirect(url + (f"#{anchor}" if anchor else ""), code=303)


def _same(a: str, b: str) -> bool:
    """Equal as the store would keep them: browsers send a textarea's lines as CRLF."""
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def changed_fields(typed: dict, form) -> dict:
    """The fields this person changed: a plain form sends every field, and counting the
    untouched ones as edits made a false conflict whenever someone else had meanwhile
    changed one of them (and lost what this person typed). ``was_<field>`` carries the
    value the form was drawn with; a form without it (an older page) counts every field."""
    return {k: v for k, v in typed.items() if f"was_{k}" not in form or not _same(v, form[f"was_{k}"])}


def _conflict_page(list_id: int, item_id: int, e: ConflictError, typed: dict) -> str:
    """The list again, this item's fields holding what this person typed (drawn over the
    current version, so 保存 again overwrites deliberately) and the message naming what
    the other person saved, so both values are on the screen and nothing is lost."""
    theirs = "；".join(f"{FIELDS[k][0]}“{getattr(e.current, k) or '（空）'}”" for k in e.fields if k in FIELDS)
    mine = "；".join(f"{FIELDS[k][0]}“{typed[k] or '（空）'}”" for k in e.fields if k in typed)
    msg = f"{e} 对方保存的是：{theirs}。" if theirs else str(e)
    if mine:
        msg += f" 您填写的{mine}仍在输入框中，尚未保存；核对后再点“保存”即以您的为准。"
    return render_list(list_id, messages={item_id: msg}, drafts={item_id: typed})


@bp.post("/lists/<int:list_id>/items/<int:item_id>/status")
def item_status_form(list_id, item_id):
    """An item's 完成状态 from the list page's select, without JavaScript. ``was_status``
    is the status the page showed: if someone else changed it meanwhile, the list comes
    back (409) with both values and the chosen one still selected, as for the fields."""
    store = get_store()
    _item_in(store, list_id, item_id)
    typed = request.form.get("status", "")
    try:
        store.set_status(item_id, typed, seen=request.form.get("was_status"))
    except ConflictError as e:
        msg = (f"{e} 您选择的“{typed or '（未填）'}”仍在下拉框中，尚未保存；"
               "核对后再点“更新状态”即以您的为准。")
        return render_list(list_id, status_messages={item_id: msg}, status_drafts={item_id: typed}), 409
    return redirect(url_for("lists.list_page", list_id=list_id, status_saved=1) + f"#item-{item_id}", code=303)


@bp.post("/lists/<int:list_id>/items/<int:item_id>/progress")
def item_progress_form(list_id, item_id):
    """A dated progress entry (what was done; by the logged-in account)."""
    store = get_store()
    _item_in(store, list_id, item_id)
    store.add_progress(item_id, request.form.get("text", ""), request.form.get("date") or None)
    return redirect(url_for("lists.list_page", list_id=list_id, progress_saved=1) + f"#item-{item_id}", code=303)


@bp.post("/lists/<int:list_id>/items/<int:item_id>/progress/<int:progress_id>")
def progress_entry_form(list_id, item_id, progress_id):
    """Correct (action=save) or delete (action=delete) one's own progress entry (an
    administrator: any), without JavaScript."""
    store = get_store()
    _item_in(store, list_id, item_id)
    action = choice_value(request.form.get("action") or "save", ("save", "delete"), "action")
    if action == "delete":
        store.delete_progress(progress_id, item_id=item_id)
    else:
        store.edit_progress(progress_id, request.form.get("text"), request.form.get("date") or None,
                            item_id=item_id, seen=request.form.get("was_text"))
    done = "progress_deleted" if action == "delete" else "progress_edited"
    return redirect(url_for("lists.list_page", list_id=list_id, **{done: 1}) + f"#item-{item_id}", code=303)


@bp.put("/api/lists/<int:list_id>/items/<int:item_id>/status")
def item_status_api(list_id, item_id):
    """``{"status": "推进中", "was_status": "未启动"?}`` (status "" clears) → the item; with
    ``was_status`` (what the caller saw), 409 with the current item when someone else
    changed it meanwhile."""
    store = get_store()
    _item_in(store, list_id, item_id)
    data = _body()
    return jsonify(store.set_status(item_id, data.get("status", ""), seen=data.get("was_status")).to_json())


@bp.post("/api/lists/<int:list_id>/items/<int:item_id>/progress")
def item_progress_api(list_id, item_id):
    """``{"text": "…", "date": "2025-06-30"?}`` → the entry (201)."""
    store = get_store()
    _item_in(store, list_id, item_id)
    data = _body()
    return jsonify(store.add_progress(item_id, data.get("text", ""), data.get("date")).to_json()), 201


@bp.patch("/api/lists/<int:list_id>/items/<int:item_id>/progress/<int:progress_id>")
def progress_entry_api(list_id, item_id, progress_id):
    """``{"text"?, "date"?, "was_text"?}`` → the corrected entry (its author or an
    administrator); with ``was_text``, 409 when the entry was changed meanwhile."""
    store = get_store()
    _item_in(store, list_id, item_id)
    data = _body()
    return jsonify(store.edit_progress(progress_id, data.get("text"), data.get("date"), item_id=item_id,
                                       seen=data.get("was_text")).to_json())


@bp.delete("/api/lists/<int:list_id>/items/<int:item_id>/progress/<int:progress_id>")
def progress_entry_delete_api(list_id, item_id, progress_id):
    store = get_store()
    _item_in(store, list_id, item_id)
    return jsonify({"deleted": store.delete_progress(progress_id, item_id=item_id).to_json()})


@bp.post("/lists/<int:list_id>/rename")
def list_rename_form(list_id):
    """Rename a list (and its export title) from the list page, without JavaScript."""
    form = request.form
    get_store().rename_list(list_id, form.get("name"), form.get("title", ""),
                            expected_version=form.get("version") or None)
    return redirect(url_for("lists.list_page", list_id=list_id, renamed=1), code=303)


@bp.post("/lists/<int:list_id>/sort")
def list_sort_form(list_id):
    """Put the items in the order of the plan (第一章 first, a box where it stands)."""
    store = get_store()
    tl = store.get_list(list_id)
    ordered = plan_order(get_corpus(), store.items(list_id))
    store.reorder(list_id, [i.id for i in ordered], expected_version=request.form.get("version") or tl.version)
    return redirect(url_for("lists.list_page", list_id=list_id, sorted=1), code=303)


BULK_FIELDS = ("lead_unit", "deadline", "support_units")


@bp.post("/lists/<int:list_id>/fill")
def list_fill_form(list_id):
    """One 牵头单位 or 完成时限 for every ticked row: each row is saved on its own version,
    so a row someone else has just changed in that field is named, not overwritten."""
    form = request.form
    field = choice_value(form.get("field"), BULK_FIELDS, "field")
    ids = [_form_id(i, "sel") for i in form.getlist("sel")]
    if not ids:
        raise BadParam("没有勾选任何条目：请先勾选要填写的条目。")
    store = get_store()
    value = form.get("value", "")
    done, conflicts = 0, []
    for item_id in ids:
        item = _item_in(store, list_id, item_id)
        try:
            store.update_item(item.id, item.version, **{field: value})
            done += 1
        except ConflictError:
            conflicts.append(item.id)
    if conflicts:
        raise ConflictError(f"已填写 {done} 条；另有 {len(conflicts)} 条的{FIELDS[field][0]}刚被他人修改，请刷新后核对。",
                            store.get_list(list_id), [field])
    return redirect(url_for("lists.list_page", list_id=list_id, filled=done), code=303)


def choice_value(raw, allowed, name: str) -> str:
    if raw not in allowed:
        raise BadParam(f"参数 {name} 的取值“{str(raw)[:20]}”无效。")
    return raw


@bp.post("/lists/<int:list_id>/delete")
def list_delete_form(list_id):
    get_store().delete_list(list_id)
    return redirect(url_for("lists.lists_page"), code=303)


# -- API -------------------------------------------------------------------------------

@bp.get("/api/lists")
def lists_api():
    return jsonify({"lists": [t.to_json() for t in get_store().lists()]})


@bp.post("/api/lists")
def lists_create_api():
    data = _body()
    tl = get_store().create_list(data.get("name", ""), data.get("title", "") or "")
    return jsonify(tl.to_json()), 201


@bp.get("/api/lists/<int:list_id>")
def list_api(list_id):
    return jsonify(list_detail(list_id))


@bp.patch("/api/lists/<int:list_id>")
def list_rename_api(list_id):
    data = _body()
    tl = get_store().rename_list(list_id, data.get("name"), data.get("title"),
                     expected_version=data.get("version"))
    return jsonify(tl.to_json())


@bp.delete("/api/lists/<int:list_id>")
def list_delete_api(list_id):
    get_store().delete_list(list_id, expected_version=_body().get("version"))
    return jsonify({"deleted": list_id})


@bp.post("/api/lists/<int:list_id>/items")
def items_add_api(list_id):
    data = _body()
    ids = data.get("clauses")
    if isinstance(ids, str):
        ids = ids.split()
    if not isinstance(ids, list) or not ids:
        raise BadParam("缺少 clauses：要加入清单的条目编号列表。")
    _check_known(ids)
    store = get_store()
    added = store.add_items(list_id, ids)
    tl = store.get_list(list_id)
    return jsonify({"list": tl.to_json(), "added": [i.to_json() for i in added],
                    "skipped": len(set(ids)) - len(added)}), 201


@bp.patch("/api/lists/<int:list_id>/items/<int:item_id>")
def item_update_api(list_id, item_id):
    data = _body()
    store = get_store()
    _item_in(store, list_id, item_id)
    fields = {k: v for k, v in data.items() if k != "version"}
    item = store.update_item(item_id, data.get("version"), **fields)
    return jsonify(item.to_json())


@bp.delete("/api/lists/<int:list_id>/items/<int:item_id>")
def item_delete_api(list_id, item_id):
    n = get_store().remove_items(list_id, [item_id])
    return jsonify({"removed": n})


@bp.put("/api/lists/<int:list_id>/order")
def items_order_api(list_id):
    data = _body()
    order = data.get("items")
    if not isinstance(order, list):
        raise BadParam("缺少 items：条目编号按新顺序排列的列表。")
    items = get_store().reorder(list_id, order, expected_version=data.get("version"))
    tl = get_store().get_list(list_id)
    return jsonify({"list": tl.to_json(), "items": [i.to_json() for i in items]})


# -- export ----------------------------------------------------------------------------

def _send(rows, fmt: str, title: str):
    try:
        # 附件编号, 发文单位, 文号, 日期 and the 出处 form, from the export form's query string
        options = options_from(request.args)
        data, content_type, filename = export_bytes(rows, fmt, title, options)
    except ExportError as e:
        raise BadParam(str(e)) from None
    # content_type, not mimetype: Werkzeug would add a second "; charset=utf-8" to text types
    resp = Response(data, content_type=content_type)
    resp.headers["Content-Disposition"] = content_disposition(filename)
    return resp


def _rows(entries, missing="error"):
    try:
        return build_rows(get_corpus(), entries, graph=graph_or_none(), missing=missing)
    except ExportError as e:
        raise BadParam(str(e)) from None


@bp.get("/lists/<int:list_id>/export")
def export_list(list_id):
    fmt = choice_param("format", FORMATS, "docx")
    store = get_store()
    tl = store.get_list(list_id)
    items = store.tracked_items(list_id)  # with 完成状态 and 进展情况
    return _send(_rows(items, missing="keep"), fmt, tl.display_title)


@bp.get("/search/export")
def export_search():
    fmt = choice_param("format", FORMATS, "docx")
    params = search_params(page_mode=True)
    if not params["q"]:
        raise BadParam("缺少参数 q：请先检索再导出结果。")
    params.update(limit=SEARCH_EXPORT_MAX, offset=0)
    result = run_search(params)
    ids = [h["id"] for h in result.get("hits", [])]
    if not ids:
        raise BadParam(f"“{params['q']}”没有检索结果，无法导出。")
    return _send(_rows(ids), fmt, f"检索结果：{params['q']}")
