"""Rules for what the page layout left in the text: a database header above the title,
the table of contents, page numbers, and headings run together on one line."""
from __future__ import annotations

import re

from kb.ingest import headings as H
from kb.ingest.state import Line, State
from kb.numerals import to_int
from kb.text import has_cjk


def _squash(text: str) -> str:
    return re.sub(r"[\s\u3000]", "", text)


def drop_furniture(state: State) -> None:
    """What repeats in the header or footer band of the pages (a running title, a page
    number, a document number) is page furniture, not text; the reader marked it."""
    if not state.layout:
        return
    keep = []
    for ln in state.lines:
        lay = state.layout.get(ln.no)
        if lay is not None and lay.furniture and ln.text.strip():
            state.report.removed("页眉页脚", ln.text, [ln.no])
        else:
            keep.append(ln)
    state.lines = keep


def find_title(state: State) -> None:
    """The title is the first short line naming the genre (规划, 纲要…); lines above it
    are a header (a database stamp, a newspaper page) and are dropped. A title printed over
    two lines is one title: lines set in the same large type (a PDF), or a next line that
    completes it (…规划和2035年远景 / 目标纲要)."""
    words = state.structure.get("title_words", ["规划", "计划", "纲要"])
    for i, line in enumerate(state.lines[:15]):
        t = line.text.strip()
        if H.PREFIX.match(t):
            continue  # 一、规划背景 is a heading, never the title
        cut = _title_word_cut(state, i, words)
        if cut is not None or (t and len(t) <= 80 and any(w in t for w in words) and not re.search(r"[。；]", t)):
            lo, hi = (i, cut) if cut is not None else _title_span(state, i, words)
            for above in state.lines[:lo]:
                state.report.removed("页眉", above.text, [above.no])
            parts = [ln.text.strip() for ln in state.lines[lo:hi + 1] if ln.text.strip()]
            state.title = parts[0] + "".join(parts[1:]) if len(parts) > 1 else t
            state.title_line = state.lines[lo].no
            if hi > lo:
                state.report.decide("title", state.title_line, f"标题跨 {len(parts)} 行，合为：{state.title}")
            state.lines = state.lines[hi + 1:]
            return
    first = next((ln for ln in state.lines if ln.text.strip()), None)
    if first is None:
        raise ValueError("文本为空")
    given = state.config.get("document", {}).get("title")
    t = first.text.strip()
    if given or len(t) > 80 or re.search(r"[。；]", t) or H.classify(t, True, []) is not None:
        # the first line is text or a heading, not a title: keep it, take the title from the sidecar
        state.title, state.title_line = given or state.config["document"].get("id", ""), 0
        state.report.warn(f"未找到标题行（含“{'/'.join(words)}”的短行）：请在 .toml 的 [document] 中写 title")
        state.report.decide("title", first.no, "未找到标题行，标题暂用文档编号")
        return
    state.report.warn(f"未找到标题行（含“{'/'.join(words)}”的短行），以第{first.no}行为标题")
    state.report.decide("title", first.no, f"以第{first.no}行为标题：{t}")
    state.title, state.title_line = t, first.no
    state.lines = [ln for ln in state.lines if ln.no > first.no]


def _title_word_cut(state: State, i: int, words: list[str]) -> int | None:
    """The next line's index where the wrap cut the genre word of a title line in two
    (…中医药发展规 / 划的通知), else None."""
    t = state.lines[i].text.strip()
    if not t or any(w in t for w in words):
        return None
    k = next((k for k in range(i + 1, min(len(state.lines), i + 3)) if state.lines[k].text.strip()), None)
    if k is None:
        return None
    n = state.lines[k].text.strip()
    joined = t + n
    if (len(joined) <= 80 and not re.search(r"[。；]", joined) and not H.PREFIX.match(n)
            and any(w in joined and w not in n for w in words)):
        return k
    return None


def _title_span(state: State, i: int, words: list[str]) -> tuple[int, int]:
    lines = state.lines
    lay = state.layout.get(lines[i].no) if state.layout else None
    lo = hi = i
    if lay is not None and lay.larger:
        def same(k):
            other = state.layout.get(lines[k].no)
            return other is not None and other.larger and other.size == lay.size and other.page == lay.page

        k = i - 1
        while k >= 0 and i - k <= 3 and (not lines[k].text.strip() or same(k)):
            if lines[k].text.strip():
                lo = k
            k -= 1
        k = i + 1
        while k < len(lines) and k - i <= 3 and (not lines[k].text.strip() or same(k)):
            if lines[k].text.strip():
                hi = k
            k += 1
        return lo, hi
    ends = tuple(words) + ("）", ")")
    t = re.sub(r"\s", "", lines[i].text)
    if i > 0 and lines[i - 1].text.strip():
        above = re.sub(r"\s", "", lines[i - 1].text)
        # 测试省“十四五”知识产权 / 发展规划: the line right above that the title line completes
        if (len(above) <= 40 and not re.search(r"[。，；：、/|:;,]", above) and not any(w in above for w in words)
                and not re.search(r"(?:文件|号|公报|日报|报)$|^\d", above) and len(t) <= 12):
            lo = i - 1
    if not t.endswith(ends):
        nxt = next((k for k in range(i + 1, min(len(lines), i + 3)) if lines[k].text.strip()), None)
        if nxt is not None:
            n = re.sub(r"\s", "", lines[nxt].text)
            if len(n) <= 30 and not re.search(r"[。，；：]", n) and n.endswith(ends):
                hi = nxt
    return lo, hi


_LEADER = re.compile(r"(?:[.·•…‥,，]\s*){3,}|\t")


def _toc_like(text: str, toc_marker_seen: bool) -> bool:
    t = text.strip()
    if not t:
        return True
    if "\t" in text or _LEADER.search(text):
        return True
    sq = _squash(t)
    if re.search(r"(?<![\d－—~～-])\d{1,3}$", sq) and len(sq) <= 60 and not re.search(r"[。；]", sq):
        return True
    if re.match(rf"^第{H.N}[篇章节]", sq) and not re.search(r"[。；]", sq):
        return True
    return len(sq) <= 12 and not re.search(r"[。，；,]", sq)


def _entry_token(text: str) -> str | None:
    """第一章 / 第一部分 / 一、: the number a contents entry or a heading opens with."""
    m = re.match(rf"^(第{H.N}(?:[篇章节]|部分)|[一二三四五六七八九十]+、)", _squash(text))
    return m.group(1) if m else None


def _runs_into_prose(lines: list[Line], i: int) -> bool:
    """A long line whose sentence the next line carries on (a comma or full stop in it, no
    contents entry): body text wrapped, not an entry's title."""
    if len(_squash(lines[i].text)) < 20:
        return False
    nxt = next((ln.text for ln in lines[i + 1:i + 4] if ln.text.strip()), "")
    return bool(re.search(r"[。，；]", nxt)) and not _toc_like(nxt, True) and _entry_token(nxt) is None


def drop_toc(state: State) -> None:
    """A contents list (目录, often OCR-garbled: 冒 录, tab-separated characters, dotted
    leaders, page numbers) sits between the title and the body; it is not body text."""
    markers = state.structure.get("toc_markers", ["目录", "冒录", "目錄"])
    unnumbered = state.structure.get("unnumbered_headings", [])
    lines = state.lines
    start = None
    for i, line in enumerate(lines[:60]):
        sq = _squash(line.text)
        if any(sq.startswith(m) for m in markers) and (i < 20 or len(sq) <= 6):
            start = i
            break
    if start is None:
        return
    end = start + 1
    first_entry, seen = None, False
    def in_toc(i: int) -> bool:
        """A contents line; once the contents open with a clean entry (第一篇), an entry's
        title on a line of its own (pdftotext prints 第一篇 / 开启…新征程) is one too: the
        contents end where their first entry comes again, or where a line runs on into a
        sentence (the preamble's first line, 中华人民共和国…第十四个五年（2021－2025)."""
        if _toc_like(lines[i].text, True):
            return True
        sq = _squash(lines[i].text)
        return (first_entry is not None and len(sq) <= 40 and not re.search(r"[。；，,：:！？]", sq)
                and not _runs_into_prose(lines, i))

    while end < len(lines) and in_toc(end):
        token = _entry_token(lines[end].text)
        if lines[end].text.strip() and not seen:
            first_entry, seen = token, True  # the first entry decides; garbled → no rule
        elif token and token == first_entry:
            break  # the first entry again: the body has begun
        end += 1
    # the body's first unnumbered heading may be glued to the last contents line (…全面落实序言)
    last = lines[end - 1] if end - 1 > start else None
    tail = None
    if last is not None:
        for word in unnumbered:
            if _squash(last.text).endswith(word) and _squash(last.text) != word:
                tail = word
    removed = lines[start:end]
    for ln in removed:
        text = ln.text
        if ln is last and tail:
            text = text.rstrip()[: -len(tail)]
        state.report.removed("目录", text, [ln.no])
    keep = lines[:start] + lines[end:]
    if tail:
        keep.insert(start, Line(last.no, tail))
    state.lines = keep


_PAGE_NO = re.compile(r"^\s*(?:[-—–－·•]\s*)?(?:第\s*)?\d{1,3}(?:\s*页)?(?:\s*[-—–－·•])?\s*$"
                      r"|^\s*(?:第\s*\d{1,3}\s*页\s*[，,/]?\s*共\s*\d{1,3}\s*页|\d{1,3}\s*/\s*\d{1,3})\s*$")

# What OCR and converters leave where a page or picture was: ![](p3.png), <img …>, <!-- image -->,
# [图片], <image>…</image> around a page's text, === 第3页 ===
_IMAGE_MARK = re.compile(
    r"^\s*(?:!\[[^\]]*\]\([^)]*\)|<!--.*?-->|<\s*/?\s*(?:img|image|figure|page|pic|图片|图像)\b[^>]{0,200}>"
    r"|[\[【(（]\s*/?\s*(?:图片|图像|插图|image|img|figure|page|第\s*\d+\s*页)[^\]】)）]{0,40}[\]】)）]"
    r"|[=\-—]{2,}\s*(?:第\s*\d+\s*页|page\s*\d+)\s*[=\-—]{2,})\s*$", re.I)
_INLINE_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|<\s*img\b[^>]*>", re.I)


def drop_image_markers(state: State) -> None:
    """Markers an OCR tool or converter put around pages and pictures are not text."""
    keep = []
    for ln in state.lines:
        if _IMAGE_MARK.match(ln.text):
            state.report.removed("图片标记", ln.text, [ln.no])
            continue
        if _INLINE_IMAGE.search(ln.text):
            for m in _INLINE_IMAGE.finditer(ln.text):
                state.report.removed("图片标记", m.group(0), [ln.no])
            ln = Line(ln.no, _INLINE_IMAGE.sub("", ln.text))
        keep.append(ln)
    state.lines = keep


def drop_repeated_lines(state: State) -> None:
    """Text copied out of a PDF keeps each page's running header (政府公报, the plan's short
    name, 2021年第30期): a short line with no punctuation printed four times or more,
    digits aside, that is no heading, is page furniture. (A PDF's reader marks these itself.)"""
    if state.layout:
        return
    from collections import Counter

    def key(text):
        return re.sub(r"\d+", "#", _squash(text))

    counts = Counter(key(ln.text) for ln in state.lines if ln.text.strip())
    furniture = {k for k, n in counts.items()
                 if n >= 4 and 2 <= len(k) <= 30 and has_cjk(k) and not re.search(r"[，。；：、（）()“”《》？！,.;:]", k)
                 and H.classify(k, True, state.structure.get("unnumbered_headings", [])) is None
                 and not re.match(rf"^(?:第{H.N}[篇章节]|专栏)", k)}
    if not furniture:
        return
    keep = []
    for ln in state.lines:
        if ln.text.strip() and key(ln.text) in furniture:
            state.report.removed("页眉页脚", ln.text, [ln.no])
        else:
            keep.append(ln)
    state.lines = keep


def drop_running_titles(state: State) -> None:
    """The plan's title printed again at the top of each page is a running header."""
    title = _squash(state.title)
    keep = []
    for ln in state.lines:
        if title and _squash(ln.text) == title:
            state.report.removed("页眉", ln.text, [ln.no])
        else:
            keep.append(ln)
    state.lines = keep


def drop_page_numbers(state: State) -> None:
    """A number alone on a line is a page number, wherever it falls, even mid-sentence."""
    keep = []
    for ln in state.lines:
        if _PAGE_NO.match(ln.text) and "\t" not in ln.text:
            state.report.removed("页码", ln.text, [ln.no])
        else:
            keep.append(ln)
    state.lines = keep


RUNON = 1500  # a "line" this long is a whole text run together (a Word file in one paragraph)

_RUNON_MARK = re.compile(r"(?:(?<=^)|(?<=[。！？!；;”]))\s*(?:(?P<ch>[一二三四五六七八九十]+)、"
                         r"|[（(](?P<par>[一二三四五六七八九十]+)[）)])"
                         r"|(?<![\d.．])(?P<dec>\d{1,3})[.．](?![\d.．])")


def _split_runon(text: str, openers: list[str] = ()) -> list[str]:
    """A whole plan in one paragraph: cut it before each heading number that comes next in
    sequence after the end of a sentence (一、 after 。, then 1. or （一）, numbers running on
    or starting again under each chapter). A chapter's title runs up to its first section
    number, or to its first full stop."""
    cuts = []  # (position, kind)
    want = {"ch": 1, "par": 1, "dec": 1}
    for m in _RUNON_MARK.finditer(text):
        kind = m.lastgroup
        n = to_int(m.group(kind))
        if n is None:
            continue
        if n == want[kind] or (kind != "ch" and n == 1 and cuts and cuts[-1][1] == "ch"):
            cuts.append((m.start() + len(m.group(0)) - len(m.group(0).lstrip()), kind))
            want[kind] = n + 1
            if kind == "ch":
                want["par"] = 1
    if sum(1 for _, k in cuts if k == "ch") < 2:
        return [text]
    pieces, starts = [], [p for p, _ in cuts]
    kinds = dict(cuts)
    bounds = [0] + starts + [len(text)]
    for (lo, hi) in zip(bounds, bounds[1:]):
        piece = text[lo:hi].strip()
        if piece and kinds.get(lo) == "ch" and len(piece) > 44:
            pieces.extend(_title_then_text(piece, openers))
        elif piece:
            pieces.append(piece)
    return pieces


def _title_then_text(piece: str, openers: list[str]) -> list[str]:
    """三、坚持创新驱动发展，全面塑造发展新优势坚持创新在我国… : a chapter title run into its
    opening text. Titles of this kind are two clauses; the text opens with a verb such as 坚持
    (corpus/dict/structure.toml: intro_openers) at least four characters into the second."""
    m = re.match(r"^([一二三四五六七八九十]+、)([^，。；]{2,30}，)", piece)
    if not m:
        return [piece]
    start = m.end() + 4
    for k in range(start, min(len(piece), m.end() + 30)):
        if any(piece.startswith(w, k) for w in openers) and not re.search(r"[。；]", piece[:k]):
            return [piece[:k], piece[k:]]
    return [piece]


def split_run_together_headings(state: State) -> None:
    """OCR puts a heading on the line of another heading or at the end of a sentence:
    split it so that each heading stands on its own line. A whole plan run into one
    paragraph is cut at its heading numbers."""
    out = []
    for ln in state.lines:
        text = ln.text.replace("\r", "")
        if "\t" in text:
            out.append(Line(ln.no, text))
            continue
        if len(text) > RUNON:
            pieces = _split_runon(text, state.structure.get("intro_openers", []))
            if len(pieces) > 1:
                state.report.decide("runon", ln.no, f"第{ln.no}行是整篇连在一起的文字，按标题编号拆为 {len(pieces)} 段")
                for p in pieces:
                    out.append(Line(ln.no, ""))
                    out.extend(Line(ln.no, q) for q in _split_line(p))
                continue
        pieces = _split_line(text)
        out.extend(Line(ln.no, p) for p in pieces)
    state.lines = out


def _split_line(text: str) -> list[str]:
    sq = text.strip()
    # several headings in a row: 第一章经济社会发展的指导思想第二章经济社会发展的主要目标
    parts = [p for p in H.RUN_TOGETHER.split(sq) if p]
    if len(parts) > 1 and all(re.match(rf"^第{H.N}[篇章节]", p) for p in parts) \
            and not re.search(r"[。；]", sq):
        return parts
    # a heading after the end of a sentence: …提升能力。第三节 统筹推进
    m = H.INLINE.search(text)
    if m and has_cjk(text[: m.start()]) and m.start() > 0:
        return [text[: m.start()].rstrip(), text[m.start():].strip()]
    # a heading followed by its text after an indent: 第三节发展特色林产业　　念好…
    m = re.match(rf"^(\s*(?:第{H.N}[篇章节]|专栏\s*{H.N})[^。，；,\u3000]{{1,40}}?)[\u3000]{{2,}}(\S.*)$", text)
    if m:
        return [m.group(1), "\u3000\u3000" + m.group(2)]
    return [text]
