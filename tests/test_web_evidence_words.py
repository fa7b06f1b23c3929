"""Every rule the graph uses to make a link has words a reader can check: no raw codes."""
from kb.graph import build_graph
from webapp.graph_data import RULES


def test_every_evidence_code_of_the_seed_graph_has_chinese_words(corpus):
    g = build_graph(corpus).g
    codes = {str(d.get("evidence", "")).split(":", 1)[-1] for _, _, d in g.edges(data=True)}
    codes.discard("")
    missing = sorted(c for c in codes if c not in RULES)
    assert not missing, f"graph evidence codes without wording in webapp/graph_data.RULES: {missing}"
    assert {"curated", "same_clause", "structure"} <= codes
