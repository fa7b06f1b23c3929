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


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_of(client) -> str:
    """The token a page hands the browser (meta tag), as JS would read it."""
    html = client.get("/lists").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.fixture
def token(client):
    return csrf_of(client)
