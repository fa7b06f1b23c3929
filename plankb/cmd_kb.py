"""Knowledge-base commands: ingest a raw plan, and read the model (outline, clauses,
indicator tables). ``--json`` output keys are a contract other tools rely on."""
from __future__ import annotations

from pathlib import Path

import click


def _skipped(app) -> None:
    """Plans the corpus left out (a file that does not parse): named on stderr, once."""
    for problem in getattr(app.corpus, "problems", []):
        click.echo(f"注意：已跳过 {problem}", err=True)


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
@click.option("--id", "doc_id", help="文档编号（字母、数字、-、_）；默认取 .toml 中的 id 或文件名。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出报告。")
@click.option("--quiet", is_flag=True, help="只打印摘要。")
@click.option("--publish", is_flag=True,
              help="发布到实例的数据库（原文件、.toml 更正与规范 Markdown），各服务器随后即可检索；记入操作记录。")
@click.option("--replace", is_flag=True, help="与 --publish 同用：替换同编号的已有规划（操作记录中记下旧版本与新版本）。")
@click.pass_obj
def ingest_cmd(app, raw: Path, out_dir: Path | None, doc_id: str | None, as_json: bool, quiet: bool,
               publish: bool, replace: bool):
    """把规划文件 RAW（PDF、Word .docx、网页 .html 或文本 .txt）转为规范 Markdown，并打印处理报告。

    RAW 旁同名的 .toml 文件（如有）提供元数据与记录在案的更正。加 --publish 则发布：
    与“导入规划”页面一样存入数据库，所有服务器都能检索到。"""
    from kb.ingest import IngestError, ingest_file

    if not raw.is_file():
        raise click.ClickException(f"找不到原始文本：{raw}")
    try:
        result = ingest_file(raw, app.corpus_dir, doc_id=doc_id)
    except IngestError as e:
        raise click.ClickException(f"{raw}：{e}") from None
    target = None
    if out_dir is not None:
        target = out_dir / f"{result.doc_id}.md"
        if target.resolve().parent != out_dir.resolve():  # the id is checked; this is the last guard
            raise click.ClickException(f"文档编号 {result.doc_id!r} 会写到 {out_dir} 之外，已拒绝")
        try:
            result.write(out_dir)  # (with the lines {raw=…} counts, for a PDF, Word, web page…)
        except OSError as e:
            raise click.ClickException(f"无法写入 {target}：{e.strerror}") from None
    rep = result.report
    s = rep.stats
    ok = not s["missing"] and not s["invented"]
    if replace and not publish:
        raise click.UsageError("--replace 须与 --publish 同用。")
    version = _publish(app, raw, result, replace) if publish and ok else None
    if as_json:
        from plankb.cli import echo_json

        echo_json({
            "document": result.doc_id, "output": str(target) if target else None, "stats": rep.stats,
            "published": version,
            "removed": [{"reason": r.reason, "text": r.text, "lines": r.lines,
                         "where": rep.where(r.lines[0])} for r in rep.removals],
            "corrections": rep.corrections, "warnings": rep.warnings, "metadata": rep.metadata,
            "decisions": [{"kind": d.kind, "line": d.line, "where": rep.where(d.line), "message": d.message}
                          for d in rep.decisions],
        })
        return
    click.echo(f"文档 {result.doc_id}：原文汉字 {s['raw_chars']}，输出 {s['output_chars']}，"
               f"移除 {s['removed_chars']}（目录、页码、重复等）。")
    click.echo("汉字核对：" + ("一致，无遗漏。" if ok else f"遗漏“{s['missing']}”，多出“{s['invented']}”。"))
    if not quiet:
        by_reason: dict[str, list] = {}
        for r in rep.removals:
            by_reason.setdefault(r.reason, []).append(r)
        for reason, items in by_reason.items():
            click.echo(f"\n移除·{reason}（{len(items)} 处）：")
            for r in items:
                where = rep.where(r.lines[0]) if len(r.lines) == 1 else f"{rep.where(r.lines[0])}–{r.lines[-1]}行"
                text = " ".join(r.text.split())
                click.echo(f"  {where}  {text[:70]}{'…' if len(text) > 70 else ''}")
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
    if version is not None:
        click.echo(f"\n已发布 {result.doc_id}（第{version}版）：各服务器将在下次检查语料时（约一秒内）更新检索索引。")
    if not ok:
        if publish:
            click.echo("汉字核对未通过，未发布：请在 .toml 中更正后重试。", err=True)
        raise click.exceptions.Exit(2)


def _plans(app):
    from office.db import Database
    from office.errors import ListError
    from office.published import PlanStore

    try:
        return PlanStore(Database.for_instance(app.instance_dir))
    except ListError as e:
        raise click.ClickException(str(e)) from None


def _store_call(fn, *args, **kwargs):
    from office.errors import ListError
    from office.published import PlanStoreError

    try:
        return fn(*args, **kwargs)
    except (ListError, PlanStoreError) as e:
        raise click.ClickException(str(e)) from None


def _publish(app, raw: Path, result, replace: bool) -> int:
    """The plan into the instance's database, as the import page publishes it (office.published)."""
    from office.published import PlanFiles, bundled_ids

    sidecar = raw.with_suffix(".toml")
    plan = PlanFiles.from_ingest(result, raw, sidecar.read_text(encoding="utf-8") if sidecar.is_file() else "")
    return _store_call(_plans(app).publish, plan, origin="cli", replace=replace, bundled=bundled_ids(app.corpus_dir))


@click.group("plan")
def plan_group():
    """已发布到数据库的规划：列出、移除（发布用 plankb ingest 文件 --publish 或“导入规划”页面）。"""


@plan_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def plan_list(app, as_json):
    """列出数据库中的规划：编号、版本、标题、发布人与时间。"""
    from office.published import ORIGINS

    rows = _store_call(_plans(app).published)
    data = [{"id": r.doc_id, "version": r.id, "title": r.title, "who": r.who, "at": r.at,
             "origin": ORIGINS.get(r.origin, r.origin)} for r in rows]
    if as_json:
        from plankb.cli import echo_json

        return echo_json({"plans": data})
    if not data:
        click.echo("数据库中还没有发布的规划（语料目录中随包的规划照常提供）。")
    for d in data:
        click.echo(f"{d['id']}  第{d['version']}版  《{d['title']}》  {d['who']}  {d['at']}  （{d['origin']}）")


@plan_group.command("remove")
@click.argument("doc_id")
@click.pass_obj
def plan_remove(app, doc_id):
    """从所有服务器的语料中移除一份规划（记入操作记录；数据库保留其历史版本）。"""
    from office.published import bundled_ids

    version = _store_call(_plans(app).remove, doc_id, bundled=bundled_ids(app.corpus_dir))
    click.echo(f"已移除 {doc_id}（第{version}版）：各服务器将在下次检查语料时更新检索索引。")


@click.command("outline")
@click.option("--document", "doc_id", help="只看一个文档。")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def outline_cmd(app, doc_id, as_json):
    """规划的章、节、专栏与表格。"""
    _skipped(app)
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
    _skipped(app)
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
    _skipped(app)
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
    _skipped(app)
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
    for cmd in (ingest_cmd, outline_cmd, show_cmd, clauses_cmd, indicators_cmd, plan_group):
        cli.add_command(cmd)
