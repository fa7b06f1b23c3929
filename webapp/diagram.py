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

NODE_W = 190
GAP_X = 130
PAD = 10
FONT = 13
LINE_H = 18
GAP_Y = 16
TOP = 44
MAX_LINES = 3


@dataclass
class Placed:
    id: str
    kind: str
    label: str
    url: str | None
    sub: str | None
    col: int
    lines: list[str]
    x: float = 0
    y: float = 0
    h: float = 0
    start: bool = False
    css: str = ""


@dataclass
class Diagram:
    svg: Markup
    width: int
    height: int
    edges: list[dict] = field(default_factory=list)  # numbered, in label order


def _char_w(ch: str) -> float:
    return FONT * (0.55 if ord(ch) < 0x2E80 else 1.0)


def wrap(text: str, width: float = NODE_W - 2 * PAD, max_lines: int = MAX_LINES) -> list[str]:
    """Break on width, not on spaces: Chinese has none. The last line gets an ellipsis."""
    lines, cur, w = [], "", 0.0
    for ch in (text or "").replace("\n", " "):
        cw = _char_w(ch)
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
    last = lines[-1]
    while last and sum(_char_w(c) for c in last) + FONT > width:
        last = last[:-1]
    lines[-1] = last + "…"
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


def layered_svg(nodes: list[dict], edges: list[dict], columns: list[tuple[str, str]],
                start: str | None = None, title: str = "追踪图", keep_empty: bool = False,
                label_chars: int = 8) -> Diagram:
    """nodes: {id, kind, label, url?, sub?}; edges: {source, target, kind?, evidence?};
    columns: [(kind, column title)] left to right. Nodes of other kinds are dropped, and
    so are columns with no node (unless ``keep_empty``), to keep the drawing narrow."""
    if not keep_empty:
        present = {n["kind"] for n in nodes}
        columns = [c for c in columns if c[0] in present] or columns[:1]
    col_of = {k: i for i, (k, _) in enumerate(columns)}
    cols: list[list[Placed]] = [[] for _ in columns]
    placed: dict[str, Placed] = {}
    for n in nodes:
        if n["kind"] not in col_of or n["id"] in placed:
            continue
        p = Placed(n["id"], n["kind"], n.get("label") or n["id"], n.get("url"), n.get("sub"),
                   col_of[n["kind"]], wrap(n.get("label") or n["id"]), start=(n["id"] == start),
                   css=n.get("css") or n["kind"])
        placed[p.id] = p
        cols[p.col].append(p)
    kept = [e for e in edges if e["source"] in placed and e["target"] in placed
            and e["source"] != e["target"]]
    _order(cols, [(e["source"], e["target"]) for e in kept])

    heights = []
    for i, col in enumerate(cols):
        y = TOP
        for p in col:
            p.x = 16 + i * (NODE_W + GAP_X)
            p.h = 2 * PAD + len(p.lines) * LINE_H + (LINE_H - 2 if p.sub else 0)
            p.y = y
            y += p.h + GAP_Y
        heights.append(y)
    height = int(max(heights + [TOP + 60])) + 8
    for col, colh in zip(cols, heights):  # centre shorter columns against the tallest
        shift = (height - 8 - colh) / 2
        for p in col:
            p.y += shift
    width = 32 + len(columns) * NODE_W + (len(columns) - 1) * GAP_X

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" role="img" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'class="arrowhead"/></marker></defs>']
    for i, (kind, head) in enumerate(columns):
        x = 16 + i * (NODE_W + GAP_X) + NODE_W / 2
        count = len(cols[i])
        out.append(f'<text class="colhead" x="{x:.0f}" y="22" text-anchor="middle">'
                   f'{escape(head)}（{count}）</text>')

    numbered = []
    pair_seen: dict[tuple[int, int], int] = {}
    for e in kept:
        a, b = placed[e["source"]], placed[e["target"]]
        if a.col > b.col:
            a, b, back = b, a, True
        else:
            back = False
        x1, y1 = a.x + NODE_W, a.y + a.h / 2
        x2, y2 = b.x, b.y + b.h / 2
        if a.col == b.col:  # same column: loop out to the right
            x1, x2 = a.x + NODE_W, b.x + NODE_W
            d = f"M{x1:.0f},{y1:.0f} C{x1 + 60:.0f},{y1:.0f} {x2 + 60:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            mx, my = x1 + 45, (y1 + y2) / 2
        else:
            cx = (x2 - x1) / 2
            d = f"M{x1:.0f},{y1:.0f} C{x1 + cx:.0f},{y1:.0f} {x2 - cx:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            k = pair_seen.get((a.col, b.col), 0)
            pair_seen[(a.col, b.col)] = k + 1
            t = 0.5 + (0.12 * ((k % 3) - 1))  # stagger labels of parallel edges
            mx = (1 - t) ** 3 * x1 + 3 * (1 - t) ** 2 * t * (x1 + cx) + 3 * (1 - t) * t * t * (x2 - cx) + t ** 3 * x2
            my = (1 - t) ** 3 * y1 + 3 * (1 - t) ** 2 * t * y1 + 3 * (1 - t) * t * t * y2 + t ** 3 * y2
        n = len(numbered) + 1
        ev = (e.get("evidence") or "").strip()
        numbered.append({"n": n, "source": e["source"], "target": e["target"],
                         "kind": e.get("kind"), "evidence": ev,
                         "source_label": placed[e["source"]].label,
                         "target_label": placed[e["target"]].label})
        marker = 'marker-start="url(#arrow)"' if back else 'marker-end="url(#arrow)"'
        ekind = escape(e.get("kind") or "link")
        tip = escape(f"{placed[e['source']].label} → {placed[e['target']].label}" + (f"：{ev}" if ev else ""))
        short = ev[:label_chars] + ("…" if len(ev) > label_chars else "")
        label = f"{n}" + (f" {short}" if short else "")
        lw = sum(_char_w(c) for c in label) * 0.85 + 10
        out.append(f'<g class="edge edge-{ekind}"><title>{tip}</title>'
                   f'<path d="{d}" {marker}/>'
                   f'<rect class="edgelabel-bg" x="{mx - lw / 2:.0f}" y="{my - 9:.0f}" width="{lw:.0f}" '
                   f'height="18" rx="9"/>'
                   f'<text class="edgelabel" x="{mx:.0f}" y="{my + 4:.0f}" text-anchor="middle">'
                   f'{escape(label)}</text></g>')

    for p in placed.values():
        cls = f"node kind-{escape(p.css)}" + (" start" if p.start else "")
        body = [f'<rect x="{p.x:.0f}" y="{p.y:.0f}" width="{NODE_W}" height="{p.h:.0f}" rx="6"/>']
        for j, line in enumerate(p.lines):
            body.append(f'<text x="{p.x + PAD:.0f}" y="{p.y + PAD + FONT + j * LINE_H:.0f}">{escape(line)}</text>')
        if p.sub:
            body.append(f'<text class="sub" x="{p.x + PAD:.0f}" '
                        f'y="{p.y + PAD + FONT + len(p.lines) * LINE_H:.0f}">{escape(p.sub)}</text>')
        inner = f'<title>{escape(p.label)}</title>' + "".join(body)
        if p.url:
            out.append(f'<a href="{escape(p.url)}" class="{cls}" data-node="{escape(p.id)}">{inner}</a>')
        else:
            out.append(f'<g class="{cls}" data-node="{escape(p.id)}">{inner}</g>')
    out.append("</svg>")
    return Diagram(Markup("".join(out)), width, height, numbered)
