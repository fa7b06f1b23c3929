"""Fixtures shared by the test_web_* modules (imported by name; this file has no tests).

One app per session on a throwaway instance folder, so the search index is built once.
"""
import re

import pytest

from cli_support import ROOT


@pytest.fixture(scope="session")
def web_instance(tmp_path_factory):
    return tmp_path_factory.mktemp("web-instance")


@pytest.fixture(scope="session")
def app(web_instance):
    from webapp import create_app

    app = create_app({"INSTANCE_PATH": web_instance, "CORPUS_DIR": str(ROOT / "corpus"),
                      "TESTING": True})
    yield app
    from webapp.resources import close_all

    close_all(app)


def log_in(client, role: str = "editor", name: str | None = None, unit: str = "", **extra):
    """Log this test client in as an account of this role (created once per app), the
    way a browser ends up after /login, without paying for a password hash per test."""
    from office.audit import Actor, acting_as
    from office.users import UserStore
    from webapp.resources import get_store

    name = name or f"test-{role}"
    with client.application.app_context():
        users = UserStore(get_store().db)
        user = users.get(name)
        if user is None:
            with acting_as(Actor("测试", "admin")):
                user = users.add(name, role=role, password="test-password", unit=unit, **extra)
    with client.session_transaction() as s:
        s["uid"], s["stamp"] = user.name, user.session_stamp
    return client


@pytest.fixture
def client(app):
    """A browser logged in as an editor: writing needs an account (webapp/auth.py)."""
    return log_in(app.test_client())


@pytest.fixture
def anon_client(app):
    """A browser that has not logged in."""
    return app.test_client()


def csrf_of(client, url: str = "/lists") -> str:
    """The token a page hands the browser (meta tag), as JS would read it."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.fixture
def token(client):
    return csrf_of(client)
