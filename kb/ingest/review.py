"""What the ingest was unsure of, with the raw place of each decision, for a person to check
before a plan is published (the import page shows these beside the source; a click there
writes a correction to the sidecar). Pure data: no web code here."""
from __future__ import annotations

import re

# what a person can do about each kind of decision (the correction it would write)
FIXES = {
    "heading_wraps": "这两行不是同一个标题（拆开）",
    "heading_in_text": "这一行是节标题（split_heading）",
    "box_end": "专栏延续到此（box_extends）",
    "furniture": "这一行是页眉页脚",
    "title": "在 [document] 中写 title",
    "runon": "检查拆分出的标题",
    "front_matter": "检查印发通知中读出的文号、发文单位与日期",
    "back_matter": "检查抄送、印发栏",
    "toc_entry": "目录条目未在正文中找到：标出正文中的标题（split_heading）",
    "toc_mismatch": "目录与正文标题不同：确认以正文为准",
    "heading_candidate": "这一行是标题（写明层级）",
    "warning": "核对原文",
}


def uncertain_decisions(result) -> list[dict]:
    """Every decision and warning of an ingest, each with its raw line number, its place
    (page and line for a PDF), the raw text of that line and what a person can do."""
    report, state = result.report, result.state
    raw = getattr(state, "raw_lines", [])

    def place(line: int) -> dict:
        text = raw[line - 1] if 0 < line <= len(raw) else ""
        return {"line": line, "where": report.where(line) if line else "", "raw": text}

    out = []
    for d in report.decisions:
        out.append({"kind": d.kind, "message": d.message, "fix": FIXES.get(d.kind, ""), **place(d.line)})
    for w in report.warnings:
        m = re.search(r"第(\d+)行", w)
        out.append({"kind": "warning", "message": w, "fix": FIXES["warning"], **place(int(m.group(1)) if m else 0)})
    return sorted(out, key=lambda d: (d["line"] == 0, d["line"]))
