"""PDF text layers (pdfminer.six: each line's position, font and size).

Output lines are the PDF's printed lines, top to bottom, page by page. A line whose first
character sits right of the body's left margin is a first line (printed with a two-space
indent, as the text rules expect); a gap of more than a line between two lines, or a line
that stops short of the right margin and ends a sentence, ends a paragraph (a blank line);
lines in the top or bottom band of the page that repeat across pages are page furniture.
Images where a box or table would be are reported with their page, never invented.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from statistics import median

from kb.ingest.readers import Layout, ReadError, Source
from kb.ingest.readers.text import clean_line, fold_radicals
from kb.text import has_cjk

BAND = 0.08  # top and bottom share of a page where running headers and page numbers sit


def _lines_of(page):
    from pdfminer.layout import LTChar, LTFigure, LTImage, LTTextContainer, LTTextLine

    lines, images = [], []

    def walk(obj):
        for x in obj:
            if isinstance(x, LTTextLine):
                chars = [c for c in x if isinstance(c, LTChar)]
                text = x.get_text().rstrip("\n")
                if not text.strip():
                    continue
                sizes = [c.size for c in chars if c.get_text().strip()]
                fonts = [c.fontname for c in chars if c.get_text().strip()]
                lines.append({"x0": x.x0, "x1": x.x1, "y0": x.y0, "y1": x.y1, "text": text,
                              "size": median(sizes) if sizes else 0.0,
                              "bold": bool(fonts) and sum(_is_bold(f) for f in fonts) > len(fonts) / 2})
            elif isinstance(x, LTImage):
                images.append(x.bbox)
            elif isinstance(x, (LTTextContainer, LTFigure)):
                walk(x)

    walk(page)
    return lines, images


def _is_bold(font: str) -> bool:
    f = font.lower()
    return any(w in f for w in ("bold", "heavy", "black", "hei", "黑体", "xbs", "fzxbs", "xiaobiaosong", "-b"))


def _merge_rows(lines):
    """Lines pdfminer split on one baseline (table cells, a heading number and its title)
    become one line: cells far apart are joined by a tab, near ones directly."""
    lines.sort(key=lambda l: (-round(l["y1"]), l["x0"]))
    rows = []
    for ln in lines:
        if rows and abs(rows[-1][-1]["y1"] - ln["y1"]) < max(2.0, 0.3 * (ln["size"] or 10)):
            rows[-1].append(ln)
        else:
            rows.append([ln])
    out = []
    for row in rows:
        row.sort(key=lambda l: l["x0"])
        text, prev = "", None
        for ln in row:
            if prev is not None:
                gap = ln["x0"] - prev["x1"]
                text += "\t" if gap > 2 * max(ln["size"], 1.0) else ""
            text += ln["text"].strip() if prev is not None else ln["text"].rstrip()
            prev = ln
        first = row[0]
        out.append({**first, "x1": max(l["x1"] for l in row), "text": text,
                    "bold": all(l["bold"] for l in row), "cells": len(row)})
    return out


def read_pdf(data: bytes) -> Source:
    try:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
        from pdfminer.pdfparser import PDFSyntaxError
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ReadError("读取 PDF 需要 pdfminer.six：请重新安装 plankb") from None
    pages = []
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            lines, images = _lines_of(page)
            pages.append((page.width, page.height, _merge_rows(lines), images))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ReadError("PDF 已加密，无法读取文字：请先解除密码保护后再导入") from None
    except (PDFSyntaxError, ValueError, KeyError, TypeError, AssertionError) as e:
        raise ReadError(f"PDF 文件已损坏或不完整，无法读取（{type(e).__name__}）") from None
    except Exception as e:  # pdfminer raises many internal types on broken files
        if type(e).__module__.startswith("pdfminer"):
            raise ReadError(f"PDF 文件已损坏或不完整，无法读取（{type(e).__name__}）") from None
        raise
    if not pages:
        raise ReadError("PDF 没有页面")
    text_chars = sum(len(l["text"].strip()) for *_, lines, _ in pages for l in lines)
    if text_chars < 20 * len(pages) and not any(has_cjk(l["text"]) for *_, lines, _ in pages for l in lines[:50]):
        with_images = sum(1 for *_, imgs in pages if imgs)
        raise ReadError(f"这是扫描版 PDF：{len(pages)} 页中没有可读取的文字层（{with_images} 页是图片），"
                        "请先做文字识别（OCR）后导入识别出的文本或带文字层的 PDF")
    return _to_source(pages)


def _to_source(pages) -> Source:
    body = [l for w, h, lines, _ in pages for l in lines if BAND * h < l["y1"] < (1 - BAND) * h and l["cells"] == 1]
    sizes = Counter(round(l["size"] * 2) / 2 for l in body if has_cjk(l["text"]))
    body_size = sizes.most_common(1)[0][0] if sizes else 12.0
    lefts = Counter(round(l["x0"]) for l in body if has_cjk(l["text"]))
    left = min((x for x, n in lefts.items() if n >= 0.1 * max(lefts.values())), default=0) if lefts else 0
    rights = [l["x1"] for l in body if has_cjk(l["text"])]
    right = sorted(rights)[int(len(rights) * 0.9)] if rights else 0
    furniture = _furniture(pages)
    src = Source("pdf", [])
    prev = None
    for pno, (w, h, lines, images) in enumerate(pages, 1):
        for img in images:
            x0, y0, x1, y1 = img
            if (x1 - x0) * (y1 - y0) > 0.1 * w * h:
                src.notes.append(f"第{pno}页有一幅图片（可能是专栏或表格），其中文字无法读取，未计入大纲")
        for i, l in enumerate(lines, 1):
            size = l["size"] or body_size
            indent = l["x0"] - left > 1.2 * size or bool(re.match(r"^(?:\s{2,}|\u3000)", l["text"]))
            short = l["x1"] < right - 1.5 * size
            band = "header" if l["y1"] >= (1 - BAND) * h else "footer" if l["y0"] <= BAND * h else None
            gap = prev is not None and prev[0] == pno and (prev[1]["y0"] - l["y1"]) > 1.2 * size
            if src.lines and (gap or (prev is not None and prev[1]["short"] and indent)) and src.lines[-1] != "":
                src.lines.append("")
            text, gone = clean_line(fold_radicals(l["text"].replace("\u3000", "  ")))
            if indent and not text.startswith("  "):
                text = "\u3000\u3000" + text.lstrip()
            src.lines.append(text)
            no = len(src.lines)
            if gone:
                src.removed.append(("控制字符", gone, no))
            src.layout[no] = Layout(page=pno, page_line=i, indent=indent, short=short, size=size,
                                    bold=l["bold"], larger=size > body_size + 1.0, band=band,
                                    furniture=band is not None and _key(l["text"]) in furniture)
            l["short"] = short
            prev = (pno, l)
    return src


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s", "", text))


def _furniture(pages) -> set[str]:
    """Header/footer lines (digits folded) that repeat on at least a third of the pages."""
    if len(pages) < 3:
        return set()
    seen = Counter()
    for w, h, lines, _ in pages:
        keys = {_key(l["text"]) for l in lines if l["y1"] >= (1 - BAND) * h or l["y0"] <= BAND * h}
        seen.update(k for k in keys if k)
    return {k for k, n in seen.items() if n >= max(3, len(pages) / 3)}
