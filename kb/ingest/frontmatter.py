"""Front and back matter of an issued plan: the issuing notice on top (关于印发…的通知, its
文号 such as 国办发〔2021〕43号, the issuer and the date) and the closing lines (抄送、印发).
They are document metadata, not clauses: read into the front matter, and listed in the
report as removed with their raw lines so that every character stays accounted for."""
from __future__ import annotations

import re

from kb.ingest.state import State

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［【（(]\s*(?:19|20)\d{2}\s*[〕\]］】）)]\s*第?\d{1,4}\s*号")
DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NOTICE = re.compile(r"关于印发.*通知")
_CLOSING = re.compile(r"^\s*(?:抄\s*送|抄\s*报|主\s*送|分\s*送)\s*[:：]|印\s*发\s*$|^\s*[（(]此件公开发布[）)]\s*$")


def _squash(text: str) -> str:
    return re.sub(r"[\s\u3000]", "", text)


def _date(text: str) -> str | None:
    m = DATE.search(text)
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None


def issuing_notice(state: State) -> None:
    """An issuing notice above the plan: from the top to the line before the plan's title
    (named in the notice: 印发《…》 or 关于印发…的通知), or to the notice's date."""
    lines = state.lines
    head = [i for i, ln in enumerate(lines[:40]) if ln.text.strip()]
    start = None
    for k, i in enumerate(head):
        joined = "".join(_squash(lines[j].text) for j in head[k:k + 3])
        if "关于印发" in _squash(lines[i].text) or (k + 1 < len(head) and "关于印发" in joined[:40]):
            m = _NOTICE.search(joined)
            if m:
                start = i
                break
    if start is None:
        return
    joined = "".join(_squash(ln.text) for ln in lines[start:start + 8] if ln.text.strip())
    m = re.search(r"关于印发(.+?)的通知", joined)
    name = m.group(1).strip("《》") if m else ""
    names = set(re.findall(r"《([^》]{4,80})》", "".join(ln.text for ln in lines[start:start + 30])))
    if name:
        names.add(name)
    end = None
    for i in range(start + 1, min(len(lines), start + 80)):
        sq = _squash(lines[i].text)
        if not sq or i <= start + 1:
            continue
        nxt = next((_squash(ln.text) for ln in lines[i + 1:i + 3] if ln.text.strip()), "")
        if sq in names or (sq + nxt) in names:  # the title may be printed over two lines
            end = i
            break
    if end is None:  # no title line after the notice: it ends after its date (and 此件公开发布)
        dates = [i for i in range(start, min(len(lines), start + 40)) if DATE.fullmatch(_squash(lines[i].text))]
        if not dates:
            return
        end = dates[0] + 1
        while end < len(lines) and (not lines[end].text.strip() or _CLOSING.search(lines[end].text)):
            end += 1
    notice = lines[:end]
    found = _NOTICE.search(joined)
    meta = {"notice": "关于印发" + name + "的通知" if name else (found.group(0) if found else "关于印发的通知")}
    for ln in notice:
        t = _squash(ln.text)
        if "doc_number" not in meta and DOC_NUMBER.search(t) and len(t) <= 30:
            meta["doc_number"] = DOC_NUMBER.search(t).group(0)
        if DATE.fullmatch(t) and "date" not in meta:
            meta["date"] = _date(t)
            prev = next((p for p in reversed(notice[:notice.index(ln)]) if p.text.strip()), None)
            if prev is not None and len(_squash(prev.text)) <= 30 and not re.search(r"[。，：；]", prev.text):
                meta["issuer"] = _squash(prev.text)
    if "issuer" not in meta:
        top = _squash(notice[0].text)
        if top.endswith("文件") and len(top) <= 30:
            meta["issuer"] = top[:-2]
    for ln in notice:
        state.report.removed("印发通知", ln.text, [ln.no])
    state.report.decide("front_matter", notice[0].no,
                        f"第{notice[0].no}–{notice[-1].no}行是印发通知，读作文档信息：" +
                        "；".join(f"{k}={v}" for k, v in meta.items()))
    _record(state, meta)
    state.lines = lines[end:]


def closing_lines(state: State) -> None:
    """抄送：… and “XX办公厅 2021年10月12日印发” at the end of the plan."""
    lines = state.lines
    i = len(lines)
    while i > 0 and not lines[i - 1].text.strip():
        i -= 1
    cut = i
    k = i - 1
    while k >= 0 and i - k <= 8:
        t = lines[k].text
        if not t.strip():
            k -= 1
            continue
        if _CLOSING.search(t) or (DATE.search(t) and _squash(t).endswith("印发")):
            cut = k
            k -= 1
            continue
        break
    if cut == i:
        return
    meta = {}
    for ln in lines[cut:i]:
        t = _squash(ln.text)
        if t.endswith("印发") and DATE.search(t):
            meta["printed"] = _date(t)
            who = DATE.split(t)[0]
            if who and "issuer" not in state.config.get("document", {}):
                meta.setdefault("printed_by", who)
        if ln.text.strip():
            state.report.removed("抄送印发", ln.text, [ln.no])
    state.report.decide("back_matter", lines[cut].no, f"第{lines[cut].no}行起是抄送、印发栏，读作文档信息")
    _record(state, meta)
    state.lines = lines[:cut] + lines[i:]


def _record(state: State, meta: dict) -> None:
    doc = state.config.setdefault("document", {})
    state.report.metadata.update(meta)
    for key, value in meta.items():
        doc.setdefault(key, value)
