"""The audit trail: who changed what, when, from what to what.

Every store write records its rows in the same transaction as the change itself, so a
change without its record (or a record without its change) cannot happen. Who acts is
not a parameter of every store method: the front end says it once per request or
command with :func:`acting_as` (the web app for the logged-in user, the CLI for the
operating-system user), and the stores read :func:`current_actor`.

The trail is append-only: nothing here updates or deletes a row, and the database
itself refuses both (triggers from migration 0002).
"""
from __future__ import annotations

import csv
import getpass
import io
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Iterator, Optional

from sqlalchemy import func, insert, select

from office import db as dbm
from office.db import Database

ROLES = {"admin": "管理员", "editor": "编辑", "viewer": "只读"}

ACTIONS = {  # action -> Chinese label shown in the trail
    "list.create": "创建清单",
    "list.rename": "修改清单",
    "list.delete": "删除清单",
    "list.reorder": "调整顺序",
    "item.add": "加入条目",
    "item.remove": "移除条目",
    "item.update": "修改字段",
    "user.add": "新建账号",
    "user.update": "修改账号",
    "user.password": "修改密码",
    "user.disable": "停用账号",
    "user.enable": "启用账号",
    "user.login": "登录",
    "plan.publish": "发布规划",
    "plan.replace": "替换规划",
    "plan.remove": "移除规划",
    "plan.import": "升级时导入规划",
    "actual.set": "录入实际值",
    "actual.delete": "删除实际值",
    "actual.import": "导入旧实际值",
    "item.status": "修改完成状态",
    "item.progress": "记录进展",
    "item.progress.edit": "修改进展",
    "item.progress.delete": "删除进展",
}
FIELD_LABELS = {
    "name": "名称", "title": "标题", "order": "顺序", "clause_id": "条款",
    "lead_unit": "牵头单位", "support_units": "配合单位", "deadline": "完成时限", "note": "备注",
    "role": "角色", "unit": "单位", "display_name": "姓名", "own_unit_only": "仅限本单位清单", "active": "状态",
    "value": "数值", "source": "来源", "status": "完成状态", "progress": "进展情况",
    "version": "版本",
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user name, their unit and role (what the stores check)."""

    name: str
    role: str = "admin"
    unit: str = ""
    own_unit_only: bool = False

    def may_write(self) -> bool:
        return self.role in ("admin", "editor")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 — a container without a passwd entry
        return "未知"


_actor: ContextVar[Optional[Actor]] = ContextVar("plankb_actor", default=None)


def current_actor() -> Actor:
    """The actor set by the front end; without one (a script, the CLI), the
    operating-system user, with full rights: whoever can run plankb on the server
    can open the database anyway."""
    return _actor.get() or Actor(f"命令行:{_os_user()}")


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def set_actor(actor: Optional[Actor]):
    """For request hooks that cannot hold a ``with`` block: returns the token to reset."""
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


def record(conn, action: str, *, list_id=None, item_id=None, subject: str = "", field: str = "",
           old="", new="") -> None:
    """One row of the trail, in the caller's transaction."""
    conn.execute(insert(dbm.audit).values(
        at=dbm.now(), actor=current_actor().name, action=action, list_id=list_id, item_id=item_id,
        subject=str(subject or ""), field=field, old="" if old is None else str(old),
        new="" if new is None else str(new)))


@dataclass
class Entry:
    id: int
    at: str
    actor: str
    action: str
    list_id: Optional[int]
    item_id: Optional[int]
    subject: str
    field: str
    old: str
    new: str

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    def to_json(self) -> dict:
        d = asdict(self)
        d.update(action_label=self.action_label, field_label=self.field_label)
        return d


EXPORT_COLUMNS = [("at", "时间（UTC）"), ("actor", "操作人"), ("action_label", "操作"),
                  ("subject", "对象"), ("field_label", "字段"), ("old", "原值"), ("new", "新值"),
                  ("list_id", "清单编号"), ("item_id", "条目编号")]
EXPORT_MAX = 200_000


class AuditLog:
    """Reading the trail (there is no writing it except through :func:`record`)."""

    def __init__(self, database: Database):
        self.db = database

    def entries(self, list_id=None, *, limit: int = 200, offset: int = 0) -> list[Entry]:
        """Newest first."""
        q = select(dbm.audit).order_by(dbm.audit.c.id.desc()).limit(limit).offset(offset)
        if list_id is not None:
            q = q.where(dbm.audit.c.list_id == int(list_id))
        with self.db.tx(write=False) as conn:
            return [Entry(**r._mapping) for r in conn.execute(q)]

    def count(self, list_id=None) -> int:
        q = select(func.count()).select_from(dbm.audit)
        if list_id is not None:
            q = q.where(dbm.audit.c.list_id == int(list_id))
        with self.db.tx(write=False) as conn:
            return conn.execute(q).scalar()

    def export(self, fmt: str) -> tuple[bytes, str, str]:
        """The whole trail, oldest first, as (bytes, content type, file name); csv or xlsx."""
        rows = list(reversed(self.entries(limit=EXPORT_MAX)))
        table = [[_cell(getattr(e, key)) for key, _ in EXPORT_COLUMNS] for e in rows]
        headers = [label for _, label in EXPORT_COLUMNS]
        if fmt == "csv":
            return _csv(headers, table), "text/csv; charset=utf-8", "操作记录.csv"
        if fmt == "xlsx":
            return (_xlsx(headers, table),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "操作记录.xlsx")
        raise ValueError(fmt)


def _cell(value) -> str:
    return "" if value is None else str(value)


def _csv(headers, table) -> bytes:
    from office.export.csv_writer import neutralise  # no formulas from what users typed

    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for row in table:
        w.writerow([neutralise(c) for c in row])
    return buf.getvalue().encode("utf-8-sig")


def _xlsx(headers, table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "操作记录"
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(table, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=ILLEGAL_CHARACTERS_RE.sub("", value)).data_type = "s"  # never a formula
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
