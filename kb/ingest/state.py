"""What flows through the ingest rules: raw lines, blocks built from them, and the report.

Every rule that drops text records it in the report with its raw line numbers, so the
ingest can prove that no Chinese character was lost silently.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Line:
    no: int  # 1-based raw line number
    text: str


@dataclass
class Block:
    kind: str  # para | part | chapter | section | box | heading | table_title | table | notes | footnote
    lines: list[int]
    text: str
    data: dict = field(default_factory=dict)
    box: Optional[str] = None  # the box (专栏) a paragraph belongs to

    @property
    def span(self) -> tuple[int, int]:
        return (min(self.lines), max(self.lines)) if self.lines else (0, 0)


@dataclass
class Removal:
    reason: str  # 目录 | 页码 | 页眉 | 重复 | 表头乱码 | 其他
    text: str
    lines: list[int]


@dataclass
class Decision:
    """A call the ingest made that a person may want to check (and overrule with a
    correction in the sidecar): what kind, at which raw line, and what was decided."""
    kind: str  # heading_wraps | heading_in_text | box_end | furniture | title | toc_entry …
    line: int
    message: str


@dataclass
class Report:
    removals: list[Removal] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)
    replacements: list[tuple[str, str, int]] = field(default_factory=list)  # (old, new, line)
    filled: list[tuple[str, int]] = field(default_factory=list)  # merged-cell label, extra copies
    stats: dict = field(default_factory=dict)
    places: dict = field(default_factory=dict)  # raw line → (page, line on page), for PDFs
    decisions: list[Decision] = field(default_factory=list)
    metadata: dict = field(default_factory=dict)  # from an issuing notice: issuer, 文号, date

    def decide(self, kind: str, line: int, message: str) -> None:
        self.decisions.append(Decision(kind, line, message))

    def where(self, line: int) -> str:
        """第12行, or 第3页第5行 where the raw line came from a PDF page."""
        if line in self.places:
            page, on_page = self.places[line]
            return f"第{page}页第{on_page}行"
        return f"第{line}行"

    def removed(self, reason: str, text: str, lines) -> None:
        if text.strip():
            self.removals.append(Removal(reason, text, sorted(set(lines))))

    def warn(self, message: str) -> None:
        self.warnings.append(message)


@dataclass
class State:
    lines: list[Line]
    config: dict  # sidecar: [document] metadata and [[correction]] entries
    variants: dict[str, str]
    structure: dict  # corpus/dict/structure.toml: heading words, generic terms…
    report: Report = field(default_factory=Report)
    blocks: list[Block] = field(default_factory=list)
    title: str = ""
    title_line: int = 0
    footnotes: list[Block] = field(default_factory=list)
    layout: dict = field(default_factory=dict)  # raw line → readers.Layout (PDF, Word, web page)
    source_kind: str = "text"
    raw_lines: list = field(default_factory=list)  # the reader's lines, as the raw line numbers count them

    def corrections(self, what: str) -> list[dict]:
        return [c for c in self.config.get("correction", []) if c.get("what") == what]
