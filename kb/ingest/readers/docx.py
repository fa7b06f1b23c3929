"""Word (.docx) files, read with python-docx: paragraphs in order with their style's heading
level (Heading N / 标题 N / an outline level), automatic numbering turned back into the
printed label (一、 （一） 1.), bold runs; real tables become tab-separated rows, as the
table rules expect. A paragraph's line breaks are lines; paragraphs are parted by a blank line.
"""
from __future__ import annotations

import io
import re
import zipfile

from kb.ingest.readers import Layout, ReadError, Source
from kb.ingest.readers.text import clean_line
from kb.numerals import to_chinese

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes) -> Source:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        raise ReadError("压缩文件已损坏，无法读取") from None
    if "word/document.xml" not in names:
        if any(n.startswith(("xl/", "ppt/")) for n in names):
            raise ReadError("这是 Excel 或 PowerPoint 文件，不是规划文本：请导入 PDF、Word（.docx）、网页或文本文件")
        raise ReadError("这是一个压缩包，不是 Word（.docx）文件：请解压后导入其中的规划文件")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises several types on broken files
        raise ReadError(f"Word 文件已损坏，无法读取（{type(e).__name__}）") from None
    numbering = _Numbering(document)
    src = Source("docx", [])
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == _W + "p":
            _paragraph(src, Paragraph(child, document), numbering)
        elif child.tag == _W + "tbl":
            _table(src, Table(child, document))
    while src.lines and src.lines[-1] == "":
        src.lines.pop()
    return src


def _level(paragraph) -> int | None:
    """Heading level from the style name or an outline level (0-based in the XML)."""
    style = paragraph.style
    while style is not None:
        m = re.match(r"^(?:heading|标题)\s*(\d)$", (style.name or "").strip(), re.I)
        if m:
            return int(m.group(1))
        ppr = style.element.pPr if style.element is not None else None
        lvl = ppr.find(_W + "outlineLvl") if ppr is not None else None
        if lvl is not None and lvl.get(_W + "val", "9").isdigit() and int(lvl.get(_W + "val")) < 9:
            return int(lvl.get(_W + "val")) + 1
        style = style.base_style
    ppr = paragraph._p.pPr
    lvl = ppr.find(_W + "outlineLvl") if ppr is not None else None
    if lvl is not None and lvl.get(_W + "val", "9").isdigit() and int(lvl.get(_W + "val")) < 9:
        return int(lvl.get(_W + "val")) + 1
    return None


def _emit(src: Source, text: str, layout: Layout) -> None:
    for part in text.split("\n"):
        part, gone = clean_line(part)
        if not part.strip():
            continue
        src.lines.append(part)
        no = len(src.lines)
        src.layout[no] = layout
        if gone:
            src.removed.append(("控制字符", gone, no))
    if src.lines and src.lines[-1] != "":
        src.lines.append("")


def _paragraph(src: Source, paragraph, numbering) -> None:
    text = paragraph.text
    label = numbering.label(paragraph)
    if not text.strip():
        return
    runs = [r for r in paragraph.runs if r.text.strip()]
    bold = bool(runs) and all(bool(r.bold) or bool(r.style is not None and r.style.font.bold) for r in runs)
    sizes = [r.font.size.pt for r in runs if r.font.size is not None]
    _emit(src, (label or "") + text, Layout(bold=bold, heading=_level(paragraph), size=max(sizes) if sizes else None))


def _table(src: Source, table) -> None:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a merged cell is returned once per grid column it spans
            seen.add(id(cell._tc))
            cells.append(re.sub(r"\s*\n\s*", "", cell.text).replace("\t", " ").strip())
        if any(cells):
            rows.append("\t".join(cells))
    if src.lines and src.lines[-1] != "":
        src.lines.append("")
    for r in rows:
        r, gone = clean_line(r)
        src.lines.append(r)
        src.layout[len(src.lines)] = Layout()
    src.lines.append("")


class _Numbering:
    """Automatic list numbers (Word does not store them in the text): counters per list and
    level, printed with the level's format and text (``%1、`` in chineseCounting → 一、)."""

    def __init__(self, document):
        self.formats: dict[tuple[str, int], tuple[str, str, int]] = {}
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract = {}
        for an in root.findall(_W + "abstractNum"):
            levels = {}
            for lvl in an.findall(_W + "lvl"):
                ilvl = int(lvl.get(_W + "ilvl", "0"))
                fmt = lvl.find(_W + "numFmt")
                txt = lvl.find(_W + "lvlText")
                start = lvl.find(_W + "start")
                levels[ilvl] = (fmt.get(_W + "val") if fmt is not None else "decimal",
                                txt.get(_W + "val") if txt is not None else "",
                                int(start.get(_W + "val")) if start is not None else 1)
            abstract[an.get(_W + "abstractNumId")] = levels
        for num in root.findall(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            levels = abstract.get(ref.get(_W + "val") if ref is not None else None, {})
            for ilvl, spec in levels.items():
                self.formats[(num.get(_W + "numId"), ilvl)] = spec

    def label(self, paragraph) -> str | None:
        ppr = paragraph._p.pPr
        numpr = ppr.find(_W + "numPr") if ppr is not None else None
        if numpr is None:
            return None
        num_id = numpr.find(_W + "numId")
        ilvl = numpr.find(_W + "ilvl")
        num_id = num_id.get(_W + "val") if num_id is not None else None
        level = int(ilvl.get(_W + "val")) if ilvl is not None else 0
        if num_id in (None, "0") or (num_id, level) not in self.formats:
            return None
        counts = self.counters.setdefault(num_id, [0] * 9)
        counts[level] += 1
        for deeper in range(level + 1, 9):
            counts[deeper] = 0
        fmt, text, start = self.formats[(num_id, level)]
        if fmt in ("bullet", "none"):
            return None

        def number(lv: int) -> str:
            f, _, st = self.formats.get((num_id, lv), (fmt, "", start))
            n = counts[lv] + st - 1
            if f.startswith(("chinese", "ideograph", "taiwanese", "japaneseCounting")):
                return to_chinese(n)
            return str(n)

        return re.sub(r"%(\d)", lambda m: number(int(m.group(1)) - 1), text)
