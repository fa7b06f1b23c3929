"""Published plans in the office database, on SQLite and on a real PostgreSQL: stored
whole with who, when and a version; audited (published, replaced, removed: old → new);
materialised into the folder a server serves (the bundled corpus plus the database's
plans); an instance made by the release before keeps the plans it had published into its
corpus folder; the command line publishes and removes as the import page does."""
import json
import os
import shutil
import tomllib

import pytest

from cli_support import ROOT, run_plankb
from db_support import ENGINES, database_url_for
from office.audit import Actor, AuditLog, acting_as
from office.db import Database
from office.published import PlanFiles, PlanStore, PlanStoreError, bundled_ids, sync

SAMPLE = ROOT / "tests" / "data" / "samples" / "shandong-education-14fyp.txt"
SAMPLE_TEXT = "建设高质量教育体系"  # in the Shandong plan, not in the seed
SEED_ID = "gd-ip-14fyp"


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


@pytest.fixture
def database(engine, tmp_path):
    d = Database(database_url_for(engine, tmp_path))
    d.migrate()
    yield d
    d.close()


@pytest.fixture
def base(tmp_path):
    """A copy of the bundled corpus (the seed plan)."""
    shutil.copytree(ROOT / "corpus", tmp_path / "bundled")
    return tmp_path / "bundled"


def ingested(doc_id: str, path=SAMPLE) -> PlanFiles:
    from kb.ingest import ingest_file

    result = ingest_file(path, ROOT / "corpus", doc_id=doc_id)
    return PlanFiles.from_ingest(result, path, path.with_suffix(".toml").read_text("utf-8"))


def listing(folder):
    return sorted((p.relative_to(folder).as_posix(), p.stat().st_mtime_ns) for p in folder.rglob("*"))


def test_a_publication_is_stored_whole_audited_and_each_change_is_a_new_version(database, base):
    store = PlanStore(database)
    plan = ingested("sd-edu")
    stamps = [store.stamp()]
    with acting_as(Actor("admin1", "admin")):
        v1 = store.publish(plan, bundled=bundled_ids(base))
    stamps.append(store.stamp())
    kept = store.plan(v1)
    assert (kept.raw, kept.markdown, kept.sidecar) == (SAMPLE.read_bytes(), plan.markdown, plan.sidecar)
    assert kept.raw_name == "sd-edu.txt" and "山东省" in kept.title
    row = store.published()[0]
    assert (row.doc_id, row.id, row.who, row.origin) == ("sd-edu", v1, "admin1", "import")
    # the same id again, or a bundled plan's id, is refused unless replacing
    with pytest.raises(PlanStoreError) as e:
        store.publish(plan, bundled=bundled_ids(base))
    assert e.value.status == 409 and "sd-edu" in str(e.value)
    with pytest.raises(PlanStoreError):
        store.publish(ingested(SEED_ID), bundled=bundled_ids(base))
    with acting_as(Actor("admin2", "admin")):
        v2 = store.publish(plan, replace=True, bundled=bundled_ids(base))
        stamps.append(store.stamp())
        v3 = store.publish(ingested(SEED_ID), replace=True, bundled=bundled_ids(base))
        stamps.append(store.stamp())
        v4 = store.remove("sd-edu", bundled=bundled_ids(base))
        stamps.append(store.stamp())
    with pytest.raises(PlanStoreError) as e:
        store.remove("sd-edu")
    assert e.value.status == 404
    assert len(set(stamps)) == len(stamps)  # every change is seen by the cheap stamp
    assert [r.doc_id for r in store.published()] == [SEED_ID]
    assert [(r.id, r.action, r.who) for r in store.history("sd-edu")] == [
        (v1, "publish", "admin1"), (v2, "publish", "admin2"), (v4, "remove", "admin2")]
    title = row.title
    trail = [(e.actor, e.action, e.subject, e.field, e.old, e.new) for e in reversed(AuditLog(database).entries())]
    assert trail == [
        ("admin1", "plan.publish", "sd-edu", "version", "", f"第{v1}版《{title}》"),
        ("admin2", "plan.replace", "sd-edu", "version", f"第{v1}版《{title}》", f"第{v2}版《{title}》"),
        ("admin2", "plan.replace", SEED_ID, "version", f"随包规划《{SEED_ID}》", f"第{v3}版《{title}》"),
        ("admin2", "plan.remove", "sd-edu", "version", f"第{v2}版《{title}》", ""),
    ]
    assert all(e.at.startswith("20") for e in AuditLog(database).entries())  # when, in UTC


def test_the_served_folder_is_the_bundled_corpus_plus_the_database_plans(database, base, tmp_path):
    from kb.corpus import content_hash, load_corpus

    instance = tmp_path / "inst"
    bundled_before = listing(base), content_hash(base)
    store = PlanStore(database)
    assert sync(database, base, instance) == base.resolve()  # nothing in the database: served as it is
    with acting_as(Actor("admin1", "admin")):
        store.publish(ingested("sd-edu"), bundled=bundled_ids(base))
    served = sync(database, base, instance)
    assert served == instance / "corpus"
    assert (served / "sd-edu.md").read_text("utf-8") == ingested("sd-edu").markdown
    assert (served / "raw" / "sd-edu.txt").read_bytes() == SAMPLE.read_bytes()
    assert tomllib.loads((served / "raw" / "sd-edu.toml").read_text("utf-8")) == \
        tomllib.loads(SAMPLE.with_suffix(".toml").read_text("utf-8"))
    assert (served / f"{SEED_ID}.md").resolve() == (base / f"{SEED_ID}.md").resolve()  # bundled: linked
    corpus = load_corpus(served)
    assert sorted(d.id for d in corpus.documents) == [SEED_ID, "sd-edu"]
    assert any(SAMPLE_TEXT in c.text for c in corpus.document("sd-edu").clauses)
    unchanged = listing(served)
    assert sync(database, base, instance) == served and listing(served) == unchanged  # nothing rewritten
    # a database plan with a bundled plan's id replaces it (its Markdown and raw/<id>.* files)
    replacement = ingested(SEED_ID)
    with acting_as(Actor("admin1", "admin")):
        store.publish(replacement, replace=True, bundled=bundled_ids(base))
    sync(database, base, instance)
    assert not (served / f"{SEED_ID}.md").is_symlink()
    assert (served / f"{SEED_ID}.md").read_text("utf-8") == replacement.markdown
    assert (served / "raw" / f"{SEED_ID}.txt").read_bytes() == SAMPLE.read_bytes()
    # removed: gone from the served folder, the bundled plan of that id too
    with acting_as(Actor("admin1", "admin")):
        store.remove(SEED_ID)
        store.remove("sd-edu")
    sync(database, base, instance)
    assert not (served / f"{SEED_ID}.md").exists() and not (served / "sd-edu.md").exists()
    assert not list((served / "raw").glob("sd-edu.*"))
    assert (served / "dict").is_dir() and (served / "links.toml").exists()
    assert (listing(base), content_hash(base)) == bundled_before  # the bundled corpus is never written


def _as_today(database, base, doc_id: str) -> None:
    """What plankb before migration 0004 left after publishing through the import page: the
    database at revision 0003 with "plan.publish" in the trail (written by today's
    office.audit.record), and the plan's files in the corpus folder itself."""
    from alembic import command
    from alembic.config import Config

    from office import migrations
    from office.audit import record
    from office.plans import sidecar_text

    with database.tx(write=True) as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(migrations.HERE))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    plan = ingested(doc_id)
    files = {f"raw/{doc_id}.txt": SAMPLE.read_bytes(),
             f"raw/{doc_id}.toml": sidecar_text({"document": {"id": doc_id}, "correction": [
                 {"what": "furniture", "line": 3, "why": "导入审核：此行是页眉页脚，不属于正文。"}]}).encode("utf-8"),
             f"{doc_id}.md": plan.markdown.encode("utf-8")}
    for rel, data in files.items():
        (base / rel).write_bytes(data)
    with database.tx(write=True) as conn, acting_as(Actor("admin0", "admin")):
        record(conn, "plan.publish", subject=doc_id, field="title", new=plan.title)


def test_an_instance_of_the_release_before_keeps_its_published_plans(engine, tmp_path, base):
    from sqlalchemy import text

    from kb.corpus import load_corpus

    database = Database(database_url_for(engine, tmp_path))
    try:
        _as_today(database, base, "sd-old")
        with database.tx(write=False) as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
        database.migrate()  # the upgrade: 0004
        served = sync(database, base, tmp_path / "inst")
        store = PlanStore(database)
        row = store.published()[0]
        assert (row.doc_id, row.who, row.origin) == ("sd-old", "admin0", "upgrade")
        kept = store.plan(row.id)
        assert kept.raw == SAMPLE.read_bytes() and kept.raw_name == "sd-old.txt"
        assert tomllib.loads(kept.sidecar)["correction"][0]["what"] == "furniture"
        assert kept.markdown == (base / "sd-old.md").read_text("utf-8")
        assert sorted(d.id for d in load_corpus(served).documents) == [SEED_ID, "sd-old"]
        entry = AuditLog(database).entries(limit=1)[0]
        assert (entry.action, entry.subject, entry.actor) == ("plan.import", "sd-old", "admin0")
        # once: a second look imports nothing more; removed, it stays removed
        import office.published

        office.published._legacy_done.clear()
        sync(database, base, tmp_path / "inst")
        assert len(store.history("sd-old")) == 1
        store.remove("sd-old")
        office.published._legacy_done.clear()
        sync(database, base, tmp_path / "inst")
        assert "sd-old" not in {d.id for d in load_corpus(served).documents}
        assert [r.action for r in store.history("sd-old")] == ["publish", "remove"]
    finally:
        database.close()


def test_the_command_line_publishes_and_removes_as_the_import_page_does(engine, tmp_path):
    env = dict(os.environ)
    env.pop("PLANKB_DATABASE_URL", None)
    url = database_url_for(engine, tmp_path)
    if engine == "postgresql":
        env["PLANKB_DATABASE_URL"] = url
    inst = ["--instance", str(tmp_path / "inst")]
    r = run_plankb(*inst, "ingest", str(SAMPLE), "--id", "sd-cli", "--publish", "--quiet", env=env)
    assert "已发布 sd-cli（第1版）" in r.stdout
    again = run_plankb(*inst, "ingest", str(SAMPLE), "--id", "sd-cli", "--publish", "--quiet", env=env, ok=False)
    assert again.returncode == 1 and "已有编号为“sd-cli”的规划" in again.stderr and "Error" not in again.stderr
    listed = json.loads(run_plankb(*inst, "plan", "list", "--json", env=env).stdout)["plans"]
    assert [(p["id"], p["version"], p["origin"]) for p in listed] == [("sd-cli", 1, "命令行")]
    assert listed[0]["who"].startswith("命令行:")
    outline = json.loads(run_plankb(*inst, "outline", "--document", "sd-cli", "--json", env=env).stdout)
    assert [d["id"] for d in outline["documents"]] == ["sd-cli"]  # the other commands read it too
    assert "已移除 sd-cli" in run_plankb(*inst, "plan", "remove", "sd-cli", env=env).stdout
    assert run_plankb(*inst, "outline", "--document", "sd-cli", env=env, ok=False).returncode == 1
    gone = run_plankb(*inst, "plan", "remove", "sd-cli", env=env, ok=False)
    assert gone.returncode == 1 and "没有编号为“sd-cli”的规划" in gone.stderr
    database = Database(url if engine == "postgresql" else f"sqlite:///{tmp_path / 'inst' / 'plankb.sqlite3'}")
    try:
        trail = [(e.action, e.subject) for e in reversed(AuditLog(database).entries())]
        assert trail == [("plan.publish", "sd-cli"), ("plan.remove", "sd-cli")]
        assert AuditLog(database).entries()[0].actor.startswith("命令行:")
    finally:
        database.close()
