"""Imports run one way: kb ← index ← office ← webapp / the plankb CLI.

Checked on the source (every import statement, at module level or inside a function),
so a lazy import that reaches the wrong way is caught as surely as one at the top.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["kb", "index", "office", "webapp", "plankb"]
# what each package may import from the project
ALLOWED = {
    "kb": {"kb"},
    "index": {"kb", "index"},
    "office": {"kb", "index", "office"},
    "webapp": {"kb", "index", "office", "webapp"},
    "plankb": {"kb", "index", "office", "plankb", "webapp"},  # `plankb serve` starts the web app
}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]


def _modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", LAYERS)
def test_each_package_imports_only_the_layers_below_it(package):
    wrong = [f"{path.relative_to(ROOT)}:{line} imports {top}"
             for path in _modules(package)
             for line, top in _imports(path)
             if top in LAYERS and top not in ALLOWED[package]]
    assert not wrong, "\n".join(wrong)


def test_only_the_serve_command_reaches_the_web_app():
    """The CLI imports webapp in one place, to serve it; nothing else in the CLI does."""
    users = {path.name for path in _modules("plankb")
             if any(top == "webapp" for _, top in _imports(path))}
    assert users == {"cmd_web.py"}


def test_every_module_imports():
    import importlib

    names = [".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
             for package in LAYERS for path in _modules(package) if path.name != "__main__.py"]
    assert len(names) > 60
    for name in names:
        importlib.import_module(name)
