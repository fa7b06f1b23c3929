"""Dated goals and section links on a small plan of the same genre written for these tests
(湖南, goals dated 2023 by their lead-in, a sub-centre the gazetteer does not know): nothing here depends on the seed plan."""
import shutil
from pathlib import Path

import pytest

from kb.corpus import load_corpus
from kb.graph import build_graph

ROOT = Path(__file__).resolve().parent.parent
DOC = "hn-test-14fyp"

MD = """---
id: "hn-test-14fyp"
title: "湖南省知识产权事业发展“十四五”规划"
issuer: "湖南省知识产权局"
period: {"start": 2021, "end": 2025}
---

{raw=3}
为加强知识产权工作，编制本规划。

{raw=5}
## 第一章 总体要求

{raw=7}
### 第一节 发展目标

{raw=9}
“十四五”时期，知识产权工作面临新形势。到2023年，全省知识产权事业实现如下阶段目标：

{raw=11}
——知识产权保护体系基本健全。行政保护和司法保护衔接顺畅。

{raw=13}
——知识产权运用效益明显提升。转化运用机制更加完善。

{raw=15}
### 第二节 远景目标

{raw=17}
——知识产权强省基本建成。

{raw=19}
## 第二章 主要任务

{raw=21}
### 第一节 加强知识产权保护

{raw=23}
建设快速维权中心。推动园区建设知识产权快速维权中心，到2025年，60%以上市州建立知识产权快速维权机制。

{raw=25}
强化展会知识产权保护。推广快速维权机制，做好展会知识产权侵权处置，培育展会知识产权保护示范点。

{raw=27}
“十四五”期间，建成一批展会知识产权保护示范点，全省知识产权保护社会满意度达到82分。

{raw=29}
### 第二节 促进知识产权运用

{raw=31}
建设运营服务体系。支持建设国家知识产权运营中心长沙分中心，加强与国家知识产权运营中心协作。
"""


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    root = tmp_path_factory.mktemp("hn")
    (root / f"{DOC}.md").write_text(MD, encoding="utf-8")
    shutil.copytree(ROOT / "corpus" / "gazetteer", root / "gazetteer")
    return build_graph(load_corpus(root))


def targets(pg):
    return {t["id"].split(":", 2)[2]: t for t in pg.targets()}


def test_listed_goals_take_the_lead_ins_deadline(pg):
    ts = targets(pg)
    for k, metric in (("1.1.p2.t1", "知识产权保护体系基本健全"), ("1.1.p3.t1", "知识产权运用效益明显提升")):
        t = ts[k]
        assert (t["metric"], t["value"], t["deadline"], t["implied_deadline"]) == (metric, None, 2023, False)
    # a goal with no lead-in in its section falls back to the plan's end, marked implied
    t = ts["1.2.p1.t1"]
    assert (t["metric"], t["deadline"], t["implied_deadline"]) == ("知识产权强省基本建成", 2025, True)
    # the lead-in itself and the scene-setting “十四五”时期 are no goals
    assert not [k for k in ts if k.startswith("1.1.p1")]


def test_period_goal_beside_a_number(pg):
    ts = targets(pg)
    number, goal = ts["2.1.p3.t1"], ts["2.1.p3.t2"]
    assert (number["metric"], number["value"], number["unit"], number["comparator"]) == \
        ("全省知识产权保护社会满意度", 82, "分", "≥")
    assert (goal["metric"], goal["value"], goal["deadline"]) == ("建成一批展会知识产权保护示范点", None, 2025)


def test_a_task_serves_its_sections_goal_but_not_a_neighbours_target(pg):
    serves = {(u.split(":", 1)[1], v.split(":", 2)[2]) for u, v, k in pg.g.edges(keys=True)
              if k == "serves" and v.startswith("target:")}
    # 强化展会知识产权保护 names the section's 展会……示范点 goal: it serves it
    assert ("2.1.p2", "2.1.p3.t2") in serves
    # … but the 60% target is 建设快速维权中心's own, however many words they share
    assert ("2.1.p2", "2.1.p1.t1") not in serves
    assert pg.g.has_edge(f"{DOC}:2.1.p1", f"target:{DOC}:2.1.p1.t1", key="sets_target")


def test_a_sub_centre_found_by_pattern_belongs_to_its_centre(pg):
    bodies = {b["name"]: b for b in pg.bodies()}
    sub = bodies["国家知识产权运营中心长沙分中心"]
    assert sub["parent"] == "body:国家知识产权运营中心" and sub["kind"] == "service"
    assert bodies["国家知识产权运营中心"]["children"] == ["body:国家知识产权运营中心长沙分中心"]
