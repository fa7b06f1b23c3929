"""Web pages (a gov.cn article, a saved page), read with BeautifulSoup and lxml: the part of
the page that holds the text (not the site's navigation), one line per paragraph, heading
or list item, h1–h6 levels kept as layout, tables as tab-separated rows."""
from __future__ import annotations

import re

from kb.ingest.readers import Layout, ReadError, Source
from kb.ingest.readers.text import clean_line, decode_text
from kb.text import cjk_chars

_BLOCK = {"p", "div", "section", "article", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
          "blockquote", "pre", "center", "dd", "dt", "dl", "form", "header", "footer", "main",
          "td", "th", "tr", "tbody", "thead", "caption", "hr", "address", "figure", "figcaption"}
_SKIP = {"script", "style", "noscript", "template", "iframe", "svg", "head", "title", "meta", "link", "button",
         "select", "option", "input", "textarea", "nav"}


def read_html(data: bytes) -> Source:
    try:
        from bs4 import BeautifulSoup
    except ImportError:  # pragma: no cover - a dependency of the package
        raise ReadError("读取网页需要 beautifulsoup4：请重新安装 plankb") from None
    m = re.search(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", data[:4096], re.I)
    try:
        text = data.decode(m.group(1).decode()) if m else decode_text(data)
    except (LookupError, UnicodeDecodeError):
        text = decode_text(data)
    soup = BeautifulSoup(text, "lxml")
    for tag in soup.find_all(list(_SKIP)):
        tag.decompose()
    root = _main(soup.body or soup)
    src = Source("html", [])
    walker = _Walker(src)
    walker.walk(root)
    walker.flush()
    while src.lines and src.lines[-1] == "":
        src.lines.pop()
    if not any(cjk_chars(ln) for ln in src.lines):
        raise ReadError("网页中没有中文正文")
    return src


def _main(node):
    """Descend from <body> while one child holds nearly all of the text: the article, not
    the site around it."""
    total = len(cjk_chars(node.get_text()))
    while True:
        kids = [k for k in node.find_all(recursive=False) if getattr(k, "name", None)]
        best = max(kids, key=lambda k: len(cjk_chars(k.get_text())), default=None)
        if best is None or total == 0 or len(cjk_chars(best.get_text())) < 0.85 * total or best.name == "table":
            return node
        node, total = best, len(cjk_chars(best.get_text()))


class _Walker:
    def __init__(self, src: Source):
        self.src = src
        self.buf = ""
        self.heading = None
        self.bold = True

    def flush(self, heading=None):
        text = re.sub(r"[ \t\r\n\xa0]+", " ", self.buf).strip()
        if text:
            text, gone = clean_line(text)
            self.src.lines.append(text)
            no = len(self.src.lines)
            self.src.layout[no] = Layout(heading=self.heading, bold=self.bold)
            if gone:
                self.src.removed.append(("控制字符", gone, no))
            self.src.lines.append("")
        self.buf, self.heading, self.bold = "", None, True

    def walk(self, node):
        from bs4 import NavigableString, Tag

        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child).__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction", "CData"):
                    continue
                s = str(child)
                if s.strip():
                    self.buf += s
                    parent = child.parent
                    if not any(getattr(p, "name", None) in ("b", "strong") for p in [parent, *parent.parents][:3]):
                        self.bold = False
                else:
                    self.buf += " " if self.buf and not self.buf.endswith(" ") else ""
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                self.flush()
            elif name == "table":
                self.flush()
                self.table(child)
            elif name in _BLOCK:
                self.flush()
                level = int(name[1]) if re.fullmatch(r"h[1-6]", name) else None
                self.walk(child)
                if level:
                    self.heading = level
                self.flush()
            else:
                self.walk(child)

    def table(self, table):
        rows = []
        for tr in table.find_all("tr"):
            if tr.find_parent("table") is not table:
                continue
            cells = [re.sub(r"\s+", "", c.get_text()) for c in tr.find_all(["td", "th"], recursive=False)]
            if any(cells):
                rows.append("\t".join(cells))
        if len(rows) == 1 and "\t" not in rows[0]:
            self.buf = rows[0]
            self.flush()
            return
        for r in rows:
            r, _ = clean_line(r)
            self.src.lines.append(r)
            self.src.layout[len(self.src.lines)] = Layout()
        if rows:
            self.src.lines.append("")
