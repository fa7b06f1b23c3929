"""The plankb web app: what IP-office staff open every day, on an intranet with no internet.

Built the flaskr way (``create_app``), with Datasette's habit of a JSON twin for every
page: the HTML views and the ``/api/…`` views share one function that gathers the
data, so the two can never drift apart.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from office.instance import resolve_instance


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. ``test_config`` may set INSTANCE_PATH, CORPUS_DIR and any Flask key."""
    test_config = dict(test_config or {})
    instance = test_config.pop("INSTANCE_PATH", None) or resolve_instance(None)
    instance = Path(instance).expanduser().resolve()
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)

    from kb.corpus import DEFAULT_CORPUS

    app.config.from_mapping(
        CORPUS_DIR=str(os.environ.get("PLANKB_CORPUS") or DEFAULT_CORPUS),
        JSON_AS_ASCII=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="plankb_session",
        MAX_CONTENT_LENGTH=1024 * 1024,  # list edits are small; refuse anything larger
        SEARCH_PAGE_SIZE=20,
        BUILD_INDEX_IF_MISSING=True,
    )
    app.config.from_mapping(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    os.makedirs(app.instance_path, exist_ok=True)
    from webapp.security import BoundedInt, init_security

    # before any blueprint: every <int:…> in a URL is a positive SQLite-sized integer
    app.url_map.converters["int"] = BoundedInt

    init_security(app)

    from webapp.errors import init_errors

    init_errors(app)

    from webapp.templating import init_templating

    init_templating(app)

    from webapp.resources import init_resources

    init_resources(app)

    from webapp import (
        views_graph,
        views_health,
        views_lists,
        views_plan,
        views_search,
        views_trace,
    )

    for mod in (views_health, views_search, views_plan, views_trace, views_graph, views_lists):
        app.register_blueprint(mod.bp)
    from webapp import views_monitor  # 监测: actual values, their status, the evaluation report
    from webapp.auth import init_auth  # accounts, roles, the trail pages
    from webapp.views_import import init_import  # 导入规划 (administrators)

    app.register_blueprint(views_monitor.bp)
    init_auth(app)
    init_import(app)
    return app
