"""The DOCX 任务分解表 as LibreOffice prints it: a 6-row list fits one A4 landscape page.

Needs LibreOffice Writer (`soffice`; `apt-get install libreoffice-writer-nogui`, which
`make test` installs through scripts/install-browser-deps.sh); without it the test is
skipped and says why. The page count is read from the PDF LibreOffice writes.
"""
import re
import shutil
import subprocess

import pytest

from office.export import build_rows, export_bytes
from office.export.options import options_from

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

# a section of the seed plan (its intro, two tasks, its box, a third task) and an
# indicator row, filled with the units and deadlines the plan itself names
SIX = ["gd-ip-14fyp:3.2.p1", "gd-ip-14fyp:3.2.p2", "gd-ip-14fyp:box1.p1", "gd-ip-14fyp:3.2.p3",
       "gd-ip-14fyp:3.2.p4", "gd-ip-14fyp:t2.r4"]


def pdf_pages(docx: bytes, tmp_path) -> int:
    src = tmp_path / "list.docx"
    src.write_bytes(docx)
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: runs in parallel never share a lock
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=900)
    pdf = (tmp_path / "list.pdf").read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install -y libreoffice-writer-nogui")
def test_a_six_row_list_fits_one_a4_landscape_page(corpus, tmp_path):
    """Issue 11 #14: the same six rows took three pages when every row was kept whole."""
    rows = build_rows(corpus, SIX, suggest=True)
    assert len(rows) == 6 and all(r.lead_unit for r in rows[:5])
    data = export_bytes(rows, "docx", "司法保护重点任务分解表")[0]
    assert pdf_pages(data, tmp_path) == 1
    # and a whole chapter still prints, page after page, without a row lost to the margin
    many = build_rows(corpus, [f"gd-ip-14fyp:3.{s}.p{p}" for s in range(1, 6) for p in range(1, 5)], suggest=True)
    assert pdf_pages(export_bytes(many, "docx", "第三章重点任务分解表")[0], tmp_path) >= 3


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: "
                    "apt-get install -y libreoffice-writer-nogui")
def test_six_rows_with_the_attachment_heading_fit_one_page_at_wuhao(corpus, tmp_path):
    """Review of issue 11 #12/#14: with “附件1” and the plan's name over the title the same
    six rows took two pages, and the body was half a point under 五号. Now the body is
    五号 (10.5 pt) on a fixed line pitch, and the attachment still fits one A4 landscape page."""
    import io

    from docx import Document

    rows = build_rows(corpus, SIX, suggest=True)
    data = export_bytes(rows, "docx", "司法保护重点任务分解表", options_from({"attachment": "1"}))[0]
    doc = Document(io.BytesIO(data))
    assert doc.paragraphs[0].text == "附件1" and "《广东省知识产权保护和运用“十四五”规划》" in doc.paragraphs[2].text
    body = doc.styles["任务表正文"]
    assert body.font.size.pt == 10.5 and body.paragraph_format.line_spacing.pt == 12
    assert pdf_pages(data, tmp_path) == 1
