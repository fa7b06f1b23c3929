"""Secret key, Host allowlist, CSRF, request bodies and response headers, without an extra package.

The secret key is generated once into the instance folder (mode 600) so sessions
survive restarts and several waitress threads or processes agree on it. CSRF uses a
per-session token sent back as a form field or an ``X-CSRFToken`` header; every
state-changing method is checked before any view runs.

The Host header is checked against ``ALLOWED_HOSTS`` first: a page on another site whose
name is rebound to this server (DNS rebinding) could otherwise read a CSRF token and
change lists, however well CSRF itself is checked. Bodies are checked before any view
reads them: UTF-8 everywhere (forms urlencoded or multipart, JSON), JSON no deeper than a
list edit ever needs and free of lone surrogates that SQLite cannot store.
"""
from __future__ import annotations

import hmac
import json
import os
import re
import secrets
from pathlib import Path
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, current_app, g, request, session
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
    if g.get("host_refused"):
        return ""
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
    if request.method in SAFE_METHODS:
        return
    if request.mimetype == "application/x-www-form-urlencoded":
        if not _is_utf8(request.get_data(cache=True)):
            abort(400, description=BAD_ENCODING)
    elif request.mimetype == "multipart/form-data":
        # werkzeug would decode each field with errors="replace" and store U+FFFD: every
        # text field must be UTF-8; an uploaded file (a PDF, an .xlsx) is bytes, and its
        # reader judges it
        boundary = request.mimetype_params.get("boundary", "").encode("latin-1", "replace")
        if not boundary or not _multipart_fields_utf8(request.get_data(cache=True), boundary):
            abort(400, description=BAD_ENCODING)


def _multipart_fields_utf8(body: bytes, boundary: bytes) -> bool:
    """Are the text fields of a multipart body UTF-8 (file parts are not looked at)?"""
    from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

    decoder = MultipartDecoder(boundary)
    try:
        decoder.receive_data(body)
        decoder.receive_data(None)
        field, value = False, bytearray()
        while True:
            event = decoder.next_event()
            if isinstance(event, (NeedData, Epilogue)):
                return True
            if isinstance(event, File):
                field = False
            elif isinstance(event, Field):
                field, value = True, bytearray()
                if not _is_utf8(event.name.encode("latin-1", "replace") if isinstance(event.name, str)
                                else event.name, form=False):
                    return False
            elif isinstance(event, Data) and field:
                value += event.data
                if not event.more_data and not _is_utf8(bytes(value), form=False):
                    return False
    except ValueError:  # a body that is not multipart at all
        return False


MAX_JSON_DEPTH = 32
DEEP_JSON = f"请求体的 JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层；清单的请求只需两三层）。"
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def _json_depth(text: str) -> int:
    """How deep brackets nest, strings left out; linear, and never recursive, so a body of
    100,000 “[” cannot crash the parser that reads it afterwards."""
    depth = deepest = 0
    for b in _BRACKETS.findall(_JSON_STRING.sub("", text)):
        depth += 1 if b in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _has_lone_surrogate(value) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _check_json() -> None:
    """A JSON body nested 1,000 deep was a RecursionError (500) on every JSON route, and
    “\\ud800” a str that SQLite refused to encode (500): both are the sender's mistake."""
    if request.method in SAFE_METHODS or not request.is_json:
        return
    try:
        text = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        abort(400, description=BAD_ENCODING)
    if _json_depth(text) > MAX_JSON_DEPTH:
        abort(400, description=DEEP_JSON)
    try:
        data = json.loads(text)
    except ValueError:
        return  # malformed: the view answers that in its own words
    if _has_lone_surrogate(data):
        abort(400, description=BAD_ENCODING)


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
EVERY_INTERFACE = ("", "0.0.0.0", "::")  # listen addresses that name no host
HOST_ENV = "PLANKB_ALLOWED_HOSTS"


def allowed_hosts(extra=()) -> list[str]:
    """The names this server answers to: the local ones, ``$PLANKB_ALLOWED_HOSTS``
    (comma-separated) and ``extra`` (``ALLOWED_HOSTS`` in the config; ``plankb serve``
    puts its ``--host`` there when that is a name or an address, not every interface).
    “*” turns the check off."""
    names = list(LOCAL_HOSTS) + [h for h in os.environ.get(HOST_ENV, "").split(",")]
    names += [h for h in extra if h not in EVERY_INTERFACE]
    out = []
    for h in names:
        h = h.strip().lower().strip("[]")
        if h and h not in out:
            out.append(h)
    return out


def host_name(host: str) -> str:
    """The name in a Host header, without its port: “[::1]:5000” → “::1”."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host


def _check_host() -> None:
    """Browsers always send Host; a request without one (an HTTP/1.0 monitoring probe)
    cannot come from a rebound page and is let through."""
    allowed = current_app.config["ALLOWED_HOSTS"]
    if "*" in allowed or "HTTP_HOST" not in request.environ:
        return
    name = host_name(request.environ["HTTP_HOST"])
    if name not in allowed:
        g.host_refused = True  # the error page then carries no CSRF token
        abort(400, description=(
            f"主机名“{name[:60]}”不在本服务允许的主机名之中（提示：管理员可在环境变量 {HOST_ENV} "
            "中加入用于访问本服务的主机名或 IP 地址，以逗号分隔）。"))


# what holds a user's data: never kept by a browser or a proxy
PRIVATE_PREFIXES = ("/lists", "/api/lists", "/search/export")


def _no_store(response):
    """``Cache-Control: no-store`` on list pages, the list API and every download, so a
    shared computer's cache or an office proxy never keeps a colleague's lists."""
    path = request.path
    private = any(path == p or path.startswith(p + "/") for p in PRIVATE_PREFIXES)
    if private or response.headers.get("Content-Disposition", "").startswith("attachment"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def shared_secret(app: Flask) -> str:
    """The session key kept in the office database (office.db.shared_setting), so several
    servers on one PostgreSQL accept each other's session cookies; seeded from the
    instance's key file, so sessions survive the upgrade. Without a usable database, the
    file's key."""
    from office.db import shared_setting
    from office.errors import ListError

    from_file = lambda: load_or_create_secret(Path(app.instance_path))  # noqa: E731
    try:
        with app.app_context():
            from webapp.resources import get_store

            return shared_setting(get_store().db, "secret_key", from_file)
    except ListError:  # the pages say what is wrong with the database (503)
        return from_file()


def init_security(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = shared_secret(app)
    app.config["ALLOWED_HOSTS"] = allowed_hosts(app.config.get("ALLOWED_HOSTS") or ())
    app.before_request(_check_host)
    app.before_request(_check_encoding)
    app.before_request(_check_json)
    app.before_request(_check_csrf)
    app.after_request(_no_store)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
