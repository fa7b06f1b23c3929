"""The graph on a small plan of the same genre written for these tests: another province
(山东), another period (2016–2020, so “十三五”期间 means 2020), responsibility tags after each
task, a 牵头单位/配合单位 line, its own indicator table, and a curated links file with a
rejected rule link and an entry that names nothing. Nothing here may depend on the seed."""
import shutil
from pathlib import Path

import pytest

from kb.corpus import load_corpus
from kb.graph import build_graph

ROOT = Path(__file__).resolve().parent.parent
DOC = "sd-test-13fyp"

MINI_MD = """
---
id: "sd-test-13fyp"
title: "山东省学前和职业教育发展“十三五”规划"
issuer: "山东省教育厅"
period: {"start": 2016, "end": 2020}
---

{raw=3}
为推进教育现代化，编制本规划。

{raw=5}
## 第一章 发展目标

{raw=7}
“十二五”期间，全省普惠性幼儿园覆盖率达到60%，学前三年毛入园率达到80%。

{raw=9}
#### 山东省“十三五”学前和职业教育主要指标

{raw=11-15}
| 序号 | 指标 | 单位 | 2015年基期值 | 2020年规划值 | 属性 |
| --- | --- | --- | --- | --- | --- |
| 1 | 学前三年毛入园率 | % | 75 | 90 | 预期性 |
| 2 | 普惠性幼儿园覆盖率 | % | 60 | ≥85 | 约束性 |
| 3 | 产教融合实训基地数量 | 个 |  | (150) | 预期性 |

{raw=17}
## 第二章 主要任务

{raw=19}
### 第一节 发展学前教育

{raw=21}
扩大普惠性学前教育资源。加大公办园建设力度，提高学前三年毛入园率，支持青岛、潍坊先行先试。（省教育厅、省财政厅负责，列第一位者为牵头部门，下同）

{raw=23}
规范民办幼儿园发展。到2018年，全省普惠性幼儿园覆盖率超过85%。（省教育厅、省民政厅负责）

{raw=25}
### 第二节 深化产教融合

{raw=27}
推进校企合作。推动职业院校和企业共建实训基地。（省教育厅、省发展改革委、省人力资源社会保障厅负责）

> {raw=29}
> #### 专栏1 产教融合工程
>
> {raw=31}
> “十三五”期间，建设150个产教融合实训基地，每年遴选10所左右产教融合示范校。

{raw=33}
## 第三章 保障措施

{raw=35}
### 第一节 加强经费保障

{raw=37}
完善投入机制。健全学前教育成本分担机制。牵头单位：省财政厅；配合单位：省教育厅、济南市人民政府。
"""

LINKS = """
[[link]]
document = "sd-test-13fyp"
task = "推进校企合作"
indicator = 3
note = "共建实训基地"

[[link]]
from = "sd-test-13fyp:box1.p1"
to = "indicator:sd-test-13fyp:t1.r3"
reject = true

[[link]]
document = "sd-test-13fyp"
task = "不存在的任务"
indicator = 1
"""


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    (root / f"{DOC}.md").write_text(MINI_MD.lstrip(), encoding="utf-8")
    shutil.copytree(ROOT / "corpus" / "gazetteer", root / "gazetteer")
    (root / "links.toml").write_text(LINKS, encoding="utf-8")
    return build_graph(load_corpus(root))


def test_targets_follow_the_plans_own_period(pg):
    ts = {t["id"]: t for t in pg.targets()}
    # the intro's “十二五”期间 figures are the last plan's results, not targets
    assert not [t for t in ts if t.startswith(f"target:{DOC}:1.")]
    t = ts[f"target:{DOC}:2.1.p2.t1"]
    assert (t["value"], t["deadline"], t["indicator"]) == (85, 2018, f"indicator:{DOC}:t1.r2")
    t = ts[f"target:{DOC}:box1.p1.t1"]
    assert (t["value"], t["deadline"], t["deadline_kind"], t["increment"]) == (150, 2020, "period", True)
    assert ts[f"target:{DOC}:box1.p1.t2"]["deadline"] == "annual"


def test_responsibility_tags_give_lead_and_support_in_the_plans_province(pg):
    bodies = {b["name"]: b for b in pg.bodies()}
    edu = bodies["山东省教育厅"]
    assert edu["lead"] == [f"{DOC}:2.1.p1", f"{DOC}:2.1.p2", f"{DOC}:2.2.p1"]
    assert edu["support"] == [f"{DOC}:3.1.p1"]
    assert bodies["山东省民政厅"]["kind"] == "provincial" and bodies["济南市人民政府"]["kind"] == "local"
    assert "广东省教育厅" not in bodies


def test_suggestions_from_tags_and_deadlines(pg):
    s = pg.suggest(f"{DOC}:2.1.p2")
    assert (s["lead"], s["support"], s["deadline"], s["source"]) == (["山东省教育厅"], ["山东省民政厅"], "2018年底", "tag")
    s = pg.suggest(f"{DOC}:3.1.p1")
    assert s["lead"] == ["山东省财政厅"] and s["support"] == ["山东省教育厅", "济南市人民政府"]
    assert s["deadline"] == "2020年底" and s["implied_deadline"]


def test_indicators_served_by_meaning_structure_and_curation(pg):
    assert pg.g.has_edge(f"{DOC}:2.1.p1", f"indicator:{DOC}:t1.r1", key="serves")
    assert pg.g.edges[f"{DOC}:2.1.p1", f"indicator:{DOC}:t1.r1", "serves"]["evidence"] == "rule:key_terms"
    t = pg.trace(f"indicator:{DOC}:t1.r3")
    assert {x["id"] for x in t["tasks"]} == {f"{DOC}:2.2.p1", f"{DOC}:box1.p1"}
    assert pg.g.edges[f"{DOC}:2.2.p1", f"indicator:{DOC}:t1.r3", "serves"]["evidence"] == "curated"
    # the rejected rule link is gone; the box still reaches the indicator through its target
    assert not pg.g.has_edge(f"{DOC}:box1.p1", f"indicator:{DOC}:t1.r3", key="serves")
    assert [f"indicator:{DOC}:t1.r3", f"target:{DOC}:box1.p1.t1", f"{DOC}:box1.p1"] in t["paths"]
    assert len(pg.warnings) == 1 and "不存在的任务" in pg.warnings[0]
    assert pg.stats()["tasks_reaching_target_or_indicator"] == 3


def test_check_finds_a_text_table_conflict_in_another_plan(pg):
    res = pg.check()
    conflicts = [(x["metric"], x["values"][0]["value"], x["values"][1]["value"]) for x in res["conflicts"]]
    assert conflicts == [("学前三年毛入园率", 80, 75)]
    assert ("普惠性幼儿园覆盖率", 60) in [(x["metric"], x["values"][0]["value"]) for x in res["agreements"]]


def test_regions_of_another_province(pg):
    t = pg.trace("青岛")
    assert [x["id"] for x in t["tasks"]] == [f"{DOC}:2.1.p1"]
    assert [b["label"] for b in t["bodies"]] == ["山东省教育厅", "山东省财政厅"]


def test_a_plan_without_gazetteer_or_links_still_builds(tmp_path):
    (tmp_path / f"{DOC}.md").write_text(MINI_MD.lstrip(), encoding="utf-8")
    pg = build_graph(load_corpus(tmp_path))
    assert len(pg.targets()) == 3 and pg.warnings == []
    # a leading 省 still reads as the plan's province; without aliases names stay as printed
    assert {"山东省教育厅", "山东省发展改革委"} <= {b["name"] for b in pg.bodies()}


def test_shandong_sample_lead_and_supporting_units(tmp_path):
    """The Shandong plan, ingested as a user would: every tagged paragraph is a task with a
    lead (the first unit named, by the plan's own rule) and its supporting units."""
    from kb.ingest import ingest_file

    r = ingest_file(ROOT / "tests" / "data" / "samples" / "shandong-education-14fyp.txt", ROOT / "corpus")
    (tmp_path / "sd-edu-14fyp.md").write_text(r.markdown, encoding="utf-8")
    shutil.copytree(ROOT / "corpus" / "gazetteer", tmp_path / "gazetteer")
    pg = build_graph(load_corpus(tmp_path))
    leads = [(u, v) for u, v, k in pg.g.edges(keys=True) if k == "responsible"]
    assert len(leads) == 56 and len({u for u, _ in leads}) == 56
    bodies = {b["name"]: b for b in pg.bodies()}
    assert len(bodies["山东省教育厅"]["lead"]) == 50
    assert len(bodies["山东省发展和改革委员会"]["support"]) == 14  # 省发展改革委, merged by alias
    first = sorted({u for u, _ in leads}, key=lambda n: pg.g.nodes[n]["order"])[0]
    s = pg.suggest(first)
    assert s["lead"] == ["山东省委教育工委"] and s["support"] == ["山东省委宣传部", "团省委"]
    # 54 tagged sections are tasks; the last chapter (强化组织领导和实施) is the plan's
    # safeguards, so its 2 tagged paragraphs are measures, still with their units
    assert pg.stats()["tasks"] == 54
    kinds = sorted(pg.g.nodes[u]["clause_kind"] for u in {u for u, _ in leads})
    assert kinds.count("task") == 54 and kinds.count("measure") == 2
    # 到2025年学生体质健康测试优良率达到55%以上 is a target of the PE task
    (t,) = [t for t in pg.targets() if t["metric"] == "学生体质健康测试优良率"]
    assert (t["value"], t["deadline"], t["comparator"]) == (55, 2025, "≥")
    assert pg.suggest(t["clause"])["lead"] == ["山东省教育厅"]
