"""Secret key, CSRF and response headers, without an extra package.

The secret key is generated once into the instance folder (mode 600) so sessions
survive restarts and several waitress threads or processes agree on it. CSRF uses a
per-session token sent back as a form field or an ``X-CSRFToken`` header; every
state-changing method is checked before any view runs.
"""
from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request, session
from werkzeug.routing import IntegerConverter

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
KEY_FILE = "secret_key"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def load_or_create_secret(instance: Path) -> str:
    """Read the instance's key, creating it atomically (temp file + link) if absent."""
    path = Path(instance) / KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)  # fails if another process won the race: then use theirs
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    return path.read_text(encoding="ascii").strip()


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    expected = session.get("csrf")
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token") or ""
    if not expected or not hmac.compare_digest(str(expected), str(sent)):
        abort(400, description="安全校验失败：请求缺少有效的 CSRF 令牌（提示：刷新页面后重试）。")


class BoundedInt(IntegerConverter):
    """``<int:…>`` in a URL: 1 to 2**63-1, the ids SQLite can hold.

    Without the bound /lists/99999999999999999999 reached SQLite and came back a 500;
    now it simply does not match (404). ASCII digits only: “１” is not an id."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=1, max=2**63 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


BAD_ENCODING = "请求中含有无法识别的字符（提示：地址和表单应使用 UTF-8 编码）。"


def _is_utf8(raw: bytes, form: bool = True) -> bool:
    if form:
        raw = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_encoding() -> None:
    """Refuse bytes that are not UTF-8 instead of letting werkzeug turn them into
    “%FF” or “\ufffd” that would then be saved as a list name."""
    path = request.environ.get("PATH_INFO", "")
    try:
        path_ok = _is_utf8(path.encode("latin-1"), form=False)
    except UnicodeEncodeError:  # a server that already decoded the path
        path_ok = True
    if not path_ok or not _is_utf8(request.query_string):
        abort(400, description=BAD_ENCODING)
    if request.mimetype == "application/x-www-form-urlencoded" and request.method not in SAFE_METHODS:
        if not _is_utf8(request.get_data(cache=True)):
            abort(400, description=BAD_ENCODING)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_security(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret(Path(app.instance_path))
    app.before_request(_check_encoding)
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
