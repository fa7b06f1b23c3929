"""Knowledge-base commands: ingest a raw plan, and read the model (outline, clauses,
indicator tables). ``--json`` output keys are a contract other tools rely on."""
from __future__ import annotations

from pathlib import Path

import click


def outline_json(corpus, doc_id: str | None = None) -> dict:
    docs = [d for d in corpus.documents if doc_id in (None, d.id)]
    return {"documents": [{
        "id": d.id,
        "title": d.title,
        "issuer": d.meta.get("issuer"),
        "period": d.meta.get("period"),
        "preamble": [c.id for c in d.clauses if c.kind == "preamble"],
        "chapters": [{
            "number": ch.number, "title": ch.title, "heading": ch.heading, "role": ch.role,
            "part": ch.part, "source_lines": list(ch.source_lines), "clauses": ch.clauses,
            "sections": [{"number": s.number, "title": s.title, "heading": s.heading,
                          "source_lines": list(s.source_lines), "clauses": s.clauses}
                         for s in ch.sections],
        } for ch in d.chapters],
        "boxes": [{"number": b.number, "title": b.title, "heading": b.heading, "chapter": b.chapter,
                   "section": b.section, "source_lines": list(b.source_lines), "clauses": b.clauses}
                  for b in d.boxes],
        "tables": [{"number": t.number, "title": t.title, "chapter": t.chapter, "section": t.section,
                    "rows": len(t.rows), "clauses": t.clauses} for t in d.tables],
    } for d in docs]}


def _doc(corpus, doc_id):
    if doc_id is None:
        return None
    if corpus.document(doc_id) is None:
        known = "、".join(d.id for d in corpus.documents)
        raise click.ClickException(f"没有编号为 {doc_id} 的文档（已有：{known}）")
    return doc_id


@click.command("ingest")
@click.argument("raw", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              help="写出规范 Markdown 的目录（默认：只打印报告，不写文件）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出报告。")
@click.option("--quiet", is_flag=True, help="只打印摘要。")
@click.pass_obj
def ingest_cmd(app, raw: Path, out_dir: Path | None, as_json: bool, quiet: bool):
    """把规划原始文本 RAW 转为规范 Markdown，并打印处理报告。

    RAW 旁同名的 .toml 文件（如有）提供元数据与记录在案的更正。"""
    from kb.ingest import IngestError, ingest_file, write_atomic

    if not raw.is_file():
        raise click.ClickException(f"找不到原始文本：{raw}")
    try:
        result = ingest_file(raw, app.corpus_dir)
    except IngestError as e:
        raise click.ClickException(f"{raw}：{e}") from None
    target = None
    if out_dir is not None:
        target = out_dir / f"{result.doc_id}.md"
        try:
            write_atomic(target, result.markdown)
        except OSError as e:
            raise click.ClickException(f"无法写入 {target}：{e.strerror}") from None
    rep = result.report
    if as_json:
        from plankb.cli import echo_json

        echo_json({
            "document": result.doc_id, "output": str(target) if target else None, "stats": rep.stats,
            "removed": [{"reason": r.reason, "text": r.text, "lines": r.lines} for r in rep.removals],
            "corrections": rep.corrections, "warnings": rep.warnings,
        })
        return
    s = rep.stats
    click.echo(f"文档 {result.doc_id}：原文汉字 {s['raw_chars']}，输出 {s['output_chars']}，"
               f"移除 {s['removed_chars']}（目录、页码、重复等）。")
    ok = not s["missing"] and not s["invented"]
    click.echo("汉字核对：" + ("一致，无遗漏。" if ok else f"遗漏“{s['missing']}”，多出“{s['invented']}”。"))
    if not quiet:
        by_reason: dict[str, list] = {}
        for r in rep.removals:
            by_reason.setdefault(r.reason, []).append(r)
        for reason, items in by_reason.items():
            click.echo(f"\n移除·{reason}（{len(items)} 处）：")
            for r in items:
                lines = f"{r.lines[0]}" if len(r.lines) == 1 else f"{r.lines[0]}–{r.lines[-1]}"
                text = " ".join(r.text.split())
                click.echo(f"  第{lines}行  {text[:70]}{'…' if len(text) > 70 else ''}")
        if rep.corrections:
            click.echo(f"\n已应用更正（{len(rep.corrections)} 条）：")
            for c in rep.corrections:
                click.echo(f"  {c}")
    if rep.warnings:
        click.echo(f"\n未能自动判定（{len(rep.warnings)} 处）：", err=True)
        for w in rep.warnings:
            click.echo(f"  {w}", err=True)
    if target:
        click.echo(f"\n已写入 {target}")
    if not ok:
        raise click.exceptions.Exit(2)


@click.command("outline")
@click.option("--document", "doc_id", help="只看一个文档。")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def outline_cmd(app, doc_id, as_json):
    """规划的章、节、专栏与表格。"""
    data = outline_json(app.corpus, _doc(app.corpus, doc_id))
    if as_json:
        from plankb.cli import echo_json

        return echo_json(data)
    for d in data["documents"]:
        click.echo(click.style(f"《{d['title']}》", bold=True) + f"（{d['id']}）")
        for ch in d["chapters"]:
            click.echo(f"  {ch['heading']}")
            for s in ch["sections"]:
                click.echo(f"    {s['heading']}（{len(s['clauses'])} 段）")
        click.echo(f"  专栏 {len(d['boxes'])} 个：")
        for b in d["boxes"]:
            where = "".join(f"第{n}{unit}" for n, unit in ((b["chapter"], "章"), (b["section"], "节")) if n is not None)
            click.echo(f"    {b['heading']}" + (f"（{where}）" if where else ""))


def _clause_line(c) -> str:
    where = " › ".join(c.breadcrumb)
    head = c.lead or c.text[:40]
    return f"{c.id:<24} {c.kind_label:<4} {head}  〔{where}〕"


@click.command("show")
@click.argument("clause_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def show_cmd(app, clause_id, as_json):
    """显示一个条款：全文、出处与原文行号。"""
    c = app.corpus.clause(clause_id)
    if c is None:
        raise click.ClickException(f"没有编号为 {clause_id} 的条款（提示：plankb clauses 列出全部编号）")
    if as_json:
        from plankb.cli import echo_json

        return echo_json(c.to_json())
    doc = app.corpus.document(c.document)
    click.echo(click.style(c.id, bold=True) + f"  {c.kind_label}")
    click.echo(f"《{doc.title}》" + " › ".join(c.breadcrumb) + f"  原文第{c.source_lines[0]}–{c.source_lines[1]}行")
    click.echo()
    click.echo(c.text)


@click.command("clauses")
@click.option("--document", "doc_id")
@click.option("--kind", help="只列某一类：task、box_item、table_row…")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def clauses_cmd(app, doc_id, kind, as_json):
    """列出全部条款。"""
    from kb.model import KINDS

    if kind and kind not in KINDS:
        raise click.ClickException(f"未知的条款类型：{kind}（可用：{'、'.join(KINDS)}）")
    doc_id = _doc(app.corpus, doc_id)
    items = [c for c in app.corpus.clauses() if doc_id in (None, c.document) and kind in (None, c.kind)]
    if as_json:
        from plankb.cli import echo_json

        return echo_json([c.to_json() for c in items])
    for c in items:
        click.echo(_clause_line(c))


@click.command("indicators")
@click.option("--document", "doc_id")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def indicators_cmd(app, doc_id, as_json):
    """指标表：原样单元格，加上解析出的数值、比较符、是否为期间新增、是否完成。"""
    from kb.indicators import indicator_tables

    doc_id = _doc(app.corpus, doc_id)
    tables = []
    for d in app.corpus.documents:
        if doc_id in (None, d.id):
            tables += indicator_tables(d)["tables"]
    if as_json:
        from plankb.cli import echo_json

        return echo_json({"tables": tables})
    for t in tables:
        click.echo(click.style(t["title"], bold=True))
        for r in t["rows"]:
            cells = "  ".join(f"{k}={v}" for k, v in r["cells"].items() if k not in ("序号",) and v)
            mark = {True: " ✓完成", False: " ✗未完成"}.get(r.get("met"), "")
            click.echo(f"  {r['number']:>2}. {cells}{mark}")
        for i, n in enumerate(t["notes"], 1):
            click.echo(f"  注{i}：{n}")


def register(cli) -> None:
    for cmd in (ingest_cmd, outline_cmd, show_cmd, clauses_cmd, indicators_cmd):
        cli.add_command(cmd)
