"""Server-built SVG for trace chains: a layered left-to-right drawing, no JS library.

Staff print and screenshot these, so the drawing must be readable on its own: one
column per node kind (task → target → indicator → deadline), boxes with wrapped
Chinese labels, curved edges carrying a numbered evidence label, and the full
evidence listed under the figure by the same numbers. Everything user- or
corpus-derived is escaped here, because the result is marked safe for the template.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

from kb.extract.text import unbreakable

NODE_W = 190
GAP_X = 130
NARROW_GAP_X = 64   # wide traces: edges carry only their number, evidence is listed below
FIT_WIDTH = 1150    # what a 1280-pixel screen shows at 1:1 beside the page margins
MIN_NODE_W = 160
PAD = 10
FONT = 13
LINE_H = 18
GAP_Y = 16
TOP = 44
MAX_LINES = 3
LABEL_H = 18


def geometry(n_columns: int) -> tuple[int, int, bool]:
    """Node width, gap and whether edge labels carry evidence text, for ``n_columns``.

    Three columns fit a 1280-pixel screen with room for evidence on the edges; four or
    five did not, and the browser shrank the whole drawing (13px text became 9px). Wide
    traces instead get narrower gaps with numbered edges, so the text stays at 13px.
    """
    if n_columns <= 3:
        return NODE_W, GAP_X, True
    gap = NARROW_GAP_X
    node_w = int((FIT_WIDTH - 32 - (n_columns - 1) * gap) / n_columns)
    return max(MIN_NODE_W, min(NODE_W + 20, node_w)), gap, False


@dataclass
class Placed:
    id: str
    kind: str
    label: str
    url: str | None
    sub: str | None
    col: int
    lines: list[str]
    w: float = NODE_W
    x: float = 0
    y: float = 0
    h: float = 0
    start: bool = False
    css: str = ""
    style: str = ""  # "dashed" | "dotted": a body only named, or suggested


@dataclass
class Diagram:
    svg: Markup
    width: int
    height: int
    edges: list[dict] = field(default_factory=list)  # numbered, in label order


def _char_w(ch: str) -> float:
    return FONT * (0.55 if ord(ch) < 0x2E80 else 1.0)


def wrap(text: str, width: float = NODE_W - 2 * PAD, max_lines: int = MAX_LINES) -> list[str]:
    """Break on width, not on spaces: Chinese has none; never inside a number and its unit
    (2500亿元 stays on one line, not “2 / 500亿元”). The last line gets an ellipsis."""
    lines, cur, w = [], "", 0.0
    for ch in unbreakable((text or "").replace("\n", " ")):
        cw = sum(_char_w(c) for c in ch)
        if w + cw > width and cur:
            lines.append(cur)
            cur, w = "", 0.0
            if len(lines) == max_lines:
                break
        cur += ch
        w += cw
    else:
        if cur:
            lines.append(cur)
        return lines or [""]
    pieces = unbreakable(lines[-1])
    while pieces and sum(_char_w(c) for c in "".join(pieces)) + FONT > width:
        pieces.pop()  # a whole number at a time
    lines[-1] = "".join(pieces) + "…"
    return lines


def _order(columns: list[list[Placed]], edges: list[tuple[str, str]]) -> None:
    """Barycenter ordering, one sweep each way: fewer crossings, stable for equal keys."""
    nbrs: dict[str, set[str]] = {}
    for a, b in edges:
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)

    def sweep(seq):
        for i in seq:
            ref = columns[i - 1] if seq.step > 0 else columns[i + 1]
            pos = {n.id: k for k, n in enumerate(ref)}
            def key(n, _pos=pos):
                ps = [_pos[m] for m in nbrs.get(n.id, ()) if m in _pos]
                return sum(ps) / len(ps) if ps else float("inf")
            columns[i].sort(key=key)

    if len(columns) > 1:
        sweep(range(1, len(columns)))
        sweep(range(len(columns) - 2, -1, -1))


def _bezier(p0: float, p1: float, p2: float, p3: float, t: float) -> float:
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t * t * p2 + t ** 3 * p3


def _t_at_x(x1: float, cx: float, x2: float, x: float) -> float:
    """The curve parameter where a left-to-right edge reaches ``x`` (x(t) is monotonic)."""
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if _bezier(x1, x1 + cx, x2 - cx, x2, mid) < x:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _spread(labels: list[dict], top: float, bottom: float) -> None:
    """Push the labels sharing one gap apart vertically so no two overlap."""
    labels.sort(key=lambda lb: lb["y"])
    for prev, cur in zip(labels, labels[1:]):
        cur["y"] = max(cur["y"], prev["y"] + LABEL_H + 2)
    overflow = labels[-1]["y"] + LABEL_H / 2 - bottom if labels else 0
    if overflow > 0:  # the stack ran off the bottom: lift it, but never above the top
        lift = min(overflow, labels[0]["y"] - LABEL_H / 2 - top)
        for lb in labels:
            lb["y"] -= max(0.0, lift)


def layered_svg(nodes: list[dict], edges: list[dict], columns: list[tuple[str, str]],
                start: str | None = None, title: str = "追踪图", keep_empty: bool = False,
                label_chars: int = 8) -> Diagram:
    """nodes: {id, kind, label, url?, sub?}; edges: {source, target, kind?, evidence?};
    columns: [(kind, column title)] left to right. Nodes of other kinds are dropped, and
    so are columns with no node (unless ``keep_empty``), to keep the drawing narrow.

    Each edge's number sits in the gap just before the node it points to, so an edge
    that skips a column is not labelled behind the node it passes under; labels that
    share a gap are pushed apart so none hides another."""
    if not keep_empty:
        present = {n["kind"] for n in nodes}
        columns = [c for c in columns if c[0] in present] or columns[:1]
    node_w, gap_x, with_text = geometry(len(columns))
    if not with_text:
        label_chars = 0
    cols, placed = _place(nodes, columns, start, node_w)
    kept = [e for e in edges if e["source"] in placed and e["target"] in placed
            and e["source"] != e["target"]]
    _order(cols, [(e["source"], e["target"]) for e in kept])
    height = _layout(cols, node_w, gap_x)
    width = 32 + len(columns) * node_w + (len(columns) - 1) * gap_x
    numbered, drawn = _route(kept, placed, node_w, gap_x, label_chars, height)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'class="arrowhead"/></marker></defs>']
    for i, (kind, head) in enumerate(columns):
        x = _col_x(i, node_w, gap_x) + node_w / 2
        out.append(f'<text class="colhead" x="{x:.0f}" y="22" text-anchor="middle">'
                   f'{escape(head)}（{len(cols[i])}）</text>')
    # all lines first, then all numbers, so no line is drawn across a number
    out += [_edge_svg(lb) for lb in drawn]
    out += [_label_svg(lb) for lb in drawn]
    out += [_node_svg(p) for p in placed.values()]
    out.append("</svg>")
    return Diagram(Markup("".join(out)), width, height, numbered)


def _col_x(i: int, node_w: float, gap_x: float) -> float:
    return 16 + i * (node_w + gap_x)


def _place(nodes: list[dict], columns, start, node_w) -> tuple[list[list[Placed]], dict[str, Placed]]:
    """Each node of a drawn kind in its column, its label wrapped to the node width."""
    col_of = {k: i for i, (k, _) in enumerate(columns)}
    cols: list[list[Placed]] = [[] for _ in columns]
    placed: dict[str, Placed] = {}
    for n in nodes:
        if n["kind"] not in col_of or n["id"] in placed:
            continue
        label = n.get("label") or n["id"]
        p = Placed(n["id"], n["kind"], label, n.get("url"), n.get("sub"),
                   col_of[n["kind"]], wrap(label, node_w - 2 * PAD), w=node_w,
                   start=(n["id"] == start), css=n.get("css") or n["kind"], style=n.get("style") or "")
        placed[p.id] = p
        cols[p.col].append(p)
    return cols, placed


def _layout(cols: list[list[Placed]], node_w, gap_x) -> int:
    """Stack each column's boxes, centre shorter columns against the tallest; the height."""
    heights = []
    for i, col in enumerate(cols):
        y = TOP
        for p in col:
            p.x = _col_x(i, node_w, gap_x)
            p.h = 2 * PAD + len(p.lines) * LINE_H + (LINE_H - 2 if p.sub else 0)
            p.y = y
            y += p.h + GAP_Y
        heights.append(y)
    height = int(max(heights + [TOP + 60])) + 8
    for col, colh in zip(cols, heights):
        shift = (height - 8 - colh) / 2
        for p in col:
            p.y += shift
    return height


def _route(kept: list[dict], placed: dict[str, Placed], node_w, gap_x, label_chars: int,
           height: int) -> tuple[list[dict], list[dict]]:
    """Each edge's curve and numbered label: (the numbered list under the figure, what to draw)."""
    degree: dict[str, int] = {}
    for e in kept:
        for nid in (e["source"], e["target"]):
            degree[nid] = degree.get(nid, 0) + 1

    numbered, drawn, gaps = [], [], {}
    for e in kept:
        a, b = placed[e["source"]], placed[e["target"]]
        back = a.col > b.col
        if back:
            a, b = b, a
        x1, y1 = a.x + node_w, a.y + a.h / 2
        x2, y2 = b.x, b.y + b.h / 2
        if a.col == b.col:  # same column: loop out to the right
            x1, x2 = a.x + node_w, b.x + node_w
            d = f"M{x1:.0f},{y1:.0f} C{x1 + 60:.0f},{y1:.0f} {x2 + 60:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            gap_key, mx, my = a.col + 1, x1 + 45, (y1 + y2) / 2
        else:
            cx = (x2 - x1) / 2
            d = f"M{x1:.0f},{y1:.0f} C{x1 + cx:.0f},{y1:.0f} {x2 - cx:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            # Label in a gap next to one end, never mid-way (a skipped column's node would
            # hide it): next to the end with fewer links, where the edges fan apart.
            if degree[b.id] >= degree[a.id]:
                gap_key, mx = a.col + 1, a.x + node_w + gap_x / 2
            else:
                gap_key, mx = b.col, b.x - gap_x / 2
            t = _t_at_x(x1, cx, x2, mx)
            my = _bezier(y1, y1, y2, y2, t)
        n = len(numbered) + 1
        ev = (e.get("evidence") or "").strip()
        numbered.append({"n": n, "source": e["source"], "target": e["target"],
                         "kind": e.get("kind"), "evidence": ev,
                         "source_label": placed[e["source"]].label,
                         "target_label": placed[e["target"]].label})
        short = ev[:label_chars] + ("…" if len(ev) > label_chars else "") if label_chars else ""
        label = f"{n}" + (f" {short}" if short else "")
        tip = escape(f"{placed[e['source']].label} → {placed[e['target']].label}" + (f"：{ev}" if ev else ""))
        lb = {"n": n, "x": mx, "y": my, "text": label, "d": d, "back": back,
              "skip": abs(a.col - b.col) > 1, "e": e, "tip": tip}
        drawn.append(lb)
        gaps.setdefault(gap_key, []).append(lb)
    for labels in gaps.values():
        _spread(labels, TOP - 8, height - 4)
    return numbered, drawn


def _edge_svg(lb: dict) -> str:
    marker = 'marker-start="url(#arrow)"' if lb["back"] else 'marker-end="url(#arrow)"'
    ekind = escape(lb["e"].get("kind") or "link")
    skip = " skip" if lb["skip"] else ""
    return (f'<g class="edge edge-{ekind}{skip}" data-edge="{lb["n"]}"><title>{lb["tip"]}</title>'
            f'<path d="{lb["d"]}" {marker}/></g>')


def _label_svg(lb: dict) -> str:
    lw = max(LABEL_H, sum(_char_w(c) for c in lb["text"]) * 0.85 + 10)
    return (f'<g class="elabel" data-label="{lb["n"]}"><title>{lb["tip"]}</title>'
            f'<rect class="edgelabel-bg" x="{lb["x"] - lw / 2:.0f}" y="{lb["y"] - LABEL_H / 2:.0f}" '
            f'width="{lw:.0f}" height="{LABEL_H}" rx="9"/>'
            f'<text class="edgelabel" x="{lb["x"]:.0f}" y="{lb["y"] + 4:.0f}" text-anchor="middle">'
            f'{escape(lb["text"])}</text></g>')


def _node_svg(p: Placed) -> str:
    cls = f"node kind-{escape(p.css)}" + (" start" if p.start else "") + (f" {p.style}" if p.style else "")
    dash = {"dashed": ' stroke-dasharray="6 4"', "dotted": ' stroke-dasharray="2 3"'}.get(p.style, "")
    body = [f'<rect x="{p.x:.0f}" y="{p.y:.0f}" width="{p.w:.0f}" height="{p.h:.0f}" rx="6"{dash}/>']
    for j, line in enumerate(p.lines):
        body.append(f'<text x="{p.x + PAD:.0f}" y="{p.y + PAD + FONT + j * LINE_H:.0f}">{escape(line)}</text>')
    if p.sub:
        body.append(f'<text class="sub" x="{p.x + PAD:.0f}" '
                    f'y="{p.y + PAD + FONT + len(p.lines) * LINE_H:.0f}">{escape(p.sub)}</text>')
    inner = f'<title>{escape(p.label)}</title>' + "".join(body)
    if p.url:
        return f'<a href="{escape(p.url)}" class="{cls}" data-node="{escape(p.id)}">{inner}</a>'
    return f'<g class="{cls}" data-node="{escape(p.id)}">{inner}</g>'
