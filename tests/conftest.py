"""Shared fixtures: the bundled corpus (the seed plan) and a throwaway instance folder."""
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEED_ID = "gd-ip-14fyp"


# Sentence vectors (index/semantic.py): off unless a fixture turns them on, so the many
# throwaway indexes build in a second; those that are computed are kept between runs
# (keyed by a hash of model and text, so never stale).
os.environ.setdefault("PLANKB_SEMANTIC", "0")
os.environ.setdefault("PLANKB_EMBED_CACHE", str(Path(tempfile.gettempdir()) / "plankb-test-embeddings"))


@pytest.fixture(scope="session")
def corpus():
    from kb.corpus import load_corpus

    return load_corpus(ROOT / "corpus")


@pytest.fixture(scope="session")
def seed(corpus):
    return corpus.document(SEED_ID)


@pytest.fixture
def corpus_copy(tmp_path):
    """The seed plan and the dictionaries in a folder of their own, for tests that change it."""
    import shutil

    from kb.corpus import load_corpus

    root = tmp_path / "corpus"
    root.mkdir()
    shutil.copy(ROOT / "corpus" / f"{SEED_ID}.md", root / f"{SEED_ID}.md")
    shutil.copytree(ROOT / "corpus" / "dict", root / "dict")
    return load_corpus(root)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    monkeypatch.setenv("PLANKB_INSTANCE", str(path))
    return path


@pytest.fixture(scope="session")
def seed_index(corpus, tmp_path_factory):
    """One search index over the bundled corpus, built once for the whole session, with
    sentence vectors (lexical only where the model cannot load)."""
    from index import open_index

    saved = os.environ.pop("PLANKB_SEMANTIC", None)
    try:
        index = open_index(corpus, tmp_path_factory.mktemp("seed-index"))
    finally:
        if saved is not None:
            os.environ["PLANKB_SEMANTIC"] = saved
    yield index
    index.close()
