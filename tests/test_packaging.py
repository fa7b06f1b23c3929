"""The install a newcomer or an intranet administrator runs: packages, lock files, wheelhouse.

These read setup.cfg, the lock files and the Makefile; they never touch the network."""
import re
import subprocess
import sys
from pathlib import Path

from setuptools.config.setupcfg import read_configuration

from cli_support import ROOT

CFG = read_configuration(str(ROOT / "setup.cfg"))
OPTIONS = CFG["options"]


def _name(requirement: str) -> str:
    """The canonical project name of a requirement line (PEP 503)."""
    name = re.split(r"[<>=!~;\[ ]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", line)
        if m:
            pins[_name(m.group(1))] = m.group(2)
    return pins


def test_every_folder_shipped_with_the_app_is_a_configured_package():
    """setuptools warned ~60 times per install that webapp.static and webapp.templates hold
    package data but are “absent from the packages configuration” (and will be ignored)."""
    packages = set(OPTIONS["packages"])
    for folder, _, files in _walk(ROOT / "webapp"):
        if "__pycache__" in folder.parts or not files:
            continue
        assert ".".join(folder.relative_to(ROOT).parts) in packages, folder
    assert {"webapp.static", "webapp.templates", "kb", "index", "plankb"} <= packages
    assert not [p for p in packages if "__pycache__" in p or p.startswith(("tests", "bench", "corpus"))]


def _walk(top: Path):
    import os

    for folder, dirs, files in os.walk(top):
        yield Path(folder), dirs, files


def test_build_gives_no_package_warning(tmp_path):
    """The build step itself, offline (no isolation: the venv's setuptools)."""
    out = subprocess.run(
        [sys.executable, "-c", "import setuptools, sys; sys.argv = ['setup.py', '-q', 'build_py', '--build-lib', "
         f"{str(tmp_path / 'lib')!r}]; setuptools.setup()"],
        cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "absent from the `packages` configuration" not in out.stderr + out.stdout
    assert (tmp_path / "lib" / "webapp" / "templates" / "base.html").exists()
    assert (tmp_path / "lib" / "webapp" / "static").is_dir()


def test_lock_files_pin_every_dependency_exactly():
    app = _pins(ROOT / "requirements" / "app.txt")
    test = _pins(ROOT / "requirements" / "test.txt")
    missing = [r for r in OPTIONS["install_requires"] if _name(r) not in app]
    assert not missing, f"requirements/app.txt lacks {missing}: run `make lock`"
    extra = OPTIONS["extras_require"]["test"]
    missing = [r for r in OPTIONS["install_requires"] + extra if _name(r) not in test]
    assert not missing, f"requirements/test.txt lacks {missing}: run `make lock`"
    # the test lock holds the app's versions, so the tests run what the office runs
    assert {k: test[k] for k in app} == app
    assert "flask" in app and "werkzeug" in app  # transitive dependencies are pinned too


def test_make_run_and_test_install_from_the_locks_and_wheelhouse():
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lock:", make, re.M) and re.search(r"^wheelhouse:", make, re.M)
    assert "requirements/app.txt" in make and "requirements/test.txt" in make
    assert "--no-index --find-links" in make
