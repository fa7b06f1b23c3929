"""A hub's trace costs the plans it draws, not every plan naming the hub (issue 12:
/trace/body:高校 grew 4.3× from 1 to 100 plans while drawing at most three plans)."""
from test_scale_memory import _plans


def test_a_hub_trace_walks_only_the_links_of_the_plans_it_draws(tmp_path, monkeypatch):
    from kb.graph import TRACE_LIMIT, TRACE_PLANS, PlanGraph, build_graph

    graph = build_graph(_plans(tmp_path, 6))
    full = graph.trace("body:高校")  # every plan, everything: the reference
    looked_at = []
    real = PlanGraph.asks
    monkeypatch.setattr(PlanGraph, "asks", lambda self, c: looked_at.append(self._attr[c]["document"]) or real(self, c))
    hub = graph.trace("body:高校", limit=TRACE_LIMIT)
    drawn = {g["document"] for g in hub["groups"] if g["tasks_shown"]}
    assert len(hub["groups"]) == 6 and len(drawn) == TRACE_PLANS
    assert set(looked_at) == drawn  # the other plans' links were not walked
    # … and every plan is still counted as the full trace counts it
    per_plan = {}
    for t in full["tasks"]:
        per_plan[t["document"]] = per_plan.get(t["document"], 0) + 1
    assert {g["document"]: g["tasks"] for g in hub["groups"]} == per_plan
    # one plan asked for: only that plan's links
    looked_at.clear()
    one = graph.trace("body:高校", document="plan-4", limit=TRACE_LIMIT)
    assert set(looked_at) == {"plan-4"}
    assert [g["document"] for g in one["groups"] if g["tasks_shown"]] == ["plan-4"]


def test_each_plan_of_a_hub_trace_links_to_its_own_page(tmp_path):
    from flask import url_for

    from webapp.graph_data import trace_view
    from test_scale_serving import make_app
    from webapp.resources import close_all

    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    corpus = tmp_path / "c"
    shutil.copytree(root / "corpus", corpus, ignore=shutil.ignore_patterns("raw"))
    app = make_app(corpus, tmp_path / "inst")
    try:
        with app.test_request_context("/"):
            from webapp.resources import get_corpus, get_graph

            data = trace_view(get_graph(), get_corpus(), "body:高校")
            assert data["groups"]
            for g in data["groups"]:
                assert g["url"] == url_for("trace.trace_page", node_id="body:高校", doc=g["document"])
        page = app.test_client().get("/trace/body:高校?doc=gd-ip-14fyp").get_data(as_text=True)
        assert 'href="/trace/body:%E9%AB%98%E6%A0%A1"' in page  # 全部规划
    finally:
        close_all(app)
