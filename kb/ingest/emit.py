"""Writing the canonical Markdown (format: docs/canonical-markdown.md)."""
from __future__ import annotations

import json
import re

from kb.ingest import headings as H
from kb.ingest.blocks import CIRCLED
from kb.ingest.state import Block, State
from kb.text import normalize, title_spaces

_PREFIX = H.PREFIX


def _attrs(lines) -> str:
    lo, hi = min(lines), max(lines)
    return f"{{raw={lo}}}" if lo == hi else f"{{raw={lo}-{hi}}}"


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("<", "&lt;")
    text = re.sub(r"^([#>+=-])", r"\\\1", text)
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return text


def _footnote_refs(text: str) -> str:
    return re.sub(f"[{CIRCLED}]", lambda m: f"[^{CIRCLED.index(m.group(0)) + 1}]", text)


def heading_text(state: State, b: Block) -> str:
    raw = b.text.strip() if not b.data.get("runs_into_text") else b.text.strip()
    m = _PREFIX.match(raw)
    if b.kind == "unnumbered":
        return title_spaces(normalize(b.data["title"], state.variants, keep_title_spaces=True))
    prefix = re.sub(r"[\s\u3000]", "", m.group(1)) if m else ""
    if prefix.startswith("(") and prefix.endswith(")"):
        prefix = f"（{prefix[1:-1]}）"  # (一) is printed （一） in Chinese text
    title = normalize(b.data.get("title") or "", state.variants, keep_title_spaces=True)
    if (b.kind in ("chapter", "section", "part") and prefix.startswith("第")) or b.kind == "box":
        return title_spaces(f"{prefix} {title}".strip())
    return title_spaces(f"{prefix}{title}")


def paragraph(state: State, text: str) -> str:
    return _footnote_refs(_escape(normalize(text, state.variants)))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def emit(state: State) -> str:
    meta = dict(state.config.get("document", {}))
    meta.setdefault("title", normalize(state.title, state.variants))
    out = ["---"]
    for key in ("id", "title", "issuer", "period", "kind", "level", "published",
                "doc_number", "date", "notice", "printed", "printed_by", "raw"):
        if key in meta:
            out.append(f"{key}: {json.dumps(meta[key], ensure_ascii=False)}")
    out.append(f"raw_title_line: {state.title_line}")
    out += ["---", ""]
    box = None
    for b in state.blocks:
        if box is not None and b.box != box and b.kind != "box":
            box = None
        q = "> " if box is not None or b.kind == "box" else ""
        if b.kind == "box":
            box = str(b.data["number"])
            out += [f"> {_attrs(b.lines)}", f"> #### {heading_text(state, b)}", ">"]
            continue
        if b.kind == "para":
            if b.box is not None and box == b.box:
                out += [f"> {_attrs(b.lines)}", f"> {paragraph(state, b.text)}", ">"]
            else:
                out += [_attrs(b.lines), paragraph(state, b.text), ""]
            continue
        if out and out[-1] == ">":
            out[-1] = ""
        level = {"part": "#", "chapter": "##", "unnumbered": "##", "section": "###", "table_title": "####"}.get(b.kind)
        if level:
            text = heading_text(state, b) if b.kind != "table_title" else normalize(b.text, state.variants)
            out += [_attrs(b.lines[:1]), f"{level} {text}", ""]
        elif b.kind == "table":
            d = b.data
            rows = " ".join(str(n) for n in d["row_lines"])
            out.append(f'{_attrs(b.lines)[:-1]} rows="{rows}"}}')
            out.append("| " + " | ".join(_cell(c) for c in d["columns"]) + " |")
            out.append("|" + "|".join(" --- " for _ in d["columns"]) + "|")
            for r in d["rows"]:
                out.append("| " + " | ".join(_cell(c) for c in r) + " |")
            out.append("")
        elif b.kind == "notes":
            out += [_attrs(b.lines[:1]), "注：", ""]
            for i, (nos, text) in enumerate(b.data["items"], 1):
                out += [f"{i}. {_attrs(nos)}", f"   {_escape(text)}", ""]
    if out and out[-1] == ">":
        out[-1] = ""
    for fn in state.footnotes:
        out += [f"[^{fn.data['label']}]:", f"    {_attrs(fn.lines)}", f"    {paragraph(state, fn.text)}", ""]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
