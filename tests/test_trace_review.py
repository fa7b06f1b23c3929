"""Tracing as an analyst of the plan checks it: the seed plan's whole target list, what
every task serves, and the links a reader would dispute kept out.

The tables below were made by reading the plan (corpus/gd-ip-14fyp.md) clause by clause:
every number the plan asks for, every dated goal (到2022年…, 到2025年…, “十四五”期间…, the
listed main goals under “到2025年……实现如下主要目标：”), and for each of the 58 tasks the main
indicators (table 2) and targets it serves. A change in extraction or linking that alters
them must be a deliberate one.
"""
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kb.graph import build_graph

ROOT = Path(__file__).resolve().parent.parent
DOC = "gd-ip-14fyp"

# (clause, metric, value, comparator, unit, deadline): the plan's target list, in plan order
TARGETS = [
    ("2.3.p3", "知识产权保护水平显著提升", None, "", "", 2025),
    ("2.3.p4", "知识产权创造质量全面提高", None, "", "", 2025),
    ("2.3.p5", "知识产权运用效益持续增强", None, "", "", 2025),
    ("2.3.p6", "知识产权服务更加优化", None, "", "", 2025),
    ("2.3.p7", "知识产权人文环境更有活力", None, "", "", 2025),
    ("2.3.p8", "知识产权区域和国际合作更加深入", None, "", "", 2025),
    ("2.3.p9", "知识产权创造、保护和运用生态系统基本形成", None, "", "", 2025),
    ("3.3.p3", "地市建立知识产权快保护机制", 80, "≥", "%", 2025),
    ("box4.p1", "市场主体使用地理标志专用标志覆盖率", 80, "≥", "%", 2025),
    ("box5.p1", "全面建成知识产权维权援助“一张网”", None, "", "", 2022),
    ("box5.p1", "维权援助服务站", 600, "≈", "个", 2025),
    ("box5.p1", "知识产权维权援助实现全面向纵深发展", None, "", "", 2025),
    ("4.2.p2", "规模以上制造业发明专利有效量", 23, "≥", "万件", 2025),
    ("box8.p1", "高价值专利协同培育布局机构", 500, "=", "个", 2025),
    ("box8.p1", "中国专利奖获奖数量", 1000, ">", "项", 2025),
    ("box11.p1", "专利转化为标准必要专利", 500, "≥", "个", 'annual'),
    ("box12.p1", "战略性产业集群知识产权协同运营机构", 20, "≈", "家", 2025),
    ("box12.p1", "重点园区知识产权综合运营服务机构", 20, "≈", "家", 2025),
    ("box13.p1", "高校院所及国企许可中小企业专利金额、政策惠及中小企业数量、政策惠及中小企业营业收入、全省相关中小企业专利产品备案数量等大幅增长", None, "", "", 2025),
    ("box14.p3", "全省专利、商标质押融资金额", 2500, "≥", "亿元", 2025),
    ("box14.p3", "发行知识产权证券化产品", 50, "≥", "个", 2025),
    ("6.1.p3", "初步形成纵横交错、相互支撑的产业集群和园区知识产权公共服务网络", None, "", "", 2025),
    ("box16.p1", "地市级综合性知识产权公共服务机构覆盖率", 50, "≥", "%", 2025),
    ("box16.p1", "各类知识产权信息公共服务节点网点数量", 40, ">", "家", 2025),
    ("box16.p1", "全省各级知识产权信息公共服务机构“一张网”布局初具规模", None, "", "", 2025),
    ("6.3.p3", "知识产权代理、知识产权运营、涉外知识产权、企业知识产权高管领域各培养专业人才", 1000, "≥", "名", 2025),
    ("box20.p1", "在大湾区打造知识产权国际化专业服务集聚发展区，在世界知识产权组织“全球创新指数”排名中，“深圳-香港-广州”科技集群保持世界前列", None, "", "", 2025),
]

# task lead → (main indicators it reaches, targets it reaches); tasks not listed reach none
SERVES = {
    "依法严打知识产权犯罪": ([11], []),
    "加强民事司法保护": ([10, 11], []),
    "推进司法改革创新": ([10], []),
    "强化知识产权行政执法和行政裁决": ([11], []),
    "完善知识产权快保护机构建设": ([], ['3.3.p3.t1']),
    "强化重点领域知识产权保护": ([11], []),
    "提高知识产权行政保护效能": ([11], ['box4.p1.t1']),
    "健全知识产权纠纷多元化解决机制": ([9], []),
    "加大知识产权维权援助力度": ([9], ['box5.p1.t1', 'box5.p1.t2', 'box5.p1.t3']),
    "健全海外维权援助体系": ([9], []),
    "加强海外维权援助服务": ([9], []),
    "健全高质量创造支持政策": ([1], []),
    "持续提升知识产权质量": ([1, 2, 14], []),
    "加强关键技术领域核心专利布局": ([1], ['4.2.p2.t1', 'box8.p1.t1', 'box8.p1.t2']),
    "实施商标品牌战略": ([3], []),
    "培育发展优质地理标志产品": ([8], []),
    "推动作品创作和高质量供给": ([7], []),
    "完善标准必要专利工作机制": ([], ['box11.p1.t1']),
    "营造知识产权运营服务生态": ([5], []),
    "推动重点产业和园区知识产权协同运营": ([], ['box12.p1.t1', 'box12.p1.t2']),
    "拓宽专利技术供给和价值实现渠道": ([], ['box13.p1.t1']),
    "推动高校和科研院所知识产权转移转化": ([], ['box13.p1.t1']),
    "深化发展知识产权金融": ([4], ['box14.p3.t1', 'box14.p3.t2']),
    "培育发展专利密集型产业": ([6], []),
    "构筑版权产业发展新优势": ([7], []),
    "加强特色产业集群品牌建设": ([3], []),
    "促进知识产权助力乡村振兴": ([3, 8], []),
    "加快知识产权新型基础设施建设": ([12, 13], ['6.1.p3.t1']),
    "提高知识产权公共服务供给水平": ([13], ['box16.p1.t1', 'box16.p1.t2', 'box16.p1.t3']),
    "加强知识产权服务业监管": ([14], []),
    "统筹推进各类知识产权人才队伍建设": ([], ['6.3.p3.t1']),
    "强化粤港澳大湾区知识产权运用合作": ([5, 8], ['box14.p3.t2']),
    "支持前海深港现代服务业合作区全面深化改革开放": ([4, 9], []),
    "支持深圳打造知识产权标杆城市": ([], ['box14.p3.t2']),
    "加强与世界知识产权组织合作": ([2], []),
    "积极参与知识产权国际合作和竞争": ([5], ['box20.p1.t1']),
}


@pytest.fixture(scope="module")
def pg(corpus):
    return build_graph(corpus)


def test_the_whole_target_list(pg):
    got = [(t["clause"].split(":", 1)[1], t["metric"], t["value"], t["comparator"], t["unit"], t["deadline"])
           for t in pg.targets(DOC)]
    assert got == TARGETS


def test_no_target_from_the_review_or_the_2035_vision(pg):
    clauses = {t["clause"] for t in pg.targets(DOC)}
    assert not [c for c in clauses if c.startswith(f"{DOC}:1.")]
    assert f"{DOC}:2.3.p1" not in clauses and f"{DOC}:2.3.p2" not in clauses  # 展望2035年; the lead-in


def test_values_are_ints_when_integral_in_the_json():
    out = subprocess.run([sys.executable, "-m", "plankb", "targets", "--json"], capture_output=True,
                         text=True, cwd=ROOT, check=True).stdout
    data = json.loads(out)
    assert '"value": 80,' in out and '"value": 80.0' not in out
    assert all(isinstance(t["value"], int) for t in data if t["value"] is not None)


def test_what_every_task_serves(pg, corpus):
    got = {}
    for c in corpus.document(DOC).clauses:
        if c.kind != "task":
            continue
        r = pg.trace(c.id)
        inds = sorted(i["number"] for i in r["indicators"])
        tgs = [t["id"].split(":", 2)[2] for t in r["targets"]]
        if inds or tgs:
            got[c.lead] = (inds, tgs)
    assert got == SERVES
    assert pg.stats()["tasks"] == 58 and pg.stats()["tasks_reaching_target_or_indicator"] == len(SERVES) == 36


def test_every_main_indicator_is_served_by_a_task(pg):
    for ind in pg.indicators(DOC, history=False):
        assert pg.trace(ind["id"])["tasks"], ind["name"]


def test_a_neighbour_sharing_words_does_not_serve_another_tasks_target(pg):
    # 强化重点领域知识产权保护 mentions 快保护模式; the 80% target is 完善知识产权快保护机构建设's own
    assert not pg.g.has_edge(f"{DOC}:3.3.p4", f"target:{DOC}:3.3.p3.t1", key="serves")
    # the talent target is 统筹推进各类知识产权人才队伍建设's (the 千人计划), not the section's
    for other in ("6.3.p2", "6.3.p4"):
        assert not pg.g.has_edge(f"{DOC}:{other}", f"target:{DOC}:6.3.p3.t1", key="serves")


def test_rejected_rule_link_stays_out(pg):
    assert not pg.g.has_edge(f"{DOC}:5.1.p5", f"indicator:{DOC}:t2.r9", key="serves")


def test_every_curated_link_says_why_and_resolves(pg):
    links = tomllib.loads((ROOT / "corpus" / "links.toml").read_text(encoding="utf-8"))["link"]
    assert all(len(link.get("note", "")) >= 8 for link in links)
    assert pg.warnings == []
    curated = [(u, v) for u, v, a in pg.g.edges(data=True) if a["evidence"] == "curated"]
    assert len(curated) == sum(1 for link in links if not link.get("reject"))
    for u, v in curated:
        assert pg.g.edges[u, v, "serves"]["note"]


def test_main_goals_are_dated_by_their_lead_in(pg):
    goals = [t for t in pg.targets(DOC) if t["clause"].startswith(f"{DOC}:2.3.")]
    assert len(goals) == 7 and all(t["deadline"] == 2025 and not t["implied_deadline"] for t in goals)
    assert all(t["deadline_text"] == "到2025年" for t in goals)
