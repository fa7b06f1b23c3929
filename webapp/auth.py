"""Accounts on the web: login, logout, password change, who may write, and the trail pages.

- Reading stays open to everyone on the intranet (search, browse, trace, export of
  search results) unless ``LOGIN_REQUIRED`` (``PLANKB_LOGIN_REQUIRED=1``) closes it.
- Every write (any method but GET/HEAD/OPTIONS) needs a logged-in account with the right
  role: 编辑 or 管理员 for lists; ``/admin/…`` is for 管理员 only. The list store checks
  the role and the unit again for every write (office.lists), so no view can forget.
- Without login the API answers 401 JSON with a Chinese reason, pages go to ``/login``
  and come back; a wrong role is 403.
- ``/login`` is a form posting ``username``, ``password`` and ``csrf_token`` (a contract).
  Logging in starts a new session (no fixation); changing the password or disabling
  the account ends every other session of it (``session_stamp``).
- The session cookie is HttpOnly and SameSite=Lax, and Secure on HTTPS (or always with
  ``PLANKB_COOKIE_SECURE=1`` behind a TLS proxy).
- Single sign-on (off by default): with ``PLANKB_SSO_HEADER`` (e.g. ``X-Remote-User``)
  a request from one of ``PLANKB_SSO_PROXIES`` (the proxy's addresses: required) is the
  account that header names; from anywhere else the header is ignored.
"""
from __future__ import annotations

import ipaddress
import os
import threading

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface

from office.audit import AuditLog, set_actor, reset_actor
from office.errors import ListError
from office.users import PASSWORD_MIN, LoginRefused, UserStore
from webapp.errors import BadParam, answer
from webapp.params import choice_param, int_param
from webapp.resources import get_store
from webapp.security import SAFE_METHODS

bp = Blueprint("auth", __name__)

OPEN_ENDPOINTS = {"auth.login", "auth.logout", "static", "health.healthz"}
IP_FREE_FAILURES = 20  # per address: many names from one machine (a spray) slow down too
HISTORY_PAGE = 100


# -- who is asking ---------------------------------------------------------------------

def users() -> UserStore:
    store = current_app.extensions.get("plankb_users")
    if store is None:
        store = current_app.extensions["plankb_users"] = UserStore(get_store().db)
    return store


def current_user():
    return g.get("user")


def _sso_name():
    header = current_app.config.get("SSO_HEADER")
    if not header or request.remote_addr not in current_app.config["SSO_PROXIES"]:
        return None
    return (request.headers.get(header) or "").strip() or None


def _load_user():
    """The logged-in (or SSO) account, or None. Anonymous requests never touch the
    database, so reading keeps working while the list database is down."""
    name = _sso_name()
    if name is None and "uid" in session:
        user = users().get(session["uid"])
        if user is None or not user.active or user.session_stamp != session.get("stamp"):
            session.clear()  # disabled, deleted or password changed since: log out
            return None
        return user
    if name is not None:
        user = users().get(name)
        return user if user is not None and user.active else None
    return None


def _deny(code: int, reason: str):
    if code == 401 and not request.path.startswith("/api/"):
        if request.method in SAFE_METHODS:
            back = request.full_path.rstrip("?")
        else:  # a form posted without login: come back to the page it was on
            back = _same_site_path(request.referrer) or "/"
        return redirect(url_for("auth.login", next=back), code=303)
    return answer(code, reason)


def _same_site_path(url):
    from urllib.parse import urlsplit

    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


def safe_next(url):
    from webapp.views_lists import _safe_back  # one definition of a safe on-site path

    return _safe_back(url)


# Set in the WSGI environ of the warm-up requests ``serve --workers`` makes in its own
# process before forking (webapp/resources.warm_pages).  No client can set it: a server
# puts request headers under HTTP_* keys only.
WARMUP = "plankb.warmup"


def _gate():
    """Before any view (and before the CSRF check, so an anonymous write hears
    "please log in"): load the account, set it as the store's actor, and refuse
    what its role may not do."""
    user = g.user = _load_user()
    if user is not None:
        g.actor_token = set_actor(user.actor())
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_ENDPOINTS:
        return None
    admin_area = request.path.startswith(("/admin", "/api/admin"))
    write = request.method not in SAFE_METHODS
    warmup = request.environ.get(WARMUP) is True and not write and not admin_area
    if user is None and (write or admin_area or endpoint == "auth.password_page"
                         or (current_app.config["LOGIN_REQUIRED"] and not warmup)):
        return _deny(401, "请先登录（提示：没有账号请联系管理员）。" if write or admin_area
                     else "本站需要登录后才能访问。")
    if user is None:
        return None
    if admin_area and user.role != "admin":
        return _deny(403, f"只有管理员可以访问此页面（您的角色：{user.role_label}）。")
    if write and endpoint != "auth.password_page" and not user.actor().may_write():
        return _deny(403, f"您的账号是“{user.role_label}”角色，不能修改内容（提示：请管理员授予“编辑”角色）。")
    return None


def _reset_actor(_exc=None):
    token = g.pop("actor_token", None)
    if token is not None:
        reset_actor(token)


class _Sessions(SecureCookieSessionInterface):
    """Secure cookies whenever the request came over HTTPS, without a setting."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


# -- slowing down guessing from one address ---------------------------------------------

_ip_lock = threading.Lock()
_ip_failures: dict[str, tuple[int, float]] = {}


def _ip_wait(ip: str, now: float) -> int:
    with _ip_lock:
        n, last = _ip_failures.get(ip, (0, 0.0))
    wait = UserStore.wait_after(n - IP_FREE_FAILURES + 5) if n >= IP_FREE_FAILURES else 0
    return int(last + wait - now) + 1 if wait and now < last + wait else 0


def _ip_failed(ip: str, now: float) -> None:
    with _ip_lock:
        if len(_ip_failures) > 10000:
            _ip_failures.clear()
        n, _ = _ip_failures.get(ip, (0, 0.0))
        _ip_failures[ip] = (n + 1, now)


def _ip_ok(ip: str) -> None:
    with _ip_lock:
        _ip_failures.pop(ip, None)


# -- pages -----------------------------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
def login():
    nxt = safe_next(request.values.get("next")) or url_for("lists.lists_page")
    if request.method == "GET":
        return render_template("login.html", next=nxt, no_users=_no_users())
    name = request.form.get("username", "")
    ip = request.remote_addr or ""
    clock = users().clock
    wait = _ip_wait(ip, clock())
    try:
        if wait:
            raise LoginRefused(f"登录失败次数过多，请 {wait} 秒后再试。", wait=wait)
        user = users().authenticate(name, request.form.get("password", ""))
    except LoginRefused as e:
        if not e.wait:
            _ip_failed(ip, clock())
        current_app.logger.info("login refused for %r from %s", name[:64], ip)  # never the password
        resp = render_template("login.html", next=nxt, error=str(e), username=name[:64], no_users=_no_users())
        headers = {"Retry-After": str(e.wait)} if e.wait else {}
        return resp, e.status, headers
    _ip_ok(ip)
    session.clear()  # a new session: nothing from before login carries over
    session["uid"], session["stamp"] = user.name, user.session_stamp
    return redirect(nxt, code=303)


def _no_users() -> bool:
    try:
        return users().count() == 0
    except ListError:
        return False


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login", out=1), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
def password_page():
    user = current_user()
    if request.method == "GET":
        return render_template("password.html", minimum=PASSWORD_MIN)
    form = request.form
    new = form.get("new_password", "")
    if new != form.get("confirm_password", ""):
        return render_template("password.html", minimum=PASSWORD_MIN, error="两次输入的新密码不一致。"), 400
    try:
        changed = users().set_password(user.name, new, current=form.get("current_password", ""))
    except ListError as e:
        return render_template("password.html", minimum=PASSWORD_MIN, error=str(e)), e.status
    session["stamp"] = changed.session_stamp  # this session stays; every other one ends
    return render_template("password.html", minimum=PASSWORD_MIN, notice="密码已更改，其他已登录的会话已退出。")


@bp.get("/lists/<int:list_id>/history")
def list_history(list_id):
    return render_template("history.html", **_history(list_id))


@bp.get("/api/lists/<int:list_id>/history")
def list_history_api(list_id):
    data = _history(list_id)
    return {"list": data["list"], "entries": [e.to_json() for e in data["entries"]], "total": data["total"]}


def _history(list_id) -> dict:
    tl = get_store().get_list(list_id)  # 404 for a list that does not exist
    log = AuditLog(get_store().db)
    offset = int_param("offset", 0, 0, 10**9)
    return {"list": tl.to_json(), "entries": log.entries(list_id, limit=HISTORY_PAGE, offset=offset),
            "total": log.count(list_id), "offset": offset, "page": HISTORY_PAGE}


@bp.get("/admin/audit")
def audit_page():
    fmt = request.args.get("format")
    log = AuditLog(get_store().db)
    if fmt:
        fmt = choice_param("format", {"csv": "CSV", "xlsx": "XLSX"}, "csv")
        data, content_type, filename = log.export(fmt)
        from office.export import content_disposition

        resp = Response(data, content_type=content_type)
        resp.headers["Content-Disposition"] = content_disposition(filename)
        resp.headers["Cache-Control"] = "no-store"
        return resp
    offset = int_param("offset", 0, 0, 10**9)
    return render_template("audit.html", entries=log.entries(limit=HISTORY_PAGE, offset=offset),
                           total=log.count(), offset=offset, page=HISTORY_PAGE)


@bp.get("/api/admin/audit")
def audit_api():
    offset = int_param("offset", 0, 0, 10**9)
    limit = int_param("limit", HISTORY_PAGE, 1, 1000)
    log = AuditLog(get_store().db)
    return {"entries": [e.to_json() for e in log.entries(limit=limit, offset=offset)], "total": log.count()}


@bp.get("/admin/users")
def users_page():
    return _users_page()


def _users_page(notice=None, error=None, status=200):
    from office.audit import ROLES

    return render_template("users.html", users=users().users(), roles=ROLES, minimum=PASSWORD_MIN,
                           notice=notice, error=error), status


def _user_change(fn, done: str):
    """Run one account change for the admin's form; the page again with what happened."""
    try:
        fn()
    except ListError as e:
        return _users_page(error=str(e), status=e.status)
    return _users_page(notice=done)


def _not_myself(name: str, what: str) -> None:
    if name == current_user().name:
        raise BadParam(f"不能{what}自己的账号（提示：请另一位管理员操作，或在服务器上用 plankb user 命令）。")


@bp.post("/admin/users")
def user_add_form():
    f = request.form
    name = f.get("username", "")
    return _user_change(lambda: users().add(
        name, role=f.get("role", ""), password=f.get("password", ""), unit=f.get("unit", ""),
        display_name=f.get("display_name", ""), own_unit_only=bool(f.get("own_unit_only"))),
        f"已新建账号“{name.strip()}”。")


@bp.post("/admin/users/<name>")
def user_update_form(name):
    f = request.form
    action = f.get("action", "")
    if action == "update":
        if f.get("role") != "admin":
            _not_myself(name, "降低")
        return _user_change(lambda: users().update(
            name, role=f.get("role", ""), unit=f.get("unit", ""), display_name=f.get("display_name", ""),
            own_unit_only=bool(f.get("own_unit_only"))), f"已保存账号“{name}”。")
    if action in ("disable", "enable"):
        if action == "disable":
            _not_myself(name, "停用")
        return _user_change(lambda: users().set_active(name, action == "enable"),
                            f"已{'启用' if action == 'enable' else '停用'}账号“{name}”。")
    if action == "password":
        return _user_change(lambda: users().set_password(name, f.get("password", "")),
                            f"已重设“{name}”的密码，该账号已登录的会话均已退出。")
    raise BadParam(f"参数 action 的取值“{action[:20]}”无效。")


# -- setup -----------------------------------------------------------------------------

def _env_flag(name: str) -> bool:
    return (os.environ.get(name) or "").strip().lower() in ("1", "true", "yes", "on")


def _proxies(raw) -> frozenset:
    if isinstance(raw, str):
        raw = [p for p in raw.replace(",", " ").split() if p]
    out = set()
    for p in raw or ():
        try:
            out.add(str(ipaddress.ip_address(p)))
        except ValueError:
            raise ValueError(f"PLANKB_SSO_PROXIES 中的“{p}”不是 IP 地址。") from None
    return frozenset(out)


def init_auth(app: Flask) -> None:
    app.config.setdefault("LOGIN_REQUIRED", _env_flag("PLANKB_LOGIN_REQUIRED"))
    app.config.setdefault("SSO_HEADER", (os.environ.get("PLANKB_SSO_HEADER") or "").strip() or None)
    app.config["SSO_PROXIES"] = _proxies(app.config.get("SSO_PROXIES", os.environ.get("PLANKB_SSO_PROXIES")))
    if app.config["SSO_HEADER"] and not app.config["SSO_PROXIES"]:
        raise ValueError("已设置 PLANKB_SSO_HEADER，但未设置 PLANKB_SSO_PROXIES（反向代理的 IP 地址）："
                         "不限来源地信任该请求头，任何人都能冒充他人登录。")
    if _env_flag("PLANKB_COOKIE_SECURE"):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.session_interface = _Sessions()
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(min(1, len(funcs)), _gate)  # after the encoding check, before CSRF
    app.teardown_request(_reset_actor)
    app.jinja_env.globals["current_user"] = current_user
    app.register_blueprint(bp)
    with app.app_context():
        if _no_users():
            app.logger.warning("尚无账号，所有修改都需要登录。请在服务器上新建管理员："
                               "plankb user add 名称 --role admin --password-stdin")
