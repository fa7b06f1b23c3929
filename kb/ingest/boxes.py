"""Where a box (专栏) ends. A box's paragraphs follow its heading; the section goes on
with its next task, which opens with a lead (加强民事司法保护。…). Where a box's own
items open with leads too, the text cannot tell, and a recorded correction does."""
from __future__ import annotations

from kb.ingest.headings import BOX_ITEM
from kb.ingest.state import State
from kb.text import split_lead

_ENDS_BOX = {"part", "chapter", "section", "box", "unnumbered", "table", "table_title", "notes"}


def close_boxes(state: State) -> None:
    extends = {}
    for c in state.corrections("box_extends"):
        extends[str(c["box"])] = int(c["through_line"])
        state.report.corrections.append(f"专栏{c['box']}延至第{c['through_line']}行：{c['why']}")
    current, first, itemised = None, False, False
    for b in state.blocks:
        if b.kind == "box":
            current, first = str(b.data["number"]), True
            continue
        if b.kind in _ENDS_BOX:
            current = None
            continue
        if b.kind != "para" or current is None:
            continue
        lead, _ = split_lead(b.text)
        item = bool(BOX_ITEM.match(b.text))
        if first:
            itemised = item  # a box of numbered items (01 …, 1. …) ends where its items end
        if b.lines[0] <= extends.get(current, 0) or first or (item if itemised else lead is None):
            b.box = current
            first = False
        else:
            if itemised:
                state.report.decide("box_end", b.lines[0],
                                    f"专栏{current}在第{b.lines[0]}行前结束（编号条目到此为止）：{b.text[:20]}…")
            current = None
    boxes = [b for b in state.blocks if b.kind == "box"]
    for bx in boxes:
        if not any(p.box == str(bx.data["number"]) for p in state.blocks if p.kind == "para"):
            state.report.warn(f"专栏{bx.data['number']}（第{bx.lines[0]}行）没有正文")
