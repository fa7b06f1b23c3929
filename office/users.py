"""Accounts: who may log in, with which role, for which unit.

Roles (office.audit.ROLES): 管理员 ``admin`` (plans, users, everything), 编辑 ``editor``
(lists and progress; with ``own_unit_only`` only the lists of their own unit), 只读
``viewer``. Passwords are hashed with werkzeug.security (scrypt; werkzeug already comes
with Flask, so no extra native library on an intranet machine) and never stored, logged
or recorded in the trail in any other form.

Repeated failed logins slow down: after ``FREE_FAILURES`` wrong passwords for a name,
each further attempt must wait twice as long as the one before (capped at
``MAX_WAIT`` seconds), counted in the database so every app server agrees. The web app
refuses early attempts instead of sleeping, so an attacker cannot tie up its threads.

Every change to an account is recorded in the audit trail (never the password).
"""
from __future__ import annotations

import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from typing import Callable, Optional

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from office import audit
from office import db as dbm
from office.audit import ROLES, Actor
from office.db import Database
from office.errors import DuplicateNameError, ForbiddenError, ListError, NotFoundError, ValidationError

NAME_RE = re.compile(r"^[\w.@-]{1,64}$")  # \w: Chinese names too; no spaces, no punctuation that hides
PASSWORD_MIN, PASSWORD_MAX = 8, 256
FREE_FAILURES = 5
MAX_WAIT = 15 * 60
# checked against when the name is unknown, so a wrong name costs the same time as a wrong password
_DUMMY_HASH = generate_password_hash("plankb-no-such-user")


class LoginRefused(ListError):
    """Wrong name or password (one message for both), a disabled account, or too many tries."""

    status = 401

    def __init__(self, message: str, wait: int = 0):
        super().__init__(message)
        self.wait = wait
        if wait:
            self.status = 429


@dataclass
class User:
    id: int
    name: str
    display_name: str
    unit: str
    role: str
    own_unit_only: bool
    active: bool
    session_stamp: str
    created_at: str
    updated_at: str

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def label(self) -> str:
        return self.display_name or self.name

    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.unit, bool(self.own_unit_only))

    def to_json(self) -> dict:
        return {"name": self.name, "display_name": self.display_name, "unit": self.unit, "role": self.role,
                "role_label": self.role_label, "own_unit_only": bool(self.own_unit_only),
                "active": bool(self.active), "created_at": self.created_at}


def clean_user_name(name) -> str:
    if not isinstance(name, str):
        raise ValidationError("用户名必须是文本。")
    name = unicodedata.normalize("NFC", name).strip()
    if not NAME_RE.match(name):
        raise ValidationError("用户名应为 1–64 个字母、数字、汉字或 . _ - @，不含空格。")
    return name


def check_role(role) -> str:
    if role not in ROLES:
        raise ValidationError(f"角色“{str(role)[:20]}”无效：应为 admin（管理员）、editor（编辑）或 viewer（只读）。")
    return role


def check_password(password) -> str:
    if not isinstance(password, str) or not password:
        raise ValidationError("密码不能为空。")
    if len(password) < PASSWORD_MIN:
        raise ValidationError(f"密码太短：至少 {PASSWORD_MIN} 个字符。")
    if len(password) > PASSWORD_MAX:
        raise ValidationError(f"密码太长：最多 {PASSWORD_MAX} 个字符。")
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise ValidationError("密码不能含控制字符（如换行）。")
    return password


def _text(value, label: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{label}必须是文本。")
    value = unicodedata.normalize("NFC", value).strip()
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationError(f"{label}含有控制字符，请删除后重试。")
    if len(value) > limit:
        raise ValidationError(f"{label}过长（最多 {limit} 字）。")
    return value


def _must_be_admin() -> None:
    if audit.current_actor().role != "admin":
        raise ForbiddenError("只有管理员可以管理账号。")


class UserStore:
    """The accounts of one office database."""

    def __init__(self, database: Database, *, clock: Callable[[], float] = time.time):
        self.db = database
        self.clock = clock

    _U = dbm.users

    def _row(self, row) -> User:
        m = row._mapping
        return User(m["id"], m["name"], m["display_name"], m["unit"], m["role"], bool(m["own_unit_only"]),
                    bool(m["active"]), m["session_stamp"], m["created_at"], m["updated_at"])

    def _get(self, conn, name: str, lock: bool = False):
        q = select(self._U).where(self._U.c.name == name)
        return conn.execute(q.with_for_update() if lock else q).first()

    def count(self) -> int:
        with self.db.tx(write=False) as conn:
            return conn.execute(select(func.count()).select_from(self._U)).scalar()

    def users(self) -> list[User]:
        with self.db.tx(write=False) as conn:
            return [self._row(r) for r in conn.execute(select(self._U).order_by(self._U.c.name))]

    def get(self, name) -> Optional[User]:
        try:
            name = clean_user_name(name)
        except ValidationError:
            return None
        with self.db.tx(write=False) as conn:
            row = self._get(conn, name)
            return self._row(row) if row else None

    def add(self, name, *, role: str, password: str, unit: str = "", display_name: str = "",
            own_unit_only: bool = False) -> User:
        name = clean_user_name(name)
        role = check_role(role)
        check_password(password)
        unit = _text(unit, "单位", 100)
        display_name = _text(display_name, "姓名", 64)
        if own_unit_only and not unit:
            raise ValidationError("“仅限本单位清单”需要先填写单位（--unit）。")
        _must_be_admin()
        now = dbm.now()
        with self.db.tx() as conn:
            if self._get(conn, name):
                raise DuplicateNameError(f"已有用户“{name}”。")
            try:
                conn.execute(insert(self._U).values(
                    name=name, display_name=display_name, unit=unit, role=role, own_unit_only=bool(own_unit_only),
                    password_hash=generate_password_hash(password), active=True,
                    session_stamp=secrets.token_hex(16), created_at=now, updated_at=now))
            except IntegrityError:
                raise DuplicateNameError(f"已有用户“{name}”。") from None
            desc = f"{ROLES[role]}" + (f"，{unit}" if unit else "") + ("，仅限本单位清单" if own_unit_only else "")
            audit.record(conn, "user.add", subject=name, field="role", new=desc)
            return self._row(self._get(conn, name))

    def _change(self, name, action: str, field: str, old, new, values: dict, *, admin_only: bool = True) -> User:
        if admin_only:
            _must_be_admin()
        with self.db.tx() as conn:
            row = self._get(conn, clean_user_name(name), lock=True)
            if row is None:
                raise NotFoundError(f"没有用户“{name}”。")
            old_value = old(row._mapping) if callable(old) else old
            conn.execute(update(self._U).where(self._U.c.id == row.id).values(**values, updated_at=dbm.now()))
            audit.record(conn, action, subject=row.name, field=field, old=old_value, new=new)
            return self._row(self._get(conn, row.name))

    def set_password(self, name, password: str, *, current: Optional[str] = None) -> User:
        """A new password; every session of the account ends. ``current`` (the web's
        password page) must match when given; the CLI (an administrator) omits it."""
        check_password(password)
        actor = audit.current_actor()
        if current is None:
            if actor.role != "admin":
                raise ForbiddenError("只有管理员可以重设他人的密码。")
        else:
            if actor.name != name:
                raise ForbiddenError("只能修改自己的密码。")
            if not self._verify(name, current):
                raise ValidationError("当前密码不正确。")
        return self._change(name, "user.password", "password", "", "（已更改）",
                            {"password_hash": generate_password_hash(password),
                             "session_stamp": secrets.token_hex(16), "failed_logins": 0}, admin_only=False)

    def set_active(self, name, active: bool) -> User:
        return self._change(name, "user.enable" if active else "user.disable", "active",
                            lambda m: "启用" if m["active"] else "停用", "启用" if active else "停用",
                            {"active": bool(active), "session_stamp": secrets.token_hex(16)})

    def update(self, name, **changes) -> User:
        """Role, unit, display name or own_unit_only; one trail row per changed field."""
        allowed = {"role", "unit", "display_name", "own_unit_only"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(f"未知的账号字段：{'、'.join(sorted(unknown))}。")
        if "role" in changes:
            check_role(changes["role"])
        user = None
        current = self.get(name)
        if current is None:
            raise NotFoundError(f"没有用户“{name}”。")
        if changes.get("own_unit_only", current.own_unit_only) and not changes.get("unit", current.unit):
            raise ValidationError("“仅限本单位清单”需要先填写单位。")
        for field, value in changes.items():
            if field in ("unit", "display_name"):
                value = _text(value, "单位" if field == "unit" else "姓名", 100)
            old = getattr(current, field)
            if value != old:
                user = self._change(name, "user.update", field, str(old), str(value), {field: value})
        return user or current

    def _verify(self, name: str, password: str) -> bool:
        with self.db.tx(write=False) as conn:
            row = self._get(conn, name)
        return bool(row) and check_password_hash(row.password_hash, password or "")

    @staticmethod
    def wait_after(failures: int) -> int:
        """Seconds to wait after this many failures in a row: 0 for the first few, then doubling."""
        if failures < FREE_FAILURES:
            return 0
        return min(MAX_WAIT, 2 ** (failures - FREE_FAILURES + 1))

    def authenticate(self, name, password) -> User:
        """The user, or LoginRefused. Unknown name and wrong password read the same."""
        wrong = LoginRefused("用户名或密码不正确。")
        try:
            name = clean_user_name(name)
        except ValidationError:
            check_password_hash(_DUMMY_HASH, "x")
            raise wrong from None
        now = self.clock()
        with self.db.tx(write=False) as conn:
            row = self._get(conn, name)
        if row is None:
            check_password_hash(_DUMMY_HASH, password or "")
            raise wrong
        wait = self.wait_after(row.failed_logins)
        last = float(row.last_failed_at or 0)
        if wait and now < last + wait:
            left = int(last + wait - now) + 1
            raise LoginRefused(f"登录失败次数过多，请 {left} 秒后再试。", wait=left)
        if not check_password_hash(row.password_hash, password if isinstance(password, str) else ""):
            with self.db.tx() as conn:
                conn.execute(update(self._U).where(self._U.c.id == row.id)
                             .values(failed_logins=self._U.c.failed_logins + 1, last_failed_at=repr(now)))
            raise wrong
        if not row.active:
            raise LoginRefused("该账号已停用，请联系管理员。")
        if row.failed_logins:
            with self.db.tx() as conn:
                conn.execute(update(self._U).where(self._U.c.id == row.id).values(failed_logins=0))
        return self._row(row)
