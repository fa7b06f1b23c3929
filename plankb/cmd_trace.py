"""Tracing commands: targets, bodies, trace, check, graph.

Thin over ``kb.graph``: each command builds (or reuses) the plan graph and prints either
a table for people or, with ``--json``, the contract the web app and scripts rely on.
"""
from __future__ import annotations

from pathlib import Path

import click

from kb.graph_export import FORMATS as GRAPH_FORMATS


def _graph(ctx: click.Context):
    from kb.extract.gazetteer import GazetteerError
    from kb.graph import build_graph
    from kb.graph_links import LinksError

    corpus = ctx.obj.corpus
    try:
        return build_graph(corpus)
    except (GazetteerError, LinksError, ValueError) as e:
        raise click.ClickException(str(e)) from None


def _check_document(pg, doc_id):
    if doc_id and pg.corpus.document(doc_id) is None:
        ids = "、".join(d.id for d in pg.corpus.documents) or "（无）"
        raise click.ClickException(f"没有编号为 {doc_id} 的规划（提示：现有规划：{ids}）")


def _num(v) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


@click.command("targets")
@click.option("--document", "doc_id", help="只看一个规划。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def targets_cmd(ctx, doc_id, as_json):
    """列出规划文本中的量化目标和有日期的目标（指标、数值、时限、出处）。"""
    pg = _graph(ctx)
    _check_document(pg, doc_id)
    rows = pg.targets(doc_id)
    if as_json:
        from plankb.cli import echo_json

        keys = ("id", "text", "metric", "value", "comparator", "unit", "deadline",
                "implied_deadline", "clause", "indicator")
        echo_json([{k: t[k] for k in keys} | {k: v for k, v in t.items() if k not in keys}
                   for t in rows])
        return
    if not rows:
        click.echo("没有找到目标。")
        return
    for t in rows:
        value = t["value_text"] or "（定性目标）"
        ind = f"  → 指标 {pg.g.nodes[t['indicator']]['label']}" if t["indicator"] else ""
        click.echo(f"{t['deadline_label']:<14}{t['metric']}：{value}{ind}")
        click.echo(f"{'':<14}出处 {t['clause']}")
    click.echo(f"共 {len(rows)} 个目标，其中 {sum(t['value'] is not None for t in rows)} 个有数值。")


@click.command("bodies")
@click.option("--document", "doc_id", help="只看一个规划。")
@click.option("--kind", help="只看一类机构（如 court、provincial，见 corpus/gazetteer/bodies.toml）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def bodies_cmd(ctx, doc_id, kind, as_json):
    """列出规划点名的机构和主体，以及提到它们的条文。"""
    pg = _graph(ctx)
    _check_document(pg, doc_id)
    rows = [b for b in pg.bodies(doc_id) if not kind or b["kind"] == kind]
    if as_json:
        from plankb.cli import echo_json

        echo_json(rows)
        return
    if not rows:
        click.echo("没有找到机构。")
        return
    for b in rows:
        alias = f"（又称{'、'.join(b['aliases'])}）" if b["aliases"] else ""
        lead = f"，牵头 {len(b['lead'])} 项" if b["lead"] else ""
        sug = f"，按职能建议 {len(b['suggested'])} 项" if b.get("suggested") else ""
        cat = "（类别，非具体单位）" if b.get("category") else ""
        click.echo(f"{b['name']}{alias}{cat} [{b['kind_label']}] {len(b['clauses'])} 条{lead}{sug}")
    click.echo(f"共 {len(rows)} 个机构。")


@click.command("trace")
@click.argument("node_id")
@click.option("--document", "doc_id", help="只看一个规划的任务。")
@click.option("--limit", type=click.IntRange(min=1), help="每个规划最多列出的任务数（默认全部）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def trace_cmd(ctx, node_id, doc_id, limit, as_json):
    """追踪一个任务、专栏、目标、指标或机构：服务哪些目标和指标、何时完成、由谁承担。

    NODE_ID 可以是条文编号（gd-ip-14fyp:3.4.p4）、专栏（gd-ip-14fyp:box5）、
    目标（target:…）、指标（indicator:gd-ip-14fyp:t2.r9）、机构名（国家知识产权局）或地区名（深圳）。
    """
    pg = _graph(ctx)
    _check_document(pg, doc_id)
    try:
        res = pg.trace(node_id, document=doc_id, limit=limit)
    except KeyError:
        raise click.ClickException(
            f"找不到 {node_id}（提示：用条文编号如 gd-ip-14fyp:3.4.p4、专栏如 gd-ip-14fyp:box5、"
            f"指标如 indicator:gd-ip-14fyp:t2.r9，或机构、地区名称；plankb targets / bodies 可列出）") from None
    if as_json:
        from plankb.cli import echo_json

        echo_json(res)
        return
    s = res["start"]
    click.echo(f"{s['label']}（{s['id']}）")
    for t in res["targets"]:
        click.echo(f"  目标：{t['metric']} {t['value_text']}（{t['deadline_label']}，{t['clause']}）")
    for i in res["indicators"]:
        click.echo(f"  指标：{i['label']}（{i['unit']}，{_num((i.get('target') or {}).get('value'))}）")
    if res["deadlines"]:
        click.echo("  时限：" + "、".join(d["label"] for d in res["deadlines"]))
    for t in res["tasks"]:
        click.echo(f"  任务：{t['label']}（{t['id']}）")
    if res["bodies"]:
        click.echo("  机构：" + "、".join(f"{b['label']}（{b['role']}）" for b in res["bodies"]))
    for g in res["groups"]:
        if g["tasks_shown"] < g["tasks"] or g["targets_shown"] < g["targets"]:
            targets = f"、{g['targets_shown']}/{g['targets']} 个目标" if g["targets"] else ""
            click.echo(f"  {g['title']}：列出 {g['tasks_shown']}/{g['tasks']} 项任务{targets}（--limit 可调）")
    if res["regions"]:
        click.echo("  地区：" + "、".join(r["label"] for r in res["regions"]))
    curated = sum(1 for link in res["links"] if link["evidence"] == "curated")
    click.echo(f"  依据：{len(res['links'])} 条关联，其中人工 {curated} 条。")


@click.command("check")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def check_cmd(ctx, as_json):
    """一致性检查：文本和表格中重复出现的数字是否一致。"""
    pg = _graph(ctx)
    res = pg.check()
    if as_json:
        from plankb.cli import echo_json

        echo_json(res)
        return
    for title, key in (("不一致", "conflicts"), ("一致", "agreements")):
        click.echo(f"{title}（{len(res[key])}）：")
        for x in res[key]:
            a, b = x["values"]
            click.echo(f"  {x['metric']}：{_num(a['value'])}{a['unit']}（{a['source']}）"
                       f" {'≠' if key == 'conflicts' else '='} {_num(b['value'])}{b['unit']}（{b['source']}）")


@click.command("graph")
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default="graphml",
              show_default=True, help="输出格式（Gephi 可读 graphml、gexf）。")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="输出文件。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果摘要。")
@click.pass_context
def graph_cmd(ctx, fmt, output, as_json):
    """导出目标追踪图谱，供 Gephi 等工具使用。"""
    pg = _graph(ctx)
    if output.is_dir():
        raise click.ClickException(f"{output} 是目录（提示：请给出文件名，如 {output / ('plan.' + fmt)}）")
    if not output.parent.exists():
        raise click.ClickException(f"目录不存在：{output.parent}（提示：先创建该目录）")
    try:
        pg.write(output, fmt)
    except OSError as e:
        raise click.ClickException(f"无法写入 {output}：{e.strerror or e}") from None
    stats = pg.stats()
    summary = {"path": str(output), "format": fmt, "nodes": pg.g.number_of_nodes(),
               "edges": pg.g.number_of_edges(), "tasks": stats["tasks"],
               "tasks_reaching_target_or_indicator": stats["tasks_reaching_target_or_indicator"],
               "node_kinds": stats["nodes"], "edge_kinds": stats["edges"]}
    if as_json:
        from plankb.cli import echo_json

        echo_json(summary)
        return
    click.echo(f"已写出 {output}：{summary['nodes']} 个节点，{summary['edges']} 条边；"
               f"{summary['tasks_reaching_target_or_indicator']}/{summary['tasks']} 项任务关联到目标或指标。")


def register(cli) -> None:
    for cmd in (targets_cmd, bodies_cmd, trace_cmd, check_cmd, graph_cmd):
        cli.add_command(cmd)
