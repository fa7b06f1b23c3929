"""The link rules (kb/graph_linking.py): each edge names the function that made it, and
says which words the two ends share as a person names them."""
import pytest

import kb.graph_linking as linking
from kb.graph import build_graph
from kb.graph_terms import TermWeights
from test_web_support import app, client, web_instance  # noqa: F401 (fixtures)

DOC = "gd-ip-14fyp"


@pytest.fixture(scope="module")
def pg(corpus):
    return build_graph(corpus)


def test_every_rule_edge_names_a_rule_function(pg):
    names = {f.__name__ for f in linking.LINK_RULES}
    made = {a["evidence"].split(":", 1)[1] for _, _, a in pg.g.edges(data=True)
            if a["kind"] in ("serves", "measured_by") and a["evidence"].startswith("rule:")}
    assert made and made <= names
    for name in made:
        assert getattr(linking, name).__doc__  # a reader can open it and read why


def test_shared_words_are_words_not_character_pairs(pg):
    e = pg.g.edges[f"{DOC}:5.2.p4", f"indicator:{DOC}:t2.r4", "serves"]
    assert e["terms"] == "质押融资"
    for _, _, a in pg.g.edges(data=True):
        for w in filter(None, a.get("terms", "").split("、")):
            assert len(w) >= 2 and w not in ("押融", "权质")


def test_shared_words_trim_a_word_every_passage_uses():
    tw = TermWeights(["知识产权保护", "知识产权运用", "知识产权质押融资", "知识产权服务", "商标"])
    assert tw.shared_words("知识产权质押融资登记金额", "推动知识产权质押融资", 0.5) == ["质押融资"]


def test_web_reason_shows_the_words(client):
    d = client.get(f"/api/trace/{DOC}:5.2.p4").json
    reasons = [e["evidence"] for e in d["edges"]
               if (e["source"], e["target"]) == (f"{DOC}:5.2.p4", f"indicator:{DOC}:t2.r4")]
    assert reasons == ["关键词相同（质押融资）"]


def test_every_check_finding_names_a_check_rule(pg):
    import kb.graph_check as graph_check

    res = pg.check()
    names = {f.__name__ for f in graph_check.CHECK_RULES}
    rules = {x["rule"].split(":", 1)[1] for x in res["agreements"] + res["conflicts"]}
    assert {"table_vs_table", "text_vs_table"} <= rules <= names


def test_every_rule_of_the_graph_reads_as_a_sentence(pg):
    """Each evidence code an edge records has words on the pages (webapp.graph_data.RULES)."""
    from webapp.graph_data import RULES

    codes = {a["evidence"].split(":", 1)[1] for _, _, a in pg.g.edges(data=True) if a["evidence"].startswith("rule:")}
    assert codes <= set(RULES), codes - set(RULES)
