"""How the 任务分解表 DOCX prints: pages and room left, as LibreOffice lays it out.

Run: .venv/bin/python bench/docx_pages.py
For the seed's six rows (tests/test_export_pdf.py's SIX, units and deadlines from the
plan) without a heading, with “附件1”, and with “附件1” and a full title block, prints
the page count and how far the last line of text on the last page sits above the bottom
margin (negative: the bottom margin of a full page was reached). Needs soffice and
pdftotext (poppler-utils). Numbers, not assertions.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIX = ["gd-ip-14fyp:3.2.p1", "gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:box1.p1", "gd-ip-14fyp:3.2.p3",
       "gd-ip-14fyp:3.2.p4", "gd-ip-14fyp:t2.r4"]
VARIANTS = {
    "无附件标注": {},
    "附件1": {"attachment": "1"},
    "附件1 + 发文单位、文号、日期": {"attachment": "1", "issuer": "广东省知识产权局", "doc_number": "粤知〔2024〕12号",
                              "date": "2024年3月1日"},
}


def layout(docx: bytes, tmp: Path) -> tuple[int, float]:
    """(pages, y of the lowest text above the footer on the last page, in points)."""
    src = tmp / "list.docx"
    src.write_bytes(docx)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp / 'profile').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp), str(src)], check=True, capture_output=True)
    subprocess.run(["pdftotext", "-bbox", str(tmp / "list.pdf"), str(tmp / "boxes.html")], check=True)
    pages = (tmp / "boxes.html").read_text(encoding="utf-8").split("<page ")[1:]
    footer_top = max(float(y) for y in re.findall(r'yMin="([\d.]+)"', pages[-1]))  # the page number
    lowest = max(float(y) for y in re.findall(r'yMax="([\d.]+)"', pages[-1]) if float(y) < footer_top)
    return len(pages), lowest


def main() -> None:
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        raise SystemExit("需要 soffice（LibreOffice）和 pdftotext（poppler-utils）。")
    from kb.corpus import load_corpus
    from office.export import build_rows, export_bytes, options_from
    from office.export.docx_style import BODY_PT, MARGIN_BOTTOM, PAGE_H

    rows = build_rows(load_corpus(ROOT / "corpus"), SIX, suggest=True)
    bottom = (PAGE_H - MARGIN_BOTTOM) / 12700  # EMU per point
    print(f"6 行任务分解表，正文 {BODY_PT} pt，版心下沿 {bottom:.1f} pt：")
    for name, opts in VARIANTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            data = export_bytes(rows, "docx", "司法保护重点任务分解表", options_from(opts))[0]
            pages, lowest = layout(data, Path(tmp))
        print(f"  {name}：{pages} 页；末页最后一行距版心下沿 {bottom - lowest:.1f} pt")


if __name__ == "__main__":
    main()
