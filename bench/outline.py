"""Outline checks: does the ingest find the outline a reader sees in the plan?

For each plan in ``bench/outlines/*.json`` (an outline written by hand from the source file:
parts, chapters with their section titles, box titles) and for each of its source files,
ingest the file with no sidecar and no corrections, then count the checks that hold:

- the number of chapters; each chapter's title (in order); each chapter's section titles
  (the whole list must match); the part titles (where the plan has parts);
- the number of boxes (专栏) and each box title;
- at most 5% of the Chinese characters of the source outside clauses and headings.

Titles are compared on their letters only (spaces and punctuation ignored). Plans marked
``held_out`` were never used to tune the ingest and are summed separately; those also marked
``blind`` are never looked at while fixing (their failed checks are not printed, only the score).

    .venv/bin/python bench/outline.py [--verbose] [NAME…]
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.ingest import IngestError, ingest_file  # noqa: E402
from kb.parse import ParseError, parse_document  # noqa: E402
from kb.text import cjk_chars  # noqa: E402

SAMPLES = Path("/work/shared/corpus-samples")
OUTLINES = Path(__file__).resolve().parent / "outlines"


def key(text: str) -> str:
    return "".join(re.findall(r"[\w]", text or "")).replace("_", "")


def _source(path: str, tmp: Path) -> Path:
    """A source file; ``x.pdf#text`` is the PDF's text layer as plain text (what a user gets
    from copying the text out of a PDF or from pdftotext): the text-only path of the ingest;
    ``x.pdf#ocr`` the pages' text wrapped in OCR image markers."""
    path, _, form = path.partition("#")
    src = ROOT / path if path.startswith("tests/") else SAMPLES / path
    if form == "text":
        from pdfminer.high_level import extract_text

        out = tmp / (src.stem + ".txt")
        if not out.exists():
            out.write_text(extract_text(str(src)), encoding="utf-8")
        return out
    if form.startswith("pdftotext"):  # poppler's pdftotext, plain or -layout, as users run it
        import subprocess

        out = tmp / f"{src.stem}-{form}.txt"
        if not out.exists():
            args = ["pdftotext"] + (["-layout"] if form.endswith("layout") else []) + [str(src), str(out)]
            subprocess.run(args, check=True)
        return out
    if form == "ocr":  # each page's text wrapped in the markers OCR tools leave (<image page="2">…</image>)
        import subprocess

        out = tmp / f"{src.stem}-ocr.txt"
        if not out.exists():
            text = subprocess.run(["pdftotext", str(src), "-"], check=True, capture_output=True, text=True).stdout
            pages = [p for p in text.split("\f") if p.strip()]
            out.write_text("".join(f'<image page="{i}">\n![](images/page{i}.png)\n{p.strip()}\n</image>\n'
                                  for i, p in enumerate(pages, 1)), encoding="utf-8")
        return out
    return src


def check(expected: dict, doc, stats: dict) -> list[tuple[str, bool]]:
    checks = []
    chapters = [ch for ch in doc.chapters if ch.title or ch.heading]
    exp_chs = expected["chapters"]
    checks.append((f"章数 {len(chapters)}/{len(exp_chs)}", len(chapters) == len(exp_chs)))
    pos = 0
    for i, ech in enumerate(exp_chs, 1):
        found = None
        for j in range(pos, len(chapters)):
            if key(chapters[j].title or chapters[j].heading) == key(ech["title"]):
                found, pos = chapters[j], j + 1
                break
        checks.append((f"章{i}标题 {ech['title'][:20]}", found is not None))
        got = [key(s.title) for s in found.sections] if found else None
        ok = got == [key(s) for s in ech["sections"]]
        checks.append((f"章{i}各节（{len(ech['sections'])}）" + ("" if ok or got is None else f" 实得{len(got)}"), ok))
    if expected.get("parts"):
        parts = []
        for ch in doc.chapters:
            if ch.part and (not parts or parts[-1] != ch.part):
                parts.append(ch.part)
        got = [key(re.sub(r"^第\S+?篇", "", p)) for p in parts]
        checks.append((f"篇（{len(expected['parts'])}）", got == [key(p) for p in expected["parts"]]))
    boxes = [key(b.title) for b in doc.boxes]
    checks.append((f"专栏数 {len(boxes)}/{len(expected['boxes'])}", len(boxes) == len(expected["boxes"])))
    for t in expected["boxes"]:
        checks.append((f"专栏 {t[:20]}", key(t) in boxes))
    inside = sum(len(cjk_chars(c.text)) for c in doc.clauses)
    inside += sum(len(cjk_chars(ch.heading)) + sum(len(cjk_chars(s.heading)) for s in ch.sections) for ch in doc.chapters)
    inside += sum(len(cjk_chars(b.heading)) for b in doc.boxes) + sum(len(cjk_chars(t.title)) for t in doc.tables)
    inside += len(cjk_chars(doc.title)) + len(cjk_chars(" ".join({ch.part or "" for ch in doc.chapters})))
    raw = stats.get("raw_chars") or 1
    outside = max(0, raw - inside) / raw
    checks.append((f"正文外汉字 {outside:.1%}", outside <= 0.05))
    return checks


def run(names: list[str], verbose: bool) -> int:
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="plankb-outline-"))
    totals = {"tuned": [0, 0], "held_out": [0, 0], "blind": [0, 0]}
    for path in sorted(OUTLINES.glob("*.json")):
        if names and path.stem not in names:
            continue
        expected = json.loads(path.read_text(encoding="utf-8"))
        for src in expected["sources"]:
            t0 = time.perf_counter()
            try:
                result = ingest_file(_source(src, tmp), ROOT / "corpus")
                doc = parse_document(result.markdown)
                checks = check(expected, doc, result.report.stats)
                error = None
            except (IngestError, ParseError) as e:
                n = 2 + 2 * len(expected["chapters"]) + len(expected["boxes"]) + (1 if expected.get("parts") else 0) + 1
                checks, error = [("ingest", False)] * n, str(e)
            secs = time.perf_counter() - t0
            held = sum(ok for _, ok in checks)
            group = "blind" if expected.get("blind") else "held_out" if expected.get("held_out") else "tuned"
            totals[group][0] += held
            totals[group][1] += len(checks)
            tag = {"blind": "（留出·未看）", "held_out": "（留出）", "tuned": ""}[group]
            print(f"{held:4d}/{len(checks):<4d} {held / len(checks):6.1%}  {secs:5.1f} s  {src}{tag}"
                  + (f"  —— {error}" if error else ""))
            if verbose and not error and group != "blind":
                for label, ok in checks:
                    if not ok:
                        print(f"            ✗ {label}")
    labels = {"tuned": "调校用", "held_out": "留出（未调校）", "blind": "留出（修改时从未查看）"}
    for group, (held, total) in totals.items():
        if total:
            label = labels[group]
            print(f"{label}：{held}/{total} = {held / total:.1%}")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(run([a for a in args if not a.startswith("-")], "--verbose" in args or "-v" in args))
