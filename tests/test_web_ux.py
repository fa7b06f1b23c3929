"""What a daily user stumbles on: search help, breadcrumb links, trace by name, counts."""
import re

from test_web_support import app, client, web_instance  # noqa: F401 (fixtures)


def _facet_titles(html: str) -> list[str]:
    return re.findall(r'<section class="facet">\s*<h2>([^<]+)</h2>', html)


def test_a_facet_that_narrows_nothing_is_left_off_the_page_but_not_the_api(client):
    d = client.get("/api/search?q=商业秘密").json
    assert len(d["facets"]["document"]) == 1  # one plan in the corpus
    titles = _facet_titles(client.get("/search?q=商业秘密").get_data(as_text=True))
    assert "规划" not in titles and "章" in titles and "类型" in titles


def test_long_facet_labels_are_one_line_with_the_full_name_on_hover(client):
    html = client.get("/search?q=商业秘密").get_data(as_text=True)
    m = re.search(r'<a href="[^"]*chapter=3[^"]*" title="(第三章[^"（]*)（(\d+) 条）"[^>]*>'
                  r'<span class="label">\1</span>', html)
    assert m, "chapter 3 facet with its full title in title="
    css = client.get("/static/style.css").get_data(as_text=True)
    assert re.search(r"\.facet \.label \{[^}]*text-overflow: ellipsis", css)


def test_no_results_help_fits_the_query(client):
    html = client.get("/search?q=火星").get_data(as_text=True)
    assert "没有找到与“火星”匹配的条文" in html
    assert "改为任一词匹配" not in html  # one word: nothing to loosen to OR
    assert "去掉引号" not in html
    assert 'class="facets"' not in html  # no empty filter column
    assert 'href="/outline"' in html  # browse instead
    html = client.get('/search?q="火星基地"').get_data(as_text=True)
    assert "去掉引号，按词检索“火星基地”" in html
    assert "q=%E7%81%AB%E6%98%9F%E5%9F%BA%E5%9C%B0" in html


def test_narrow_screens_get_a_jump_to_the_filters(client):
    html = client.get("/search?q=商业秘密").get_data(as_text=True)
    assert '<a class="facets-toggle" href="#facets">' in html and 'id="facets"' in html


def test_clause_breadcrumb_links_back_to_outline_boxes_and_tables(client):
    d = client.get("/api/clauses/gd-ip-14fyp:box3.p1").json
    urls = [c["url"] for c in d["crumb_links"]]
    assert urls == ["/outline?document=gd-ip-14fyp", "/outline?document=gd-ip-14fyp#ch-3",
                    "/outline?document=gd-ip-14fyp#ch-3-s-3", "/boxes?document=gd-ip-14fyp#box-3"]
    assert [c["label"] for c in d["crumb_links"]][1:] == d["breadcrumb"]
    html = client.get("/clauses/gd-ip-14fyp:box3.p1").get_data(as_text=True)
    assert '<a href="/boxes?document=gd-ip-14fyp#box-3">专栏3 商业秘密保护工程</a>' in html
    # the targets of those links exist on the pages
    assert 'id="ch-3-s-3"' in client.get("/outline?document=gd-ip-14fyp").get_data(as_text=True)
    assert 'id="box-3"' in client.get("/boxes?document=gd-ip-14fyp").get_data(as_text=True)
    row = client.get("/api/clauses/gd-ip-14fyp:t2.r4").json["crumb_links"]
    assert row[-1]["url"] == "/indicators?document=gd-ip-14fyp#table-2"
    assert 'id="table-2"' in client.get("/indicators").get_data(as_text=True)


def test_trace_counts_what_is_drawn_start_included(client):
    d = client.get("/api/trace/gd-ip-14fyp:5.2.p4").json
    assert d["counts"]["tasks"] == 1  # the task traced is itself a task
    for key, kind in [("targets", "target"), ("indicators", "indicator"), ("bodies", "body")]:
        assert d["counts"][key] == sum(1 for n in d["nodes"] if n["kind"] == kind)
    html = client.get("/trace/gd-ip-14fyp:5.2.p4").get_data(as_text=True)
    assert "任务 1 · 目标 %d" % d["counts"]["targets"] in html


def test_trace_by_a_name_staff_type_offers_the_near_names(client):
    r = client.get("/trace/法院")
    html = r.get_data(as_text=True)
    assert r.status_code == 404 and "您要找的可能是下列之一" in html
    for name in ("人民法院", "广州知识产权法院"):
        assert f">{name}</a>" in html
    r = client.get("/api/trace/法院")
    assert r.status_code == 404 and r.is_json
    ids = [c["id"] for c in r.json["candidates"]]
    assert "body:人民法院" in ids and "body:广州知识产权法院" in ids
    assert r.json["error"]["message"].startswith("没有编号或名称为“法院”")
    # one near name: go straight there
    r = client.get("/trace/广州互联网")
    assert r.status_code == 302 and r.headers["Location"].endswith("/trace/body:%E5%B9%BF%E5%B7%9E%E4%BA%92%E8%81%94%E7%BD%91%E6%B3%95%E9%99%A2")
    # nothing near: the plain 404
    r = client.get("/api/trace/火星")
    assert r.status_code == 404 and r.json["candidates"] == []


def test_every_page_has_a_skip_link_to_the_content(client):
    for url in ("/", "/outline", "/clauses/gd-ip-14fyp:3.2.p4", "/lists", "/trace"):
        html = client.get(url).get_data(as_text=True)
        assert '<a class="skip-link" href="#main">跳到正文</a>' in html and 'id="main"' in html, url
