"""The judged query sets under bench/ read as the benchmark reads them, and name clauses the
seed plan has: a mistyped id would silently count as a miss in every report."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from judged import KINDS, load_kinds  # noqa: E402

SETS = sorted((ROOT / "bench").glob("judged*.tsv"))


def test_the_staff_sets_are_there():
    names = {p.name for p in SETS}
    assert {"judged_staff3.tsv", "judged_staff4.tsv", "judged_staff5.tsv", "judged_staff6.tsv", "judged_staff7.tsv", "judged_staff8.tsv", "judged_staff9.tsv", "judged_staff10.tsv", "judged_staff11.tsv", "judged_staff12.tsv",
            "judged_staff13.tsv", "judged_staff14.tsv", "judged_staff15.tsv", "judged_staff16.tsv",
            "judged_staff17.tsv", "judged_staff18.tsv", "judged_staff19.tsv", "judged_staff20.tsv",
            "judged_staff21.tsv", "judged_staff22.tsv", "judged_staff23.tsv", "judged_staff24.tsv",
            "judged_staff25.tsv", "judged_staff26.tsv", "judged_staff27.tsv", "judged_staff28.tsv",
            "judged_staff29.tsv", "judged_staff30.tsv", "judged_staff31.tsv", "judged_staff32.tsv",
            "judged_staff33.tsv", "judged_staff34.tsv", "judged_staff35.tsv",
            "judged_staff36.tsv", "judged_staff37.tsv", "judged_staff38.tsv"} <= names


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_judged_id_is_a_seed_clause(corpus, path):
    rows = load_kinds(path)
    assert rows, path
    known = {c.id for c in corpus.clauses()}
    for q, grades, split, kind in rows:
        assert q.strip() and split in ("tune", "held"), (path.name, q)
        assert kind == "keyword" or kind in KINDS, (path.name, q)
        assert set(grades) <= known, (path.name, q, set(grades) - known)
        assert 2 in grades.values() or kind == "keyword", (path.name, q)
