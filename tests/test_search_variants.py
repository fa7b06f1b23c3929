"""Search over a corpus of two plans: the seed and a small plan of the same genre.

The small plan (another field, another period: 2016–2020) checks that nothing is
tied to the seed: document filter and facet, deadline years from its own period,
literal search inside jieba words, and HTML escaping of clause text in snippets.
"""
import shutil
from pathlib import Path

import pytest

from index import open_index

ROOT = Path(__file__).resolve().parent.parent
SEED = "gd-ip-14fyp"
MINI = "test-edu-13fyp"

MINI_MD = """---
id: "test-edu-13fyp"
title: "某市教育事业发展“十三五”规划"
period: {"start": 2016, "end": 2020}
---

{raw=3}
为推进教育现代化，编制本规划。

{raw=5}
## 第一章 总体要求

{raw=7}
### 第一节 主要目标

{raw=9}
到2018年，基本消除大班额；“十三五”期间，新增学位5万个。“十二五”期间已建成示范校20所。

{raw=11}
## 第二章 主要任务

{raw=13}
### 第一节 推进教育信息化

{raw=15}
完善待处理事项清单。建设智慧校园，推广在线课程 & 资源共享，帮扶宽带速率<5%分位的学校。

> {raw=17}
> #### 专栏1 智慧教育工程
>
> {raw=19}
> 建设市级教育大数据中心，到2020年实现中小学宽带网络全覆盖。
"""


@pytest.fixture(scope="module")
def two_plans(tmp_path_factory):
    from kb.corpus import load_corpus

    root = tmp_path_factory.mktemp("corpus")
    shutil.copy(ROOT / "corpus" / f"{SEED}.md", root / f"{SEED}.md")
    shutil.copytree(ROOT / "corpus" / "dict", root / "dict")
    (root / f"{MINI}.md").write_text(MINI_MD, encoding="utf-8")
    corpus = load_corpus(root)
    assert {d.id for d in corpus.documents} == {SEED, MINI}
    return corpus


@pytest.fixture(scope="module")
def ix(two_plans, tmp_path_factory):
    index = open_index(two_plans, tmp_path_factory.mktemp("instance"))
    yield index
    index.close()


def ids(r):
    return [h["id"] for h in r["hits"]]


def test_literal_inside_a_jieba_word(ix):
    """处理 must find 待处理, which jieba keeps as one word."""
    assert "处理" not in ix.tokens("完善待处理事项清单", drop_stop=False)
    assert f"{MINI}:2.1.p1" in ids(ix.search("处理", limit=100))


def test_document_filter_and_facet(ix):
    r = ix.search("建设", limit=5)
    docs = {f["value"]: f for f in r["facets"]["document"]}
    assert set(docs) == {SEED, MINI}
    assert docs[MINI]["label"] == "某市教育事业发展“十三五”规划"
    only = ix.search("建设", document=MINI, limit=100)
    assert only["total"] == docs[MINI]["count"] > 0
    assert {h["document"] for h in only["hits"]} == {MINI}


def test_years_follow_each_plans_own_period(ix):
    assert ids(ix.search("大班额", year=2018)) == [f"{MINI}:1.1.p1"]
    assert ids(ix.search("学位", year=2020)) == [f"{MINI}:1.1.p1"]  # “十三五”期间 → 2020 here
    assert ix.search("示范校", year=2015)["total"] == 0  # “十二五”期间 is not this plan's period
    assert ids(ix.search("宽带", year=2020, kind="box_item")) == [f"{MINI}:box1.p1"]


def test_snippet_escapes_text_before_marking(ix):
    h = ix.search("资源共享")["hits"][0]
    assert h["id"] == f"{MINI}:2.1.p1"
    assert "&amp;" in h["snippet"] and "&lt;5%" in h["snippet"]
    assert "<mark>资源共享</mark>" in h["snippet"]
    assert h["snippet"].replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert h["text"].count("&") == 1  # the plain text stays plain


def test_box_breadcrumb_in_the_small_plan(ix):
    h = ix.search("教育大数据中心")["hits"][0]
    assert h["breadcrumb"] == "第二章 › 第一节 › 专栏1"
    assert h["box"] == "1" and h["document"] == MINI
