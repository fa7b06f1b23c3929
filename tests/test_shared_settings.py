"""What several servers of one database must agree on, and how a server refuses to start.

The session key is kept in the office database, so a login on one server is a login on
every server of that database (on PostgreSQL each has its own instance folder); an
instance that already had a key file keeps it (its sessions survive the upgrade). A
setting the app refuses (single sign-on without the proxy's address) is one Chinese
line from ``plankb serve``, not a Python exception name."""
import os

import pytest

from cli_support import ROOT, free_port, run_plankb
from db_support import ENGINES, database_url_for


@pytest.mark.parametrize("engine", ENGINES)
def test_servers_of_one_database_share_the_session_key_and_an_old_key_is_kept(engine, tmp_path, monkeypatch):
    from webapp import create_app
    from webapp.resources import close_all

    monkeypatch.setenv("PLANKB_DATABASE_URL", database_url_for(engine, tmp_path))
    old = tmp_path / "a"
    old.mkdir()
    (old / "secret_key").write_text("k" * 64, encoding="ascii")  # the key file of an instance before
    apps = [create_app({"INSTANCE_PATH": tmp_path / name, "CORPUS_DIR": str(ROOT / "corpus"), "TESTING": True})
            for name in ("a", "b")]
    try:
        assert [app.config["SECRET_KEY"] for app in apps] == ["k" * 64] * 2
        with apps[0].test_request_context():
            from flask import session

            session["csrf"] = "token-from-a"
            cookie = apps[0].session_interface.get_signing_serializer(apps[0]).dumps(dict(session))
        c = apps[1].test_client()
        c.set_cookie(apps[1].config["SESSION_COOKIE_NAME"], cookie)
        with c.session_transaction() as s:
            assert s.get("csrf") == "token-from-a"  # B reads A's cookie
    finally:
        for app in apps:
            close_all(app)


def test_single_sign_on_without_its_proxy_is_one_chinese_line(tmp_path):
    env = dict(os.environ, PLANKB_SSO_HEADER="X-Remote-User")
    env.pop("PLANKB_SSO_PROXIES", None)
    r = run_plankb("--instance", str(tmp_path / "inst"), "serve", "--port", str(free_port()), env=env, ok=False)
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("错误：已设置 PLANKB_SSO_HEADER") and "PLANKB_SSO_PROXIES" in last
    assert "ValueError" not in r.stderr and "Traceback" not in r.stderr and "PLANKB_DEBUG" not in r.stderr
