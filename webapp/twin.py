"""Register a page and its JSON twin from one data function (the Datasette habit).

``@twin(bp, "/outline", "/api/outline", "outline.html")`` on a function returning a
dict gives ``GET /outline`` (the template gets the dict as ``data``) and
``GET /api/outline`` (the same dict as JSON). The HTML page can never show something
the API does not return. ``context(data)`` may add what the page draws *from* that
dict (a diagram), never new facts.
"""
from __future__ import annotations

import functools

from flask import jsonify, render_template


def twin(bp, page_rule: str, api_rule: str, template: str, endpoint: str | None = None,
         context=None):
    def deco(fn):
        name = endpoint or fn.__name__

        @functools.wraps(fn)
        def page(**kwargs):
            data = fn(**kwargs)
            return render_template(template, data=data, **(context(data) if context else {}))

        @functools.wraps(fn)
        def api(**kwargs):
            return jsonify(fn(**kwargs))

        bp.add_url_rule(page_rule, f"{name}_page", page, methods=["GET"])
        bp.add_url_rule(api_rule, f"{name}_api", api, methods=["GET"])
        return fn

    return deco
