"""A corpus of two plans of different shapes, added as a user would (plankb ingest), used
end to end: outline, search with the document facet, trace, suggestions from the plan's
own responsibility tags, citations, the web pages and the export. Nothing in plankb may
be specific to the Guangdong plan."""
import json
import re
import shutil
from pathlib import Path

import pytest

from kb.corpus import load_corpus
from kb.ingest import ingest_file

ROOT = Path(__file__).resolve().parent.parent
SD = "sd-edu-14fyp"
GD = "gd-ip-14fyp"


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("two-plans") / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    samples = ROOT / "tests" / "data" / "samples"
    for name in ("shandong-education-14fyp.txt", "shandong-education-14fyp.toml"):
        shutil.copy(samples / name, corpus / "raw" / name)
    r = ingest_file(corpus / "raw" / "shandong-education-14fyp.txt", corpus)
    (corpus / f"{r.doc_id}.md").write_text(r.markdown, encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def app(two_plans, tmp_path_factory):
    from webapp import create_app
    from webapp.resources import close_all

    app = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("inst"), "CORPUS_DIR": str(two_plans),
                      "TESTING": True})
    yield app
    close_all(app)


def test_both_plans_load_with_their_own_structure(two_plans):
    corpus = load_corpus(two_plans)
    assert [d.id for d in corpus.documents] == [GD, SD]
    sd = corpus.document(SD)
    assert sd.meta["issuer"] == "山东省人民政府" and len(sd.chapters) == 11
    assert corpus.clause(f"{SD}:2.1.p1").kind == "task"
    assert len({c.id for c in corpus.clauses()}) == sum(len(d.clauses) for d in corpus.documents)


def test_search_spans_both_plans_with_a_document_facet(two_plans, tmp_path):
    from index import open_index

    idx = open_index(load_corpus(two_plans), tmp_path)
    try:
        res = idx.search("知识产权", limit=50)
        docs = {f["value"]: f["count"] for f in res["facets"]["document"]}
        assert set(docs) == {GD, SD} and docs[SD] >= 1
        only = idx.search("知识产权", document=SD, limit=50)
        assert only["total"] == docs[SD] and all(h["document"] == SD for h in only["hits"])
        edu = idx.search("思政工作体系")
        assert edu["hits"][0]["id"] == f"{SD}:2.1.p1"
    finally:
        idx.close()


def test_trace_and_suggestions_come_from_the_plans_own_tags(two_plans):
    from kb.graph import build_graph

    pg = build_graph(load_corpus(two_plans))
    s = pg.suggest(f"{SD}:2.1.p1")
    assert s["source"] == "tag"
    assert s["lead"] == ["山东省委教育工委"] and s["support"] == ["山东省委宣传部", "团省委"]
    t = pg.trace(f"{SD}:2.1.p1")
    names = {b["label"] if isinstance(b, dict) else b for b in t["bodies"]}
    assert any("山东省委教育工委" in str(n) for n in names)
    # the Guangdong plan's links are unchanged by a second plan in the corpus
    gd = pg.trace(f"{GD}:5.2.p4")
    assert any("t2.r4" in str(i) for i in gd["indicators"])


def test_citations_follow_each_plans_numbering(two_plans):
    from kb.citation import citation

    corpus = load_corpus(two_plans)
    sd = corpus.document(SD)
    c = corpus.clause(f"{SD}:2.1.p1")
    assert citation(sd, c) == "《山东省“十四五”教育事业发展规划》第二部分（一）“构建全学段一体化的思政工作体系”"
    gd = corpus.document(GD)
    assert citation(gd, corpus.clause(f"{GD}:3.2.p3")).endswith("第三章第二节“加强民事司法保护”")


def test_web_pages_and_api_serve_both_plans(app):
    client = app.test_client()
    outline = client.get("/api/outline").json
    assert [d["id"] for d in outline["documents"]] == [GD, SD]
    r = client.get(f"/clauses/{SD}:2.1.p1")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "山东省“十四五”教育事业发展规划" in html and "构建全学段一体化的思政工作体系" in html
    api = client.get("/api/search", query_string={"q": "教育评价", "document": SD}).json
    assert api["total"] >= 1 and all(h["document"] == SD for h in api["hits"])
    assert client.get(f"/api/trace/{SD}:2.1.p1").status_code == 200


def test_export_rows_for_the_second_plan_carry_its_units(two_plans):
    from office.export import build_rows, export_bytes

    rows = build_rows(load_corpus(two_plans), [f"{SD}:2.1.p1"], suggest=True)
    (row,) = rows
    assert row.lead_unit == "山东省委教育工委" and "山东省委宣传部" in row.support_units
    assert "山东省“十四五”教育事业发展规划" in row.source
    data, mimetype, filename = export_bytes(rows, "json", "山东教育任务")
    parsed = json.loads(data.decode("utf-8"))
    assert re.search("山东省委教育工委", json.dumps(parsed, ensure_ascii=False))
