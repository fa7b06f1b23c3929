"""The Excel template for entering actual values, and reading it back.

Staff keep these numbers in Excel: ``template_bytes`` writes one row per measure (the
main indicators, then the quantitative targets in the text) and one column per year of
the plan period, filled with what is stored; ``read_template`` reads a filled copy.

Reading is all or nothing: every cell that cannot be read is reported by its place
(``H7（第7行，2023年，知识产权保护社会满意度）：“约84”不是数字…``) and, if there is any,
nothing is stored. An empty cell changes nothing (it never deletes a value); an empty
来源/备注 keeps what each year had.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from office.tracking.actuals import Actual, ActualsError, clean_value, make_actual
from office.tracking.report_xlsx import number_format
from office.tracking.status import Plan

SHEET = "实际值录入"
HEAD = ["编号", "类型", "序号", "指标或目标", "单位", "基期值", "目标值"]
TAIL = ["来源", "备注"]
KIND_LABELS = {"indicator": "主要指标", "target": "文本目标"}
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
NOTE = ("填写说明：各年份列只填数字，单位见“单位”列；括号目标值（如(2500)）为规划期新增量，按年填当年新增数。"
        "留空的单元格不改动已录入的数值；“来源”“备注”留空则保留原有内容。“编号”列请勿修改。灰色单元格不在该项的规划期内。")
_YEAR = re.compile(r"^\s*(\d{4})\s*年?\s*$")


class TemplateError(ActualsError):
    """The file as a whole, or some of its cells, cannot be read; ``problems`` lists each
    by its place. ``str()`` is all of them, one a line."""

    def __init__(self, problems: list[str], whole: bool = False):
        self.problems = problems
        self.whole = whole  # the file itself, not some of its cells
        super().__init__("\n".join(problems))


def _years(plan: Plan) -> list[int]:
    ys = sorted({y for m in plan.indicators + plan.targets for y in m.years})
    return ys


def _rows(plan: Plan):
    return [m for m in plan.indicators] + [m for m in plan.targets if m.quantitative]


def _cell_number(text: str):
    d = Decimal(text)
    return int(d) if d == d.to_integral_value() and "." not in text else float(d)


def template_bytes(plan: Plan, stored: dict[str, list[Actual]], title: str = "") -> bytes:
    years = _years(plan)
    headers = HEAD + [f"{y}年" for y in years] + TAIL
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    n = len(headers)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    grey = PatternFill("solid", fgColor="D9D9D9")
    ws.cell(row=1, column=1, value=title or "主要指标和量化目标实际值录入表").font = Font(name="黑体", size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.cell(row=2, column=1, value=NOTE).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    ws.row_dimensions[2].height = 48
    for c, h in enumerate(headers, 1):
        cell = ws.cell(row=3, column=c, value=h)
        cell.font = Font(name="黑体", bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [24, 9, 5, 36, 10, 10, 10] + [10] * len(years) + [16, 20]
    for c, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = w
    open_cells: list[str] = []
    for r, m in enumerate(_rows(plan), 4):
        mine = {a.year: a for a in stored.get(m.id, [])}
        sources = {a.source for a in mine.values()}
        notes = {a.note for a in mine.values()}
        fixed = [m.id, KIND_LABELS[m.kind], m.number, m.name, m.unit, m.base_text, m.target_text]
        for c, v in enumerate(fixed, 1):
            cell = ws.cell(row=r, column=c, value=v)
            cell.data_type = "s" if isinstance(v, str) else cell.data_type
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for i, y in enumerate(years):
            cell = ws.cell(row=r, column=len(HEAD) + 1 + i)
            cell.border = border
            if y not in m.years:
                cell.fill = grey
            else:
                open_cells.append(cell.coordinate)
                if y in mine:
                    cell.value = _cell_number(mine[y].value)
                    cell.number_format = number_format(mine[y].value)  # 1020.50 shows 1020.50
        for i, texts in enumerate((sources, notes)):
            cell = ws.cell(row=r, column=len(HEAD) + len(years) + 1 + i,
                           value=next(iter(texts)) if len(texts) == 1 else None)
            cell.border = border
            if cell.value is not None:
                cell.data_type = "s"
    ws.freeze_panes = ws.cell(row=4, column=len(HEAD) + 1)
    # Excel and WPS refuse a non-number as it is typed; the import checks again regardless
    check = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15",
                           allow_blank=True, showErrorMessage=True, errorTitle="只能填数字",
                           error="请只填数字，单位见“单位”列（如 18.2，不写“约”“万”“%”）。")
    ws.add_data_validation(check)
    for ref in open_cells:
        check.add(ref)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class _Layout:
    header_row: int
    id_col: int
    name_col: int | None
    year_cols: dict[int, int]  # column → year
    source_col: int | None
    note_col: int | None


def _layout(ws) -> _Layout | None:
    for r in range(1, min(ws.max_row, 12) + 1):
        cells = {c: ws.cell(row=r, column=c).value for c in range(1, min(ws.max_column, 200) + 1)}
        texts = {c: str(v).strip() for c, v in cells.items() if v is not None}
        id_col = next((c for c, t in texts.items() if t == "编号"), None)
        if id_col is None:
            continue
        years = {}
        for c, v in cells.items():
            if isinstance(v, int) and not isinstance(v, bool) and 1900 < v < 2200:
                years[c] = v
            elif isinstance(v, str) and _YEAR.match(v):
                years[c] = int(_YEAR.match(v).group(1))
        name_col = next((c for c, t in texts.items() if t in ("指标或目标", "指标", "目标")), None)
        source_col = next((c for c, t in texts.items() if t == "来源"), None)
        note_col = next((c for c, t in texts.items() if t == "备注"), None)
        return _Layout(r, id_col, name_col, years, source_col, note_col)
    return None


def _open(data: bytes):
    if len(data) > MAX_BYTES:
        raise TemplateError([f"文件过大（{len(data) // 1024 // 1024} MB），超过 {MAX_BYTES // 1024 // 1024} MB 上限。"], whole=True)
    try:
        values = load_workbook(io.BytesIO(data), data_only=True, read_only=False)
        formulas = load_workbook(io.BytesIO(data), data_only=False, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise TemplateError(["不是可读取的 Excel（.xlsx）文件（提示：先用 plankb actuals template 下载模板，"
                             "在 Excel 或 WPS 中填写后另存为 .xlsx）。"], whole=True) from None
    return values, formulas


def _sheet(wb):
    return wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]


def _read_cell(cell, formula_cell):
    """(value to store or None for empty, problem or None)."""
    v = cell.value
    if v is None and isinstance(formula_cell.value, str) and formula_cell.value.startswith("="):
        return None, f"是公式“{formula_cell.value[:30]}”，文件中没有它的计算结果（提示：在 Excel 中打开并保存，或粘贴为数值）"
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, None
    if isinstance(v, (datetime, date, time)):
        return None, "是日期或时间，不是数字"
    if isinstance(v, bool):
        return None, "是逻辑值，不是数字"
    if isinstance(v, (int, float)) and "%" in (cell.number_format or ""):
        return None, (f"设为百分比格式（显示为 {v * 100:g}%，实际存的是 {v:g}）"
                      "（提示：改为常规格式，按单位“%”填数字本身，如 18.2）")
    try:
        return clean_value(v), None
    except ActualsError as e:
        return None, str(e).rstrip("。")


def read_template(data: bytes, plan: Plan, stored: dict[str, list[Actual]], who: str = "") -> list[Actual]:
    """The values a filled template sets (changed or not), or TemplateError listing every
    cell that cannot be read. Values equal to what is stored keep the stored text."""
    values_wb, formulas_wb = _open(data)
    ws, wf = _sheet(values_wb), _sheet(formulas_wb)
    lay = _layout(ws)
    if lay is None or not lay.year_cols:
        raise TemplateError([f"工作表“{ws.title}”中找不到表头（需要“编号”列和年份列，如“2023年”）"
                             "（提示：用 plankb actuals template 下载模板）。"], whole=True)
    if ws.max_row - lay.header_row > MAX_ROWS:
        raise TemplateError([f"行数过多（{ws.max_row - lay.header_row} 行），超过 {MAX_ROWS} 行上限。"], whole=True)
    problems: list[str] = []
    out: list[Actual] = []
    seen: dict[str, int] = {}
    for r in range(lay.header_row + 1, ws.max_row + 1):
        raw_id = ws.cell(row=r, column=lay.id_col).value
        id_text = str(raw_id).strip() if raw_id is not None else ""
        row_cells = {c: ws.cell(row=r, column=c) for c in lay.year_cols}
        read = {c: _read_cell(cell, wf.cell(row=r, column=c)) for c, cell in row_cells.items()}
        if not id_text:
            if any(v is not None or p for v, p in read.values()):
                problems.append(f"{ws.cell(row=r, column=lay.id_col).coordinate}（第{r}行）：有数值但没有编号。")
            continue
        here = f"{ws.cell(row=r, column=lay.id_col).coordinate}（第{r}行）"
        if id_text in seen:
            problems.append(f"{here}：编号 {id_text} 与第{seen[id_text]}行重复。")
            continue
        seen[id_text] = r
        try:
            m = plan.measure(id_text)
        except ActualsError as e:
            problems.append(f"{here}：{e}")
            continue
        name = m.name if len(m.name) <= 20 else m.name[:20] + "…"
        source = _text_cell(ws, r, lay.source_col)
        note = _text_cell(ws, r, lay.note_col)
        mine = {a.year: a for a in stored.get(m.id, [])}
        for c, (value, problem) in read.items():
            y = lay.year_cols[c]
            place = f"{row_cells[c].coordinate}（第{r}行，{y}年，{name}）"
            if problem:
                problems.append(f"{place}：{problem}。")
                continue
            if value is None:
                continue
            old = mine.get(y)
            if old is not None and Decimal(old.value) == Decimal(value):
                value = old.value
            try:
                out.append(make_actual(m.id, y, value, years=m.years if m.quantitative else [],
                                       source=source if source else (old.source if old else ""),
                                       note=note if note else (old.note if old else ""), who=who))
            except ActualsError as e:
                msg = str(e).rstrip("。")
                if not m.quantitative:
                    msg = f"该目标（{m.name}）是定性目标，没有数值可录入"
                problems.append(f"{place}：{msg}。")
    if problems:
        raise TemplateError(problems)
    return out


def _text_cell(ws, r: int, col: int | None) -> str:
    if col is None:
        return ""
    v = ws.cell(row=r, column=col).value
    return "" if v is None else str(v).strip()
