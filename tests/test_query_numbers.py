"""Numbers as staff type them are read as the plans print them (index/query_numbers.py)."""
import pytest

from index.query_numbers import arabic

SEED = "gd-ip-14fyp"


@pytest.mark.parametrize("typed, read", [
    ("质押融资两千五百亿元", "质押融资2500亿元"),
    ("海外发明专利八万件", "海外发明专利8万件"),
    ("百分之六十的地市", "60%的地市"),
    ("百分之十二点五", "12.5%"),
    ("三千件", "3000件"),
    ("二〇二五年", "2025年"),
    ("二零三五年远景", "2035年远景"),
    ("二五年底", "25年底"),
    ("全省要建二十来家", "全省要建20来家"),
    ("一百多家", "100多家"),
    ("一千多家", "1000多家"),
    ("查了四万八千宗", "查了4.8万宗"),  # as plans print 4.8万
    ("四十几万件", "40几万件"),
    ("商家要八成以上", "商家要80%以上"),
    ("不再上诉的比例要到八成五", "不再上诉的比例要到85%"),
    ("授权率从五成六提到多少", "授权率从56%提到多少"),
    ("八成五年内能完成", "80%五年内能完成"),
    ("五年要多1千5百亿左右", "五年要多1500亿左右"),
])
def test_spoken_numbers_are_read_in_digits(typed, read):
    assert arabic(typed)[0] == read


@pytest.mark.parametrize("words", ["十四五", "十三五末", "五年后", "一批", "三合一", "一站式", "一带一路",
                                   "两个合作区", "第十四个五年规划", "十件", "十来年",
                                   "完成", "成效", "一成不变"])
def test_numerals_that_are_words_stay(words):
    assert arabic(words) == (words, [])


def test_a_form_a_plan_prints_as_typed_is_kept():
    assert arabic("两千五百亿", printed=lambda s: s == "两千五百亿") == ("两千五百亿", [])


def test_the_search_reads_them_and_says_so(seed_index):
    r = seed_index.search("质押融资两千五百亿", limit=2)
    assert [h["id"] for h in r["hits"]] == [f"{SEED}:box14.p3", f"{SEED}:t2.r4"]  # the 2500亿元 target
    assert "“两千五百亿”按“2500亿”" in r["message"]
    r = seed_index.search("二五年底质押融资要到多少", limit=1)
    assert "“二五年”按“2025年”" in r["message"]
    quoted = seed_index.search('"两千五百亿"')  # quoted: as typed (no clause holds it)
    assert quoted["total"] == 0 and "已把" not in (quoted.get("message") or "")


def test_a_figure_said_roughly_names_the_clause_stating_it():
    """九百多亿 is 900多亿: any 9xx (907.6亿元 of the 十三五 review); 五百四十多万 any 54x万 (543.0)."""
    from index import ranking

    read = arabic("十三五期间专利商标质押一共放了九百多亿")[0]
    assert ranking.typed_numbers(read) == ["900+"]
    text = "知识产权质押登记融资总额907.6亿元；有效注册商标量543.0万件；2025年"
    assert ranking.number_share(text, ["900+"]) == 1.0
    assert ranking.number_share(text, ["540+"]) == 1.0
    assert ranking.number_share(text, ["20+"]) == 0.0  # not the 20 of 2025
    assert ranking.number_share(text, ["900"]) == 0.0  # said exactly, 900 is 900


def test_the_search_finds_the_figure_said_roughly(seed_index):
    r = seed_index.search("十三五期间专利商标抵押贷款一共放了九百多亿", limit=1)
    assert [h["id"] for h in r["hits"]] == [f"{SEED}:1.1.p6"]
