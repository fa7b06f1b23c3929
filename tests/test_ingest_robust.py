"""Plans the ingest has never seen: fragments and shuffles of real plans must either be
refused with a reason or come out complete (every Chinese character accounted for) and
parseable. Seeded, so a failure reproduces."""
import random
from pathlib import Path

import pytest

from kb.ingest import IngestError, ingest_text, load_data
from kb.parse import parse_document

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["corpus/raw/gd-ip-14fyp.txt", "tests/data/samples/shandong-education-14fyp.txt",
           "tests/data/samples/yunnan-10fyp-outline-ocr.txt", "tests/data/variants/city-plan-variants.txt"]


@pytest.mark.parametrize("seed", range(4))
def test_fragments_and_shuffles_never_crash_nor_lose_text(seed):
    variants, structure = load_data(ROOT / "corpus")
    texts = [(ROOT / p).read_text(encoding="utf-8").split("\n") for p in SOURCES]
    rng = random.Random(seed)
    accepted = 0
    for _ in range(15):
        lines = rng.choice(texts)
        a = rng.randrange(len(lines))
        part = lines[a:rng.randrange(a, len(lines) + 1)]
        if rng.random() < 0.5:
            rng.shuffle(part)
        try:
            r = ingest_text("\n".join(part), {}, variants, structure, doc_id="frag")
        except IngestError as e:
            assert str(e)
            continue
        accepted += 1
        assert r.report.stats["missing"] == "" and r.report.stats["invented"] == ""
        doc = parse_document(r.markdown)
        assert doc.chapters
    assert accepted > 0


def test_long_repetitive_lines_are_read_and_accounted_for():
    """OCR reads a table rule as 一一一…: such a line is text like any other (the repeat
    search is linear; bench/ingest_speed.py times 30,000 characters and a 10 MB line)."""
    from kb.ingest import ingest_text
    from kb.ingest.blocks import tandem_repeats

    r = ingest_text("测试规划\n\n第一章　总则\n\n" + "一" * 30_000 + "\n", doc_id="x")
    assert r.report.stats["missing"] == "" and r.report.stats["invented"] == ""
    fragment = "建设知识产权保护中心，完善快速维权机制。"
    text = "前言。" + fragment * 3 + "结语。"
    hits = tandem_repeats(text)
    assert [length for _, length in hits] == [len(fragment)] * 2
    kept, pos = "", 0
    for start, length in hits:
        kept, pos = kept + text[pos:start], start + length
    assert kept + text[pos:] == "前言。" + fragment + "结语。"


def test_variants_cut_shuffled_or_run_together_never_crash_nor_lose_text():
    """Lines lost, shuffled or run into one (as copying out of a PDF does) give a plan or one
    IngestError, never a Python error, and every Chinese character stays accounted for. (It
    found a notice whose title and body were cut apart ending in an AttributeError.)"""
    import random
    from pathlib import Path

    from kb.ingest import IngestError, ingest_text
    from kb.parse import parse_document

    data = Path(__file__).resolve().parent / "data"
    sources = [(data / p).read_text(encoding="utf-8") for p in (
        "variants/province-plan-pdftext.txt", "variants/ocr-pages-image-markers.txt",
        "variants/parts-over-enum.txt", "variants/chapters-with-enum-sections.txt",
        "samples/yunnan-10fyp-outline-ocr.txt", "variants/province-plan-pdftext.txt",
        "variants/sections-through-chapters-pdftext.txt", "holdout/caomuye-guidance.txt")]
    rng = random.Random(1)
    for _ in range(120):
        lines = rng.choice(sources).split("\n")
        op = rng.randrange(4)
        if op == 0:
            k = rng.randrange(len(lines))
            lines = lines[k:k + rng.randrange(1, 60)]
        elif op == 1:
            rng.shuffle(lines)
        elif op == 2:
            lines = [ln for ln in lines if rng.random() > 0.3]
        else:
            lines = ["".join(lines)]
        try:
            r = ingest_text("\n".join(lines), doc_id="x")
        except IngestError:
            continue
        parse_document(r.markdown)
        assert r.report.stats["missing"] == "" and r.report.stats["invented"] == ""
