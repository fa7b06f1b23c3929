"""Incremental by plan (issue 12): a changed, added or removed plan is parsed and indexed
alone; an open index is never disturbed by an update; a new schema, code or dictionary
rebuilds the whole index."""
import re
import shutil
from pathlib import Path

import pytest

import index.store as store
import kb.corpus as kb_corpus
import kb.parse
from index import build_index, open_index
from kb.corpus import load_corpus, parse_cache_dir

ROOT = Path(__file__).resolve().parent.parent
SEED = "gd-ip-14fyp"
PLACES = ["珠海市", "汕头市", "佛山市"]
OLD = "培育商业秘密保护基地"  # a phrase of the seed, so in every copy


def copy_of(text: str, n: int, place: str) -> str:
    """The seed as plan ``n``: its own id and title, its place names replaced."""
    head, sep, body = text.partition("\n---\n")
    head = re.sub(r'^id: "([^"]+)"', lambda m: f'id: "{m.group(1)}-c{n}"', head, count=1, flags=re.M)
    head = re.sub(r'^title: "', f'title: "{place}', head, count=1, flags=re.M)
    return head + sep + re.sub(r"广东省|广东|我省|全省", place, body)


@pytest.fixture
def plans(tmp_path):
    """A corpus of the seed and three varied copies of it, and an instance folder."""
    root = tmp_path / "corpus"
    root.mkdir()
    shutil.copytree(ROOT / "corpus" / "dict", root / "dict")
    seed = (ROOT / "corpus" / f"{SEED}.md").read_text(encoding="utf-8")
    assert OLD in seed
    (root / f"{SEED}.md").write_text(seed, encoding="utf-8")
    for n, place in enumerate(PLACES, 1):
        (root / f"{SEED}-c{n}.md").write_text(copy_of(seed, n, place), encoding="utf-8")
    kb_corpus._cache.pop(root.resolve(), None)
    yield root, tmp_path / "inst"
    kb_corpus._cache.pop(root.resolve(), None)


def fresh_process_load(root, instance):
    """load_corpus as a new process sees it: nothing parsed in memory, the instance's cache."""
    kb_corpus._cache.pop(Path(root).resolve(), None)
    return load_corpus(root, parse_cache_dir(instance))


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def ids_for(ix, query: str) -> set[str]:
    return {h["id"] for h in ix.search(f'"{query}"', limit=1000)["hits"]}


def live_plans(folder) -> dict[str, int]:
    """Plan -> clauses the whoosh index holds (deleted ones not counted)."""
    from collections import Counter

    ix = store.open_whoosh(folder)
    try:
        with ix.reader() as r:
            return dict(Counter(f["document"] for f in r.all_stored_fields()))
    finally:
        ix.close()


@pytest.fixture
def parses(monkeypatch):
    seen = []
    real = kb.parse.parse_document

    def counting(text, path=None, structure=None):
        seen.append(Path(path).name)
        return real(text, path=path, structure=structure)

    monkeypatch.setattr(kb.parse, "parse_document", counting)
    return seen


def test_changing_one_plan_parses_only_that_plan(plans, parses):
    root, instance = plans
    first = fresh_process_load(root, instance)
    assert len(parses) == 4 and len(first.documents) == 4
    parses.clear()
    assert len(fresh_process_load(root, instance).documents) == 4
    assert parses == []  # every plan from the instance's cache of parsed plans
    (root / f"{SEED}-c2.md").touch()
    rewrite(root / f"{SEED}-c1.md", OLD, "加大对侵权假冒行为的打击力度")
    again = fresh_process_load(root, instance)
    assert parses == [f"{SEED}-c1.md"]
    assert again.document(f"{SEED}-c1").clauses != first.document(f"{SEED}-c1").clauses
    parses.clear()
    rewrite(root / f"{SEED}-c3.md", OLD, "严厉打击侵权")  # in the same process: one parse too
    load_corpus(root, parse_cache_dir(instance))
    assert parses == [f"{SEED}-c3.md"]


def test_a_changed_plan_is_reindexed_alone_and_found_by_its_new_text(plans):
    root, instance = plans
    corpus = fresh_process_load(root, instance)
    first = build_index(corpus, instance)
    assert first["build"]["mode"] == "full"
    ix = open_index(corpus, instance)
    try:
        before = {q: ids_for(ix, q) for q in (OLD, "商业秘密", "惩罚性赔偿")}
    finally:
        ix.close()
    assert {i.split(":")[0] for i in before[OLD]} == {SEED, f"{SEED}-c1", f"{SEED}-c2", f"{SEED}-c3"}
    rewrite(root / f"{SEED}-c2.md", OLD, "全面推行侵权惩罚性赔偿制度蓝鲸")
    corpus = fresh_process_load(root, instance)
    meta = build_index(corpus, instance)
    assert meta["build"] == {"mode": "update", "reindexed": [f"{SEED}-c2"], "removed": []}
    assert meta["clauses"] == first["clauses"]
    ix = open_index(corpus, instance, build_if_missing=False)
    try:
        assert {i.split(":")[0] for i in ids_for(ix, OLD)} == {SEED, f"{SEED}-c1", f"{SEED}-c3"}
        assert {i.split(":")[0] for i in ids_for(ix, "蓝鲸")} == {f"{SEED}-c2"}
        for q in ("商业秘密", "惩罚性赔偿"):  # the other plans as they were; c2's clauses once each
            assert ids_for(ix, q) - {i for i in ids_for(ix, q) if i.startswith(f"{SEED}-c2:")} \
                == {i for i in before[q] if not i.startswith(f"{SEED}-c2:")}
        assert ix.search("商业秘密", limit=1000)["total"] == len(ids_for(ix, "商业秘密"))
        assert live_plans(ix.folder) == {d.id: len(d.clauses) for d in corpus.documents}
    finally:
        ix.close()


def test_an_added_and_a_removed_plan(plans):
    root, instance = plans
    build_index(fresh_process_load(root, instance), instance)
    (root / f"{SEED}-c3.md").unlink()
    seed = (ROOT / "corpus" / f"{SEED}.md").read_text(encoding="utf-8")
    (root / f"{SEED}-c9.md").write_text(copy_of(seed, 9, "韶关市"), encoding="utf-8")
    corpus = fresh_process_load(root, instance)
    meta = build_index(corpus, instance)
    assert meta["build"] == {"mode": "update", "reindexed": [f"{SEED}-c9"], "removed": [f"{SEED}-c3"]}
    assert meta["clauses"] == sum(len(d.clauses) for d in corpus.documents)
    ix = open_index(corpus, instance, build_if_missing=False)
    try:
        docs = {i.split(":")[0] for i in ids_for(ix, OLD)}
        assert docs == {SEED, f"{SEED}-c1", f"{SEED}-c2", f"{SEED}-c9"}
        assert live_plans(ix.folder) == {d.id: len(d.clauses) for d in corpus.documents}
        assert ix.search("韶关市")["total"] > 0
    finally:
        ix.close()


def test_a_new_schema_code_or_dictionary_rebuilds_in_full(plans, monkeypatch):
    root, instance = plans
    corpus = fresh_process_load(root, instance)
    build_index(corpus, instance)
    assert build_index(corpus, instance)["build"]["mode"] == "update"
    monkeypatch.setattr(store, "INDEX_MODULES", store.INDEX_MODULES + ("index.snippet",))  # other code
    assert build_index(corpus, instance)["build"]["mode"] == "full"
    monkeypatch.undo()
    assert build_index(corpus, instance)["build"]["mode"] == "full"  # and back
    monkeypatch.setattr(store, "SCHEMA_VERSION", store.SCHEMA_VERSION + 100)
    assert build_index(corpus, instance)["build"]["mode"] == "full"
    monkeypatch.undo()
    build_index(corpus, instance)
    with open(root / "dict" / "synonyms.txt", "a", encoding="utf-8") as f:
        f.write("蓝色剑 => 蓝剑\n")
    corpus = fresh_process_load(root, instance)
    assert build_index(corpus, instance)["build"]["mode"] == "full"


def test_an_open_index_is_not_disturbed_by_an_update(plans):
    root, instance = plans
    corpus = fresh_process_load(root, instance)
    old = open_index(corpus, instance)
    try:
        folder = old.folder
        files = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        had = ids_for(old, OLD)
        rewrite(root / f"{SEED}-c1.md", OLD, "大力整治侵权乱象白鹭")
        new_corpus = fresh_process_load(root, instance)
        assert build_index(new_corpus, instance)["build"]["mode"] == "update"
        assert build_index(new_corpus, instance)["build"]["mode"] == "update"  # and once more
        assert folder.is_dir() and store.current_build(instance)[0] != folder
        assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == files
        old._posting_cache.clear()
        assert ids_for(old, OLD) == had  # the old index reads its own folder, as it was
        assert ids_for(old, "白鹭") == set()
    finally:
        old.close()
    new = open_index(new_corpus, instance, build_if_missing=False)
    try:
        assert {i.split(":")[0] for i in ids_for(new, "白鹭")} == {f"{SEED}-c1"}
    finally:
        new.close()


def test_the_cache_of_parsed_plans_stays_bounded(plans):
    root, instance = plans
    path = root / f"{SEED}-c1.md"
    text = path.read_text(encoding="utf-8")
    for i in range(60):  # sixty edits of one plan: sixty parses cached, the old ones pruned
        path.write_text(text.replace(OLD, f"{OLD}{i}"), encoding="utf-8")
        load_corpus(root, parse_cache_dir(instance))
    cached = {p.stem for p in parse_cache_dir(instance).glob("*.pickle")}
    corpus = fresh_process_load(root, instance)
    assert len(cached) <= 2 * 4 + 32
    assert {corpus.document_key(d.id) for d in corpus.documents} <= cached  # those in use stay


def test_an_update_scans_only_the_changed_plan_for_inner_words(plans, monkeypatch):
    """The words written inside longer words (加盟 in 特许加盟) take seconds to find at a
    hundred plans: an update finds them for the plans it re-indexes only."""
    root, instance = plans
    build_index(fresh_process_load(root, instance), instance)
    scanned = []
    real = store.inner_words

    def counting(freq, texts):
        texts = list(texts)
        scanned.append(len(texts))
        return real(freq, texts)

    monkeypatch.setattr(store, "inner_words", counting)
    rewrite(root / f"{SEED}-c2.md", OLD, "推动特许加盟品牌保护")
    corpus = fresh_process_load(root, instance)
    meta = build_index(corpus, instance)
    assert meta["build"]["mode"] == "update"
    assert scanned == [len(corpus.document(f"{SEED}-c2").clauses)]
    ix = open_index(corpus, instance, build_if_missing=False)
    try:  # 加盟店 is in no plan; its part 加盟 is, inside 特许加盟 (also in the updated plan)
        r = ix.search("加盟店乱用大牌商标", limit=5)
        assert r["hits"] and all("加盟" in h["text"] for h in r["hits"][:1])
        assert "加盟" not in "".join(r.get("ignored", []))
    finally:
        ix.close()
