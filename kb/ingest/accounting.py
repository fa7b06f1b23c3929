"""Proof that nothing was lost: every Chinese character of the raw text is in the
Markdown or in the report's list of removals (contents, page numbers, duplicates…)."""
from __future__ import annotations

from collections import Counter

from kb.text import apply_variants, cjk_chars


def _body(markdown: str) -> str:
    """The Markdown without front-matter lines that come from the sidecar, not the raw."""
    lines = markdown.split("\n")
    if lines and lines[0] == "---":
        end = lines.index("---", 1)
        title = [ln for ln in lines[1:end] if ln.startswith("title:")]
        return "\n".join(title + lines[end + 1:])
    return markdown


def account(raw_text: str, markdown: str, state) -> dict:
    report = state.report
    raw = Counter(cjk_chars(apply_variants(raw_text, state.variants)))
    out = Counter(cjk_chars(_body(markdown)))
    removed = Counter()
    for r in report.removals:
        removed.update(cjk_chars(apply_variants(r.text, state.variants)))
    added = Counter()
    for old, new, _ in report.replacements:
        removed.update(cjk_chars(old))
        added.update(cjk_chars(new))
    for label, copies in report.filled:
        for _ in range(max(copies, 0)):
            added.update(cjk_chars(label))
    for c in state.corrections("table_header"):
        added.update(cjk_chars("".join(c["columns"])))
    missing = raw - out - removed
    invented = out - raw - added
    return {
        "raw_chars": sum(raw.values()),
        "output_chars": sum(out.values()),
        "removed_chars": sum(removed.values()),
        "missing": "".join(sorted(missing.elements())),
        "invented": "".join(sorted(invented.elements())),
    }
