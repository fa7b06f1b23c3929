"""The second hold-out round (tests/data/holdout/): real documents the ingest was not written
for, as web text and printed to PDF (hard-wrapped lines, — N — footers)."""
from __future__ import annotations

from pathlib import Path

from kb.ingest import ingest_file
from kb.parse import parse_document

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT = Path(__file__).resolve().parent / "data" / "holdout"


def _outline(path: Path):
    r = ingest_file(path, ROOT / "corpus")
    return r, parse_document(r.markdown)


def test_run_in_section_title_cut_by_the_wrap_is_completed_from_the_next_line():
    # （一）发展草牧业是统筹农村牧区生态与生产的重要平 / 台。草牧业以…: the title ends at “台。”
    r, doc = _outline(HOLDOUT / "caomuye-guidance.pdf")
    assert [s.title for s in doc.chapters[0].sections] == [
        "发展草牧业是统筹农村牧区生态与生产的重要平台", "发展草牧业是推进农业供给侧结构性改革的重要切入点",
        "发展草牧业是农牧业增效和农牧民增收的重要举措"]
    first = doc.clauses[1]
    assert first.text.startswith("草牧业以饲草资源的保护利用为基础") and "台。" not in first.text[:3]
    assert any(d for d in r.report.decisions if "标题跨行且接正文" in str(d))
    # standing-alone section titles of the same plan are not touched
    assert [s.title for s in doc.chapters[1].sections] == ["指导思想", "基本原则", "主要目标"]


def test_holdout_texts_and_pdfs_give_the_same_outline():
    for name in ("caomuye-guidance", "tcm-14fyp-part"):
        _, a = _outline(HOLDOUT / f"{name}.txt")
        _, b = _outline(HOLDOUT / f"{name}.pdf")
        assert [(c.title, [s.title for s in c.sections]) for c in a.chapters] == \
               [(c.title, [s.title for s in c.sections]) for c in b.chapters]
