"""Suggestions of 牵头/配合单位 and links to indicators, against cases judged by hand.

The cases (tests/data/suggestions_judged.toml, tests/data/indicator_links_judged.toml) were
written by reading the seed plan before the suggestion code changed; bench/suggestions.py
prints the same numbers (13/34 and 10/12 before issue 11, all after).
"""
import sys
from pathlib import Path

import pytest

from kb.extract.duties import load_duties, suggest_by_duty
from kb.extract.levels import plan_level
from kb.graph import build_graph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from suggestions import INDICATOR_LINKS, SUGGESTIONS, judge_link, judge_suggestion, load  # noqa: E402

GAZ = ROOT / "corpus" / "gazetteer"
CASES = load(SUGGESTIONS, "case")
LINKS = load(INDICATOR_LINKS, "link")


@pytest.fixture(scope="module")
def pg(corpus):
    return build_graph(corpus)


def test_the_judged_sets_are_big_enough():
    assert len(CASES) >= 25 and len(LINKS) >= 12
    assert sum(1 for c in CASES if c.get("none")) >= 5 and sum(1 for c in CASES if c.get("forbid")) >= 5


@pytest.mark.parametrize("case", CASES, ids=[c["clause"] for c in CASES])
def test_judged_suggestion(pg, case):
    assert judge_suggestion(pg, case) == "", case["what"]


@pytest.mark.parametrize("link", LINKS, ids=[f"{x['start']}-{x['indicator']}" for x in LINKS])
def test_judged_link_reaches_its_indicator(pg, link):
    assert judge_link(pg, link) == "", link["why"]


def test_table_rows_get_suggestions_with_the_indicators_year(pg):
    s = pg.suggest("gd-ip-14fyp:t2.r10")  # 知识产权民事一审案件服判息诉率
    assert s["lead"] == ["广东省高级人民法院"] and s["deadline"] == "2025年底" and not s["implied_deadline"]
    assert pg.suggest("indicator:gd-ip-14fyp:t2.r10") == s
    assert pg.suggest("gd-ip-14fyp:t1.r1")["lead"] == []  # the last plan's completion table


def test_a_category_is_never_a_unit(pg):
    every = set()
    for c in pg.corpus.document("gd-ip-14fyp").clauses:
        s = pg.suggest(c.id)
        every |= set(s["lead"]) | set(s["support"])
    categories = {a["label"] for _, a in pg.g.nodes(data=True) if a["kind"] == "body" and a.get("category")}
    assert {"金融机构", "高校", "人民法院", "行政执法部门"} <= categories
    assert not every & categories
    assert not [u for u in every if u.startswith(("国家", "中国人民银行", "党中央", "国务院"))]


def test_the_level_decides_how_a_unit_is_written():
    duties = load_duties(GAZ)
    gd = plan_level(GAZ, "省级", "广东省市场监督管理局（知识产权局）", "广东省")
    sd = plan_level(GAZ, "", "山东省教育厅", "山东省")
    nat = plan_level(GAZ, "", "国家知识产权局")
    assert (gd.key, sd.key, nat.key) == ("provincial", "provincial", "national")
    text, title = "深化知识产权质押融资，完善审判机制。", "推进审判机制改革"
    s = suggest_by_duty(text, duties, "广东省", title, unit=gd.unit)
    assert s["lead"] == "广东省高级人民法院" and "人民银行广州分行" in s["support"]
    s = suggest_by_duty(text, duties, "山东省", title, unit=sd.unit)
    assert "中国人民银行山东省分行" in s["support"] and "人民银行" not in s["support"]
    s = suggest_by_duty(text, duties, "", title, unit=nat.unit)
    assert s["lead"] == "最高人民法院" and "中国人民银行" in s["support"]
    assert not [u for u in s["support"] if u.startswith("省")]  # no provincial unit in a national list
    assert gd.fits("广东省教育厅", "provincial") and not gd.fits("国家知识产权局", "central")
