"""The evaluation report (终期评估 / 中期评估 tables) in the plan's own form.

``build_report`` gathers what the writers print, so the DOCX and the XLSX say the same
thing: 主要指标完成情况 (序号 | 类别 | 指标 | 单位 | 基期值 | 目标值 | 完成值 | 完成情况, as
the plan's own 十三五 table), each indicator's values by year, the targets set in the
text with their result, 重点任务进展 from the task lists, the rule behind every status,
and one chart per indicator. Figures are printed as entered (``1020.50`` stays
``1020.50``), a sum as the exact sum of what was entered.

``write_report`` renders and writes atomically; refusals are :class:`ReportError`
sentences in Chinese.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Optional

from kb.atomic import atomic_write_bytes
from kb.oserror import write_reason
from office.tracking.actuals import ActualsError, ActualsStore
from office.tracking.status import Plan, figures, tracking

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
INDICATOR_HEADERS = ["序号", "类别", "指标", "单位", "基期值", "目标值", "完成值", "完成情况"]
TARGET_HEADERS = ["序号", "目标", "出处", "目标值", "完成值", "完成情况"]
TASK_HEADERS = ["序号", "任务", "牵头单位", "进展情况", "完成状态"]
NO_TASKS = "尚无任务清单（提示：在检索页或用 plankb list 命令建立任务清单并填写牵头单位）。"


class ReportError(ActualsError):
    pass


@dataclass
class TaskTable:
    title: str
    rows: list[list[str]]           # 序号, 任务, 牵头单位, 进展情况, 完成状态


@dataclass
class Report:
    title: str
    generated: date
    years: list[int]
    indicators: list[dict]          # status.tracking entries, one an indicator (its figures in "measures")
    targets: list[dict]
    tasks: list[TaskTable] = field(default_factory=list)
    tasks_note: str = ""
    charts: list[tuple[dict, bytes]] = field(default_factory=list)
    charts_note: str = ""
    previous: bool = False          # the previous plan's completion table, as the plan prints it

    @property
    def figures(self) -> list[dict]:
        """One entry a figure: a row of the tables below (an indicator with two figures
        takes two rows, its 序号 and 类别 printed once over both)."""
        return figures(self.indicators)

    def spans(self) -> list[tuple[int, int]]:
        """(first row, rows) of each indicator with several figures, 0-based among the
        data rows of :meth:`indicator_rows` and :meth:`yearly_rows`: the cells to merge."""
        out, row = [], 0
        for e in self.indicators:
            n = len(e.get("measures") or [e])
            if n > 1:
                out.append((row, n))
            row += n
        return out

    def summary(self) -> str:
        """主要指标共14项（…）：已完成1项、滞后2项……: the count every other place gives."""
        counts: dict[str, int] = {}
        for e in self.indicators:
            counts[e["status"]] = counts.get(e["status"], 0) + 1
        several = [e for e in self.indicators if e.get("measures")]
        note = ("（其中" + "、".join(f"第{e['number']}项含{len(e['measures'])}个数值" for e in several)
                + "，分行列出、分别判断，该项按进展较差者计）") if several else ""
        return f"主要指标共{len(self.indicators)}项{note}：" + "、".join(f"{k}{v}项" for k, v in counts.items()) + "。"

    def indicator_rows(self) -> list[list[str]]:
        out = []
        for ind in self.indicators:
            for i, e in enumerate(ind.get("measures") or [ind]):
                out.append([str(e["number"]) if i == 0 else "", e["category"] if i == 0 else "", e["name"],
                            e["unit"], e["base_text"] or "—", e["target_text"] or "—", result_text(e),
                            status_text(e)])
        return out

    def yearly_headers(self) -> list[str]:
        return ["序号", "指标", "单位"] + [f"{y}年" for y in self.years] + ["来源"]

    def yearly_rows(self) -> list[list[str]]:
        out = []
        for ind in self.indicators:
            for i, e in enumerate(ind.get("measures") or [ind]):
                by_year = {a["year"]: a["text"] for a in e["actuals"]}
                sources = list(dict.fromkeys(a["source"] for a in e["actuals"] if a["source"]))
                out.append([str(e["number"]) if i == 0 else "", e["name"], e["unit"]]
                           + [by_year.get(y, "") for y in self.years] + ["、".join(sources)])
        return out

    def target_rows(self) -> list[list[str]]:
        return [[str(i), e["name"], e.get("place", ""), e["target_text"] or "—", result_text(e),
                 status_text(e)] for i, e in enumerate(self.targets, 1)]

    def rules(self) -> list[tuple[str, str]]:
        """(what, the rule that judged it) for every indicator and target."""
        return [(f"{e['number']}. {e['name']}", e["rule"]) for e in self.figures] + \
               [(f"目标{i}. {e['name']}", e["rule"]) for i, e in enumerate(self.targets, 1)]


def result_text(e: dict) -> str:
    """完成值: the value judged, as entered (a sum for an addition); — when none."""
    v = e["verdict"]
    if v["result_text"] is None:
        return "—"
    return v["result_text"]


def status_text(e: dict) -> str:
    """完成情况: the status, the year of a status judged before the end, the binding flag."""
    v = e["verdict"]
    text = e["status"]
    if e["status"] in ("进度正常", "滞后") and v["year"]:
        text += f"（截至{v['year']}年）"
    if v.get("flag"):
        text += f"；{v['flag']}"
    return text


def task_tables(corpus, read_lists: Optional[Callable[[], list]]) -> tuple[list[TaskTable], str]:
    """重点任务进展 from the task lists: (list title, [(clause id, lead unit, progress,
    status)]) pairs from ``read_lists``: 进展情况 and 完成状态 as staff recorded them on the
    list page (office.lists: set_status, add_progress)."""
    from office.export.rows import task_of

    if read_lists is None:
        return [], NO_TASKS
    tables = []
    for title, items in read_lists():
        rows = []
        for i, (clause_id, lead, progress, status) in enumerate(items, 1):
            c = corpus.clause(clause_id)
            doc = corpus.document(c.document) if c else None
            task = task_of(doc, c) if c and doc else f"（条款 {clause_id} 已不在语料中）"
            rows.append([str(i), task, lead or "", progress or "", status or ""])
        if rows:
            tables.append(TaskTable(title, rows))
    return tables, "" if tables else NO_TASKS


def list_store_reader(instance_dir) -> Callable[[], list]:
    """Read the task lists of an instance folder: the one place the report touches the
    list store (the office database; PLANKB_DATABASE_URL when set)."""
    def read():
        import os

        from office.db import URL_ENV
        from office.lists import DB_NAME, ListStore

        if not (os.environ.get(URL_ENV) or "").strip() and not (Path(instance_dir) / DB_NAME).exists():
            return []  # no database yet: no lists (and none is created just to say so)
        store = ListStore.for_instance(instance_dir)
        try:
            out = []
            for tl in store.lists():
                items = [(it.clause_id, it.lead_unit, it.progress, it.status) for it in store.tracked_items(tl.id)]
                out.append((tl.display_title, items))
            return out
        finally:
            store.close()  # one engine per report, not one left open per download

    return read


def build_report(plan: Plan, store: ActualsStore, *, read_lists=None, charts: bool = True,
                 today: Optional[date] = None, previous: bool = False) -> Report:
    """The report of the plan period from the stored values; ``previous=True`` the same
    tables for the previous period from the plan's own completion table (its 目标值 and
    完成值 judged by the same rules: the check that the rules read a plan as it reads itself)."""
    from office.tracking.chart import NO_FONT, cjk_font, indicator_png
    from office.tracking.status import history

    titles = "、".join(f"《{d.title}》" for d in plan.corpus.documents)
    if previous:
        data = {"indicators": history(plan), "targets": []}
        title = f"{titles}所载上一规划期主要指标完成情况"
    else:
        data = tracking(plan, store)
        title = f"{titles}实施情况评估"
    targets = data["targets"]
    years = sorted({y for e in data["indicators"] for y in e["years"]})
    report = Report(title, today or date.today(), years, data["indicators"], targets, previous=previous)
    if not previous:
        report.tasks, report.tasks_note = task_tables(plan.corpus, read_lists)
    if charts:
        font = cjk_font()
        if font is None:
            report.charts_note = NO_FONT
        else:
            report.charts = [(e, indicator_png(e, font)) for e in figures(data["indicators"]) if e["quantitative"]]
    return report


def render(report: Report, fmt: str) -> bytes:
    if fmt == "docx":
        from office.tracking.report_docx import render as docx
        return docx(report)
    if fmt == "xlsx":
        from office.tracking.report_xlsx import render as xlsx
        return xlsx(report)
    raise ReportError(f"不支持的报告格式：{str(fmt)[:20]}（可选：{'、'.join(FORMATS)}）。")


def check_output(fmt: str, path: str | os.PathLike) -> Path:
    """Refuse a bad format or place before the report is built (charts take seconds)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ReportError(f"不支持的报告格式：{str(fmt)[:20]}（可选：{'、'.join(FORMATS)}）。")
    if path.is_dir():
        raise ReportError(f"输出路径是一个目录：{path}（提示：请给出文件名，如 {path / ('评估报告' + FORMATS[fmt][1])}）。")
    if not path.parent.is_dir():
        raise ReportError(f"输出目录不存在：{path.parent}（提示：先创建该目录）。")
    return path


def write_report(report: Report, fmt: str, path: str | os.PathLike) -> Path:
    path = check_output(fmt, path)
    data = render(report, fmt)
    try:
        return atomic_write_bytes(path, data)
    except OSError as e:
        raise ReportError(f"无法写入 {path}：{write_reason(e)}（提示：换一个可写的目录或文件名）。") from None
