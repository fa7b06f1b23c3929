"""Rules that turn lines into blocks (paragraphs, headings, tables, notes, footnotes),
rejoin paragraphs that a page break split, and drop fragments printed twice there."""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from kb.ingest import corrections
from kb.ingest import headings as H
from kb.ingest.state import Block, State
from kb.text import ends_sentence, has_cjk

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_NOTES = re.compile(r"^\s*[-•]?\s*注\s*[:：]")
_INDENT = re.compile(r"^(?:\u3000|\s{2,})")


def _join_lines(texts: list[str]) -> str:
    """Wrapped lines joined: a space only between two Latin letters (English words wrapped);
    a number or a token such as 5G that the wrap cut (300 / 0亿元, 5 / G网络) is rejoined."""
    out = ""
    for t in texts:
        t = t.strip().replace("\u3000", "")
        if out and t and _latin_letter(out[-1]) and _latin_letter(t[0]):
            out += " "
        out += t
    return out


def drop_wrap_blank_lines(state: State) -> None:
    """Text taken out of a PDF with a blank line after every line (pdfminer does this): a
    blank line after a line that runs to the right margin in mid-sentence, before a line that
    opens no heading, is a line break inside the paragraph, not a paragraph break."""
    width = wrap_width(state)
    if width is None or state.layout:
        return
    lines, keep = state.lines, []
    for k, ln in enumerate(lines):
        if not ln.text.strip() and keep and k + 1 < len(lines):
            prev, nxt = keep[-1].text.strip(), lines[k + 1].text.strip()
            if (prev and nxt and len(prev) >= 0.85 * width and not ends_sentence(prev)
                    and not H.PREFIX.match(nxt) and not H.BOX_ITEM.match(nxt)):
                continue
        keep.append(ln)
    state.lines = keep


def _latin_letter(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def group_blocks(state: State) -> None:
    """A block is a run of lines: a blank line, an indented line (in plans laid out with
    first-line indents), a heading or a change between table and text starts a new one."""
    nonblank = [ln for ln in state.lines if ln.text.strip()]
    indented = sum(1 for ln in nonblank if _INDENT.match(ln.text) and "\t" not in ln.text)
    indent_style = nonblank and indented / len(nonblank) >= 0.2
    state.structure["_enum_levels"] = not any(H.CHAPTER.match(ln.text.strip()) for ln in nonblank)
    state.structure["_section_form"] = H.section_form([ln.text for ln in nonblank])
    forms = H.section_forms([(ln.no, ln.text) for ln in nonblank])
    state.structure["_forms"] = forms
    state.structure["_parts"] = state.structure["_enum_levels"] and H.parts_over_enum([ln.text for ln in nonblank])
    state.structure["_enum_sections"] = H.enum_sections([ln.text for ln in nonblank])
    unnumbered = state.structure.get("unnumbered_headings", [])

    enum, form = state.structure["_enum_levels"], state.structure["_section_form"]

    parts, enum_sec = state.structure["_parts"], state.structure["_enum_sections"]
    continued = state.structure["_continued"] = _continued_lines(state)

    def is_heading(text, no=None):
        return no not in continued and H.classify(text, enum, unnumbered, forms.get(no, form), parts, enum_sec) is not None

    def opens_item(text, no):
        """A section run into its text, or a box item: either starts a new block."""
        if no in continued:
            return False
        return ((enum and H.SECTION_OPENER[forms.get(no, form)].match(text))
                or (enum_sec and H.ENUM_OPENER[enum_sec].match(text))
                or H.BOX_ITEM.match(text) and not indent_style)

    blocks, cur = [], []

    def flush():
        if cur:
            blocks.append(cur.copy())
            cur.clear()

    for ln in state.lines:
        t = ln.text
        if not t.strip():
            flush()
            continue
        tab = "\t" in t
        if cur:
            prev_tab = "\t" in cur[-1].text
            if (is_heading(t, ln.no) or (indent_style and _INDENT.match(t) and not tab)
                    or is_heading(cur[-1].text, cur[-1].no) or tab != prev_tab or (not tab and opens_item(t, ln.no))
                    or (not tab and _NOTES.match(t)) or t.strip()[:1] in CIRCLED):
                flush()
        cur.append(ln)
    flush()
    if not indent_style:
        blocks = [part for lines in blocks for part in _split_wrapped(lines)]
    state.blocks = [_classify(state, lines) for lines in blocks]
    state.blocks = [b for bl in state.blocks for b in (bl if isinstance(bl, list) else [bl])]


def _continued_lines(state: State) -> set[int]:
    """Lines of hard-wrapped text that only look like a heading: the line above runs to the
    right margin in mid-sentence and this one fills the width too (…更加注重知行合 /
    一、学以致用，更加注重融合创新…). They go on with the paragraph."""
    width = wrap_width(state)

    def full(no: int, t: str) -> bool:
        lay = state.layout.get(no) if state.layout else None
        if lay is not None and lay.page is not None:
            return not lay.short
        return width is not None and len(t) >= 0.85 * width

    out, prev = set(), None
    for ln in state.lines:
        t = ln.text.strip()
        if not t:
            continue
        if (prev is not None and H.PREFIX.match(t) and not H.PREFIX.match(prev[1]) and full(*prev)
                and not ends_sentence(prev[1])
                and full(ln.no, t)):
            out.add(ln.no)
        prev = (ln.no, t)
    return out


def _split_wrapped(lines) -> list[list]:
    """Text hard-wrapped at a fixed width with no blank line between paragraphs: a line
    that ends a sentence and stops well short of the others ends its paragraph."""
    texts = [ln.text.strip() for ln in lines]
    if len(lines) < 3 or any("\t" in ln.text for ln in lines):
        return [lines]
    width = sorted(len(t) for t in texts)[len(texts) // 2]
    if width > 60:  # one paragraph a line already: nothing was wrapped
        return [lines]
    out, cur = [], []
    for ln, t in zip(lines, texts):
        cur.append(ln)
        if ends_sentence(t) and len(t) < 0.8 * width:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def wrap_width(state: State) -> int | None:
    """The width a hard-wrapped text breaks its lines at (the usual length of its lines),
    or None where lines are paragraphs (nothing was wrapped)."""
    lengths = sorted(len(ln.text.strip()) for ln in state.lines if len(ln.text.strip()) > 8)
    if len(lengths) < 10:
        return None
    width = lengths[int(len(lengths) * 0.75)]
    return width if width <= 60 else None


def _runs_to_margin(state: State, b: Block, width: int | None) -> bool:
    """Whether a heading's last line reaches the right margin, so its title may go on."""
    lay = state.layout.get(b.lines[-1]) if state.layout else None
    if lay is not None and lay.page is not None:
        return not lay.short
    raw = next((ln.text for ln in state.lines if ln.no == b.lines[-1]), b.text)
    return width is not None and len(raw.strip()) >= 0.85 * width


def attach_heading_titles(state: State) -> None:
    """第一部分 on one line, its title on the next: one heading. A heading too long for one
    line goes on in the next line (十五、…为实现“十四五”规划和二〇三 / 五年远景目标而奋斗)."""
    out: list[Block] = []
    width = wrap_width(state)
    apart = corrections.kept_apart(state)
    for b in state.blocks:
        prev = out[-1] if out else None
        if b.lines and b.lines[0] in apart:
            out.append(b)
            continue
        if (prev is not None and prev.kind in ("part", "chapter", "section", "box")
                and not prev.data.get("title") and b.kind == "para" and len(b.text) <= 40
                and not ends_sentence(b.text)):
            prev.data["title"] = b.text.strip()
            prev.data["title_apart"] = True
            prev.text = f"{prev.text.strip()} {b.text.strip()}"
            prev.lines = prev.lines + b.lines
            continue
        if (prev is not None and prev.data.pop("title_apart", False) and b.kind == "para"
                and len(b.lines) == 1 and len(b.text) <= 20 and not re.search(r"[，。；：、,;:！？（）()]", b.text)):
            # a two-part title printed on two lines of its own (第二篇 / 坚持创新驱动发展 / 全面塑造发展新优势)
            state.report.decide("heading_wraps", b.lines[0], f"第{b.lines[0]}行并入标题的后半：{b.text.strip()}")
            prev.data["title"] = f"{prev.data['title']} {b.text.strip()}"
            prev.text = f"{prev.text.strip()} {b.text.strip()}"
            prev.lines = prev.lines + b.lines
            continue
        if (prev is not None and prev.kind in ("part", "chapter", "section") and prev.data.get("title")
                and not prev.data.get("runs_into_text") and b.kind == "para" and len(b.lines) == 1
                and len(b.text) <= 24 and not ends_sentence(b.text) and not re.search(r"[。；]", b.text)
                and _runs_to_margin(state, prev, width)):
            state.report.decide("heading_wraps", b.lines[0], f"标题跨行，第{b.lines[0]}行并入上一行标题：{b.text.strip()}")
            prev.data["title"] = prev.data["title"] + b.text.strip()
            prev.text = prev.text.rstrip() + b.text.strip()
            prev.lines = prev.lines + b.lines
            continue
        if (prev is not None and prev.kind == "section" and prev.data.get("title")
                and not prev.data.get("runs_into_text") and b.kind == "para"
                and _runs_to_margin(state, prev, width)):
            _run_in_tail(state, prev, b)
        out.append(b)
    state.blocks = out


def _run_in_tail(state: State, head: Block, b: Block) -> bool:
    """A run-in section heading whose title the wrap cut (（一）发展草牧业是…重要平 / 台。草牧业…):
    the heading line reaches the margin and the next paragraph opens with the rest of the
    title up to its full stop. The title is completed and the paragraph keeps the text after it."""
    enum = state.structure.get("_enum_levels")
    if not (enum or state.structure.get("_enum_sections")):
        return False
    form = state.structure["_enum_sections"] if not enum else _form(state, head.lines[0])
    sec = H.enum_section(_join_lines([head.text, b.text]), form)
    if not sec or not sec[2]:
        return False
    _, title, rest = sec
    tail = title[len(head.data["title"]):]
    if not title.startswith(head.data["title"]) or not tail or len(tail) > 12 or not b.text.startswith(tail):
        return False
    state.report.decide("heading_wraps", b.lines[0], f"标题跨行且接正文，第{b.lines[0]}行开头并入上一行标题：{tail}")
    head.data["title"] = title
    head.data["runs_into_text"] = True
    head.text = _join_lines([head.text, b.text])
    head.lines = head.lines + b.lines[:1]
    b.text = rest
    return True


def _form(state: State, line: int) -> str:
    """The section form (（一） or 1.) of the chapter a raw line is in."""
    return state.structure.get("_forms", {}).get(line, state.structure.get("_section_form", "paren"))


def _classify(state: State, lines) -> Block | list[Block]:
    nos = [ln.no for ln in lines]
    texts = [ln.text for ln in lines]
    first = texts[0].strip()
    if len(texts) >= 2 and all("\t" in t for t in texts):
        return Block("table", nos, "\n".join(texts), {"rows": [t.split("\t") for t in texts]})
    if _NOTES.match(texts[0]):
        return Block("notes", nos, "\n".join(texts))
    if first[:1] in CIRCLED:
        return Block("footnote", nos, _join_lines(texts)[1:].strip(),
                     {"label": str(CIRCLED.index(first[0]) + 1)})
    enum = state.structure["_enum_levels"]
    if len(texts) == 1 and nos[0] not in state.structure.get("_continued", ()):
        h = H.classify(first, enum, state.structure.get("unnumbered_headings", []),
                       _form(state, nos[0]), state.structure.get("_parts", False),
                       state.structure.get("_enum_sections", False))
        if h:
            kind, num, title, _ = h
            return Block(kind, nos, first, {"number": num, "title": title})
        if corrections.marked_heading(state, nos[0]):
            state.report.corrections.append(f"第{nos[0]}行是标题：{first}")
            return Block("unnumbered", nos, first, {"number": 0, "title": first})
    text = _join_lines([t.replace("\t", " ") for t in texts])
    if re.match(rf"^第{H.N}[篇章节]", first) or re.match(rf"^专栏\s*{H.N}", first):
        state.report.warn(f"第{nos[0]}行：标题与正文连在一起，无法判定分界，按正文处理"
                          f"（可在 .toml 中用 split_heading 更正）：{first[:30]}…")
    if (enum or state.structure.get("_enum_sections")) and nos[0] not in state.structure.get("_continued", ()):
        form = state.structure["_enum_sections"] if not enum else _form(state, nos[0])
        sec = H.enum_section(text, form)
        if sec:
            num, title, rest = sec
            head = Block("section", [nos[0]], text, {"number": num, "title": title, "runs_into_text": True})
            if rest:
                return [head, Block("para", nos, rest)]
            return head
    return Block("para", nos, text)


def mark_table_titles(state: State) -> None:
    """A short line with no full stop right above a table is its title."""
    for i, b in enumerate(state.blocks[:-1]):
        nxt = state.blocks[i + 1]
        if b.kind == "para" and nxt.kind == "table" and len(b.text) <= 60 and not ends_sentence(b.text):
            b.kind = "table_title"


def heading_candidate(state: State, b: Block) -> bool:
    """A short line the format marks as a heading (h2, a Word heading style, bold or larger
    type) but no numbering rule took: not joined to the text around it, and reported."""
    if b.kind != "para" or len(b.lines) != 1 or len(b.text) > 40 or ends_sentence(b.text):
        return False
    lay = state.layout.get(b.lines[0]) if state.layout else None
    return lay is not None and (lay.heading is not None or lay.bold or lay.larger)


def join_split_paragraphs(state: State) -> None:
    """A paragraph that ends mid-sentence continues in the next paragraph block: the page
    broke there. A footnote printed at the foot of that page may sit in between."""
    out: list[Block] = []
    blocks = state.blocks
    width = wrap_width(state)

    def goes_on(b: Block) -> bool:
        # …执业（助理） / 医师数…: a line that ends in a short bracketed word at the right margin was
        # cut by the wrap; a responsibility tag (（牵头单位：市委组织部）) ends its paragraph
        t = b.text.rstrip()
        inner = t[t.rfind("（") + 1:-1] if "（" in t else None
        return not ends_sentence(t) or (t[-1:] == "）" and inner is not None and len(inner) <= 8
                                        and not re.search(r"[：:，,、；]", inner) and not ends_sentence(t[:t.rfind("（")])
                                        and _runs_to_margin(state, b, width))

    i = 0
    while i < len(blocks):
        b = blocks[i]
        i += 1
        if b.kind == "footnote":
            state.footnotes.append(b)
            continue
        if heading_candidate(state, b):
            state.report.decide("heading_candidate", b.lines[0], f"第{b.lines[0]}行版式像标题（加粗、大字或标题样式）"
                                f"但没有编号，按段落保留：{b.text}")
            out.append(b)
            continue
        if b.kind == "para":
            while goes_on(b) and i < len(blocks) and not heading_candidate(state, blocks[i]):
                j = i
                while j < len(blocks) and blocks[j].kind == "footnote":
                    j += 1
                if j >= len(blocks) or blocks[j].kind != "para":
                    break
                state.footnotes.extend(blocks[i:j])
                nxt = blocks[j]
                b.data.setdefault("joins", []).append(len(b.text))
                b.text = b.text + nxt.text
                b.lines = b.lines + nxt.lines
                i = j + 1
        out.append(b)
    state.blocks = out


MIN_REPEAT = 12
CHAIN = 4  # earlier occurrences of a MIN_REPEAT-gram kept as candidates (the nearest ones)


def tandem_repeats(text: str) -> list[tuple[int, int]]:
    """(start, length) of the second copies of exact repeats X X (|X| ≥ MIN_REPEAT, X with
    Chinese text), left to right, not overlapping. A repeat's second copy starts with the
    same MIN_REPEAT-gram as its first, so only the nearest few earlier occurrences of each
    gram are candidates, and a found copy is skipped: linear on any text, a 10 MB line or a
    line of one character repeated (an OCR'd table rule) included."""
    seen: dict[str, list[int]] = {}
    out = []
    k, n = 0, len(text)
    while k <= n - MIN_REPEAT:
        gram = text[k:k + MIN_REPEAT]
        best = None
        for p in reversed(seen.get(gram, ())):
            length = k - p
            if length >= MIN_REPEAT and (best is None or length > best) and k + length <= n \
                    and text.startswith(text[p:k], k) and has_cjk(text[p:k]):
                best = length
        chain = seen.setdefault(gram, [])
        chain.append(k)
        if len(chain) > CHAIN:
            del chain[0]
        if best:
            out.append((k, best))
            k += best
            continue
        k += 1
    return out


def _tandem_repeat(text: str) -> tuple[int, int] | None:
    """The longest of :func:`tandem_repeats` (kept for callers that take one at a time)."""
    hits = tandem_repeats(text)
    return max(hits, key=lambda h: h[1]) if hits else None


def _fuzzy_tail_repeat(text: str, end: int) -> int:
    """Length of a fragment ending at ``end`` that repeats, give or take a character,
    the text right before it (a page break printed it twice, once garbled)."""
    best, best_ratio = 0, 0.0
    for length in range(8, min(80, end // 2) + 1):
        b = text[end - length:end]
        for prev in (length - 1, length, length + 1, length + 2):
            a = text[end - length - prev:end - length]
            # both copies start and end alike; else a rotation of the repeat would match too
            if len(a) != prev or a[0] != b[0] or a[-1] != b[-1]:
                continue
            ratio = SequenceMatcher(None, a, b, autojunk=False).ratio()
            if ratio >= 0.92 and ratio >= best_ratio:
                best, best_ratio = length, ratio
    return best


def drop_page_duplicates(state: State) -> None:
    for b in state.blocks:
        if b.kind != "para":
            continue
        # at the places where raw lines ended (page breaks), a garbled second copy
        for pos in sorted(set(b.data.get("joins", [])), reverse=True):
            cut = _fuzzy_tail_repeat(b.text, pos)
            if cut:
                state.report.removed("重复", b.text[pos - cut:pos], b.lines)
                b.text = b.text[:pos - cut] + b.text[pos:]
        # anywhere: an exact fragment printed twice in a row (all found in one pass)
        hits = tandem_repeats(b.text)
        for start, length in hits:
            state.report.removed("重复", b.text[start:start + length], b.lines)
        if hits:
            keep, pos = [], 0
            for start, length in hits:
                keep.append(b.text[pos:start])
                pos = start + length
            keep.append(b.text[pos:])
            b.text = "".join(keep)


def check_quotes(state: State) -> None:
    """ASCII quotes become “ ” by alternation; an odd count means a pair was broken
    (OCR lost one), so the reader must check that paragraph."""
    for b in state.blocks:
        if b.kind == "para" and b.text.count('"') % 2:
            state.report.warn(f"第{b.span[0]}行：引号不成对，“”可能配错：{b.text[:30]}…")
        if b.kind == "para" and not ends_sentence(b.text) and len(b.text) > 40:
            state.report.warn(f"第{b.span[1]}行：段落未以句末标点结束，可能缺字或断行未接上：…{b.text[-20:]}")
