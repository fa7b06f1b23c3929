"""Shared fixtures: the bundled corpus (the seed plan) and a throwaway instance folder."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEED_ID = "gd-ip-14fyp"


@pytest.fixture(scope="session")
def corpus():
    from kb.corpus import load_corpus

    return load_corpus(ROOT / "corpus")


@pytest.fixture(scope="session")
def seed(corpus):
    return corpus.document(SEED_ID)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    monkeypatch.setenv("PLANKB_INSTANCE", str(path))
    return path


@pytest.fixture(scope="session")
def seed_index(corpus, tmp_path_factory):
    """One search index over the bundled corpus, built once for the whole session."""
    from index import open_index

    index = open_index(corpus, tmp_path_factory.mktemp("seed-index"))
    yield index
    index.close()
