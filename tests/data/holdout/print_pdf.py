"""Print a hold-out text as an A4 PDF the way government PDFs look (one-off tool, not run by tests).

Why: the hidden plans of issue 9 come as PDF text layers (hard-wrapped lines, ``— 2 —`` page
numbers in the footer), but the real documents we could find are web text, one paragraph a
line. Printing the same real text through Chromium gives a real text layer of that shape
(line breaks, page breaks in mid-paragraph, footers), so the PDF reader and the hard-wrap
joining are measured on text they were never tuned on. The first line is the title (centred);
short ``一、``/``（一）`` lines standing alone are set in bold, as in the printed plans.

    .venv/bin/python tests/data/holdout/print_pdf.py tests/data/holdout/x.txt   # writes x.pdf
    .venv/bin/python tests/data/holdout/print_pdf.py --small x.txt   # 14pt on narrow margins: x-small.pdf
    (to_docx(path) writes the same text as x.docx)
"""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

HEAD = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)\S{1,30}$")
CSS = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: 'WenQuanYi Micro Hei'; font-size: 16pt; line-height: 28pt; margin: 0; }
h1 { font-size: 22pt; line-height: 36pt; text-align: center; font-weight: normal; margin: 0 0 28pt; }
p { text-indent: 2em; margin: 0; text-align: justify; }
p.h { font-weight: bold; }
"""
FOOTER = ('<div style="width:100%;text-align:center;font-size:14pt;font-family:WenQuanYi Micro Hei">'
          '— <span class="pageNumber"></span> —</div>')


def to_html(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    out = []
    for i, ln in enumerate(lines):
        if i == 0 and not ln.endswith("。"):
            out.append(f"<h1>{html.escape(ln)}</h1>")
        else:
            cls = ' class="h"' if HEAD.match(ln) else ""
            out.append(f"<p{cls}>{html.escape(ln)}</p>")
    return f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body>{''.join(out)}</body></html>"


SMALL = (("16pt; line-height: 28pt", "14pt; line-height: 24pt"), ("37mm 26mm 35mm 28mm", "25mm 20mm 25mm 22mm"))


def main(src: str, small: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    path = Path(src)
    page_html = to_html(path.read_text(encoding="utf-8"))
    out = path.with_suffix(".pdf")
    if small:  # other line and page breaks: titles and brackets cut by the wrap
        for a, b in SMALL:
            page_html = page_html.replace(a, b)
        out = path.with_name(path.stem + "-small.pdf")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.set_content(page_html)
        page.pdf(path=str(out), format="A4", display_header_footer=True,
                 header_template="<span></span>", footer_template=FOOTER, prefer_css_page_size=True)
        browser.close()


if __name__ == "__main__":
    for a in sys.argv[1:]:
        if not a.startswith("--"):
            main(a, small="--small" in sys.argv)


def to_docx(src: str) -> None:
    """The same text as a Word file: one paragraph a line, the title centred, short 一、/（一）
    lines in bold (no heading styles, as most departments' files are)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    path = Path(src)
    doc = Document()
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    for i, ln in enumerate(lines):
        p = doc.add_paragraph()
        run = p.add_run(ln)
        if i == 0 and not ln.endswith("。"):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif HEAD.match(ln):
            run.bold = True
    doc.save(str(path.with_suffix(".docx")))
