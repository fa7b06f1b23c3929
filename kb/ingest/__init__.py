"""Raw plan text (from a PDF, HTML or OCR) to canonical Markdown.

The ingest is a named chain of small rules, each doing one job on a shared state
(markdown-it style), so that a new kind of artefact means one new rule, not a rewrite.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kb.ingest import blocks, boxes, contents, corrections, frontmatter, pagelayout, tables
from kb.ingest.accounting import account
from kb.ingest.emit import emit
from kb.ingest.readers import ReadError, Source, read
from kb.ingest.readers.text import clean_line, split_lines
from kb.ingest.state import Line, Report, State
from kb.atomic import atomic_write_text
from kb.oserror import read_reason


class IngestError(Exception):
    """The input cannot be turned into a plan; the message says why."""


RULES = [
    ("check_corrections", corrections.check_known),
    ("furniture", pagelayout.drop_furniture),
    ("furniture_corrections", corrections.drop_marked_furniture),
    ("image_markers", pagelayout.drop_image_markers),
    ("repeated_lines", pagelayout.drop_repeated_lines),
    ("replace", corrections.apply_replacements),
    ("notice", frontmatter.issuing_notice),
    ("title", pagelayout.find_title),
    ("contents", pagelayout.drop_toc),
    ("page_numbers", pagelayout.drop_page_numbers),
    ("closing", frontmatter.closing_lines),
    ("running_titles", pagelayout.drop_running_titles),
    ("split_headings", pagelayout.split_run_together_headings),
    ("split_heading_corrections", corrections.apply_heading_splits),
    ("wrap_blank_lines", blocks.drop_wrap_blank_lines),
    ("blocks", blocks.group_blocks),
    ("heading_titles", blocks.attach_heading_titles),
    ("table_titles", blocks.mark_table_titles),
    ("join", blocks.join_split_paragraphs),
    ("tables", tables.build_tables),
    ("notes", tables.build_notes),
    ("duplicates", blocks.drop_page_duplicates),
    ("boxes", boxes.close_boxes),
    ("quotes", blocks.check_quotes),
    ("contents_check", contents.check_contents),
]


@dataclass
class IngestResult:
    markdown: str
    report: Report
    state: State
    doc_id: str
    text_copy: tuple[str, str] | None = None  # (path under the corpus, text): the lines {raw=…} counts

    def write(self, folder: Path) -> Path:
        """Into a corpus folder: the reader's lines first (the Markdown's {raw=…} counts
        them), then ``<doc_id>.md``, each atomically; the Markdown's path."""
        folder = Path(folder)
        if self.text_copy:
            write_atomic(folder / self.text_copy[0], self.text_copy[1])
        target = folder / f"{self.doc_id}.md"
        write_atomic(target, self.markdown)
        return target


def _text_copy_path(src: Source, doc_id: str) -> str | None:
    """Where the reader's lines are kept for a plan whose raw file is not UTF-8 text (a PDF,
    Word file, web page, a GB18030 or UTF-16 text, a text with control characters): the
    web page shows a clause's raw lines from there."""
    if src.kind == "text" and not src.removed and src.utf8:
        return None
    return f"raw/{doc_id}.{src.kind}.txt"


def decode(data: bytes) -> str:
    from kb.ingest.readers.text import decode_text

    try:
        return decode_text(data)
    except ReadError as e:
        raise IngestError(str(e)) from None


def load_data(corpus_dir: Path) -> tuple[dict, dict]:
    variants = {}
    vpath = corpus_dir / "dict" / "variants.tsv"
    if vpath.exists():
        for line in vpath.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                old, new = line.split("\t")[:2]
                variants[old] = new
    spath = corpus_dir / "dict" / "structure.toml"
    structure = tomllib.loads(spath.read_text(encoding="utf-8")) if spath.exists() else {}
    return variants, structure


def text_source(text: str) -> Source:
    """Text already decoded: its lines, with control characters taken out (and listed)."""
    src = Source("text", [])
    for no, line in enumerate(split_lines(text), 1):
        line, gone = clean_line(line)
        if gone:
            src.removed.append(("控制字符", gone, no))
        src.lines.append(line)
    return src


def ingest_text(text: str, config: dict | None = None, variants=None, structure=None,
                doc_id: str = "doc") -> IngestResult:
    return ingest_source(text_source(text), config, variants, structure, doc_id)


def ingest_source(src: Source, config: dict | None = None, variants=None, structure=None,
                  doc_id: str = "doc") -> IngestResult:
    """The rules chain over a reader's lines (and the layout facts it has)."""
    config = dict(config or {})
    config["document"] = dict(config.get("document") or {})
    config["document"].setdefault("id", doc_id)
    copy = _text_copy_path(src, config["document"]["id"])
    if copy:
        config["document"].setdefault("raw", copy)
    state = State([Line(i, t) for i, t in enumerate(src.lines, 1)], config, variants or {}, dict(structure or {}))
    state.layout, state.source_kind, state.raw_lines = src.layout, src.kind, src.lines
    state.report.places = {no: (lay.page, lay.page_line) for no, lay in src.layout.items() if lay.page}
    for reason, gone, no in src.removed:
        state.report.removed(reason, gone, [no])
    for note in src.notes:
        state.report.warn(note)
    text = src.text
    for name, rule in RULES:
        try:
            rule(state)
        except (ValueError, KeyError) as e:
            raise IngestError(f"{name}：{e}") from None
    kinds = {b.kind for b in state.blocks}
    if not kinds & {"chapter", "section"}:
        raise IngestError("这不像一份规划：没有找到“第X章”“第X节”或“一、”“（一）”等章节标题")
    _period(state)
    md = emit(state)
    state.report.stats = account(text, md, state)
    return IngestResult(md, state.report, state, config["document"]["id"],
                        (config["document"]["raw"], text) if copy else None)


def _period(state: State) -> None:
    """十四五 → 2021–2025: the period a five-year plan names in its title."""
    doc = state.config["document"]
    if "period" in doc:
        return
    from kb.numerals import five_year_period, to_int

    m = re.search(r"[第“\"]?([一二三四五六七八九十]+)个?五", state.title)
    n = to_int(m.group(1)) if m else None
    if n and n >= 3:
        start, end = five_year_period(n)
        doc["period"] = {"start": start, "end": end}
    else:
        state.report.warn("未能从标题判断规划期，请在 .toml 的 [document] 中写 period")


def ingest_file(raw_path: Path, corpus_dir: Path, doc_id: str | None = None) -> IngestResult:
    """A plan file (PDF, Word, web page or text) and its sidecar ``<name>.toml`` beside it.
    The document id is ``doc_id`` (``--id``), else the sidecar's, else made from the file
    name; one that could write outside the output folder or break the corpus is refused."""
    raw_path = Path(raw_path)
    try:
        data = raw_path.read_bytes()
    except OSError as e:
        raise IngestError(f"无法读取 {raw_path}：{read_reason(e)}") from None
    try:
        src = read(data, raw_path.name)
    except ReadError as e:
        raise IngestError(str(e)) from None
    config = read_sidecar(raw_path.with_suffix(".toml"))
    doc = config.setdefault("document", {})
    doc_id = _document_id(raw_path, doc_id, doc.get("id"))
    doc["id"] = doc_id
    variants, structure = load_data(Path(corpus_dir))
    return ingest_source(src, config, variants, structure, doc_id=doc_id)


def _document_id(raw_path: Path, given: str | None, sidecar) -> str:
    from kb.model import DOC_ID_RULE, doc_id_from_name, valid_doc_id

    if given is not None:
        if not valid_doc_id(given):
            raise IngestError(f"--id {given!r} 不可用：{DOC_ID_RULE}")
        return given
    if sidecar is not None:
        if not valid_doc_id(sidecar):
            raise IngestError(f"{raw_path.with_suffix('.toml')}：[document] 的 id = {sidecar!r} 不可用：{DOC_ID_RULE}")
        return sidecar
    derived, suggestion = doc_id_from_name(raw_path.stem)
    if derived is None:
        raise IngestError(f"文件名“{raw_path.stem}”不能作文档编号（{DOC_ID_RULE}）："
                          f"请用 --id 指定，例如 --id {suggestion}")
    return derived


def _toml_reason(e: tomllib.TOMLDecodeError) -> str:
    msg = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    where = f"第{m.group(1)}行第{m.group(2)}列" if m else ""
    return f"TOML 格式错误{('（' + where + '）') if where else ''}，请检查引号、括号与等号"


def read_sidecar(sidecar: Path) -> dict:
    """The sidecar's metadata and corrections, checked for shape, or one Chinese reason."""
    if not sidecar.exists():
        return {}
    try:
        data = sidecar.read_bytes()
    except OSError as e:
        raise IngestError(f"无法读取 {sidecar}：{read_reason(e)}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IngestError(f"{sidecar} 不是 UTF-8 编码（可能是 GBK）：请用 UTF-8 另存后重试") from None
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise IngestError(f"{sidecar}：{_toml_reason(e)}") from None
    if not isinstance(config.get("document", {}), dict):
        raise IngestError(f"{sidecar}：document 应是一段 [document]（元数据表），而不是 {config['document']!r}")
    corrections_ = config.get("correction", [])
    if not isinstance(corrections_, list) or not all(isinstance(c, dict) for c in corrections_):
        raise IngestError(f"{sidecar}：correction 应写成若干段 [[correction]]（每段一条更正），而不是 {corrections_!r}")
    return config


def write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
