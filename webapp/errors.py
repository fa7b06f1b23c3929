"""One error handler for the whole app: JSON under /api/, a Chinese page elsewhere.

Views only ever ``abort(code, description=…)`` with a Chinese reason, raise
``BadParam``, or let the office package's refusals through (``OfficeError``: the list
store's ``ListError`` and the tracking code's ``ActualsError`` alike, whose ``status``
and sentence are the answer); how the answer looks is decided here, once.
"""
from __future__ import annotations

import logging
import sqlite3

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from office.errors import ConflictError, OfficeError, database_reason

log = logging.getLogger("plankb.web")

TITLES = {
    400: "请求有误",
    401: "需要登录",
    403: "无权访问",
    404: "未找到",
    405: "不支持的请求方式",
    409: "内容已被他人修改",
    413: "请求内容过大",
    429: "尝试过于频繁",
    500: "服务器内部错误",
    503: "功能暂不可用",
}
DEFAULT_REASONS = {
    400: "请求参数有误。",
    404: "您访问的页面或条目不存在。",
    405: "该地址不支持此请求方式。",
    413: "提交的内容超过了允许的大小。",
    500: "服务器处理请求时出错，请稍后重试；如果问题持续，请联系管理员。",
}


class BadParam(BadRequest):
    """A query parameter a user (or a script) got wrong; the message names it."""


def _is_english_default(e: HTTPException) -> bool:
    return e.description == type(e).description


def answer(code: int, reason: str, **extra):
    """The error answer; ``extra`` (e.g. ``candidates``) goes beside ``error`` in the JSON
    and to the error page, which lists ``candidates`` as links."""
    title = TITLES.get(code, "出错了")
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "title": title, "message": reason}, **extra}), code
    return render_template("error.html", code=code, title=title, reason=reason, **extra), code


def handle_http(e: HTTPException):
    code = e.code or 500
    reason = e.description or ""
    if not reason or _is_english_default(e):
        reason = DEFAULT_REASONS.get(code, TITLES.get(code, "出错了"))
    response = make_response(*answer(code, reason))
    if code == 405 and getattr(e, "valid_methods", None):
        response.headers["Allow"] = ", ".join(e.valid_methods)
    return response


def handle_office_error(e: OfficeError):
    """A store refused: its status and sentence. A conflict also carries the item as it
    is now and the fields in conflict, so the page can show both values."""
    if isinstance(e, ConflictError):
        return answer(e.status, str(e), current=e.current.to_json(), fields=e.fields)
    return answer(e.status, str(e))


def handle_unexpected(e: Exception):
    if isinstance(e, HTTPException):
        return handle_http(e)
    if isinstance(e, sqlite3.Error):
        log.warning("list database error on %s: %s", request.path, e)
        return answer(503, database_reason(e))
    log.exception("unhandled error on %s", request.path)
    return handle_http(InternalServerError())


def init_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(OfficeError, handle_office_error)
    app.register_error_handler(Exception, handle_unexpected)
