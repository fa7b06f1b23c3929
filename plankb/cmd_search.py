"""``plankb search`` and ``plankb build``: the search library on the command line.

``--json`` prints exactly what ``SearchIndex.search`` returns (the web API's shape),
so scripts can move between CLI and API.  Batch mode reads one query per line and
prints one JSON object per line (JSON Lines), so a file of thousands of queries is
answered by one process with the index opened once.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kb.model import KINDS


def _open(ctx_obj, build_if_missing=True):
    from index import IndexBuildError, LexiconError, open_index

    try:
        return open_index(ctx_obj.corpus, ctx_obj.instance_dir, build_if_missing=build_if_missing)
    except (IndexBuildError, LexiconError) as e:
        raise click.ClickException(str(e)) from None


def _filters(**kw) -> dict:
    return {k: v for k, v in kw.items() if v is not None}


def _table(result: dict) -> str:
    from index.snippet import marks_to_terminal

    lines = []
    total = result["total"]
    shown = len(result["hits"])
    head = f"共 {total} 条结果" + (f"，显示第 {result['offset'] + 1}–{result['offset'] + shown} 条"
                                   if shown and shown < total else "")
    lines.append(click.style(head, bold=True))
    if result.get("message"):
        lines.append(click.style(result["message"], fg="yellow"))
    mark = lambda s: click.style(s, fg="red", bold=True)  # noqa: E731
    for i, h in enumerate(result["hits"], result["offset"] + 1):
        crumb = h["breadcrumb"] or h["document"]
        lines.append("")
        lines.append(f"{i:>3}. " + click.style(h["id"], fg="cyan") + f"  {crumb}  "
                     + click.style(f"[{h['kind_label']}] {h['score']:.3f}", dim=True))
        if h["title"]:
            lines.append("     " + click.style(h["title"], bold=True))
        lines.append("     " + marks_to_terminal(h["snippet"], mark))
        if h.get("why"):
            lines.append("     " + click.style(h["why"], dim=True))
    return "\n".join(lines)


def _run(ix, q, **kw):
    from index import QueryError

    try:
        result = ix.search(q, **kw)
    except QueryError as e:
        raise click.ClickException(str(e)) from None
    return result


@click.command("search")
@click.argument("query", required=False)
@click.option("--json", "json_out", is_flag=True, help="输出 JSON（批量模式下每行一个 JSON 对象）。")
@click.option("--limit", type=click.IntRange(0, 10000), default=20, show_default=True, help="最多返回条数。")
@click.option("--offset", type=click.IntRange(0), default=0, help="跳过前 N 条（翻页）。")
@click.option("--document", help="只看某个规划（文档编号，如 gd-ip-14fyp）。")
@click.option("--chapter", type=click.IntRange(0), help="只看第 N 章。")
@click.option("--section", type=click.IntRange(0), help="只看第 N 节（通常与 --chapter 同用）。")
@click.option("--box", help="只看专栏 N（如 5）。")
@click.option("--kind", type=click.Choice(list(KINDS)), help="只看某类条款。")
@click.option("--year", type=click.IntRange(1900, 2200), help="只看以该年为期限的条款（如 2025）。")
@click.option("--raw", is_flag=True, help="按 whoosh 原生语法解析检索式（高级）。")
@click.option("--queries", "queries_file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="批量模式：从文件逐行读取检索词（- 表示标准输入）。")
@click.pass_obj
def search_cmd(obj, query, json_out, limit, offset, document, chapter, section, box, kind, year,
               raw, queries_file):
    """全文检索条款。QUERY：检索词；空格分隔表示同时包含，"引号" 精确匹配，-词 排除，A OR B 任一；
    可粘贴一段原文查找出处；不给检索词只给筛选条件时列出所选条款。"""
    kw = dict(limit=limit, offset=offset, raw=raw,
              **_filters(document=document, chapter=chapter, section=section, box=box,
                         kind=kind, year=year))
    if queries_file is not None:
        if query:
            raise click.ClickException("QUERY 与 --queries 只能二选一（提示：批量检索时把检索词都写进文件）。")
        _batch(obj, queries_file, json_out, kw)
        return
    listing = any(v is not None for v in (document, chapter, section, box, kind, year))
    if (query is None or not query.strip()) and not listing:
        raise click.ClickException("请给出检索词（提示：plankb search 商业秘密；只按条件列出时给出筛选，"
                                   "如 plankb search --box 14；或用 --queries 文件批量检索）。")
    ix = _open(obj)
    try:
        result = _run(ix, query or "", **kw)
    finally:
        ix.close()
    if json_out:
        from plankb.cli import echo_json

        echo_json(result)
    else:
        click.echo(_table(result))


def _batch(obj, path: Path, json_out: bool, kw: dict) -> None:
    """One result per non-empty input line; a bad line yields an error object, not an abort."""
    from index import QueryError

    try:
        if str(path) == "-":
            lines = sys.stdin.read().splitlines()
        else:
            lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise click.ClickException(f"找不到检索词文件：{path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise click.ClickException(f"无法读取检索词文件 {path}：{e}（提示：文件应为 UTF-8 文本，每行一个检索词）") from None
    ix = _open(obj)
    failed = 0
    try:
        for line in lines:
            q = line.strip()
            if not q:
                continue
            try:
                result = ix.search(q, **kw)
            except QueryError as e:
                failed += 1
                result = {"query": q, "error": str(e), "total": 0, "hits": [], "facets": {}}
            if json_out:
                click.echo(json.dumps(result, ensure_ascii=False))
            else:
                click.echo(_table(result) if "error" not in result
                           else click.style(f"{q}：{result['error']}", fg="red"))
                click.echo("")
    finally:
        ix.close()
    if failed:
        click.echo(f"有 {failed} 个检索词无法检索（见各行 error）。", err=True)
        sys.exit(1)


@click.command("build")
@click.option("--json", "json_out", is_flag=True, help="输出 JSON。")
@click.option("--status", is_flag=True, help="只报告索引状态，不重建。")
@click.option("--no-vectors", is_flag=True, help="只建字词索引，不计算缺少的语义向量（之后再运行 plankb build 补上）。")
@click.option("--full", is_flag=True, help="全部重建（默认只重建新增、改动或删除的规划）。")
@click.pass_obj
def build_cmd(obj, json_out, status, no_vectors, full):
    """（重新）建立检索索引：存放在实例目录，只重建改动过的规划；字词索引先可用，再计算语义向量。"""
    from index import IndexBuildError, LexiconError, build_index, index_status

    try:
        info = index_status(obj.corpus, obj.instance_dir) if status \
            else build_index(obj.corpus, obj.instance_dir, full=full, vectors=False)
    except (IndexBuildError, LexiconError) as e:
        raise click.ClickException(str(e)) from None
    if status:
        if json_out:
            from plankb.cli import echo_json

            echo_json(info)
        else:
            state = "最新" if info["fresh"] else ("已过期，检索时将自动重建" if info["exists"] else "尚未建立")
            click.echo(f"检索索引：{state}（{info['path']}）")
        return
    if not json_out:
        how = info.get("build") or {}
        what = "全部重建" if how.get("mode") != "update" else \
            f"重建改动的规划 {len(how.get('reindexed', []))} 个、移除 {len(how.get('removed', []))} 个"
        click.echo(f"检索索引已可用：{info['documents']} 个规划、{info['clauses']} 条条款（{what}），"
                   f"用时 {info['seconds']:.2f} 秒（{info['path']}）")
    info["semantic"] = _vectors(obj, info.get("semantic") or {}, no_vectors, quiet=json_out)
    info["semantic"]["turned"] = [] if "off" in info["semantic"] else _turned(obj, quiet=json_out)
    if json_out:
        from plankb.cli import echo_json

        echo_json(info)


def _turned(obj, quiet: bool) -> list[str]:
    """The plans whose questions are turned by a fitted adapter (index/adapter.py), said once."""
    from index import LexiconError
    from index.adapter import load_adapters
    from index.semantic import MODEL_KEY
    from index.store import dict_dir

    try:
        plans = sorted(load_adapters(dict_dir(obj.corpus), MODEL_KEY))
    except LexiconError as e:
        raise click.ClickException(str(e)) from None
    if plans and not quiet:
        titles = [f"《{d.title}》" if (d := obj.corpus.document(p)) is not None else p for p in plans]
        click.echo(f"语义校准：{'、'.join(titles)}（由评判检索集拟合，见 corpus/dict/adapters/）。")
    return plans


def _vectors(obj, sem: dict, skip: bool, quiet: bool) -> dict:
    """Compute the vectors the new build lacks, with progress on stderr; Ctrl+C leaves the
    index usable and the vectors computed so far cached (the next build resumes)."""
    import time

    from index import IndexBuildError, embed_missing

    if "off" in sem:
        if sem["off"] and not quiet:
            click.echo(sem["off"])
        return sem
    if skip or not sem.get("missing"):
        if not quiet:
            click.echo(f"语义向量：{sem.get('vectors', 0)} 条"
                       + (f"，缺 {sem['missing']} 条（再次运行 plankb build 补上）" if sem.get("missing") else "")
                       + "。")
        return sem
    started = time.monotonic()
    shown = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - shown[0] >= 2 or done == total:
            shown[0] = now
            click.echo(f"\r正在计算语义向量：{done}/{total}（{now - started:.0f} 秒）", err=True, nl=done == total)

    if not quiet:
        click.echo(f"正在计算缺少的语义向量 {sem['missing']} 条（检索已可用；可按 Ctrl+C 中断，下次继续）……", err=True)
    try:
        sem = embed_missing(obj.corpus, obj.instance_dir, progress=progress)
    except KeyboardInterrupt:
        click.echo("", err=True)
        raise click.ClickException("已中断语义向量计算：检索索引可用（只按已算出的向量检索语义），"
                                   "已算出的向量已保存，再次运行 plankb build 从中断处继续。") from None
    except IndexBuildError as e:
        raise click.ClickException(str(e)) from None
    if not quiet:
        if "off" in sem:
            click.echo(sem["off"])
        else:
            click.echo(f"语义向量：新算 {sem.get('embedded', 0)} 条，沿用缓存 {sem.get('reused', 0)} 条，"
                       f"用时 {time.monotonic() - started:.1f} 秒。")
    return sem


def register(cli) -> None:
    cli.add_command(search_cmd)
    cli.add_command(build_cmd)
