"""The judged query sets under bench/ read as the benchmark reads them, and name clauses the
seed plan has: a mistyped id would silently count as a miss in every report."""
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from judged import KINDS, load_kinds  # noqa: E402

SETS = sorted((ROOT / "bench").glob("judged*.tsv"))
# Sets on other plans than the seed (bench/other_plans.py): judged_nat*.tsv, judged_edu*.tsv, judged_mb*.tsv
OTHER = [p for p in SETS if re.fullmatch(r"judged_(?:nat|edu|mb)\d+\.tsv", p.name)]
SETS = [p for p in SETS if p not in OTHER]


def test_every_numbered_staff_set_is_listed_once_with_its_split():
    """A set on disk but not in judged.STAFF_SETS would never be reported; one listed twice, or
    as both tuned on and held out, would be reported wrongly."""
    from judged import STAFF_SETS

    listed = [path.name for _, path, _ in STAFF_SETS]
    on_disk = {p.name for p in SETS if re.fullmatch(r"judged_staff\d+\.tsv", p.name)}
    assert len(listed) == len(set(listed)) and set(listed) == on_disk
    assert len(on_disk) >= 37
    held = {path.name for _, path, split in STAFF_SETS if split == "held"}
    assert {"judged_staff3.tsv", "judged_staff6.tsv", "judged_staff9.tsv", "judged_staff18.tsv",
            "judged_staff21.tsv", "judged_staff39.tsv", "judged_staff40.tsv", "judged_staff48.tsv",
            "judged_staff49.tsv", "judged_staff50.tsv"} == held
    assert all(split in ("tune", "held") for *_, split in STAFF_SETS)


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


def test_every_set_on_another_plan_is_listed_once_and_names_that_plans_clauses(tmp_path):
    """bench/other_plans.py reports only the sets it lists, each against the plan it names."""
    from other_plans import OTHER_SETS, PLANS, several_plan_corpus

    listed = [path.name for _, path, _, _ in OTHER_SETS]
    assert len(listed) == len(set(listed)) and set(listed) == {p.name for p in OTHER}
    if not all(source.exists() for _, source in PLANS):
        pytest.skip("the other plans' source files (shared/corpus-samples) are not here")
    from kb.corpus import load_corpus

    corpus = load_corpus(several_plan_corpus(tmp_path / "corpus"))
    for name, path, split, doc_id in OTHER_SETS:
        rows = load_kinds(path, doc_prefix=doc_id + ":")
        known = {c.id for c in corpus.document(doc_id).clauses}
        assert len(rows) >= 60, name
        for q, grades, row_split, kind in rows:
            assert q.strip() and row_split == split and kind in KINDS, (name, q)
            assert set(grades) <= known, (name, q, set(grades) - known)
            assert 2 in grades.values(), (name, q)
