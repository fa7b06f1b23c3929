"""Turn clauses (and a list's assignments) into the rows of a 任务分解表.

Every format is written from the same rows, so a DOCX and a CSV of one selection never
disagree. A row carries what a 任务分解表 needs: the task (the clause's bold lead), its
content, where it comes from in the plan, the targets/indicators tied to it, and the
deadline and units a list assigned (or, on request, the ones the plan itself suggests).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Mapping, Optional

from kb.model import Clause, Document
from kb.citation import citation, locator, ordinal, place
from kb.citation import title_text as clean_title

# (field, Chinese header) in output order; DOCX leaves out the last two unless used.
COLUMNS = [
    ("seq", "序号"),
    ("task", "重点任务"),
    ("content", "具体内容"),
    ("source", "出处"),
    ("targets", "目标/指标"),
    ("deadline", "完成时限"),
    ("lead_unit", "牵头单位"),
    ("support_units", "配合单位"),
    ("note", "备注"),
    ("clause_id", "条款编号"),
]
# the task's 进展情况 and 完成状态 (issue 14): columns only when some row has one
# (columns_of), so a table sent out before any work was tracked keeps its shape
TRACKING_COLUMNS = [("progress", "进展情况"), ("status", "完成状态")]
HEADERS = dict(COLUMNS + TRACKING_COLUMNS)
FIELDS = [f for f, _ in COLUMNS]
TRACKING_FIELDS = [f for f, _ in TRACKING_COLUMNS]
# short values every format centres (a number, a date, a unit's name); prose reads from the left
CENTRED = {"seq", "deadline", "lead_unit", "support_units", "status"}
TASK_MAX = 30  # a 重点任务 cell longer than this is a paragraph, not a task name
NOT_TASKS = {"note", "footnote"}  # explanations of a table or figure: nobody is assigned to them


class ExportError(Exception):
    """A selection that cannot be exported; the message is a Chinese sentence for the user."""


@dataclass
class ExportRow:
    seq: int
    task: str
    content: str
    source: str
    targets: str = ""
    deadline: str = ""
    lead_unit: str = ""
    support_units: str = ""
    note: str = ""
    clause_id: str = ""
    document: str = ""
    kind: str = ""
    source_short: str = ""  # 第五章第二节 / 专栏14 / 表2第4行: how staff write 出处
    group: str = ""  # the 重点任务 the row sits under (its section, box or table), for grouping
    progress: str = ""  # 进展情况: dated entries, one a line
    status: str = ""  # 完成状态: 未启动 / 推进中 / 已完成 / 滞后 / 已调整

    def cells(self, fields: Iterable[str]) -> list[str]:
        return [str(getattr(self, f)) for f in fields]

    def to_json(self) -> dict:
        return asdict(self)


def tracked(rows: Iterable[ExportRow]) -> bool:
    """Whether any row has a 完成状态 or 进展情况 (then the two columns are written)."""
    return any(r.status or r.progress for r in rows)


def columns_of(rows: list[ExportRow]) -> list[tuple[str, str]]:
    """(field, header) of every column a data format writes: COLUMNS, with 进展情况 and
    完成状态 before 条款编号 when some row has them."""
    if not tracked(rows):
        return list(COLUMNS)
    return COLUMNS[:-1] + TRACKING_COLUMNS + COLUMNS[-1:]


# -- text helpers ---------------------------------------------------------------------

# what XML 1.0 (DOCX, XLSX) cannot hold: C0 controls but tab and line breaks, lone
# surrogates, U+FFFE/U+FFFF. The list store refuses them on entry; this is for text from
# older databases and from the plans themselves, so an export never fails on one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text) -> str:
    """Text with the characters XML 1.0 refuses removed."""
    return _NOT_XML.sub("", "" if text is None else str(text))


def xml_safe_row(row: "ExportRow") -> "ExportRow":
    """A row whose every text field is xml_safe."""
    return ExportRow(**{k: xml_safe(v) if isinstance(v, str) else v for k, v in asdict(row).items()})


_FOOTREF = re.compile(r"\[\^[^\]]*\]")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"


def clean_text(text: str) -> str:
    """Plain text for a cell: no Markdown marks or footnote refs, no stray spaces."""
    text = _FOOTREF.sub("", text or "").replace("**", "")
    text = re.sub(r"[ \t\r\n\u00a0]+", " ", text).strip()
    # a space between two Chinese characters/punctuation marks is an artefact of line breaks
    return re.sub(rf"(?<=[{_CJK}]) (?=[{_CJK}])", "", text)


def head_of(text: str, limit: int = TASK_MAX) -> str:
    """A short name for a clause without a bold lead: its first sentence if short,
    else a cut at a comma near ``limit`` with an ellipsis."""
    text = clean_text(text)
    first = re.split(r"[。；;！？]", text, maxsplit=1)[0].strip()
    if first and len(first) <= limit:
        return first
    cut = first[:limit]
    comma = max(cut.rfind("，"), cut.rfind("、"), cut.rfind(","))
    if comma >= limit // 2:
        cut = cut[:comma]
    return cut + "……"


def strip_lead(text: str, lead: Optional[str]) -> str:
    """Content without the lead it starts with (the lead has its own column), and
    without a table row's own 序号 cell."""
    text = clean_text(text)
    text = re.sub(r"^序号[：:]\s*\d+[；;]\s*", "", text)
    lead = clean_text(lead or "").lstrip("—").rstrip("。；;：:")
    body = text.lstrip("—")
    if lead and body.startswith(lead):
        rest = body[len(lead):].lstrip("。；;：: ")
        return rest or text
    return text


# -- locating a clause ----------------------------------------------------------------

def source_of(doc: Document, clause: Clause) -> str:
    """出处: 《规划》第三章第二节“加强知识产权司法保护”, …专栏1“…”, …表2“…”第4行 (the task
    has its own column, so the place is named rather than the lead)."""
    return citation(doc, clause, by="place")


def short_source(doc: Document, clause: Clause) -> str:
    """出处 as staff write it in a 任务分解表: 第五章第二节, 专栏14, 表2第4行, 前言. The
    plan is named once in the heading, and a box's number finds it without its chapter."""
    if clause.box:
        return f"专栏{clause.box}"
    if clause.table is not None:
        row, note = ordinal(clause.id, "r"), ordinal(clause.id, "n")
        return f"表{clause.table}" + (f"第{row}行" if row else f"注{note}" if note else "")
    return locator(doc, clause, names=False) or source_of(doc, clause)


def group_of(doc: Document, clause: Clause) -> str:
    """The heading a row is a part of: its section (a box inside a section belongs to
    that section's work), else its box or chapter; an indicator row, its table. Rows in a run with the same
    group share one 重点任务 cell in the DOCX."""
    if clause.table is not None:
        table = _table(doc, clause)
        return clean_title(table.title) if table and table.title else ""
    ch, sec = place(doc, clause)
    if sec and sec.title:
        return clean_title(sec.title)
    if clause.box:
        box = doc.box(clause.box)
        if box and box.title:
            return clean_title(box.title)
    if ch and ch.title:
        return clean_title(ch.title)
    return ""


def _table(doc: Document, clause: Clause):
    return next((t for t in doc.tables if t.number == clause.table), None)


def _table_row(doc: Document, clause: Clause):
    table = _table(doc, clause)
    n = ordinal(clause.id, "r")
    if not table or not n or n > len(table.rows):
        return None, None
    return table, table.rows[n - 1]


# columns of an indicator table that are not values: the row's number, its group, its
# nature (预期性/约束性) and its unit (which goes after each value instead)
_NOT_VALUES = ("序号", "类别", "分类", "属性", "单位")
_BRACKETED = re.compile(r"^[(（](.*)[)）]$")


def _values(value: str, units: list[str], planned: bool) -> str:
    """907.6亿元、3765项 from “(907.6)、(3765)” and “亿元、项”; a planned value in brackets
    is an increase over the period, so it reads 新增2500亿元、5000项."""
    parts = [p.strip() for p in re.split("[、,，]", value) if p.strip()]
    increase = False
    out = []
    for i, part in enumerate(parts):
        m = _BRACKETED.match(part)
        if m:
            part, increase = m.group(1).strip(), increase or planned
        unit = units[i] if i < len(units) else (units[0] if len(units) == 1 else "")
        out.append(part if not unit or part.endswith(unit) else part + unit)
    return ("新增" if increase else "") + "、".join(out)


def indicator_sentence(doc: Document, clause: Clause) -> Optional[str]:
    """An indicator row as a sentence: 知识产权质押融资登记金额、项目数：2020年基期值907.6亿元、
    3765项，2025年规划值新增2500亿元、5000项 (not “类别：…；单位：…；2020年基期值：(907.6)”)."""
    table, row = _table_row(doc, clause)
    name = _table_row_task(doc, clause)
    if row is None or not name:
        return None
    unit_col = next((c for c in table.columns if "单位" in c), None)
    units = [u.strip() for u in re.split("[、,，]", clean_text(str(row.get(unit_col, "")))) if u.strip()] \
        if unit_col else []
    parts = []
    for col in table.columns:
        value = clean_text(str(row.get(col, "")))
        if not value or clean_text(col) == "" or any(k in col for k in _NOT_VALUES) or value == name:
            continue
        planned = any(k in col for k in ("规划", "目标", "预期"))
        parts.append(clean_text(col) + _values(value, units, planned))
    if not parts:
        return None
    return full_width_brackets(f"{name}：{'，'.join(parts)}")


def full_width_brackets(text: str) -> str:
    """（ ） in Chinese text, as a reader expects; half-width ones came from the table's typesetting."""
    return text.replace("(", "（").replace(")", "）")


def _table_row_task(doc: Document, clause: Clause) -> Optional[str]:
    """An indicator row is named by its indicator cell (指标, 主要指标…)."""
    table, row = _table_row(doc, clause)
    if row is None:
        return None
    for col in table.columns:
        if "指标" in col or "名称" in col or "项目" in col:
            value = clean_text(str(row.get(col, "")))
            if value:
                return value
    return None


def task_of(doc: Document, clause: Clause) -> str:
    """The 重点任务 cell: the bold lead; else, for an intro paragraph or a paragraph too
    long to name itself, the heading it sits under (section, chapter or box title)."""
    if clause.lead:
        return clean_text(clause.lead).lstrip("—").rstrip("。；;：:")
    if clause.kind == "table_row":
        named = _table_row_task(doc, clause)
        if named:
            return named
    head = head_of(clause.text)
    if clause.kind == "intro" or (head.endswith("……") and clause.kind not in ("note", "footnote")):
        if clause.box:
            box = doc.box(clause.box)
            if box and box.title:
                return clean_title(box.title)
        ch, sec = place(doc, clause)
        if sec and sec.title:
            return clean_title(sec.title)
        if ch and ch.title and clause.kind == "intro":
            return clean_title(ch.title)
    return head


def content_of(doc: Document, clause: Clause) -> str:
    """具体内容: the clause without its lead; an indicator row as a sentence."""
    if clause.kind == "table_row":
        sentence = indicator_sentence(doc, clause)
        if sentence:
            return sentence
    return strip_lead(clause.text, clause.lead)


# -- links from the knowledge graph (optional) -----------------------------------------

_graph_cache: dict[int, tuple[Any, Any]] = {}


def default_graph(corpus):
    """The corpus graph, built once per corpus: the CLI exports several selections of one corpus."""
    from kb.graph import build_graph

    hit = _graph_cache.get(id(corpus))
    if hit and hit[0] is corpus:
        return hit[1]
    graph = build_graph(corpus)
    _graph_cache.clear()
    _graph_cache[id(corpus)] = (corpus, graph)
    return graph


def _label(x) -> str:
    if x is None:
        return ""
    if isinstance(x, str):
        return clean_text(x)
    if isinstance(x, Mapping):
        for key in ("text", "name", "label", "title", "value"):
            if x.get(key):
                return clean_text(str(x[key]))
        return ""
    return clean_text(str(x))


def _indicator(x) -> str:
    """地理标志产品交易额（2025年目标值：新增1510亿元）: the name and, when known, the
    planned value; values printed in brackets in the plan are increments over the period."""
    name = _label(x)
    if isinstance(x, Mapping):
        name = clean_text(str(x.get("name") or name))
        target = x.get("target")
        text = target.get("text") if isinstance(target, Mapping) else target
        if text not in (None, ""):
            text = clean_text(str(text))
            increment = bool(x.get("increment") or (isinstance(target, Mapping) and target.get("increment")))
            if increment:
                text = "新增" + re.sub(r"[()（）]", "", text)
            unit = str(x.get("unit") or "")
            if "、" in unit:
                value = f"{text}（{unit}）"
            else:
                value = text if not unit or text.endswith(unit) else text + unit
            year = x.get("target_year")
            name += f"（{year}年目标值：{value}）" if year else f"（目标值：{value}）"
    return name


def _target(x) -> str:
    """A target as a clerk would note it: 2025年底：地市建立知识产权快保护机制80%以上; the
    full sentence when the short label had to be cut."""
    if not isinstance(x, Mapping):
        return _label(x)
    label = clean_text(str(x.get("label") or ""))
    if not label or label.endswith(("…", "……")):
        return clean_text(str(x.get("text") or label)).rstrip("；;，,")
    when = "" if x.get("implied_deadline") else clean_text(str(x.get("deadline_label") or ""))
    if when and not label.startswith(when) and (str(x.get("deadline") or "") not in label or not x.get("deadline")):
        return f"{when}：{label}"
    return label


def _unique(values: Iterable[str]) -> list[str]:
    out = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


def targets_of(graph, clause_id: str) -> str:
    if graph is None:
        return ""
    try:
        links = graph.clause_links(clause_id) or {}
    except KeyError:  # not a node of the graph (e.g. a table note)
        return ""
    parts = [_indicator(i) for i in links.get("indicators") or []]
    parts += [_target(t) for t in links.get("targets") or []]
    return "；".join(_unique(parts))


def suggestions_of(graph, clause_id: str) -> dict:
    """Units and deadline the plan text itself names, as field -> text."""
    if graph is None:
        return {}
    try:
        s = graph.suggest(clause_id) or {}
    except KeyError:  # an indicator row or note: nobody is assigned to a table row
        return {}
    deadline = s.get("deadline")
    if isinstance(deadline, (list, tuple)):
        deadline = "；".join(_unique(_label(d) for d in deadline))
    return {
        "lead_unit": "、".join(_unique(_label(u) for u in s.get("lead") or [])),
        "support_units": "、".join(_unique(_label(u) for u in s.get("support") or [])),
        "deadline": _label(deadline),
    }


# -- building rows --------------------------------------------------------------------

_ITEM_FIELDS = ("lead_unit", "support_units", "deadline", "note", "status", "progress")


def _entry(e) -> tuple[str, dict]:
    """A clause id, a list Item, or a mapping with clause_id and any of the item fields."""
    if isinstance(e, str):
        return e, {}
    if isinstance(e, Mapping):
        return str(e.get("clause_id") or e.get("id") or ""), {f: e.get(f) or "" for f in _ITEM_FIELDS}
    cid = getattr(e, "clause_id", None)
    if cid is None:
        raise TypeError(f"cannot export {type(e).__name__}")
    return cid, {f: getattr(e, f, "") or "" for f in _ITEM_FIELDS}


def build_rows(corpus, entries: Iterable, *, graph: Any = "default", suggest: bool = False,
               missing: str = "error") -> list[ExportRow]:
    """Rows for ``entries`` in the order given (duplicates dropped).

    ``graph``: a kb.graph graph, None for no links, or "default" to build one when
    kb.graph exists. ``suggest``: fill empty units/deadline from the plan's own wording.
    ``missing``: "error" raises ExportError for unknown clause ids (a typed id); "keep"
    keeps a placeholder row (a saved list whose clause vanished from the corpus: the
    user's assignments must still be exported, not silently dropped).
    """
    if graph == "default":
        graph = default_graph(corpus)
    rows: list[ExportRow] = []
    seen = set()
    unknown = []
    for e in entries:
        cid, fields = _entry(e)
        if cid in seen:
            continue
        seen.add(cid)
        clause = corpus.clause(cid)
        if clause is None:
            if missing == "keep":
                rows.append(ExportRow(len(rows) + 1, "（条款已不在当前语料中）", "", cid, clause_id=cid,
                                      **{k: clean_text(v) if k not in ("note", "progress") else v for k, v in fields.items()}))
            else:
                unknown.append(cid)
            continue
        doc = corpus.document(clause.document)
        if suggest and clause.kind not in NOT_TASKS:
            for k, v in suggestions_of(graph, cid).items():
                if v and not fields.get(k):
                    fields[k] = v
        rows.append(ExportRow(
            seq=len(rows) + 1,
            task=task_of(doc, clause),
            content=content_of(doc, clause),
            source=source_of(doc, clause),
            source_short=short_source(doc, clause),
            group=group_of(doc, clause),
            targets=targets_of(graph, cid),
            deadline=fields.get("deadline", ""),
            lead_unit=fields.get("lead_unit", ""),
            support_units=fields.get("support_units", ""),
            note=fields.get("note", ""),
            status=fields.get("status", ""),
            progress=fields.get("progress", ""),
            clause_id=cid,
            document=clause.document,
            kind=clause.kind,
        ))
    if unknown:
        shown = "、".join(unknown[:5]) + ("等" if len(unknown) > 5 else "")
        raise ExportError(f"找不到 {len(unknown)} 个条款：{shown}（提示：条款编号形如 gd-ip-14fyp:3.2.p4，可在检索结果或条款页复制）。")
    return rows


# -- grouping -------------------------------------------------------------------------

def runs(rows: list[ExportRow]) -> list[list[int]]:
    """Consecutive rows under one 重点任务 (the same group), as lists of row indices; a
    row without a group is a run of its own. The list's order is the user's: rows are
    never moved to join a group."""
    out: list[list[int]] = []
    for i, r in enumerate(rows):
        if out and r.group and rows[out[-1][-1]].group == r.group:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def numbering(rows: list[ExportRow]) -> list[str]:
    """序号 1, 1.1, 1.2, 2…: a run of rows under one 重点任务 is numbered n, and its rows
    n.1, n.2…; the run's own opening paragraph (its task is the group's name) is n."""
    out = [""] * len(rows)
    for n, run in enumerate(runs(rows), start=1):
        if len(run) == 1:
            out[run[0]] = str(n)
            continue
        sub = 0
        for k, i in enumerate(run):
            if k == 0 and rows[i].task == rows[i].group:
                out[i] = str(n)
            else:
                sub += 1
                out[i] = f"{n}.{sub}"
    return out
