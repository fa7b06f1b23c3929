"""Slips of the pinyin input method (质压融资 for 质押融资) are asked as the plan's word, and
said so; real words staff typed on purpose (同一, 一般) and quoted words stay as typed."""
import pytest

from index.homophones import Homophones
from index.normalize import fold


def ids(result):
    return [h["id"] for h in result["hits"]]


@pytest.fixture(scope="module")
def ix(seed_index):  # the seed plan, with its sentence vectors (tests/conftest.py)
    return seed_index


@pytest.mark.parametrize("typed,meant,word", [
    ("质压融资", "质押融资", "质押"),
    ("惩罚性陪偿", "惩罚性赔偿", "赔偿"),
    ("地里标志", "地理标志", "地理"),
    ("商标注侧", "商标注册", "注册"),
    ("软件著做权", "软件著作权", "著作权"),  # 做, a stop word, split the slip in two
    ("海外为权", "海外维权", "维权"),  # and 为
    ("企业质压了专利", "企业质押了专利", "质押"),  # while 了 after it is no part of the slip
])
def test_a_slip_is_searched_as_the_plan_word_and_said(ix, typed, meant, word):
    r = ix.search(typed, limit=5)
    assert f"已按同音的“{word}”检索" in r["message"]
    right = ix.search(meant, limit=5)
    assert r["total"] == right["total"] and ids(r) == ids(right)
    assert word in fold(r["hits"][0]["text"])


def test_a_quoted_word_is_not_corrected(ix):
    r = ix.search("“质压”融资", limit=5)
    assert "同音" not in r.get("message", "")


@pytest.mark.parametrize("q", ["同一纠纷在几个国家同时起诉", "4·26宣传周一般搞啥活动", "请联合国管知识产权的机构来广东设点"])
def test_real_words_typed_on_purpose_stay(ix, q):
    assert "同音" not in ix.search(q, limit=3).get("message", "")


def test_the_rules_of_a_correction():
    one = Homophones(["质押", "统一", "事业", "赔偿金"])
    assert one.correct("质压", lambda w: 3) == "质押"
    assert one.correct("质压", lambda w: 0) is None  # a word in no clause is no answer
    assert one.correct("同一", lambda w: 3) is None  # 同一 is a common word in its own right
    assert one.correct("视野", lambda w: 3) is None  # sounds like 事业, shares no character
    assert one.correct("陪偿", lambda w: 3) is None  # 赔偿金 is longer: no piece-wise guess
    assert one.correct("ab", lambda w: 3) is None


def test_prefill_makes_the_table_a_forked_worker_then_shares(corpus, tmp_path):
    from index import build_index, open_index

    build_index(corpus, tmp_path)
    fresh = open_index(corpus, tmp_path)
    assert fresh._homophones._by_sound is None  # made on first need, not at open
    fresh.prefill()
    assert "zhiya" in fresh._homophones._by_sound


def test_without_pypinyin_search_works_and_corrects_nothing(monkeypatch, caplog):
    import sys

    monkeypatch.setitem(sys.modules, "pypinyin", None)  # an environment from before the dependency
    one = Homophones(["质押"])
    assert one.correct("质压", lambda w: 3) is None
    assert "pypinyin" in caplog.text


def test_pinyin_typed_with_the_input_method_off_is_read_as_the_plan_word(ix):
    """zhuanli导航基地: the input method was off for the first word."""
    r = ix.search("zhuanli导航基地", limit=3)
    assert "已把拼音“zhuanli”按“专利”检索" in r["message"]
    assert ids(r) == ids(ix.search("专利导航基地", limit=3))
    assert "地理标志" in fold(ix.search("dilibiaozhi", limit=1)["hits"][0]["text"])


@pytest.mark.parametrize("q", ["PCT申请", "sep", "wipo", "\"zhuanli\""])
def test_abbreviations_and_quoted_latin_are_not_read_as_pinyin(ix, q):
    assert "拼音" not in (ix.search(q).get("message") or "")


def test_a_correction_must_stand_beside_the_other_words_of_the_query(ix):
    """先下 sounds like the plan's 线下, but 线下 is in no clause with 行政 or 禁令: 先下禁令
    (issue first) is what was meant, and stays; 质压 → 质押 stands beside 贷款."""
    assert "同音" not in (ix.search("深圳行政部门能先下禁令让对方停手吗").get("message") or "")
    assert "已按同音的“质押”检索" in ix.search("知识产权质压贷款")["message"]
