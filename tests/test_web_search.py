"""Search page and /api/search on the seed plan: same JSON as the library, facets, errors."""
import re
from urllib.parse import parse_qs, urlparse

import pytest

from test_web_support import app, client, web_instance  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def index(app, corpus, web_instance):
    from index import open_index

    idx = open_index(corpus, web_instance)
    yield idx
    idx.close()


def test_api_returns_exactly_the_library_json(client, index):
    for params in ({"q": "商业秘密"}, {"q": "知识产权 保护", "chapter": 3, "limit": 5},
                   {"q": "地理标志", "kind": "box_item"}, {"q": "2025", "year": 2025, "offset": 2},
                   {"q": "text:商业 AND text:秘密", "raw": True}):
        r = client.get("/api/search", query_string=params)
        assert r.status_code == 200, params
        q = params.pop("q")
        assert r.json == index.search(q, **params), params


def test_api_hits_are_real_and_highlighted(client):
    d = client.get("/api/search?q=商业秘密").json
    assert d["total"] == len(d["hits"]) >= 5
    ids = [h["id"] for h in d["hits"]]
    assert "gd-ip-14fyp:box3.p1" in ids and "gd-ip-14fyp:3.2.p3" in ids
    assert all("<mark>商业秘密</mark>" in h["snippet"] for h in d["hits"])


def test_page_shows_count_snippets_breadcrumbs_and_links(client):
    html = client.get("/search?q=商业秘密").get_data(as_text=True)
    total = client.get("/api/search?q=商业秘密").json["total"]
    assert f"共找到 <strong>{total}</strong> 条结果" in html
    assert "<mark>商业秘密</mark>" in html
    assert 'href="/clauses/gd-ip-14fyp:box3.p1"' in html
    assert "第三章 › 第三节 › 专栏3" in html
    assert 'href="/api/search?q=' in html
    assert "/search/export?format=docx&amp;q=" in html or "/search/export?q=" in html


def test_facets_count_and_toggle(client):
    html = client.get("/search?q=商业秘密").get_data(as_text=True)
    facet = re.search(r'<a href="([^"]*chapter=3[^"]*)"[^>]*><span class="label">第三章[^<]*</span>'
                      r'<span class="count">(\d+)</span>', html)
    assert facet, "chapter facet for 第三章 with its count"
    url, count = facet.group(1).replace("&amp;", "&"), int(facet.group(2))
    narrowed = client.get("/api" + url).json
    assert narrowed["total"] == count
    assert all(h["chapter"] == 3 for h in narrowed["hits"])
    page = client.get(url).get_data(as_text=True)
    assert 'class="selected" aria-current="true"' in page
    assert "已选条件" in page
    # the selected value's link removes the filter again
    sel = re.search(r'<a href="([^"]*)" title="[^"]*" class="selected"', page).group(1).replace("&amp;", "&")
    assert "chapter" not in parse_qs(urlparse(sel).query)


def test_no_results_help_names_the_query_and_offers_or(client):
    assert client.get("/api/search?q=宇宙飞船 火星").json["total"] == 0
    html = client.get("/search?q=宇宙飞船 火星").get_data(as_text=True)
    assert "没有找到与“宇宙飞船 火星”匹配的条文" in html
    assert "检索的是：<code>宇宙飞船 火星</code>" in html
    assert "改为任一词匹配" in html and "q=%E5%AE%87%E5%AE%99%E9%A3%9E%E8%88%B9+OR+%E7%81%AB%E6%98%9F" in html


def test_or_fallback_is_announced(client):
    # both words are in the plan, never in one clause
    d = client.get("/api/search?q=商业秘密 区块链").json
    assert d.get("fallback") == "or" and d["total"] > 0
    html = client.get("/search?q=商业秘密 区块链").get_data(as_text=True)
    assert "放宽为“任一词”匹配" in html and d["message"] in html


def test_a_word_not_in_the_plan_is_named_and_ignored(client):
    d = client.get("/api/search?q=商业秘密 宇宙飞船").json
    assert d.get("ignored") == ["宇宙飞船"] and "fallback" not in d
    assert d["total"] == client.get("/api/search?q=商业秘密").json["total"]
    html = client.get("/search?q=商业秘密 宇宙飞船").get_data(as_text=True)
    assert "规划中没有出现“宇宙飞船”" in html


def test_user_query_is_escaped(client):
    html = client.get("/search", query_string={"q": '<script>alert("x")</script>'}).get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("qs,reason", [
    ("q=x&limit=abc", "参数 limit 应为整数"),
    ("q=x&limit=0", "参数 limit 超出范围"),
    ("q=x&limit=101", "参数 limit 超出范围"),
    ("q=x&kind=bogus", "参数 kind 的取值“bogus”无效"),
    ("q=x&year=20x5", "参数 year 应为整数"),
    ("q=x&chapter=-1", "参数 chapter 超出范围"),
    ("q=x&document=no-such-plan", "规划“no-such-plan”不存在"),
    ("q=" + "长" * 5001, "参数 q 过长"),  # a pasted paragraph of up to 5,000 is a query
    ("limit=5", "缺少参数 q"),
    ("q=x&raw=maybe", "参数 raw 应为 1 或 0"),
])
def test_bad_parameters_are_400_with_a_reason(client, qs, reason):
    r = client.get("/api/search?" + qs)
    assert r.status_code == 400
    assert reason in r.json["error"]["message"]


def test_bad_parameter_on_page_is_chinese_400(client):
    r = client.get("/search?q=x&page=abc")
    assert r.status_code == 400
    assert "参数 page 应为整数" in r.get_data(as_text=True)


def test_paging(client):
    all_hits = client.get("/api/search?q=知识产权&limit=20").json
    assert all_hits["total"] > 20
    page2 = client.get("/search?q=知识产权&limit=10&page=2").get_data(as_text=True)
    second = [h["id"] for h in all_hits["hits"][10:20]]
    for cid in second:
        assert f'href="/clauses/{cid}"' in page2
    assert '<ol class="hits" start="11">' in page2
    assert "第 2 页" in page2


def test_empty_query_shows_landing(client, seed):
    html = client.get("/").get_data(as_text=True)
    assert seed.title in html and "收录的规划" in html
    assert 'data-api="/api/search"' in html  # search as you type


# -- issue 10: what a new user tried -------------------------------------------------

def test_filters_without_a_query_list_what_they_select(client):
    """/search?box=14 used to show the home page."""
    html = client.get("/search?box=14").get_data(as_text=True)
    for i in (1, 2, 3):
        assert 'href="/clauses/gd-ip-14fyp:box14.p%d"' % i in html
    assert "未输入检索词：列出专栏14的全部 3 条条款。" in html
    assert "收录的规划" not in html
    d = client.get("/api/search?box=14").json
    assert d["total"] == 3 and d["listing"] is True


def test_unknown_filter_value_is_a_400_with_a_reason_not_an_active_filter(client):
    """chapter=99 used to be shown as the active filter 第九十九章 over an empty page."""
    r = client.get("/search?q=专利&chapter=99")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "没有第九十九章（现有：第一章至第八章）" in html and "检索式有误" not in html
    assert client.get("/api/search?q=专利&box=99").status_code == 400


def test_a_page_beyond_the_last_says_so(client):
    """page=999 used to say 47 results and 没有找到 together."""
    total = client.get("/api/search?q=商业秘密").json["total"]
    html = client.get("/search?q=商业秘密&page=999").get_data(as_text=True)
    assert "第 999 页没有结果" in html and f"共 {total} 条结果" in html
    assert "最后一页是第 1 页" in html and "没有找到与" not in html


def test_each_hit_says_why(client):
    html = client.get("/search?q=商业秘密").get_data(as_text=True)
    assert html.count('<p class="why muted">含原文“商业秘密”') >= 5


def test_a_pasted_paragraph_finds_its_source(client, corpus):
    """379 characters used to give a red 400 page and lose the text."""
    from index.schema import searchable_text

    text = searchable_text(corpus.clause("gd-ip-14fyp:5.2.p4"))[:379]
    r = client.get("/search", query_string={"q": text})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    first = re.search(r'class="hit-title" href="/clauses/([^"]+)"', html).group(1)
    assert first == "gd-ip-14fyp:5.2.p4"
    assert "查找出处" in html and "与粘贴的段落重合" in html
    assert client.get("/api/search", query_string={"q": text}).json["source"] == "gd-ip-14fyp:5.2.p4"


def test_an_exclusion_only_query_says_what_it_did(client):
    """-知识产权 used to return the 176 clauses that contain it."""
    d = client.get("/api/search", query_string={"q": "-知识产权", "limit": 100}).json
    assert "只有排除词" in d["message"] and "不含“知识产权”" in d["message"]
    assert all("知识产权" not in h["text"] for h in d["hits"])


def test_an_index_deleted_under_the_server_is_a_503_then_recovers(corpus, tmp_path):
    """Never a permanent 500: a 503 with a reason, and searching again once it is rebuilt."""
    import shutil

    from index import build_index
    from webapp import create_app

    instance = tmp_path / "inst"
    app = create_app({"INSTANCE_PATH": str(instance), "CORPUS_DIR": str(corpus.root), "TESTING": True})
    c = app.test_client()
    assert c.get("/api/search?q=商业秘密").status_code == 200
    shutil.rmtree(instance / "search")

    def get_in_new_thread(url):  # as a server thread that has not searched yet
        import threading

        out = []
        t = threading.Thread(target=lambda: out.append(c.get(url)))
        t.start()
        t.join()
        return out[0]

    r = get_in_new_thread("/api/search?q=惩罚性赔偿 知识产权")
    assert r.status_code == 503 and "plankb build" in r.json["error"]["message"]
    build_index(corpus, instance)
    assert get_in_new_thread("/api/search?q=惩罚性赔偿 知识产权").status_code == 200
