"""Readers: a plan file as users have it (PDF, Word, web page, text) → one stream of lines.

Every reader returns a :class:`Source`: the plan's text, one line per printed line (a PDF),
paragraph (Word, a web page) or text line, plus the layout facts the format has for each
line (page, indent, a line stopping short of the margin, font size and weight, header or
footer band, heading level). The ingest's rules chain works on that stream alone, so a new
format is a new reader, not a new ingest. The kind is told from the content (magic bytes),
not from the file name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


class ReadError(Exception):
    """The file cannot be read as a plan; the message (Chinese) says why and what to do."""


@dataclass
class Layout:
    """What a reader knows about one output line; None where the format does not say."""
    page: Optional[int] = None
    page_line: Optional[int] = None  # line number on its page (1-based)
    indent: bool = False  # the line starts further right than the body text (a first line)
    short: bool = False  # the line stops well short of the right margin (a paragraph's last line)
    size: Optional[float] = None
    bold: bool = False
    larger: bool = False  # printed larger than the body text
    band: Optional[str] = None  # "header" | "footer": the top or bottom band of its page
    furniture: bool = False  # repeats in the header or footer band of many pages
    heading: Optional[int] = None  # a heading level the format states (h1, Word outline level)


@dataclass
class Source:
    kind: str  # text | pdf | docx | html
    lines: list[str]
    layout: dict[int, Layout] = field(default_factory=dict)  # 1-based line number → facts
    notes: list[str] = field(default_factory=list)  # what the reader saw but could not read
    removed: list[tuple[str, str, int]] = field(default_factory=list)  # (reason, text, line)
    utf8: bool = True  # the file was UTF-8 text (else its lines are kept as a UTF-8 copy)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def sniff(data: bytes, name: str = "") -> str:
    """pdf | docx | html | text, from the bytes; the name only breaks a tie."""
    head = data[:2048]
    if head.lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return "image"
    from kb.ingest.readers.text import decode_text

    try:
        text = decode_text(data[:65536], partial=True)
    except ReadError:
        return "binary"
    low = text[:4096].lower()
    if ("<html" in low or "<!doctype html" in low or "<body" in low
            or (low.count("<p") + low.count("<h1") + low.count("<h2") + low.count("<div") >= 3)
            or (name.lower().endswith((".html", ".htm")) and "<" in low)):
        return "html"
    return "text"


def read(data: bytes, name: str = "") -> Source:
    kind = sniff(data, name)
    if kind == "pdf":
        from kb.ingest.readers.pdf import read_pdf

        return read_pdf(data)
    if kind == "zip":
        from kb.ingest.readers.docx import read_docx

        return read_docx(data)
    if kind == "html":
        from kb.ingest.readers.html import read_html

        return read_html(data)
    if kind == "doc":
        raise ReadError("这是旧版 Word 文件（.doc），无法直接读取：请在 Word 或 WPS 中另存为 .docx 后再导入")
    if kind == "image":
        raise ReadError("这是一张图片，不是规划文本：请导入规划的 PDF、Word（.docx）、网页或文本文件")
    if kind == "binary":
        raise ReadError("不是文本文件，也不是 PDF、Word（.docx）或网页：无法识别文件内容")
    from kb.ingest.readers.text import read_text

    return read_text(data)
