"""``plankb export`` and the task-list commands: 任务分解表 files from the command line.

Thin over office.export (rows and writers) and office.lists (the store in the instance
folder), so a file made here is byte-for-byte the kind the web app offers.
"""
from __future__ import annotations

import contextlib
import functools
import re
import signal
import sqlite3
import sys
import threading
from pathlib import Path

import click

from kb.oserror import write_reason
from office.errors import database_reason
from office.export import FORMATS

FORMAT_CHOICES = list(FORMATS)


def _fail(e: Exception):
    raise click.ClickException(str(e)) from None


def _guard(fn):
    """One clear line for what the disk or the list database can do to any command here:
    a damaged or locked plankb.sqlite3, a path too long, a folder that vanished; and for
    every refusal of the list store or the exporter, whose messages are already Chinese
    sentences (a database locked after it opened used to end in a traceback)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from office.export import ExportError
        from office.lists import ListError

        try:
            return fn(*args, **kwargs)
        except (ListError, ExportError) as e:
            _fail(e)
        except sqlite3.Error as e:
            raise click.ClickException(database_reason(e).replace("重启后", "之后")) from None
        except OSError as e:
            where = f" {e.filename}" if getattr(e, "filename", None) else ""
            raise click.ClickException(f"无法读写{where}：{write_reason(e)}（提示：检查路径和权限）。") from None

    return wrapper


@contextlib.contextmanager
def _terminate_as_exit():
    """Let ``kill`` (SIGTERM) unwind like Ctrl+C, so a half-written temp file is removed.

    Only the main thread may install handlers; elsewhere (a test runner thread) the
    default is kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _store(ctx):
    from office.lists import ListStore

    try:
        return ListStore.for_instance(ctx.obj.instance_dir)
    except OSError as e:
        raise click.ClickException(f"无法打开实例目录 {ctx.obj.instance_dir}：{e.strerror or e}"
                                   "（提示：用 --instance 指定可写目录）。") from None


def _split_ids(text: str) -> list[str]:
    return [p for p in re.split(r"[\s,，、;；]+", text or "") if p]


def _search_ids(ctx, query: str, limit: int, doc_id) -> list[str]:
    from index import IndexBuildError, LexiconError, QueryError, open_index

    try:
        ix = open_index(ctx.obj.corpus, ctx.obj.instance_dir)
        try:
            result = ix.search(query, limit=limit, document=doc_id)
        finally:
            ix.close()
    except (QueryError, IndexBuildError, LexiconError) as e:
        _fail(e)
    except Exception as e:  # noqa: BLE001 — open_index rebuilds a damaged index, but a
        # segment that breaks mid-search fails in whoosh's own ways, which are not for staff
        raise click.ClickException(f"检索索引无法打开，可能已损坏（{type(e).__name__}）"
                                   "（提示：运行 plankb build 重建索引）。") from None
    if result.get("message"):
        click.echo(f"提示：{result['message']}", err=True)
    return [h["id"] for h in result.get("hits", [])]


def select(ctx, *, query=None, ids=None, box=None, chapter=None, list_name=None, doc_id=None,
           limit=50):
    """(entries, default title, missing-policy) for exactly one of the selection options."""
    from office.export import ExportError
    from office.export.selection import (
        clauses_in_box,
        clauses_in_chapter,
        default_title,
        list_entries,
        parse_chapter_spec,
        resolve_document,
    )

    given = [n for n, v in (("--query", query), ("--ids", ids), ("--box", box), ("--chapter", chapter),
                            ("--list", list_name)) if v not in (None, "")]
    if len(given) != 1:
        which = "、".join(given) if given else "（未给出）"
        raise click.UsageError(f"请给出且只给出一种选择方式：--query、--ids、--box、--chapter 或 --list；当前：{which}。")
    corpus = ctx.obj.corpus
    if list_name is not None:
        task_list, items = list_entries(_store(ctx), list_name)
        return items, default_title(task_list=task_list), "keep"
    if query is not None:
        if doc_id:
            resolve_document(corpus, doc_id)
        found = _search_ids(ctx, query, limit, doc_id)
        if not found:
            raise ExportError(f"“{query}”没有检索结果，没有可导出的条款（提示：换个检索词试试）。")
        return found, default_title(query=query), "error"
    if ids is not None:
        wanted = _split_ids(ids)
        docs = {w.split(":", 1)[0] for w in wanted}
        doc = corpus.document(next(iter(docs))) if len(docs) == 1 else None
        return wanted, default_title(doc=doc), "error"
    doc = resolve_document(corpus, doc_id)
    if box is not None:
        clauses = clauses_in_box(doc, box)
        number = box.strip().removeprefix("专栏").strip()
        return [c.id for c in clauses], default_title(doc=doc, box=number), "error"
    ch, sec = parse_chapter_spec(chapter)
    clauses = clauses_in_chapter(doc, ch, sec)
    return [c.id for c in clauses], default_title(doc=doc, chapter=ch, section=sec), "error"


@click.command("export")
@_guard
@click.option("--query", "-q", help="检索词：导出检索结果。")
@click.option("--ids", help="条款编号，逗号分隔，如 gd-ip-14fyp:3.2.p1,gd-ip-14fyp:box1.p1。")
@click.option("--box", help="专栏编号，如 5。")
@click.option("--chapter", help="章或章节，如 3 或 3.2（第三章第二节）。")
@click.option("--list", "list_name", help="已保存的清单名称。")
@click.option("--doc", "doc_id", help="规划编号（语料中有多个规划时用于 --box/--chapter）。")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMAT_CHOICES, case_sensitive=False),
              help="导出格式（默认按 -o 的扩展名判断）。")
@click.option("--output", "-o", required=True, help="输出文件；“-”表示写到标准输出。")
@click.option("--title", help="表格标题（默认按所选内容生成）。")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="--query 时最多导出的条数。")
@click.option("--suggest/--no-suggest", default=False,
              help="空着的完成时限、牵头单位、配合单位用规划原文提到的内容填入。")
@click.option("--attachment", help="作为公文附件导出时的附件编号，如 1（标题上方写“附件1”）。")
@click.option("--issuer", help="发文单位（写在标题下方）。")
@click.option("--doc-number", help="文号，如 粤知〔2024〕12号。")
@click.option("--date", "doc_date", help="成文日期，如 2024年3月1日。")
@click.option("--full-source", is_flag=True, help="出处写全称（含规划名称和标题），默认写“第五章第二节”“专栏14”。")
@click.pass_context
def export_cmd(ctx, query, ids, box, chapter, list_name, doc_id, fmt, output, title, limit, suggest,
               attachment, issuer, doc_number, doc_date, full_source):
    """导出任务分解表（DOCX/XLSX/CSV/Markdown/JSON）。

    \b
    例：plankb export --chapter 3.2 -o 司法保护.docx
        plankb export --query 商业秘密 --format xlsx -o 商业秘密.xlsx
        plankb export --list 重点任务 -o 重点任务.csv
    """
    from office.export import (
        ExportError,
        build_rows,
        format_for_path,
        options_from,
        output_target,
        render,
        write_export,
    )

    try:
        out_is_dir = output != "-" and Path(output).expanduser().is_dir()
    except OSError as e:  # e.g. a name longer than the file system allows
        raise click.ClickException(f"无法使用输出文件 {output[:80]}：{write_reason(e)}"
                                   "（提示：换一个较短的文件名）。") from None
    if out_is_dir:
        raise click.UsageError(f"-o 应是文件名，而 {output} 是一个目录（提示：如 -o {Path(output) / '任务分解表.docx'}）。")
    if output != "-":
        output_target(Path(output).expanduser())  # a FIFO or device is refused before any work
    if fmt is None:
        fmt = format_for_path(output) if output != "-" else None
        if fmt is None:
            raise click.UsageError(f"无法从输出文件名判断格式，请用 --format 指定：{'、'.join(FORMATS)}。")
    fmt = fmt.lower()
    options = options_from({"attachment": attachment, "issuer": issuer, "doc_number": doc_number,
                            "date": doc_date, "full_source": full_source})
    entries, default, missing = select(ctx, query=query, ids=ids, box=box, chapter=chapter,
                                       list_name=list_name, doc_id=doc_id, limit=limit)
    title = (title or "").strip() or default
    try:
        rows = build_rows(ctx.obj.corpus, entries, suggest=suggest, missing=missing)
        if output == "-":
            data = render(rows, fmt, title, options)
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        with _terminate_as_exit():
            path = write_export(rows, fmt, title, Path(output).expanduser(), options)
    except ExportError as e:
        _fail(e)
    except OSError as e:
        raise click.ClickException(f"无法写入 {output[:80]}：{write_reason(e)}"
                                   "（提示：换一个可写的目录或文件名）。") from None
    click.echo(f"已导出 {len(rows)} 项到 {path}（{fmt.upper()}，标题：{title}）。")


# -- task lists -----------------------------------------------------------------------

@click.command("lists")
@_guard
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def lists_cmd(ctx, as_json):
    """列出已保存的任务清单。"""
    lists = _store(ctx).lists()
    if as_json:
        from plankb.cli import echo_json

        echo_json([t.to_json() for t in lists])
        return
    from office.localtime import local_time, zone

    tz = zone()
    if not lists:
        click.echo("还没有清单（提示：plankb list-create 名称）。")
        return
    for t in lists:
        title = f"　{t.title}" if t.title and t.title != t.name else ""
        click.echo(f"{t.name}{title}　{t.item_count} 项　更新于 {local_time(t.updated_at, tz)}")


@click.command("list-create")
@_guard
@click.argument("name")
@click.option("--title", default="", help="导出时的表格标题。")
@click.pass_context
def list_create_cmd(ctx, name, title):
    """新建任务清单。"""
    t = _store(ctx).create_list(name, title)
    click.echo(f"已新建清单“{t.name}”。")


@click.command("list-add")
@_guard
@click.argument("name")
@click.option("--query", "-q", help="加入检索结果。")
@click.option("--ids", help="加入这些条款（逗号分隔）。")
@click.option("--box", help="加入整个专栏。")
@click.option("--chapter", help="加入整章或整节，如 3 或 3.2。")
@click.option("--doc", "doc_id", help="规划编号（多个规划时）。")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--create", is_flag=True, help="清单不存在时新建。")
@click.pass_context
def list_add_cmd(ctx, name, query, ids, box, chapter, doc_id, limit, create):
    """把条款加入清单（已有的跳过，保持顺序）。"""
    from office.export.selection import find_list

    entries, _, _ = select(ctx, query=query, ids=ids, box=box, chapter=chapter, doc_id=doc_id, limit=limit)
    unknown = [i for i in entries if ctx.obj.corpus.clause(i) is None]
    if unknown:
        raise click.ClickException(f"找不到条款：{'、'.join(unknown[:5])}（提示：条款编号形如 gd-ip-14fyp:3.2.p4）。")
    store = _store(ctx)
    t = store.find_list(name) or (store.create_list(name) if create else find_list(store, name))
    added = store.add_items(t.id, entries)
    skipped = len(dict.fromkeys(entries)) - len(added)
    click.echo(f"已向清单“{t.name}”加入 {len(added)} 项" + (f"，跳过已有的 {skipped} 项" if skipped else "") + "。")


@click.command("list-show")
@_guard
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def list_show_cmd(ctx, name, as_json):
    """显示清单内容。"""
    from office.export.selection import find_list

    store = _store(ctx)
    t = find_list(store, name)
    items = store.items(t.id)
    progress = store.progress(t.id)
    if as_json:
        from plankb.cli import echo_json

        echo_json({"list": t.to_json(), "items": [i.to_json() | {"progress": [p.to_json() for p in
                                                                            progress.get(i.id, [])]}
                                                   for i in items]})
        return
    click.echo(f"{t.display_title}（{len(items)} 项）")
    for i in items:
        c = ctx.obj.corpus.clause(i.clause_id)
        head = (c.lead or c.text[:30]) if c else "（条款已不在当前语料中）"
        extra = "；".join(f"{k}：{v}" for k, v in (("牵头", i.lead_unit), ("配合", i.support_units),
                                                    ("时限", i.deadline), ("状态", i.status)) if v)
        click.echo(f"{i.position + 1}. [{i.id}] {i.clause_id} {head}" + (f"（{extra}）" if extra else ""))
        for p in progress.get(i.id, []):
            click.echo(f"    进展 #{p.id} {p.on_date}：{p.text}（{p.who or '未知'}）")


@click.command("list-delete")
@_guard
@click.argument("name")
@click.option("--yes", is_flag=True, help="不再确认。")
@click.pass_context
def list_delete_cmd(ctx, name, yes):
    """删除清单及其全部条目。"""
    from office.export.selection import find_list

    store = _store(ctx)
    t = find_list(store, name)
    if not yes:
        click.confirm(f"删除清单“{t.name}”（{t.item_count} 项）？", abort=True)
    store.delete_list(t.id)
    click.echo(f"已删除清单“{t.name}”。")


def _item_command(command_name: str):
    """A command on one item of a list: ``NAME ITEM`` first (ITEM is list-show's [编号]),
    then the command's own arguments and options, its errors through :func:`_guard`."""
    def wrap(fn):
        fn = click.argument("item_id", metavar="ITEM", type=int)(fn)
        fn = click.argument("name")(fn)
        return click.command(command_name)(_guard(fn))
    return wrap


def _list_item(ctx, name, item_id):
    """(store, item) of a list's item by the [编号] list-show prints."""
    from office.export.selection import find_list
    from office.lists import NotFoundError

    store = _store(ctx)
    t = find_list(store, name)
    item = store.get_item(item_id)
    if item.list_id != t.id:
        raise NotFoundError(f"清单“{t.name}”中没有编号为 {item_id} 的条目（提示：plankb list-show {t.name} 列出编号）。")
    return store, item


@_item_command("list-status")
@click.argument("status")
@click.pass_context
def list_status_cmd(ctx, name, item_id, status):
    """设置清单条目 ITEM（list-show 中方括号里的编号）的完成状态：未启动、推进中、已完成、滞后、已调整（空字符串清除）。"""
    store, item = _list_item(ctx, name, item_id)
    item = store.set_status(item.id, status)
    click.echo(f"已将条目 {item.id} 的完成状态设为“{item.status or '（未填）'}”。")


@_item_command("list-progress")
@click.argument("text")
@click.option("--date", "on_date", default=None, help="进展日期，如 2025-06-30（默认今天）。")
@click.pass_context
def list_progress_cmd(ctx, name, item_id, text, on_date):
    """为清单条目 ITEM 记录一条进展（做了什么；录入人为当前命令行用户）。"""
    store, item = _list_item(ctx, name, item_id)
    p = store.add_progress(item.id, text, on_date)
    click.echo(f"已记录条目 {item.id} 的进展：{p.on_date}：{p.text}")


@_item_command("list-progress-edit")
@click.argument("progress_id", metavar="PROGRESS", type=int)
@click.option("--text", default=None, help="改正后的进展内容（不填则不改）。")
@click.option("--date", "on_date", default=None, help="改正后的日期，如 2025-06-30（不填则不改）。")
@click.pass_context
def list_progress_edit_cmd(ctx, name, item_id, progress_id, text, on_date):
    """改正清单条目 ITEM 的一条进展 PROGRESS（list-show 中“进展 #编号”）：只能改自己记录的，管理员可改任何一条。"""
    if text is None and on_date is None:
        raise click.UsageError("请用 --text 或 --date 给出要改正的内容。")
    store, item = _list_item(ctx, name, item_id)
    p = store.edit_progress(progress_id, text, on_date, item_id=item.id)
    click.echo(f"已改正条目 {item.id} 的进展 #{p.id}：{p.on_date}：{p.text}")


@_item_command("list-progress-delete")
@click.argument("progress_id", metavar="PROGRESS", type=int)
@click.option("--yes", is_flag=True, help="不再确认。")
@click.pass_context
def list_progress_delete_cmd(ctx, name, item_id, progress_id, yes):
    """删除清单条目 ITEM 的一条进展 PROGRESS（操作记录中留有原文）。"""
    store, item = _list_item(ctx, name, item_id)
    if not yes:
        click.confirm(f"删除条目 {item.id} 的进展 #{progress_id}？", abort=True)
    p = store.delete_progress(progress_id, item_id=item.id)
    click.echo(f"已删除条目 {item.id} 的进展 #{p.id}（{p.on_date}：{p.text}）。")


def register(cli) -> None:
    for cmd in (export_cmd, lists_cmd, list_create_cmd, list_add_cmd, list_show_cmd, list_delete_cmd,
                list_status_cmd, list_progress_cmd, list_progress_edit_cmd, list_progress_delete_cmd):
        cli.add_command(cmd)
