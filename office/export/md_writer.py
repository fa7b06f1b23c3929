"""A Markdown pipe table: pastes into wikis, chat and Markdown editors as a table."""
from __future__ import annotations

from office.export.rows import ExportRow, columns_of


def cell(value) -> str:
    """One table cell: | and \\ escaped, < and & as entities (no HTML sneaks through a
    renderer), line breaks as <br> since a pipe table row must stay on one line."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return text.strip() or " "


def render(rows: list[ExportRow], title: str, options=None) -> bytes:
    lines = [f"# {cell(title)}", ""]
    columns = columns_of(rows)
    fields = [f for f, _ in columns]
    lines.append("| " + " | ".join(h for _, h in columns) + " |")
    lines.append("|" + "|".join(":---:" if f == "seq" else "---" for f in fields) + "|")
    for r in rows:
        lines.append("| " + " | ".join(cell(c) for c in r.cells(fields)) + " |")
    lines.append("")
    lines.append(f"共 {len(rows)} 项。")
    return ("\n".join(lines) + "\n").encode("utf-8")
