"""Adding a plan from the web: an uploaded file is staged in the instance folder, reviewed
(the ingest's uncertain decisions, fixed by corrections written to the staged sidecar),
then published: stored in the office database (office.published: raw file, sidecar,
Markdown, who and when, a version) and from there written into the corpus folder every
server serves.

Why staging lives in the instance folder: the corpus is what every search, outline and
export reads, so nothing enters it until an administrator publishes, and then only whole
files (temporary name, then rename; the Markdown last, because its appearance is what
makes the plan visible). Staging is one server's business; the published plan is every
server's, hence the database.

Why the index is built before the files move: ``index.store`` swaps builds with a pointer
file, keyed by the corpus content hash. Publishing builds the index for a *view* of the
corpus as it will be (the real files linked, the new plan added) in a background thread
while the old index keeps serving; when the build is live the files are renamed into the
corpus, whose hash then matches the new build, so the web app opens it at once instead
of rebuilding inside a request.

Imports run one way: kb and index only; no web code here.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
import tomllib
from contextlib import contextmanager
from pathlib import Path

from kb.atomic import atomic_write_bytes, atomic_write_text
from kb.filelock import exclusive

log = logging.getLogger("plankb.import")

SUBDIR = "import"
TOKEN = re.compile(r"[0-9a-f]{16}")
KINDS = {"pdf": "pdf", "zip": "docx", "html": "html", "text": "txt"}  # readers.sniff → file suffix
KIND_LABELS = {"pdf": "PDF", "docx": "Word（.docx）", "html": "网页", "txt": "文本"}
FIX_KINDS = {  # what a click on the review page may write, and the fields it needs
    "furniture": ("这一行是页眉页脚", ()),
    "keep_apart": ("这一行不属于上一行的标题", ()),
    "split_heading": ("这一行是节标题（在标题文字后断开）", ("after",)),
    "box_extends": ("专栏延续到这一行", ("box",)),
    "title": ("以此为规划标题", ()),
    "heading": ("这一行是标题（无编号，与章同级）", ()),
}
DEFAULT_WHY = {
    "furniture": "导入审核：此行是页眉页脚，不属于正文。",
    "keep_apart": "导入审核：此行是正文，不是上一行标题的后半。",
    "split_heading": "导入审核：此行开头是节标题，标题后是正文。",
    "box_extends": "导入审核：此段仍属专栏。",
    "title": "导入审核：规划标题。",
    "heading": "导入审核：此行是无编号的标题。",
}
MAX_WHY = 500


class PlanError(Exception):
    """An import step refused; the message is Chinese and says what to do; ``status`` is
    the HTTP answer a web front end gives."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# -- where things live -------------------------------------------------------------------

def staging_root(instance: Path | str) -> Path:
    return Path(instance) / SUBDIR


def staged_dir(instance, token: str) -> Path:
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise PlanError("没有这份待发布的规划（编号无效）。", 404)
    folder = staging_root(instance) / token
    if not (folder / "meta.json").is_file():
        raise PlanError("没有这份待发布的规划（可能已发布或已删除）。", 404)
    return folder


def _meta(folder: Path) -> dict:
    return json.loads((folder / "meta.json").read_text(encoding="utf-8"))


def _save_meta(folder: Path, meta: dict) -> None:
    atomic_write_text(folder / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1))


# -- the sidecar, written from data ------------------------------------------------------

def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(type(v))


def sidecar_text(config: dict) -> str:
    out = ["# 导入审核写下的元数据与更正（what、行号、why），发布时随原文件放入语料。", "", "[document]"]
    out += [f"{k} = {_toml_value(v)}" for k, v in config.get("document", {}).items()]
    for c in config.get("correction", []):
        out += ["", "[[correction]]"] + [f"{k} = {_toml_value(v)}" for k, v in c.items()]
    return "\n".join(out) + "\n"


def _read_sidecar(folder: Path, doc_id: str) -> dict:
    return tomllib.loads((folder / f"{doc_id}.toml").read_text(encoding="utf-8"))


# -- staging ------------------------------------------------------------------------------

def corpus_ids(corpus_dir: Path | str) -> set[str]:
    return {p.stem for p in Path(corpus_dir).glob("*.md") if p.name.upper() != "README.MD"}


def stage_upload(instance, corpus_dir, data: bytes, filename: str, doc_id: str | None, actor: str,
                 database=None, replace: bool = False) -> str:
    """Check an uploaded file, keep it in a new staging folder with its sidecar, run the
    ingest once; return the staging token. A file that is not a plan leaves nothing.
    With ``database``, an id published there (office.published) is taken too; with
    ``replace``, a taken id is allowed and publishing replaces that plan (a new version)."""
    from kb.ingest.readers import sniff
    from kb.model import DOC_ID_RULE, doc_id_from_name, valid_doc_id

    if not data:
        raise PlanError("上传的文件是空的：请选择规划的 PDF、Word（.docx）、网页或文本文件。")
    kind = sniff(data, filename or "")
    if kind == "doc":
        raise PlanError("这是旧版 Word 文件（.doc），无法直接读取：请在 Word 或 WPS 中另存为 .docx 后再导入。", 415)
    if kind == "image":
        raise PlanError("这是一张图片，不是规划文本：请导入规划的 PDF、Word（.docx）、网页或文本文件。", 415)
    if kind not in KINDS:
        raise PlanError("无法识别文件内容：只能导入 PDF、Word（.docx）、网页（.html）或文本（.txt）文件。", 415)
    if kind == "zip":
        _check_zip(data)
    stem = Path(filename or "").stem
    doc_id = (doc_id or "").strip() or None
    if doc_id is None:
        derived, suggestion = doc_id_from_name(stem) if stem else (None, "my-plan")
        if derived is None:
            raise PlanError(f"文件名“{stem[:40]}”不能作文档编号（{DOC_ID_RULE}）：请在“文档编号”一栏填写，"
                            f"例如 {suggestion}。")
        doc_id = derived
    if not valid_doc_id(doc_id):
        raise PlanError(f"文档编号“{doc_id[:64]}”不可用：{DOC_ID_RULE}。")
    if database is not None:
        from office.published import served_ids

        taken = served_ids(database, corpus_dir)
    else:
        taken = corpus_ids(corpus_dir)
    if doc_id in taken and not replace:
        raise PlanError(f"语料中已有编号为“{doc_id}”的规划：请换一个文档编号；要以新版本替换它，"
                        "请勾选“替换已有的同编号规划”。", 409)
    root = staging_root(instance)
    root.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(8)
    folder = root / token
    folder.mkdir()
    try:
        suffix = KINDS[kind]
        atomic_write_bytes(folder / f"{doc_id}.{suffix}", data)
        atomic_write_text(folder / f"{doc_id}.toml", sidecar_text({"document": {"id": doc_id}}))
        _save_meta(folder, {"token": token, "doc_id": doc_id, "kind": suffix, "filename": (filename or "")[:200],
                            "size": len(data), "uploaded_by": actor, "uploaded_at": _now(),
                            "status": "staged", "message": "", "replace": doc_id in taken})
        _review(folder, corpus_dir)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return token


UNZIPPED_MAX = 200 * 1024 * 1024  # a Word plan unpacks to a few MiB; a zip bomb to gigabytes


def _check_zip(data: bytes) -> None:
    """A .docx is a zip: refuse one that would unpack to far more than any plan before
    python-docx unpacks it (a zip bomb would take the server's memory)."""
    import io
    import zipfile

    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise PlanError("这是一个损坏的压缩文件，不是 Word（.docx）文件：请重新导出后再导入。", 422) from None
    if sum(i.file_size for i in infos) > UNZIPPED_MAX or len(infos) > 10000:
        raise PlanError("这个 Word 文件解压后过大，不像一份规划：已拒绝。", 413)


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()) + " UTC"


def _ingest(folder: Path, corpus_dir):
    """The ingest of a staged file with its sidecar; every failure is one Chinese reason."""
    from kb.ingest import IngestError, ingest_file

    meta = _meta(folder)
    raw = folder / f"{meta['doc_id']}.{meta['kind']}"
    try:
        return ingest_file(raw, Path(corpus_dir), doc_id=meta["doc_id"])
    except IngestError as e:
        raise PlanError(_not_a_plan(str(e)), 422) from None
    except RecursionError:
        raise PlanError("文件结构嵌套过深，无法读取：这不像一份规划。", 422) from None
    except Exception as e:  # noqa: BLE001 — a hostile or broken file fails inside a library in
        # its own ways (zip, XML, PDF parsers); the person hears one sentence, never a traceback
        raise PlanError(f"无法读取这个文件（{type(e).__name__}）：文件可能已损坏，或不是规划文本。", 422) from None


def _not_a_plan(reason: str) -> str:
    if "章节标题" in reason:
        return reason + "。请确认上传的是规划正文（如为扫描件，请先做文字识别）。"
    return reason


def _review(folder: Path, corpus_dir) -> dict:
    """Run the ingest and keep what the review page shows (so a page view never re-reads a PDF)."""
    from kb.ingest.review import uncertain_decisions

    result = _ingest(folder, corpus_dir)
    state, report = result.state, result.report
    places = report.places
    removed = {}
    for r in report.removals:
        for no in r.lines:
            removed[no] = r.reason
    decision_lines = {}
    decisions = uncertain_decisions(result)
    for i, d in enumerate(decisions):
        d["id"] = i
        if d["line"]:
            decision_lines.setdefault(d["line"], []).append(i)
    source = []
    for no, text in enumerate(state.raw_lines, 1):
        page = places.get(no)
        source.append({"line": no, "text": text, "page": page[0] if page else None,
                       "removed": removed.get(no, ""), "decisions": decision_lines.get(no, [])})
    outline = []
    for b in state.blocks:
        first, last = b.span
        text = b.text if b.kind != "table" else b.text.split("\n", 1)[0].replace("\t", "｜")
        title = str(b.data.get("title") or "")
        if b.data.get("runs_into_text") and title and title in text:  # 1.标题。正文…: the heading alone
            text = text[:text.index(title) + len(title)]
        outline.append({"kind": b.kind, "text": text[:80] + ("…" if len(text) > 80 else ""),
                        "first": first, "last": last, "box": b.box,
                        "number": str(b.data.get("number", "")) if b.kind in ("part", "chapter", "section", "box") else "",
                        "decisions": sorted({i for no in range(first, last + 1) for i in decision_lines.get(no, [])})})
    data = {"doc_id": result.doc_id, "title": state.config["document"].get("title") or state.title, "metadata": report.metadata,
            "counts": {k: sum(1 for b in state.blocks if b.kind == k) for k in ("part", "chapter", "section", "box", "table")},
            "stats": {k: v for k, v in report.stats.items() if isinstance(v, (int, float, str))},
            "corrections": list(report.corrections), "decisions": decisions,
            "outline": outline, "source": source}
    atomic_write_text(folder / "review.json", json.dumps(data, ensure_ascii=False))
    return data


def _settle_stale(instance, folder: Path, meta: dict) -> dict:
    """A plan left "publishing" by a server that stopped mid-way: no thread here runs it and
    no process holds the publish lock, so it can be published (or deleted) again."""
    if meta.get("status") != "publishing":
        return meta
    with _threads_lock:
        if meta["token"] in _running:
            return meta
    root = staging_root(instance)
    with open(root / "publish.lock", "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return meta  # another process is publishing
        try:
            meta = _meta(folder)
            if meta.get("status") == "publishing":
                meta.update(status="staged", message="上次发布没有完成（服务器可能已重启），语料中没有这份规划：可以重新发布。")
                _save_meta(folder, meta)
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
    return meta


def review(instance, token: str) -> dict:
    """What the review page shows: the file's facts, the outline, the source, the decisions."""
    folder = staged_dir(instance, token)
    meta = _settle_stale(instance, folder, _meta(folder))
    try:
        data = json.loads((folder / "review.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PlanError("这份待发布的规划的审核数据缺失：请删除后重新上传。", 409) from None
    return {"meta": meta, **data}


def staged_plans(instance) -> list[dict]:
    root = staging_root(instance)
    out = []
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if TOKEN.fullmatch(folder.name) and (folder / "meta.json").is_file():
                try:
                    out.append(_meta(folder))
                except (OSError, ValueError):
                    continue
    return sorted(out, key=lambda m: m.get("uploaded_at", ""), reverse=True)


# -- corrections ----------------------------------------------------------------------------

def add_correction(instance, corpus_dir, token: str, what: str, line, why: str = "", **fields) -> dict:
    """One decision fixed: a correction (what, where, why) written to the staged sidecar,
    the ingest run again. A correction the ingest then refuses is taken back."""
    folder = staged_dir(instance, token)
    meta = _meta(folder)
    if meta["status"] != "staged":
        raise PlanError("这份规划已在发布或已发布，不能再更正。", 409)
    if what not in FIX_KINDS:
        raise PlanError(f"未知的更正：“{str(what)[:20]}”。")
    try:
        line = int(str(line).strip())
    except ValueError:
        raise PlanError("行号应是数字。") from None
    data = review(instance, token)
    if not 1 <= line <= len(data["source"]):
        raise PlanError(f"行号 {line} 超出原文范围（共 {len(data['source'])} 行）。")
    why = " ".join(str(why or "").split())[:MAX_WHY] or DEFAULT_WHY[what]
    config = _read_sidecar(folder, meta["doc_id"])
    doc = config.setdefault("document", {})
    raw_text = data["source"][line - 1]["text"].strip()
    if what == "title":
        title = " ".join(str(fields.get("title") or "").split()) or raw_text
        if not title:
            raise PlanError(f"第{line}行是空行，不能作标题：请填写标题。")
        doc["title"] = title[:200]
    else:
        c = {"what": what, "line": line}
        if what == "split_heading":
            after = " ".join(str(fields.get("after") or "").split())
            if not after or after not in data["source"][line - 1]["text"]:
                raise PlanError(f"请填写第{line}行中标题的文字（须与原文一致），标题后的文字作为正文。")
            c["after"] = after[:200]
        if what == "box_extends":
            box = str(fields.get("box") or "").strip()
            if not re.fullmatch(r"[0-9]{1,3}", box):
                raise PlanError("请填写专栏编号（数字）。")
            c = {"what": what, "box": box, "through_line": line}
        c["why"] = why
        config.setdefault("correction", []).append(c)
    sidecar = folder / f"{meta['doc_id']}.toml"
    before = sidecar.read_text(encoding="utf-8")
    atomic_write_text(sidecar, sidecar_text(config))
    try:
        return _review(folder, corpus_dir)
    except BaseException:
        atomic_write_text(sidecar, before)
        raise


def discard(instance, token: str) -> None:
    folder = staged_dir(instance, token)
    if _settle_stale(instance, folder, _meta(folder))["status"] == "publishing":
        raise PlanError("正在发布，不能删除。", 409)
    shutil.rmtree(folder, ignore_errors=True)


# -- publishing -------------------------------------------------------------------------------

_threads: dict[str, threading.Thread] = {}
_running: set[str] = set()  # tokens whose publish this process has started and not finished
_threads_lock = threading.Lock()


@contextmanager
def _publish_lock(instance):
    """One publish at a time per instance (two administrators, two servers)."""
    with exclusive(staging_root(instance) / "publish.lock"):
        yield


def start_publish(instance, corpus_dir, token: str, database, actor, on_published=None,
                  replace: bool = False) -> None:
    """Check the plan can be published, then publish in a background thread (the index
    build takes seconds; searches go on with the old index meanwhile). ``corpus_dir`` is
    the bundled corpus folder (office.published serves it plus the database's plans).
    ``on_published()`` runs in that thread once the plan is in the database and in this
    server's corpus folder, before the plan is marked published: the web app uses it to
    switch to the new corpus, so "已发布" means findable."""
    from office.published import served_ids

    folder = staged_dir(instance, token)
    meta = _settle_stale(instance, folder, _meta(folder))
    if meta["status"] in ("publishing", "published"):
        raise PlanError("这份规划已在发布或已发布。", 409)
    replace = replace or bool(meta.get("replace"))  # chosen at upload
    if meta["doc_id"] in served_ids(database, corpus_dir):
        if _stored_already(database, folder, meta):  # a server stopped after storing it
            meta.update(status="published", message="已发布（上次发布已存入数据库，服务器在此之后停止）。")
            _save_meta(folder, meta)
            return
        if not replace:
            raise PlanError(f"语料中已有编号为“{meta['doc_id']}”的规划：请勾选“替换已有的同编号规划”后发布，"
                            "或删除这份待发布的规划后换一个编号重新上传。", 409)
    thread = threading.Thread(target=_publish_job,
                              args=(Path(instance), Path(corpus_dir), token, database, actor, on_published, replace),
                              name=f"plankb-publish-{token}", daemon=True)
    with _threads_lock:
        if token in _running:
            raise PlanError("这份规划正在发布。", 409)
        _running.add(token)
        _threads[token] = thread
    meta.update(status="publishing", message="正在重建检索索引，期间检索照常可用。", started_at=_now())
    _save_meta(folder, meta)
    thread.start()


def _stored_already(database, folder: Path, meta: dict) -> bool:
    """Is this staged file the plan the database serves under its id (same raw bytes)?"""
    from office.published import PlanStore

    store = PlanStore(database)
    row = store.current().get(meta["doc_id"])
    if row is None or row.action != "publish":
        return False
    return store.plan(row.id).raw == (folder / f"{meta['doc_id']}.{meta['kind']}").read_bytes()


def wait_for_publishing(timeout: float | None = None) -> None:
    """Join every publish thread this process started (tests and shutdown)."""
    with _threads_lock:
        threads = list(_threads.values())
    for t in threads:
        t.join(timeout)


def _publish_job(instance: Path, corpus_dir: Path, token: str, database, actor, on_published=None,
                 replace: bool = False) -> None:
    from office.audit import acting_as

    folder = staging_root(instance) / token
    try:
        with acting_as(actor), _publish_lock(instance):
            result = publish(instance, corpus_dir, token, database, replace=replace)
        if on_published is not None:
            try:
                on_published()
            except Exception:  # noqa: BLE001 — the plan is in the corpus; the server's next check serves it
                log.warning("published %s, but switching the server to it failed", token, exc_info=True)
        meta = _meta(folder)
        meta.update(status="published", message=f"已发布：{result['title']}（{result['clauses']} 条条文），检索索引已更新。",
                    published_at=_now(), seconds=result["seconds"], clauses=result["clauses"],
                    version=result["version"])
    except PlanError as e:
        meta = _meta(folder)
        meta.update(status="staged", message=f"发布失败：{e}")
    except Exception as e:  # noqa: BLE001 — a thread has nobody to raise to: the page says what happened
        meta = _meta(folder)
        meta.update(status="staged", message=f"发布失败（{type(e).__name__}）：语料未改动，请稍后重试或联系管理员。")
    try:
        _save_meta(folder, meta)
    finally:
        with _threads_lock:
            _running.discard(token)


def publish(instance, corpus_dir, token: str, database, replace: bool = False) -> dict:
    """The plan into the database and this server's corpus folder: the index built first
    for the corpus as it will be, then the plan stored (raw file, sidecar with the
    corrections, Markdown, text copy, who and when; "plan published" in the audit trail,
    same transaction), then written into the served folder (office.published.sync: raw
    files first, the Markdown last). Other servers find it at their next look."""
    from index.store import build_index
    from kb.corpus import _cache as corpus_cache
    from kb.corpus import load_corpus
    from kb.parse import ParseError, parse_document
    from office.published import PlanFiles, PlanStore, PlanStoreError, bundled_ids, sync

    started = time.perf_counter()
    base = Path(corpus_dir).resolve()
    served = sync(database, base, instance)
    folder = staged_dir(instance, token)
    meta = _meta(folder)
    doc_id = meta["doc_id"]
    if doc_id in corpus_ids(served) and not replace:
        raise PlanError(f"语料中已有编号为“{doc_id}”的规划。", 409)
    result = _ingest(folder, served)
    try:
        doc = parse_document(result.markdown, path=served / f"{doc_id}.md")
    except ParseError as e:
        raise PlanError(f"生成的规范 Markdown 无法解析：{e}", 422) from None
    plan = PlanFiles.from_ingest(result, folder / f"{doc_id}.{meta['kind']}",
                                 (folder / f"{doc_id}.toml").read_text(encoding="utf-8"))
    plan.title = doc.title or plan.title
    view = folder / "corpus-view"
    shutil.rmtree(view, ignore_errors=True)
    try:
        _link_view(served, view, {f"{doc_id}.md": plan.markdown.encode("utf-8")})
        future = load_corpus(view)
        if future.document(doc_id) is None:
            raise PlanError("新规划未能载入：" + "；".join(future.problems[:2]), 422)
        built = build_index(future, instance)  # live from here on: its hash is the corpus-to-be's
    finally:
        corpus_cache.pop(view.resolve(), None)
        shutil.rmtree(view, ignore_errors=True)
    try:
        version = PlanStore(database).publish(plan, origin="import", replace=replace, bundled=bundled_ids(base))
    except PlanStoreError as e:
        raise PlanError(str(e), e.status) from None
    sync(database, base, instance)
    return {"doc_id": doc_id, "title": plan.title, "clauses": built.get("clauses", 0), "version": version,
            "seconds": round(time.perf_counter() - started, 2)}


def _link_view(corpus_dir: Path, view: Path, extra: dict[str, bytes]) -> None:
    """A folder that reads as the corpus will after publishing: every data file of the
    corpus linked (same relative paths, so the content hash is the same), plus the new
    plan's Markdown as a real file (in place of the plan it replaces, if any)."""
    from kb.corpus import _data_files

    view.mkdir(parents=True)
    for p in _data_files(corpus_dir):
        rel = p.relative_to(corpus_dir)
        (view / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(p.resolve(), view / rel)
    for rel, data in extra.items():
        (view / rel).unlink(missing_ok=True)  # a replaced plan: never write through the link
        (view / rel).write_bytes(data)
