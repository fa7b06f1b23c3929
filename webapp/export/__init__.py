"""Exports of task lists and search results: DOCX 任务分解表, XLSX, CSV, Markdown, JSON.

The web app and the CLI share this one entry point::

    rows = build_rows(corpus, clause_ids_or_list_items)          # -> [ExportRow]
    data, mimetype, filename = export_bytes(rows, "docx", title)  # for a download
    write_export(rows, "docx", title, path)                       # atomic, for the CLI

Nothing a user types reaches the file system here: formats come from a fixed table,
and download names are reduced to safe characters.
"""
from __future__ import annotations

import errno
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from webapp.export.atomic import atomic_write_bytes
from webapp.export.rows import COLUMNS, HEADERS, ExportError, ExportRow, build_rows, source_of, task_of
from webapp.export.selection import (
    clauses_in_box,
    clauses_in_chapter,
    default_title,
    list_entries,
    resolve_document,
)

__all__ = [
    "COLUMNS", "HEADERS", "FORMATS", "ExportError", "ExportRow", "build_rows", "export_bytes",
    "write_export", "render", "safe_filename", "content_disposition", "source_of", "task_of",
    "clauses_in_box", "clauses_in_chapter", "default_title", "list_entries", "resolve_document",
    "atomic_write_bytes", "os_reason",
]

# format -> (module name, mimetype, file extension)
FORMATS = {
    "docx": ("docx_writer", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("xlsx_writer", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "csv": ("csv_writer", "text/csv; charset=utf-8", ".csv"),
    "md": ("md_writer", "text/markdown; charset=utf-8", ".md"),
    "json": ("json_writer", "application/json; charset=utf-8", ".json"),
}
DEFAULT_NAME = "任务分解表"
OS_REASONS = {
    errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.ENOENT: "目录不存在或不可写",
    errno.EROFS: "文件系统只读", errno.ENOSPC: "磁盘空间不足", errno.EISDIR: "这是一个目录",
    errno.ENAMETOOLONG: "文件名过长", errno.EDQUOT: "超出磁盘配额",
}


def os_reason(e: OSError) -> str:
    """Why the disk refused, in the words a clerk understands."""
    return OS_REASONS.get(e.errno, e.strerror or str(e))


def _format(fmt: str):
    key = str(fmt or "").lower().lstrip(".")
    key = {"markdown": "md", "word": "docx", "excel": "xlsx"}.get(key, key)
    if key not in FORMATS:
        raise ExportError(f"不支持的导出格式：{str(fmt)[:20]}（可选：{'、'.join(FORMATS)}）。")
    return key, FORMATS[key]


def render(rows: list[ExportRow], fmt: str, title: str) -> bytes:
    import importlib

    key, (module, _, _) = _format(fmt)
    if not rows:
        raise ExportError("没有可导出的条款（提示：先在检索结果或清单中选择条款）。")
    title = (title or "").strip() or DEFAULT_NAME
    return importlib.import_module(f"webapp.export.{module}").render(rows, title)


def safe_filename(title: str, ext: str) -> str:
    """A download name from a title: letters (Chinese included), digits and a few marks;
    never a path, never hidden, at most 60 characters before the extension."""
    name = unicodedata.normalize("NFC", title or "")
    name = re.sub(r"[^\w\u3000-\u303f\uff08\uff09\u201c\u201d\u300a\u300b·（）()-]+", "_", name)
    name = re.sub(r"_+", "_", name).strip("._ -")[:60].strip("._ -")
    return (name or DEFAULT_NAME) + ext


def content_disposition(filename: str) -> str:
    """Content-Disposition for a Chinese file name (RFC 6266 / 5987), with an ASCII fallback."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "export"
    if ascii_name.startswith("."):
        ascii_name = "export" + ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def export_bytes(rows: list[ExportRow], fmt: str, title: str) -> tuple[bytes, str, str]:
    """(file bytes, mimetype, download file name) for the web."""
    key, (_, mimetype, ext) = _format(fmt)
    return render(rows, key, title), mimetype, safe_filename(title, ext)


def write_export(rows: list[ExportRow], fmt: str, title: str, path: str | os.PathLike) -> Path:
    """Render and write atomically; OS errors become an ExportError with a Chinese reason."""
    path = Path(path)
    data = render(rows, fmt, title)
    if path.is_dir():
        raise ExportError(f"输出路径是一个目录：{path}（提示：请给出文件名，如 {path / safe_filename(title, FORMATS[_format(fmt)[0]][2])}）。")
    if not path.parent.is_dir():
        raise ExportError(f"输出目录不存在：{path.parent}（提示：先创建该目录）。")
    try:
        return atomic_write_bytes(path, data)
    except OSError as e:
        raise ExportError(f"无法写入 {path}：{os_reason(e)}（提示：换一个可写的目录或文件名）。") from None


def format_for_path(path: str | os.PathLike) -> str | None:
    """The format a file name implies (.docx → docx), or None."""
    suffix = Path(path).suffix.lower().lstrip(".")
    suffix = {"markdown": "md"}.get(suffix, suffix)
    return suffix if suffix in FORMATS else None
