"""Tracking commands: actual values by year (``plankb actuals …``) and the evaluation
report (``plankb report``).

Thin over office.tracking: the store lives in the instance folder, the measures come
from the corpus (indicator tables and the targets in the text). ``--json`` keys are a
contract: ``{"indicators": [{"id", "name", "unit", "base", "target", "actuals":
[{"year", "value", "source"}], "status", "met"}], "targets": [...]}``.
"""
from __future__ import annotations

import functools
import getpass
from pathlib import Path

import click

from kb.oserror import write_reason


def _guard(fn):
    """Every refusal of the tracking code is already a Chinese sentence: one line (or one
    line per unreadable cell) on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from office.errors import OfficeError

        try:
            return fn(*args, **kwargs)
        except OfficeError as e:
            raise click.ClickException(str(e)) from None
        except OSError as e:
            where = f" {e.filename}" if getattr(e, "filename", None) else ""
            raise click.ClickException(f"无法读写{where}：{write_reason(e)}（提示：检查路径和权限）。") from None

    return wrapper


def _plan(ctx):
    from office.tracking.status import Plan
    from plankb.cmd_trace import _graph

    return Plan(ctx.obj.corpus, _graph(ctx))


def _store(ctx):
    from office.tracking.actuals import open_store

    try:
        return open_store(ctx.obj.instance_dir)
    except OSError as e:
        raise click.ClickException(f"无法打开实例目录 {ctx.obj.instance_dir}：{e.strerror or e}"
                                   "（提示：用 --instance 指定可写目录）。") from None


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 — no login name (a container): leave it blank
        return ""


def _line(e: dict) -> str:
    values = "，".join(f"{a['year']}年{a['text']}" for a in e["actuals"]) or "—"
    return f"{e['id']:<34} {e['name'][:24]}（{e['unit'] or '—'}）目标{e['target_text'] or '—'}：{values}  【{e['status']}】"


@click.group("actuals", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（键名为约定，供脚本使用）。")
@click.pass_context
@_guard
def actuals_cmd(ctx, as_json):
    """主要指标与量化目标的逐年实际值及完成状态。

    \b
    plankb actuals [--json]                              列出实际值与状态
    plankb actuals set ID --year 2023 --value 18.2       录入一个值
    plankb actuals template -o 实际值.xlsx                下载录入模板
    plankb actuals import 实际值.xlsx                     导入填好的模板
    plankb actuals history [ID]                          被改写或删除过的值
    """
    if ctx.invoked_subcommand is not None:
        return
    from office.tracking.status import tracking

    data = tracking(_plan(ctx), _store(ctx))
    if as_json:
        from plankb.cli import echo_json

        return echo_json(data)
    for title, key in (("主要指标", "indicators"), ("文本中的量化目标", "targets")):
        rows = [e for e in data[key] if e["quantitative"]]
        figures = sum(len(e.get("measures") or [e]) for e in rows)
        more = f"，{figures} 个数值" if figures != len(rows) else ""
        click.echo(click.style(f"{title}（{len(rows)} 项{more}）", bold=True))
        for e in rows:
            if e.get("measures"):  # one indicator asking for two figures: a line each, under it
                click.echo(f"  {e['name']}（含{len(e['measures'])}个数值，按进展较差者计）【{e['status']}】")
                for f in e["measures"]:
                    click.echo("    " + _line(f))
            else:
                click.echo("  " + _line(e))


@actuals_cmd.command("set")
@click.argument("measure_id", metavar="ID")
@click.option("--year", required=True, help="年份，如 2023。")
@click.option("--value", required=True, help="实际值（只填数字，单位按指标所列）。")
@click.option("--source", default="", help="来源，如 统计公报、部门报送。")
@click.option("--note", default="", help="备注。")
@click.option("--who", default=None, help="录入人（默认：当前登录名）。")
@click.pass_context
@_guard
def set_cmd(ctx, measure_id, year, value, source, note, who):
    """录入 ID（plankb indicators --json 的行 id，或 plankb targets --json 的 id）某年的实际值。

    一行含两个数值的指标（如“质押融资登记金额、项目数”），行 id 指第一个数值，第二个用 ID.m2。"""
    from office.tracking.status import find_entry, tracking

    plan = _plan(ctx)
    actual = plan.actual(measure_id, year, value, source=source, note=note, who=_who(who))
    store = _store(ctx)
    changed = store.put([actual])
    m = plan.measure(measure_id)
    entry = find_entry(tracking(plan, store), m.id)
    click.echo(f"已{'录入' if changed else '保留（与已录入的相同）'}：{m.name} {actual.year}年 {actual.value}{m.unit}。")
    click.echo(f"状态：{entry['status']}。{entry['rule']}")


@actuals_cmd.command("delete")
@click.argument("measure_id", metavar="ID")
@click.option("--year", required=True, type=int, help="年份。")
@click.pass_context
@_guard
def delete_cmd(ctx, measure_id, year):
    """删除 ID 某年的实际值。"""
    m = _plan(ctx).measure(measure_id)
    if not _store(ctx).delete(m.id, year):
        raise click.ClickException(f"{m.name} 没有 {year} 年的实际值。")
    click.echo(f"已删除：{m.name} {year}年的实际值。")


@actuals_cmd.command("history")
@click.argument("measure_id", metavar="ID", required=False)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
@_guard
def history_cmd(ctx, measure_id, as_json):
    """被改写或删除过的实际值（原值、录入人、何时被谁改写）；给出 ID 时只列该项。"""
    mid = _plan(ctx).measure(measure_id).id if measure_id else None
    rows = _store(ctx).history(mid)
    if as_json:
        from plankb.cli import echo_json

        return echo_json(rows)
    if not rows:
        click.echo("没有被改写或删除过的实际值。")
    for h in rows:
        what = "删除" if h["change"] == "delete" else "改写"
        click.echo(f"{h['measure_id']} {h['year']}年：原值 {h['value']}（{h['who'] or '—'}录入于 {h['entered_at']}），"
                   f"{h['replaced_at']} 被{h['replaced_by']}{what}")


@actuals_cmd.command("template")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="写出的 .xlsx 文件。")
@click.pass_context
@_guard
def template_cmd(ctx, output: Path):
    """下载录入模板：每行一个指标或目标，每列一个年份，已录入的值已填好。"""
    from kb.atomic import atomic_write_bytes
    from office.tracking.template import template_bytes

    plan = _plan(ctx)
    title = "、".join(f"《{d.title}》" for d in plan.corpus.documents) + "实际值录入表"
    data = template_bytes(plan, _store(ctx).all(), title)
    _check_output(output, ".xlsx")
    atomic_write_bytes(output, data)
    click.echo(f"已写出模板 {output}（{len(plan.indicator_ids)} 个主要指标共 {len(plan.indicators)} 个数值、"
               f"{sum(m.quantitative for m in plan.targets)} 个量化目标）。")


def _check_output(path: Path, ext: str) -> None:
    if path.is_dir():
        raise click.ClickException(f"输出路径是一个目录：{path}（提示：请给出文件名，如 {path / ('实际值' + ext)}）。")
    if not path.parent.is_dir():
        raise click.ClickException(f"输出目录不存在：{path.parent}（提示：先创建该目录）。")


@actuals_cmd.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--who", default=None, help="录入人（默认：当前登录名）。")
@click.pass_context
@_guard
def import_cmd(ctx, file: Path, who):
    """导入填好的模板 FILE（.xlsx）。有任何单元格读不出时，逐个报告位置，且不导入任何数值。"""
    from office.tracking.template import TemplateError, read_template

    if not file.is_file():
        raise click.ClickException(f"找不到文件：{file}")
    plan = _plan(ctx)
    store = _store(ctx)
    try:
        actuals = read_template(file.read_bytes(), plan, store.all(), who=_who(who))
    except TemplateError as e:
        if e.whole:
            raise click.ClickException(f"无法导入 {file.name}：{e}") from None
        n = len(e.problems)
        raise click.ClickException(f"{file.name} 有 {n} 处无法读取，未导入任何数值：\n" + "\n".join(
            f"  {p}" for p in e.problems)) from None
    changed = store.put(actuals)
    click.echo(f"已导入 {file.name}：读到 {len(actuals)} 个数值，其中 {changed} 个为新录入或有改动。")


@click.command("report")
@click.option("--format", "fmt", type=click.Choice(["docx", "xlsx"]), default=None,
              help="docx（Word）或 xlsx（Excel）；默认按 -o 的扩展名。")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path), help="写出的文件。")
@click.option("--no-charts", is_flag=True, help="不附指标图表。")
@click.option("--previous", is_flag=True, help="改为按规划所载上一规划期完成情况表（目标值、完成值）出同样的表。")
@click.pass_context
@_guard
def report_cmd(ctx, fmt, output: Path, no_charts, previous):
    """写出评估报告：主要指标完成情况、逐年实际值、文本目标、重点任务进展与指标图表。"""
    from office.tracking.report import build_report, check_output, list_store_reader, write_report

    if fmt is None:
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in ("docx", "xlsx"):
            raise click.ClickException(f"请用 --format 指定 docx 或 xlsx（无法从文件名 {output.name} 判断）。")
    check_output(fmt, output)
    report = build_report(_plan(ctx), _store(ctx), read_lists=list_store_reader(ctx.obj.instance_dir),
                          charts=not no_charts, previous=previous)
    write_report(report, fmt, output)
    if report.charts_note and not no_charts:
        click.echo(f"提示：{report.charts_note}", err=True)
    click.echo(f"已写出评估报告 {output}。{report.summary()}图表 {len(report.charts)} 幅。")


def register(cli) -> None:
    cli.add_command(actuals_cmd)
    cli.add_command(report_cmd)
