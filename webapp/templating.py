"""Jinja globals and filters shared by every page."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Flask, request, url_for
from markupsafe import Markup, escape

from office.export import FORMATS

NAV = [
    ("search.search_page", "检索"),
    ("plan.outline_page", "规划纲目"),
    ("plan.boxes_page", "专栏"),
    ("plan.targets_page", "目标"),
    ("plan.indicators_page", "指标"),
    ("plan.bodies_page", "责任单位"),
    ("trace.trace_index", "追踪"),
    ("graph.graph_page", "图谱"),
    ("lists.lists_page", "任务清单"),
]


def _nav():
    here = request.endpoint or ""
    out = []
    for endpoint, label in NAV:
        area = endpoint.split(".")[0]
        active = here == endpoint or (area in ("trace", "lists", "graph") and here.startswith(area + "."))
        out.append({"url": url_for(endpoint), "label": label, "active": active})
    return out


def with_query(endpoint: str | None = None, **changes) -> str:
    """``endpoint``'s URL (the current page's if None) carrying the current query string,
    with some parameters replaced (None or "" removes one).

    The query is appended here, never passed to ``url_for`` as keywords: a visitor's
    ``?format=…``, ``?endpoint=…``, ``?_anchor=…``, ``?_method=…`` or ``?_scheme=…`` then
    clashed with url_for's own arguments and every page with a JSON link answered 500."""
    args = request.args.copy()
    for k, v in changes.items():
        if v is None or v == "":
            args.pop(k, None)
        else:
            args.setlist(k, [str(v)])
    if endpoint is None:
        base = url_for(request.endpoint, **(request.view_args or {}))
    else:
        base = url_for(endpoint)
    query = urlencode(list(args.items(multi=True)), safe="!$'()*,/:;?@")  # as url_for quotes
    return f"{base}?{query}" if query else base


def url_with(**changes) -> str:
    """The current URL with some query parameters replaced (None removes one)."""
    return with_query(None, **changes)


_MARK_OR_ENTITY = re.compile(r"(</?mark>|&(?:[a-zA-Z]+|#[0-9]+|#[xX][0-9a-fA-F]+);)")


def snippet_html(value) -> Markup:
    """A search snippet as HTML where only <mark> survives.

    The index escapes clause text before adding <mark>; this is the second lock on the
    door: any other tag or stray “<”, “>”, “"” or “&” is escaped here (entities the
    index already wrote are kept, not escaped twice), and marks are balanced."""
    out, open_ = [], False
    for part in _MARK_OR_ENTITY.split(str(value or "")):
        if part == "<mark>":
            if not open_:
                out.append(part)
                open_ = True
        elif part == "</mark>":
            if open_:
                out.append(part)
                open_ = False
        elif _MARK_OR_ENTITY.fullmatch(part):
            out.append(part)
        else:
            out.append(str(escape(part)))
    if open_:
        out.append("</mark>")
    return Markup("".join(out))


EXPORT_FORMATS = [(key, spec.label) for key, spec in FORMATS.items()]


def init_templating(app: Flask) -> None:
    from kb.model import KINDS

    from webapp.facets import FACET_TITLES, default_label

    app.jinja_env.filters["kind_label"] = lambda k: KINDS.get(k, k)
    app.jinja_env.filters["facet_title"] = lambda name: FACET_TITLES.get(name, name)
    app.jinja_env.filters["facet_label"] = lambda value, name: default_label(name, str(value))
    app.jinja_env.filters["snippet"] = snippet_html
    app.jinja_env.globals["export_formats"] = EXPORT_FORMATS
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["nav"] = _nav
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["with_query"] = with_query
