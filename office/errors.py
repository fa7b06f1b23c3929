"""What went wrong with the office's database, in one sentence staff can act on, and
the refusals every store raises.

The web app (a 503 page), the CLI (one line on stderr) and the stores themselves (their
``StoreUnavailable``) all describe a busy, read-only, full or damaged database with
these words, so an administrator meets the same hint wherever the fault shows. The
same sentences serve SQLite (a file in the instance folder) and PostgreSQL (a server):
psycopg's errors are read by their SQLSTATE, so nothing here imports a driver.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable


class OfficeError(Exception):
    """A request the office package refuses: ``str()`` is a Chinese sentence fit to show
    a user, ``status`` the HTTP answer (400 bad input, 403 not allowed, 404 no such thing,
    409 changed meanwhile, 503 the database cannot serve). Every refusal of the office
    stores (lists, users, audit, actual values, reports) is one of these, so the web app
    answers them with one handler and the CLI prints them with one line."""

    status = 400


class ListError(OfficeError):
    """A refusal of the list store. (Named for the first store; users and the audit trail
    raise the same family.)"""


class ValidationError(ListError):
    status = 400


class NotFoundError(ListError):
    status = 404


class DuplicateNameError(ListError):
    status = 409


class ForbiddenError(ListError):
    """Logged in, but this account's role or unit does not allow the write."""

    status = 403


class StoreUnavailable(ListError):
    """The database is busy, damaged, unreachable or from a newer plankb: nothing the
    request can change."""

    status = 503


class ConflictError(ListError):
    """Someone else changed what this edit touches since the caller read it.

    ``current`` is the item (or list) as it is now, ``fields`` the fields in conflict,
    so the page can show both values and let the user choose.
    """

    status = 409

    def __init__(self, message: str, current, fields: Iterable[str] = ()):
        super().__init__(message)
        self.current = current
        self.fields = list(fields)


# PostgreSQL SQLSTATEs staff can act on (https://www.postgresql.org/docs/current/errcodes-appendix.html)
_PG_READ_ONLY = {"25006"}
_PG_FULL = {"53100", "53200"}  # disk_full, out_of_memory
_PG_BUSY = {"55P03", "40P01", "57014", "53300"}  # lock_not_available, deadlock, query canceled, too many connections


def _sqlstate(e: Exception) -> str:
    return str(getattr(e, "sqlstate", None) or getattr(e, "pgcode", None) or "")


def database_reason(e: Exception, path=None) -> str:
    """A sentence for staff about the list database: busy (wait), read-only or full
    disk (administrator, permissions or space), unreachable server, damaged
    (administrator, backup). ``e`` is the driver's exception (sqlite3 or psycopg)."""
    where = f"：{path}" if path else ""
    text = str(e).lower()
    state = _sqlstate(e)
    if state in _PG_BUSY or "locked" in text or "busy" in text:
        return "清单数据库正忙（另一程序正在写入），请稍后重试。"
    if state in _PG_READ_ONLY or "readonly" in text or "read-only" in text or "read only" in text:
        return f"清单数据库只读，无法写入{where}（提示：请管理员检查实例目录的权限，或磁盘是否以只读方式挂载）。"
    if state in _PG_FULL or "disk is full" in text or "database or disk is full" in text or "no space left" in text:
        return f"磁盘空间不足，清单数据库无法写入{where}（提示：请管理员清理磁盘空间）。"
    if type(e).__module__.startswith("psycopg"):
        if state.startswith("08") or "connect" in text or "server" in text:
            return (f"无法连接清单数据库服务器{where}（提示：请管理员检查 PostgreSQL 是否在运行、"
                    "PLANKB_DATABASE_URL 中的地址、用户与密码是否正确）。")
        return f"清单数据库服务器拒绝了请求{where}（{type(e).__name__}，SQLSTATE {state or '未知'}）。"
    if "unable to open" in text:
        return f"无法打开清单数据库{where}（提示：请管理员检查实例目录是否存在、是否有权限）。"
    if "malformed" in text or "not a database" in text or "corrupt" in text or not isinstance(e, sqlite3.OperationalError):
        return (f"清单数据库已损坏或不是 SQLite 文件{where}（提示：请管理员备份实例目录中的 plankb.sqlite3 "
                "后将其移走，重启后会新建空库，或从备份恢复）。")
    return f"清单数据库无法使用{where}（{type(e).__name__}）。"
