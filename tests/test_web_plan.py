"""Outline, clause, boxes and indicator pages on the seed plan, HTML and JSON twins."""
import re

import pytest

from test_web_support import app, client, web_instance  # noqa: F401 (fixtures)

SEED = "gd-ip-14fyp"
TITLE = "广东省知识产权保护和运用“十四五”规划"


def test_outline_json_mirrors_the_model(client, seed):
    d = client.get("/api/outline").json
    assert d["document"]["id"] == SEED and d["document"]["title"] == TITLE
    assert [c["heading"] for c in d["chapters"]] == [c.heading for c in seed.chapters]
    assert [len(c["sections"]) for c in d["chapters"]] == [len(c.sections) for c in seed.chapters]
    boxes = [b["number"] for c in d["chapters"] for b in c["boxes"] + [b for s in c["sections"] for b in s["boxes"]]]
    assert sorted(boxes, key=int) == [b.number for b in seed.boxes]
    ch3 = d["chapters"][2]
    assert ch3["sections"][1]["heading"] == "第二节　加强知识产权司法保护"
    ids = [c["id"] for c in ch3["sections"][1]["clauses"]]
    assert f"{SEED}:3.2.p3" in ids
    # "add the whole chapter" carries every clause of the chapter, boxes included
    assert f"{SEED}:box1.p1" in ch3["all_clauses"]
    assert len(ch3["all_clauses"]) == sum(1 for c in seed.clauses if c.chapter == 3)
    assert [t["number"] for t in d["tables"]] == [1, 2]


def test_outline_page_is_a_tree_with_both_tables(client, seed):
    html = client.get("/outline").get_data(as_text=True)
    for ch in seed.chapters:
        assert ch.heading in html
    assert html.count('class="box"') == len(seed.boxes)
    assert "专栏5 知识产权维权援助“一张网”工程" in html
    assert 'href="/clauses/gd-ip-14fyp:3.2.p3"' in html
    assert "表1 广东省“十三五”时期知识产权主要指标完成情况" in html
    assert "表2 广东省“十四五”知识产权发展主要指标表" in html
    assert "本章全部加入清单" in html
    assert 'href="/api/outline"' in html  # every page points to its twin


def test_outline_unknown_document_is_404(client):
    r = client.get("/outline?document=no-such-plan")
    assert r.status_code == 404 and "没有编号为“no-such-plan”的规划" in r.get_data(as_text=True)
    assert client.get("/api/outline?document=no-such-plan").json["error"]["status"] == 404


def test_indicators_mark_met_and_not_met(client):
    d = client.get("/api/indicators").json
    t1, t2 = d["tables"]
    not_met = [r["name"] for r in t1["rows"] if r["met"] is False]
    assert not_met == ["农产品地理标志登记", "版权产业对国民经济的贡献率", "知识产权保护社会满意度"]
    assert len(t2["rows"]) == 14
    html = client.get("/indicators").get_data(as_text=True)
    assert html.count('class="not-met"') == 3
    assert html.count("✓ 已完成") == len(t1["rows"]) - 3
    assert "（已完成 15 项，未完成 3 项）" in html
    row = re.search(r'<tr class="not-met">.*?</tr>', html, re.S).group(0)
    assert "农产品地理标志登记" in row and "✗ 未完成" in row
    assert "（）内为规划期间新增数。" in html  # table notes shown under the table


def test_clause_page_has_citation_breadcrumb_neighbours_and_raw_lines(client):
    cid = f"{SEED}:3.2.p3"
    d = client.get(f"/api/clauses/{cid}").json
    assert d["citation"] == f"《{TITLE}》第三章第二节“加强民事司法保护”"
    assert d["lead"] == "加强民事司法保护"
    assert d["breadcrumb"] == ["第三章　全面加强知识产权保护　激发全社会创新活力", "第二节　加强知识产权司法保护"]
    assert d["previous"]["id"] == f"{SEED}:box1.p1" and d["next"]["id"] == f"{SEED}:3.2.p4"
    assert d["source_lines"] == [207, 209]
    assert [l["line"] for l in d["raw_lines"]] == [207, 208, 209]
    assert d["raw_lines"][0]["text"].startswith("加强民事司法保护。依法合理确定判赔数额")
    html = client.get(f"/clauses/{cid}").get_data(as_text=True)
    assert f'value="{d["citation"]}"' in html  # Chinese quotes need no escaping in the attribute
    assert "<strong>加强民事司法保护</strong>。依法合理确定判赔数额" in html
    assert 'rel="prev" href="/clauses/gd-ip-14fyp:box1.p1"' in html
    assert 'rel="next" href="/clauses/gd-ip-14fyp:3.2.p4"' in html
    assert "原文（第 207—209 行）" in html


@pytest.mark.parametrize("cid,expected", [
    ("gd-ip-14fyp:box5.p1", "《{t}》第三章第四节专栏5“知识产权维权援助‘一张网’工程”“积极推进知识产权维权援助体系建设”"),
    ("gd-ip-14fyp:p1", "《{t}》前言第1段"),
    ("gd-ip-14fyp:fn1", "《{t}》脚注1"),
])
def test_citations_for_other_places(client, cid, expected):
    assert client.get(f"/api/clauses/{cid}").json["citation"] == expected.format(t=TITLE)


def test_first_and_last_clause_have_one_neighbour(client, seed):
    first, last = seed.clauses[0].id, seed.clauses[-1].id
    assert client.get(f"/api/clauses/{first}").json["previous"] is None
    assert client.get(f"/api/clauses/{last}").json["next"] is None


def test_unknown_clause_is_chinese_404(client):
    r = client.get("/clauses/gd-ip-14fyp:99.9.p9")
    assert r.status_code == 404
    assert "没有编号为“gd-ip-14fyp:99.9.p9”的条目" in r.get_data(as_text=True)
    r = client.get("/api/clauses/gd-ip-14fyp:99.9.p9")
    assert r.status_code == 404 and r.json["error"]["message"] == "没有编号为“gd-ip-14fyp:99.9.p9”的条目。"
    r = client.get("/clauses/%3Cscript%3E")
    assert r.status_code == 400 and "<script>" not in r.get_data(as_text=True)


def test_boxes_page_and_twin(client, seed):
    d = client.get("/api/boxes").json
    assert [b["number"] for b in d["boxes"]] == [b.number for b in seed.boxes]
    b5 = d["boxes"][4]
    assert b5["heading"] == "专栏5 知识产权维权援助“一张网”工程"
    assert b5["chapter_heading"].startswith("第三章")
    assert [c["id"] for c in b5["clauses"]] == seed.box("5").clauses
    full = next(c for c in seed.clauses if c.id == "gd-ip-14fyp:box5.p1")
    assert b5["clauses"][0]["lead"] + b5["clauses"][0]["text"] == full.text  # whole text, not a snippet
    html = client.get("/boxes").get_data(as_text=True)
    assert html.count('class="card box"') == len(seed.boxes)
    assert f'data-clauses="{" ".join(seed.box("5").clauses)}"' in html


VARIANT = """---
id: "demo-edu-14fyp"
title: "示例市“十四五”教育发展规划"
issuer: "示例市教育局"
period: {"start": 2021, "end": 2025}
---

{raw=3}
为加快教育现代化，制定本规划。

{raw=5}
## 第一章 发展基础

{raw=7}
### 第一节 主要成就

{raw=9}
办学条件明显改善。新建学校30所，研发（R&D）经费占比<5%的学校减少。

> {raw=11}
> #### 专栏1 校舍建设工程
>
> {raw=13}
> 到2023年，完成校舍改造100万平方米。
"""


@pytest.fixture(scope="module")
def variant_client(tmp_path_factory):
    from webapp import create_app

    root = tmp_path_factory.mktemp("variant-corpus")
    (root / "demo-edu-14fyp.md").write_text(VARIANT, encoding="utf-8")
    a = create_app({"INSTANCE_PATH": tmp_path_factory.mktemp("variant-inst"), "CORPUS_DIR": str(root)})
    return a.test_client()


def test_another_plan_of_the_genre_renders_escaped(variant_client):
    d = variant_client.get("/api/outline").json
    assert d["document"]["title"] == "示例市“十四五”教育发展规划"
    assert [c["heading"] for c in d["chapters"]] == ["第一章　发展基础"]
    html = variant_client.get("/outline").get_data(as_text=True)
    assert "（R&amp;D）经费占比&lt;5%" in html  # text from a plan is escaped, never markup
    assert "专栏1 校舍建设工程" in html
    cid = d["chapters"][0]["sections"][0]["clauses"][0]["id"]
    c = variant_client.get(f"/api/clauses/{cid}").json
    assert c["citation"].startswith("《示例市“十四五”教育发展规划》第一章第一节")
    assert c["raw_lines"] == []  # no raw text beside this plan: the page says so instead
    assert "原始文本不可用" in variant_client.get(f"/clauses/{cid}").get_data(as_text=True)


def test_variant_search_snippet_is_escaped_before_marking(variant_client):
    """Snippets are the one place marked |safe: plan text with & and < must arrive escaped."""
    d = variant_client.get("/api/search?q=经费占比").json
    assert d["total"] == 1
    html = variant_client.get("/search?q=经费占比").get_data(as_text=True)
    assert "<mark>经费占比</mark>&lt;5%" in html
    assert "（R&amp;D）" in html and "<5%" not in html
