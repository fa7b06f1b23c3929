"""Suggested lead and supporting units for tasks the plan assigns to nobody (duties.toml)."""
from pathlib import Path

from kb.extract.duties import load_duties, suggest_by_duty
from kb.graph import build_graph

GAZ = Path(__file__).resolve().parent.parent / "corpus" / "gazetteer"


def test_judicial_police_and_copyright_tasks_get_their_natural_lead(corpus):
    pg = build_graph(corpus)
    s = pg.suggest("gd-ip-14fyp:3.2.p3")  # 加强民事司法保护
    assert s["source"] == "duty" and s["lead"] == ["广东省高级人民法院"]
    assert "广东省市场监督管理局（知识产权局）" in s["support"] and "广东省人民检察院" in s["support"]
    assert pg.suggest("gd-ip-14fyp:3.2.p2")["lead"] == ["广东省公安厅"]  # 依法严打知识产权犯罪
    assert pg.suggest("gd-ip-14fyp:5.3.p3")["lead"] == ["广东省版权局"]  # 构筑版权产业发展新优势
    assert pg.suggest("gd-ip-14fyp:box10.p1")["lead"] == ["广东省版权局"]  # box title 版权创新发展工程


def test_a_term_in_passing_does_not_make_a_lead(corpus):
    pg = build_graph(corpus)
    # 健全知识产权法规体系 lists 版权 among fields; 国际合作 mentions 平行诉讼审判 in passing
    for cid in ("gd-ip-14fyp:3.1.p2", "gd-ip-14fyp:7.3.p3", "gd-ip-14fyp:3.3.p6"):
        s = pg.suggest(cid)
        assert s["lead"] == ["广东省市场监督管理局（知识产权局）"], (cid, s)
        assert s["source"] == "issuer"
    # supporting units still come from the kind of work named
    s = pg.suggest("gd-ip-14fyp:5.2.p4")  # 深化发展知识产权金融
    assert "广东省地方金融监督管理局" in s["support"] and s["duty_terms"]


def test_province_placeholder_and_no_match():
    duties = load_duties(GAZ)
    s = suggest_by_duty("深化审判机制改革，完善诉讼制度。", duties, "山东省", lead_text="推进审判改革")
    assert s["lead"] == "山东省高级人民法院" and "山东省人民检察院" in s["support"]
    assert suggest_by_duty("优化营商环境。", duties, "山东省", lead_text="优化营商环境") == \
        {"lead": "", "support": [], "terms": []}
