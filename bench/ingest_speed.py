"""How long the ingest takes on what users bring: long repetitive lines (an OCR'd table rule,
a 10 MB line) and PDFs of 39, 60 and 146 pages. Prints seconds; no assertion (a busy
machine is slower), the goals are in the issue: a 10 MB line ends in seconds, a 60-page
PDF in under 10 s.

    .venv/bin/python bench/ingest_speed.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.ingest import ingest_file, ingest_text  # noqa: E402

ORIGINALS = Path("/work/shared/corpus-samples/originals")


def timed(label: str, fn) -> None:
    t0 = time.perf_counter()
    fn()
    print(f"{time.perf_counter() - t0:7.2f} s  {label}")


def plan_with(line: str) -> str:
    return "测试规划\n\n第一章　总则\n\n" + line + "\n"


def main() -> None:
    for n in (10_000, 30_000):
        timed(f"一行 {n:,} 个相同汉字（OCR 把表格线读成“一”）", lambda n=n: ingest_text(plan_with("一" * n), doc_id="x"))
    seed = (ROOT / "corpus" / "raw" / "gd-ip-14fyp.txt").read_text(encoding="utf-8").replace("\n", "")
    ten_mb = seed * (10_000_000 // len(seed.encode()) + 1)
    timed(f"一行 {len(ten_mb.encode()) / 1e6:.1f} MB 的文字（整篇重复）", lambda: ingest_text(plan_with(ten_mb), doc_id="x"))
    if not ORIGINALS.exists():
        print("（没有 PDF 样本：/work/shared/corpus-samples/originals）")
        return
    corpus = ROOT / "corpus"
    cpc = ORIGINALS / "cpc-14fyp-proposal-2020.pdf"
    national = ORIGINALS / "national-14fyp-outline.pdf"
    timed("PDF 39 页（中共中央建议）", lambda: ingest_file(cpc, corpus))
    try:
        import pypdfium2 as pdfium  # only to cut a 60-page file for this benchmark
    except ImportError:
        pdfium = None
    if pdfium is not None:
        with tempfile.TemporaryDirectory() as tmp:
            src = pdfium.PdfDocument(str(national))
            out = pdfium.PdfDocument.new()
            out.import_pages(src, list(range(60)))
            path = Path(tmp) / "national-60.pdf"
            out.save(str(path))
            timed("PDF 60 页（“十四五”规划纲要前 60 页）", lambda: ingest_file(path, corpus))
    else:
        print("（未安装 pypdfium2，跳过 60 页的截取；见下面 146 页的用时）")
    timed("PDF 146 页（“十四五”规划纲要全文）", lambda: ingest_file(national, corpus))


if __name__ == "__main__":
    main()
