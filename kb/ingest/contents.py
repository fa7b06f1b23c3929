"""The plan's own contents list (目录) as a check on the outline: every entry must be found
as a heading in the body, also where the body runs it into text, splits it over two lines
or prints it with other spaces or brackets. An entry not found, or found with another title,
is reported with its text and raw line."""
from __future__ import annotations

import re

from kb.headings import form_of
from kb.ingest.state import State

_ENTRY = re.compile(r"(第[零〇一二三四五六七八九十百\d]+(?:[篇章节]|部分)|[一二三四五六七八九十]+、)")
_TAIL = re.compile(r"(?:[.·•…‥_\-—\s]*\d{1,3})+$")


def _key(text: str) -> str:
    return "".join(re.findall(r"\w", text or "")).replace("_", "")


def entries(text: str) -> list[str]:
    """Contents entries in a contents line (OCR runs several together): 第一章 发展环境 …… 3."""
    text = re.sub(r"[\t ]+", " ", text).strip()
    starts = [m.start() for m in _ENTRY.finditer(text)]
    if not starts:
        return []
    out = []
    for lo, hi in zip(starts, starts[1:] + [len(text)]):
        entry = _TAIL.sub("", text[lo:hi]).strip(" .·…")
        if len(_key(entry)) >= 3:
            out.append(entry)
    return out


def check_contents(state: State) -> None:
    toc = [r for r in state.report.removals if r.reason == "目录"]
    if not toc:
        return
    heads = []
    for b in state.blocks:
        if b.kind in ("part", "chapter", "section", "unnumbered"):
            heads.append(b.text if not b.data.get("runs_into_text") else
                         (b.text[:len(b.data.get("title", "")) + 8]))
    by_number = {}
    for h in heads:
        hit = form_of(h)
        if hit:
            by_number.setdefault((hit[0], hit[1]), []).append(_key(hit[2]))
    keys = [_key(h) for h in heads]
    missing = []
    for r in toc:
        for entry in entries(r.text):
            k = _key(entry)
            if any(k == h or (len(k) >= 6 and (h.startswith(k) or k.startswith(h) and len(h) >= 6)) for h in keys):
                continue
            hit = form_of(entry)
            titles = by_number.get((hit[0], hit[1]), []) if hit else []
            if titles:
                state.report.warn(f"目录与正文不一致（{state.report.where(r.lines[0])}）：目录为“{entry}”，"
                                  f"正文同号标题不同")
                state.report.decide("toc_mismatch", r.lines[0], f"目录“{entry}”与正文同号标题不同")
            else:
                missing.append((entry, r.lines[0]))
    for entry, line in missing:
        state.report.warn(f"目录条目在正文中未找到（{state.report.where(line)}）：{entry}")
        state.report.decide("toc_entry", line, f"目录条目“{entry}”在正文中未找到对应标题")
