"""Recorded corrections: what no rule can decide, written down with where and why in
the sidecar ``<raw>.toml`` beside the raw text, and applied by the ingest."""
from __future__ import annotations

from kb.ingest.state import Line, State


def apply_replacements(state: State) -> None:
    """``what = "replace"``: an OCR error in the raw text, fixed on one raw line."""
    for c in state.corrections("replace"):
        line = int(c["line"])
        hit = next((ln for ln in state.lines if ln.no == line), None)
        if hit is None or c["old"] not in hit.text:
            state.report.warn(f"更正未生效：第{line}行找不到“{c['old']}”")
            continue
        idx = state.lines.index(hit)
        state.lines[idx] = Line(hit.no, hit.text.replace(c["old"], c["new"], 1))
        state.report.replacements.append((c["old"], c["new"], line))
        state.report.corrections.append(f"第{line}行“{c['old']}”→“{c['new']}”：{c['why']}")


def apply_heading_splits(state: State) -> None:
    """``what = "split_heading"``: a heading run into its text with nothing between
    (第一节改造提升传统服务业运用现代营销方式…): split after the recorded title."""
    for c in state.corrections("split_heading"):
        line, after = int(c["line"]), c["after"]
        for idx, ln in enumerate(state.lines):
            if ln.no == line and after in ln.text:
                cut = ln.text.index(after) + len(after)
                state.lines[idx:idx + 1] = [Line(ln.no, ln.text[:cut]), Line(ln.no, "\u3000\u3000" + ln.text[cut:].lstrip())]
                state.report.corrections.append(f"第{line}行在“{after}”后分出标题：{c['why']}")
                break
        else:
            state.report.warn(f"更正未生效：第{line}行找不到“{after}”")


def drop_marked_furniture(state: State) -> None:
    """``what = "furniture"``: a line a person marked as page furniture (a running header
    or footer no rule recognised): taken out and listed as removed, like any other."""
    marked = {int(c["line"]): c for c in state.corrections("furniture")}
    keep = []
    for ln in state.lines:
        c = marked.pop(ln.no, None)
        if c is None:
            keep.append(ln)
            continue
        state.report.removed("页眉页脚", ln.text, [ln.no])
        state.report.corrections.append(f"第{ln.no}行是页眉页脚：{c['why']}")
    state.lines = keep
    for line in marked:
        state.report.warn(f"更正未生效：第{line}行不存在或已被移除")


def kept_apart(state: State) -> set[int]:
    """``what = "keep_apart"``: raw lines a person said are not the end of the heading
    above them (the ingest joined a wrapped heading title there)."""
    out = set()
    for c in state.corrections("keep_apart"):
        out.add(int(c["line"]))
        state.report.corrections.append(f"第{c['line']}行不并入上一行标题：{c['why']}")
    return out


def marked_heading(state: State, line: int) -> bool:
    """``what = "heading"``: a line a person said is a heading with no number (the format
    printed it bold or large, no numbering rule took it): a heading named by its title."""
    return any(int(c["line"]) == line for c in state.corrections("heading"))


KNOWN = {"replace", "box_extends", "table_header", "table_groups", "split_heading", "furniture", "keep_apart",
         "heading"}


# the fields each kind of correction needs, and their type
FIELDS = {
    "replace": {"line": int, "old": str, "new": str},
    "box_extends": {"box": (str, int), "through_line": int},
    "table_header": {"table": int, "columns": list},
    "table_groups": {"table": int, "groups": dict},
    "split_heading": {"line": int, "after": str},
    "furniture": {"line": int},
    "keep_apart": {"line": int},
    "heading": {"line": int},
}
_TYPE_NAMES = {int: "整数", str: "字符串", list: "列表", dict: "表"}


def check_known(state: State) -> None:
    for c in state.config.get("correction", []):
        if not isinstance(c, dict):
            raise ValueError(f"每条更正应是一段 [[correction]]：{c!r}")
        if c.get("what") not in KNOWN:
            raise ValueError(f"未知的更正类型：{c.get('what')!r}（可用：{'、'.join(sorted(KNOWN))}）")
        if not c.get("why"):
            raise ValueError(f"更正缺少 why（原因）：{c}")
        for name, kind in FIELDS[c["what"]].items():
            value = c.get(name)
            kinds = kind if isinstance(kind, tuple) else (kind,)
            if value is None or not isinstance(value, kinds) or isinstance(value, bool):
                want = "或".join(_TYPE_NAMES[k] for k in kinds)
                raise ValueError(f"{c['what']} 更正的 {name} 应为{want}，现为 {value!r}")
