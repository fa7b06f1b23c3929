"""Exports of task lists and search results: DOCX 任务分解表, XLSX, CSV, Markdown, JSON.

The web app and the CLI share this one entry point::

    rows = build_rows(corpus, clause_ids_or_list_items)          # -> [ExportRow]
    data, content_type, filename = export_bytes(rows, "docx", title)  # for a download
    write_export(rows, "docx", title, path)                       # atomic, for the CLI

Nothing a user types reaches the file system here: formats come from a fixed table,
and download names are reduced to safe characters.
"""
from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from kb.atomic import atomic_write_bytes
from kb.oserror import write_reason
from office.export.rows import (
    COLUMNS,
    HEADERS,
    ExportError,
    ExportRow,
    build_rows,
    source_of,
    task_of,
    xml_safe,
    xml_safe_row,
)
from office.export.options import ExportOptions, options_from
from office.export.selection import (
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
    "atomic_write_bytes", "ExportOptions", "options_from",
]



class Format(NamedTuple):
    """One export format: the writer module, the full Content-Type, the file extension
    and the name staff see on the buttons."""

    module: str
    content_type: str
    ext: str
    label: str


# the one table of export formats, for the writers, the web's buttons and the CLI's --format
FORMATS = {
    "docx": Format("docx_writer", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   ".docx", "Word"),
    "xlsx": Format("xlsx_writer", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   ".xlsx", "Excel"),
    "csv": Format("csv_writer", "text/csv; charset=utf-8", ".csv", "CSV"),
    "md": Format("md_writer", "text/markdown; charset=utf-8", ".md", "Markdown"),
    "json": Format("json_writer", "application/json; charset=utf-8", ".json", "JSON"),
}
DEFAULT_NAME = "任务分解表"
# the formats staff print and file, whose 出处 is in the short form (第五章第二节 / 专栏14);
# CSV, Markdown and JSON are data, sorted and filtered elsewhere: they keep it in full
PRINTED_FORMATS = {"docx", "xlsx"}
def _format(fmt: str):
    key = str(fmt or "").lower().lstrip(".")
    key = {"markdown": "md", "word": "docx", "excel": "xlsx"}.get(key, key)
    if key not in FORMATS:
        raise ExportError(f"不支持的导出格式：{str(fmt)[:20]}（可选：{'、'.join(FORMATS)}）。")
    return key, FORMATS[key]


def render(rows: list[ExportRow], fmt: str, title: str, options: ExportOptions | None = None) -> bytes:
    import importlib

    key, spec = _format(fmt)
    if not rows:
        raise ExportError("没有可导出的条款（提示：先在检索结果或清单中选择条款）。")
    title = xml_safe(title).strip() or DEFAULT_NAME
    options = (options or ExportOptions()).with_plan(one_plan(rows))
    # rows from several plans keep the plan's name: 第三章第二节 alone would not say which
    full = options.full_source or key not in PRINTED_FORMATS or not options.plan
    rows = [with_source_form(xml_safe_row(r), full) for r in rows]
    return importlib.import_module(f"office.export.{spec.module}").render(rows, title, options)


_PLAN_NAME = re.compile(r"^《[^《》]+》")


def one_plan(rows: list[ExportRow]) -> str:
    """《规划》 when every row comes from that one plan, else ""."""
    names = {m.group(0) if m else "" for m in (_PLAN_NAME.match(r.source or "") for r in rows)}
    return names.pop() if len(names) == 1 else ""


def with_source_form(row: ExportRow, full: bool) -> ExportRow:
    """出处 as staff write it (第五章第二节, 专栏14), or in full when asked for."""
    if full or not row.source_short:
        return row
    return replace(row, source=row.source_short)


def safe_filename(title: str, ext: str) -> str:
    """A download name from a title: letters (Chinese included), digits and a few marks;
    never a path, never hidden, at most 60 characters before the extension."""
    name = unicodedata.normalize("NFC", xml_safe(title))
    name = re.sub(r"[^\w\u3000-\u303f\uff08\uff09\u201c\u201d\u300a\u300b·（）()-]+", "_", name)
    name = re.sub(r"_+", "_", name).strip("._ -")[:60].strip("._ -")
    return (name or DEFAULT_NAME) + ext


def content_disposition(filename: str) -> str:
    """Content-Disposition for a Chinese file name (RFC 6266 / 5987), with an ASCII fallback."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("_") or "export"
    if ascii_name.startswith("."):
        ascii_name = "export" + ascii_name
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def export_bytes(rows: list[ExportRow], fmt: str, title: str,
                 options: ExportOptions | None = None) -> tuple[bytes, str, str]:
    """(file bytes, full Content-Type, download file name) for the web."""
    key, spec = _format(fmt)
    return render(rows, key, title, options), spec.content_type, safe_filename(title, spec.ext)


def output_target(path: str | os.PathLike) -> Path:
    """Where an export really goes: through a symlink to the file it names (replacing
    the link would leave the shared file old and the link a private copy), and only ever
    a regular file. Writing replaces the target, so a FIFO, a device (as root, /dev/full
    was replaced) or a socket is refused rather than turned into a file."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        st = path.stat()
    except FileNotFoundError:
        return path
    except OSError as e:
        raise ExportError(f"无法使用输出文件 {path}：{write_reason(e)}（提示：换一个可写的目录或文件名）。") from None
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        raise ExportError(f"输出路径 {path} 不是普通文件（而是{_file_kind(st.st_mode)}），不能写入导出文件"
                          "（提示：请给出一个普通文件名，如 任务分解表.docx）。")
    return path


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "命名管道"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"),
                       (stat.S_ISSOCK, "套接字")):
        if test(mode):
            return name
    return "特殊文件"


def write_export(rows: list[ExportRow], fmt: str, title: str, path: str | os.PathLike,
                 options: ExportOptions | None = None) -> Path:
    """Render and write atomically; OS errors become an ExportError with a Chinese reason."""
    path = output_target(path)
    data = render(rows, fmt, title, options)
    if path.is_dir():
        raise ExportError(f"输出路径是一个目录：{path}（提示：请给出文件名，如 {path / safe_filename(title, _format(fmt)[1].ext)}）。")
    if not path.parent.is_dir():
        raise ExportError(f"输出目录不存在：{path.parent}（提示：先创建该目录）。")
    try:
        return atomic_write_bytes(path, data)
    except OSError as e:
        raise ExportError(f"无法写入 {path}：{write_reason(e)}（提示：换一个可写的目录或文件名）。") from None


def format_for_path(path: str | os.PathLike) -> str | None:
    """The format a file name implies (.docx → docx), or None."""
    suffix = Path(path).suffix.lower().lstrip(".")
    suffix = {"markdown": "md"}.get(suffix, suffix)
    return suffix if suffix in FORMATS else None
