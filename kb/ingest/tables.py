"""Tables extracted from PDFs: tab-separated rows, a header repeated where the table
crosses a page, OCR garbage in a header row and in merged (vertically centred) cells."""
from __future__ import annotations

import re

from kb.ingest.state import Block, State
from kb.text import has_cjk, normalize


def _cells(row: list[str]) -> list[str]:
    cells = [c.strip() for c in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _is_data_row(cells: list[str]) -> bool:
    return bool(cells) and bool(re.fullmatch(r"\d{1,3}", cells[0].strip()))


def _key(cells: list[str]) -> str:
    return re.sub(r"\s", "", "".join(cells))


def build_tables(state: State) -> None:
    """Merge page-split tables, find the header, repair merged columns."""
    out: list[Block] = []
    number = 0
    for b in state.blocks:
        if b.kind != "table":
            out.append(b)
            continue
        rows = [(no, _cells(r)) for no, r in zip(b.lines, b.data["rows"])]
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "table" and rows and _key(rows[0][1]) == _key(prev.data["header"]):
            state.report.removed("重复表头", "\t".join(rows[0][1]), [rows[0][0]])
            prev.data["chunks"].append(len(prev.data["body"]))
            prev.data["body"].extend(r for r in rows[1:])
            prev.lines.extend(b.lines)
            continue
        first_data = next((i for i, (_, c) in enumerate(rows) if _is_data_row(c)), None)
        if first_data is None or first_data == 0:
            state.report.warn(f"第{b.lines[0]}行的表格没有可识别的表头或数据行，按原样保留")
            header, body, above = (rows[0][1] if rows else []), rows[1:], []
        else:
            header, body, above = rows[first_data - 1][1], rows[first_data:], rows[:first_data - 1]
        for no, cells in above:
            state.report.removed("表头乱码", "\t".join(cells), [no])
        number += 1
        b.data = {"number": number, "header": header, "body": body, "chunks": [0]}
        out.append(b)
    state.blocks = out
    for b in state.blocks:
        if b.kind == "table":
            _finish(state, b)


def _finish(state: State, b: Block) -> None:
    num = b.data["number"]
    fix = next((c for c in state.corrections("table_header") if int(c["table"]) == num), None)
    header = [normalize(h, state.variants, parens=False) for h in b.data["header"]]
    if fix:
        header = list(fix["columns"])
        state.report.corrections.append(f"表{num}表头：{fix['why']}")
    width = len(header)
    rows, nos = [], []
    for no, cells in b.data["body"]:
        cells = [normalize(c, state.variants, parens=False) for c in cells]
        if len(cells) > width:
            extra = cells[width:]
            if any(extra):
                state.report.warn(f"第{no}行：表格行多出的单元格并入末列：{extra}")
                cells = cells[:width - 1] + ["".join(cells[width - 1:])]
            else:
                cells = cells[:width]
        cells += [""] * (width - len(cells))
        rows.append(cells)
        nos.append(no)
    _repair_merged_columns(state, b, header, rows, nos)
    b.data.update({"columns": header, "rows": rows, "row_lines": nos})


def _repair_merged_columns(state, b, header, rows, nos) -> None:
    """A merged cell prints its label once, near the middle of the rows it spans, and OCR
    may leave garbage in the other rows. Labels are spread over contiguous row groups;
    where the layout cannot tell the groups apart, a recorded correction does."""
    num = b.data["number"]
    for col in range(1, len(header)):
        values = [r[col] for r in rows]
        labels_only = [v for v in values if has_cjk(v)]
        # a merged column: few labels, the other cells empty or OCR garbage
        if not labels_only or len(labels_only) > len(rows) / 2:
            continue
        if sum(1 for v in values if v and not has_cjk(v) and not re.fullmatch(r"[\W\d\s.,，IlI=\\]+|[A-Za-z]{1,3}", v)) > 0:
            continue
        for i, v in enumerate(values):
            if v and not has_cjk(v):
                state.report.removed("表格乱码", v, [nos[i]])
                rows[i][col] = ""
        labels = [(i, rows[i][col]) for i in range(len(rows)) if rows[i][col]]
        fix = next((c for c in state.corrections("table_groups")
                    if int(c["table"]) == num and c.get("column", header[col]) == header[col]), None)
        if fix:
            spans = _spans_from_correction(fix["groups"], rows)
            state.report.corrections.append(f"表{num}“{header[col]}”列分组：{fix['why']}")
        else:
            spans = _spans_by_centring(labels, b.data["chunks"], len(rows))
        printed = {}
        for _, v in labels:
            printed[v] = printed.get(v, 0) + 1
        for label, (lo, hi) in spans:
            for i in range(lo, hi + 1):
                rows[i][col] = label
            state.report.filled.append((label, hi - lo + 1 - printed.pop(label, 0)))


def _spans_from_correction(groups: dict, rows) -> list:
    by_number = {r[0]: i for i, r in enumerate(rows)}
    spans = []
    for label, rng in groups.items():
        lo, _, hi = str(rng).partition("-")
        spans.append((label, (by_number[lo.strip()], by_number[(hi or lo).strip()])))
    return spans


def _spans_by_centring(labels, chunks, n) -> list:
    """Split each page chunk into contiguous groups, one per label, the label as close
    to its group's middle as possible (a merged cell centres its text)."""
    bounds = list(chunks) + [n]
    spans = []
    carry = None
    for lo, hi in zip(bounds, bounds[1:]):
        inside = [(i, v) for i, v in labels if lo <= i < hi]
        if not inside:
            if carry:
                spans.append((carry, (lo, hi - 1)))
            continue
        spans.extend(_best_partition(inside, lo, hi - 1))
        carry = inside[-1][1]
    return spans


def _best_partition(labels, lo, hi):
    """Exhaustive over cut points (tables are small): minimise Σ |label row − centre|."""
    k = len(labels)
    best = (float("inf"), None)

    def rec(idx, start, cost, acc):
        nonlocal best
        row, label = labels[idx]
        if idx == k - 1:
            c = cost + abs(row - (start + hi) / 2)
            if row >= start and c < best[0]:
                best = (c, acc + [(label, (start, hi))])
            return
        for end in range(row, labels[idx + 1][0]):
            if row < start:
                return
            rec(idx + 1, end + 1, cost + abs(row - (start + end) / 2), acc + [(label, (start, end))])

    rec(0, lo, 0.0, [])
    return best[1] or [(labels[0][1], (lo, hi))]


_NOTE_ITEM = re.compile(r"^\s*[-•]?\s*(?:注\s*[:：]\s*)?(\d+)\s*[.．、]\s*")


def build_notes(state: State) -> None:
    for b in state.blocks:
        if b.kind != "notes":
            continue
        items = []
        for no, line in zip(b.lines, b.text.split("\n")):
            m = _NOTE_ITEM.match(line)
            if m:
                items.append(([no], line[m.end():]))
            elif items:
                items[-1][0].append(no)
                items[-1] = (items[-1][0], items[-1][1] + line.strip())
            else:
                items.append(([no], re.sub(r"^\s*[-•]?\s*注\s*[:：]\s*", "", line)))
        b.data["items"] = [(nos, normalize(t, state.variants)) for nos, t in items]
