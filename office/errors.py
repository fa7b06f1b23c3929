"""What went wrong with the office's database, in one sentence staff can act on.

The web app (a 503 page), the CLI (one line on stderr) and the store itself (its
``StoreUnavailable``) all describe a busy, read-only, full or damaged database with
these words, so an administrator meets the same hint wherever the fault shows.
"""
from __future__ import annotations

import sqlite3


def database_reason(e: Exception, path=None) -> str:
    """A sentence for staff about the list database: busy (wait), read-only or full
    disk (administrator, permissions or space), damaged (administrator, backup)."""
    where = f"：{path}" if path else ""
    text = str(e).lower()
    if "locked" in text or "busy" in text:
        return "清单数据库正忙（另一程序正在写入），请稍后重试。"
    if "readonly" in text or "read-only" in text:
        return f"清单数据库只读，无法写入{where}（提示：请管理员检查实例目录的权限，或磁盘是否以只读方式挂载）。"
    if "disk is full" in text or "database or disk is full" in text:
        return f"磁盘空间不足，清单数据库无法写入{where}（提示：请管理员清理磁盘空间）。"
    if "unable to open" in text:
        return f"无法打开清单数据库{where}（提示：请管理员检查实例目录是否存在、是否有权限）。"
    if "malformed" in text or "not a database" in text or "corrupt" in text or not isinstance(e, sqlite3.OperationalError):
        return (f"清单数据库已损坏或不是 SQLite 文件{where}（提示：请管理员备份实例目录中的 plankb.sqlite3 "
                "后将其移走，重启后会新建空库，或从备份恢复）。")
    return f"清单数据库无法使用{where}（{type(e).__name__}）。"
