"""Search that understands how staff ask (issue 10): each finding of the issue, on the seed plan.

The seed index carries sentence vectors (conftest.seed_index); the findings about words
(compounds, filler words, ranking, paste, filters) hold with or without them.
"""
import pytest

from index import QueryError
from index.normalize import fold
from index.schema import searchable_text
from search_support import ids, sid


@pytest.fixture(scope="module")
def ix(seed_index):
    return seed_index


def test_a_compound_word_also_finds_its_specific_part(ix):
    """知识产权质押融资 is one jieba word; 专栏14's key target says only 质押融资."""
    assert "知识产权质押融资" not in fold(searchable_text(ix.corpus.clause(sid("box14.p3"))))
    assert ix.compound_parts("知识产权质押融资") == ["质押融资"]
    assert sid("box14.p3") in ids(ix.search("知识产权质押融资", limit=50))
    # clauses with the whole word still come first
    first = ix.search("知识产权质押融资", limit=3)["hits"]
    assert all("知识产权质押融资" in fold(h["text"]) for h in first)


def test_filler_words_are_dropped_not_ored(ix):
    """帮 used to stay, the all-words match failed and the OR fallback returned 177 clauses."""
    r = ix.search("怎么帮企业应对海外知识产权纠纷", limit=5)
    assert "fallback" not in r
    assert r["total"] < 40
    overseas = {sid(f"3.5.p{i}") for i in range(1, 5)} | {sid("box7.p1"), sid("7.2.p5")}
    assert {h["id"] for h in r["hits"][:3]} <= overseas
    for q in ("能不能帮企业做知识产权合规", "省里对专利转化这块有啥支持"):
        assert "fallback" not in ix.search(q), q


def test_tasks_rank_above_goals_and_the_review(ix):
    """惩罚性赔偿: the task that acts (3.2.p3) before the goal paragraph and the 十三五 review."""
    r = ids(ix.search("惩罚性赔偿", limit=10))
    assert r[0] == sid("3.2.p3")
    assert r.index(sid("2.3.p3")) > r.index(sid("7.2.p4"))
    assert r.index(sid("1.1.p3")) > r.index(sid("7.2.p5"))
    # asked about the past, the review is not moved down
    past = ids(ix.search("十三五 惩罚性赔偿", limit=3))
    assert sid("1.1.p3") == past[0]


@pytest.mark.parametrize("q,want", [
    ("专利审查太慢，有没有快速通道", {"4.1.p3", "3.3.p3"}),
    ("想知道同行都在申请什么专利", {"5.1.p2"}),
    ("软件著作权登记去哪办", {"4.2.p5"}),
    ("企业被人仿冒了找谁", {"3.3.p6"}),
    ("小企业能拿商标去银行贷款吗", {"5.2.p4", "box14.p2"}),
])
def test_the_issues_staff_questions_find_the_clause_in_the_top_three(ix, q, want):
    top = set(ids(ix.search(q, limit=3)))
    assert top & {sid(w) for w in want}, (q, top)


def test_every_hit_says_why(ix):
    hits = ix.search("商业秘密", limit=5)["hits"]
    assert all(h["why"].startswith("含原文“商业秘密”") for h in hits)
    assert all(h["matched_terms"] for h in hits)
    # a generic word (知识产权, in most clauses) is not what a hit is explained by
    h = ix.search("知识产权质押融资", limit=1)["hits"][0]
    assert "“知识产权”" not in h["why"]


def test_meaning_finds_what_no_word_matches(ix):
    if not ix.semantic:
        pytest.skip("sentence-embedding model not available here")
    r = ix.search("怎么让小区居民不买盗版光盘", limit=5)
    assert r["semantic"] is True
    assert any(h["why"] == "语义相近" for h in r["hits"])


def test_a_quoted_query_stays_exact(ix, corpus):
    want = {c.id for c in corpus.clauses() if "惩罚性赔偿" in fold(searchable_text(c))}
    r = ix.search("“惩罚性赔偿”", limit=1000)
    assert set(ids(r)) == want
    assert r["semantic"] is False




def test_a_pasted_paragraph_finds_its_source_first(ix, corpus):
    """379 characters used to give a red 400 page."""
    text = searchable_text(corpus.clause(sid("5.2.p4")))
    assert len(text) > 300
    pasted = "\n".join(text[i:i + 38] for i in range(0, len(text), 38))  # a PDF's line breaks
    r = ix.search(pasted, limit=5)
    assert r["paste"] is True and r["source"] == sid("5.2.p4")
    assert ids(r)[0] == sid("5.2.p4")
    assert r["hits"][0]["why"].startswith("与粘贴的段落重合")
    assert "查找出处" in r["message"]
    # an edited sentence or two still points at its source
    edited = text[:120].replace("深入开展", "进一步开展").replace("优化", "完善")
    assert ids(ix.search(edited, limit=1)) == [sid("5.2.p4")]
    with pytest.raises(QueryError, match="过长"):
        ix.search("知" * 5001)


def test_filters_without_a_query_list_what_they_select(ix, corpus):
    r = ix.search("", box="14", limit=50)
    assert ids(r) == [sid("box14.p1"), sid("box14.p2"), sid("box14.p3")]
    assert r["listing"] is True and "专栏14" in r["message"]
    assert ix.search(None, chapter=8)["total"] == len([c for c in corpus.clauses() if c.chapter == 8])
    with pytest.raises(QueryError):
        ix.search("")  # nothing to search and nothing to list


def test_an_exclusion_only_query_says_what_it_did(ix, corpus):
    """-知识产权 used to return the 176 clauses that contain it."""
    r = ix.search("-知识产权", limit=1000)
    want = {c.id for c in corpus.clauses() if "知识产权" not in fold(searchable_text(c))}
    assert set(ids(r)) == want
    assert "不含“知识产权”" in r["message"]


@pytest.mark.parametrize("kw,needle", [
    ({"chapter": 99}, "没有第九十九章（现有：第一章至第八章）"),
    ({"chapter": 3, "section": 9}, "第三章没有第九节"),
    ({"box": "99"}, "没有专栏99"),
])
def test_unknown_filter_values_are_refused_with_what_exists(ix, kw, needle):
    with pytest.raises(QueryError, match=needle):
        ix.search("专利", **kw)


def test_a_page_beyond_the_last_says_so(ix):
    r = ix.search("商业秘密", offset=980, limit=20)
    assert r["hits"] == [] and r["beyond"] is True
    assert f"共 {r['total']} 条结果" in r["message"] and "没有更多结果" in r["message"]


def test_a_number_typed_among_words_matches_that_number(ix):
    """8 of 海外发明专利授权量8万件 is t2.r2's (8), not the 7 of 第7次 nor a digit of 2018."""
    d8 = {ix.records[d]["id"] for d in ix._number_docs("8")}
    assert sid("t2.r2") in d8 and sid("fn1") not in d8
    assert sid("t1.r1") not in {ix.records[d]["id"] for d in ix._number_docs("35")}  # 35.1
    assert ids(ix.search("海外发明专利授权量8万件", limit=1)) == [sid("t2.r2")]
    # alone, a number is still every clause that holds it (Ctrl+F)
    assert len(ix.search("8", limit=1000)["hits"]) >= len(d8)


def test_a_word_the_plan_never_uses_comes_apart_into_the_part_it_does(ix):
    """加盟店 is in no clause; 加盟 is, inside 特许加盟 (box2.p2, with 驰名商标): the query
    used to ignore 加盟店乱用大牌 whole and rank clauses saying only 商标 first."""
    r = ix.search("加盟店乱用大牌商标", limit=5)
    hit = next(h for h in r["hits"][:2] if h["id"] == sid("box2.p2"))  # was sixth, as 语义相近
    assert "加盟" in hit["why"]
    assert r["ignored"] == ["店乱用大牌"]


def test_a_question_about_what_was_done_ranks_the_review_row_first(ix):
    """建了几个 asks what was achieved: the 十三五 table's row is not moved down as background."""
    assert ids(ix.search("专利密集型产业集聚区建了几个", limit=3))[0] == sid("t1.r14")


def test_near_equal_word_matches_are_ordered_by_meaning():
    """Two clauses holding the same query words with BM25 a hair apart share a rank."""
    from index import ranking

    t = ranking.LEXICAL_TIE
    ranks = ranking.tied_ranks([(1, 1.5), (2, 1.5 - t / 2), (3, 1.5 - 2 * t), (4, 1.5 - 2 * t)])
    assert ranks == {1: 1, 2: 1, 3: 3, 4: 3}


@pytest.fixture
def encoded(ix, monkeypatch):
    """The texts query vectors are computed from, in order."""
    if not ix.semantic:
        pytest.skip("the sentence model cannot load here")
    seen = []
    real = ix._encode

    def recording(text, passage=False):
        seen.append(text)
        return real(text, passage=passage)

    monkeypatch.setattr(ix, "_encode", recording)
    return seen


def test_the_meaning_of_a_question_is_read_from_the_question_as_typed(ix, encoded):
    """The sentence model reads questions; the words left after dropping 有多少…了 read worse."""
    seen = encoded
    ix.search("贯标企业有多少家了")
    ix.search("贯标企业有多少家了 -高校")
    assert seen[0].startswith("贯标企业有多少家了")
    assert "多少" not in seen[1] and "高校" not in seen[1] and "贯标" in seen[1]


def test_the_meaning_of_a_question_is_read_with_the_plans_words_for_the_staffs(ix, encoded):
    """The model never read the thesaurus: 中间人 and 说和 (=> 调解) reach it as 调解 too."""
    seen = encoded
    ix.search("两家企业闹矛盾，找个中间人说和")
    assert seen == ["两家企业闹矛盾,找个中间人说和（纠纷、调解）"]  # (the query folded as searched)
    ix.search("企业之间的纠纷能找调解组织吗")  # the plan's own words: nothing to add
    assert seen[-1] == "企业之间的纠纷能找调解组织吗"


@pytest.mark.parametrize("q,want", [
    ("想把自己拍的片子授权卖出去，有交易的地方吗", "box10.p1"),  # only 授权 and 交易 are the plan's
    ("博物馆想开发文创周边", "5.3.p3"),  # 开发 is in a dozen clauses
])
def test_meaning_weighs_more_when_the_plan_uses_few_of_the_typed_words(ix, q, want):
    if not ix.semantic:
        pytest.skip("the embedding model is not installed")
    assert ids(ix.search(q, limit=1))[0] == sid(want)


def test_the_semantic_weight_follows_the_share_of_known_words():
    from index import ranking

    assert ranking.semantic_weight(1.0) == ranking.SEMANTIC_WEIGHT
    assert ranking.semantic_weight(0.2) > ranking.SEMANTIC_WEIGHT


def test_a_year_typed_with_two_digits_is_that_year(ix):
    """Staff write 25年 for 2025年: the 25 used to be taken as a figure and the 十三五 table's
    row stating 25 (t1.r9) came first."""
    r = ix.search("到25年每万人口高价值发明专利拥有量要到多少", limit=3)
    assert ids(r)[0] == sid("t2.r1")
    assert sid("t1.r9") not in ids(r)
    assert "“25年”按“2025年”" in r["message"]
    assert ids(ix.search("25年专利商标质押融资目标多少亿", limit=2)) == [sid("box14.p3"), sid("t2.r4")]


@pytest.mark.parametrize("q", ["近20年专利增长", "满15年", "15年以上", "\"25年\""])
def test_a_span_of_years_or_a_quoted_year_is_kept_as_typed(ix, q):
    assert "按“20" not in (ix.search(q).get("message") or "")


def test_a_question_about_what_an_indicator_means_finds_the_table_notes(ix):
    """Notes under a table and footnotes define indicators: asked 怎么算 / 是啥意思, they come first."""
    assert set(ids(ix.search("每万人口高价值发明专利拥有量怎么算", limit=2))) == {sid("t2.n1"), sid("fn1")}
    r = ix.search("商标品牌发展指数是啥意思", limit=1)
    assert ids(r) == [sid("t2.n2")] and r["hits"][0]["why"].endswith("；解释指标的注释")
    # 括号 is the （） the plan prints: 表注 “（）内为规划期间新增数”
    assert ids(ix.search("表里括号内的数是什么意思", limit=1)) == [sid("t2.n4")]
    # not asked what it means, the indicator's own row comes first
    assert ids(ix.search("每万人口高价值发明专利拥有量", limit=1)) == [sid("t2.r1")]


def test_a_question_about_what_is_expected_keeps_the_goals_up_and_the_review_down(ix):
    """期望 / 五年后 / 要做到啥程度 ask what the plan expects by its end: the goal paragraph is
    not moved down as background; the review of the last period still is."""
    assert sid("2.3.p6") in ids(ix.search("对知识产权服务业有什么期望", limit=3))
    prefs = ix.preferences
    assert prefs.asks_ahead("五年后要做到啥程度") and not prefs.asks_goals("五年后要做到啥程度")
    assert not prefs.is_background("goal", "", past=False, goals=False, ahead=True)
    assert prefs.is_background("review", "", past=False, goals=False, ahead=True)
    assert prefs.is_background("goal", "", past=False, goals=False, ahead=False)


def test_the_county_said_as_staff_say_it_finds_the_county_level(ix):
    """县里 / 县区 are the plan's 县 (省、市、县三级…服务机构); they used to be ignored as unknown."""
    r = ix.search("县里能设知识产权服务机构吗", limit=3)
    assert sid("6.1.p4") in ids(r) and "县里" not in r.get("ignored", [])


def test_a_question_about_missed_targets_ranks_the_rows_that_fell_short_first(ix):
    """十三五哪些指标没完成: the completion table's rows whose result is below the target
    (农产品地理标志登记 100 → 54, 版权产业贡献率 ≥9 → 8.7, 保护社会满意度 ≥80 → 75.07)."""
    missed = {sid("t1.r10"), sid("t1.r16"), sid("t1.r17")}
    r = ix.search("十三五哪些指标没完成", limit=3)
    assert set(ids(r)) == missed
    assert all(h["why"].endswith("；完成值未达目标值") for h in r["hits"])
    assert set(ids(ix.search("十三五没达标的指标", limit=3))) == missed
    # asked how they went, every row counts the same (t1.r1 exceeded its target)
    assert sid("t1.r1") in ids(ix.search("十三五指标完成情况", limit=3))


def test_the_plan_named_as_where_to_look_is_no_search_word(ix):
    """规划里… asks what the plan says; 规划 as a word matched the 21 clauses naming the plan
    and buried 1.2.p3, the paragraph on 问题和短板 that 薄弱环节 finds."""
    r = ix.search("规划里自己承认的薄弱环节有哪些", limit=3)
    assert ids(r)[0] == sid("1.2.p3")
    assert "fallback" not in r


@pytest.mark.parametrize("q", ["软件著作权登记去哪办", "软著登记"])
def test_a_thesaurus_phrase_the_plan_prints_is_matched_as_printed(ix, q):
    """软著 => 著作权登记: 4.2.p5 prints 著作权登记机制; 3.3.p6's 作品著作权重复登记 holds the two
    words apart and used to come first (its sentence on 重复登记 is close in meaning too)."""
    r = ids(ix.search(q, limit=3))
    assert r[0] == sid("4.2.p5") and sid("3.3.p6") not in r


def test_a_long_query_is_embedded_from_its_start_only(ix, monkeypatch):
    """A run of 1,500 characters without punctuation (no paragraph to trace) took the model
    3 s to embed whole; the query vector reads its first MAX_QUERY_CHARS."""
    import numpy as np

    if not ix.semantic:
        pytest.skip("the embedding model is not installed")

    from index import semantic

    seen = []

    class Recording:
        def query(self, text):
            seen.append(text)
            return np.zeros(384, dtype=np.float32)

    monkeypatch.setattr(semantic, "model", lambda: Recording())
    r = ix.search("知识产权保护" * 250, limit=3)
    assert r["hits"] and seen and max(len(t) for t in seen) == semantic.MAX_QUERY_CHARS


def _leads(ix, q):
    """(standout, words held, meaning leads) for a query, as the search computes them."""
    from index.query import parse_query

    pq = parse_query(q)
    ix._strip_questions(pq)
    ix._local.memo, ix._local.token_memo, ix._local.ignored = {}, {}, []
    try:
        sims = ix._semantic_arrays(ix._semantic_text(pq))
        return (sims.standout(ix.columns.fields["document"].codes), ix._words_held(pq),
                ix._meaning_leads(pq, sims))
    finally:
        ix._local.memo = ix._local.token_memo = ix._local.ignored = None


def test_meaning_leads_where_it_is_sure_and_the_words_are_not(ix):
    """A question whose words are everywhere (专利, 公司, 投资) but whose meaning one clause holds
    (专栏14's 知识产权证券化): meaning adds and leads. A query in the plan's words, or a generic
    one, stays with the words."""
    if not ix.semantic:
        pytest.skip("no sentence model")
    q = "听说可以把专利将来能收的使用费打包成理财产品卖给投资人，提前拿到钱，我们公司适合"
    standout, held, leads = _leads(ix, q)
    assert standout >= 3.5 and held < 0.4 and leads
    assert ids(ix.search(q, limit=1)) == [sid("box14.p1")]  # (fourth before)
    for plain in ("知识产权", "加强知识产权保护", "专利转化", "小企业能拿商标去银行贷款吗"):
        assert not _leads(ix, plain)[2], plain
    assert _leads(ix, "知识产权")[0] < 3  # a word in every clause: no clause stands out


def test_words_held_weighs_words_by_how_rare_they_are(ix):
    """知识产权 is in nearly every clause, 证券化 in a few: a clause holding 证券化 holds nearly all
    that 证券化 知识产权 asks; a word no clause holds (广场舞) weighs as the rarest, so one holding
    only 知识产权 holds next to nothing of 知识产权 广场舞."""
    from index.query import parse_query

    ix._local.memo, ix._local.token_memo, ix._local.ignored = {}, {}, []
    try:
        assert ix._words_held(parse_query("知识产权证券化")) == pytest.approx(1.0)
        assert ix._words_held(parse_query("证券化 知识产权")) == pytest.approx(1.0)
        assert ix._words_held(parse_query("知识产权 广场舞")) < 0.05
        assert ix._words_held(parse_query("证券化 广场舞")) > 0.3  # a rare word held says much
    finally:
        ix._local.memo = ix._local.token_memo = ix._local.ignored = None


def test_standout_is_measured_within_the_best_clauses_plan():
    """Another plan in the index, on other subjects (cosines far below), leaves the measure as it
    is with the best clause's plan alone: the mean and spread are that plan's."""
    import numpy as np

    from index.search import Cosines

    rng = np.random.default_rng(3)
    own = 0.80 + 0.01 * rng.standard_normal(40)
    own[7] = 0.83
    other = 0.50 + 0.01 * rng.standard_normal(40)
    alone = Cosines(list(range(40)), own)
    both = Cosines(list(range(80)), np.concatenate([own, other]))
    plan_of = np.array([0] * 40 + [1] * 40)
    assert both.standout(plan_of) == pytest.approx(alone.standout(plan_of[:40]))
    assert 2.5 < alone.standout(plan_of[:40]) < 4
    assert Cosines(list(range(10)), own[:10]).standout(plan_of[:10]) == 0.0  # too few to tell


def test_where_meaning_leads_its_clause_is_not_moved_down_for_its_kind(ix):
    """网游侵权纠纷法院之前发过裁判参考没有 asks about the guidance the courts issued (the review of
    the last period, 1.1.p3: 网络游戏知识产权纠纷案件的审判指引): meaning is sure of it and the
    words are not, so the review is not moved below the task that names 侵权 and 纠纷 (it was
    second)."""
    if not ix.semantic:
        pytest.skip("no sentence model")
    q = "网游侵权纠纷法院之前发过裁判参考没有"
    assert _leads(ix, q)[2]
    assert ids(ix.search(q, limit=1)) == [sid("1.1.p3")]


def test_spaces_typed_for_commas_part_a_sentence_not_words_that_must_all_be_there(ix):
    """Voice input and chat put spaces where commas go: 一个县一个行当打出地方的金字招牌 大家共用的
    那种 is one question (集体商标、证明商标 for a trade of one place, 5.3.p4), not two parts each
    of which a clause must hold. Words typed apart that the plan uses stay an AND."""
    r = ix.search("一个县一个行当打出地方的金字招牌 大家共用的那种", limit=3)
    assert ids(r)[0] == sid("5.3.p4")  # (second while 大家共用的那种 had to be held too)
    both = ix.search("质押融资 园区", limit=100)
    assert both["total"] == 1 and not both.get("fallback")
    assert all("质押融资" in h["text"] and "园区" in h["text"] for h in both["hits"])


def test_a_long_run_the_plan_never_prints_is_cut_in_the_note(ix):
    """A run of 120 characters the plan never prints: the note naming what was ignored shows
    its start, not all of it; typed thirty times apart, it is named once, as typed."""
    r = ix.search("知识产权" + "哈哈哈哈" * 30, limit=3)
    assert "规划中没有出现“哈哈哈哈哈哈哈哈哈哈哈哈…”" in r["message"]
    assert r["ignored"] and len(r["ignored"][0]) == 120  # the JSON keeps it whole
    apart = ix.search("知识产权" + " 哈哈哈哈" * 30, limit=3)
    assert apart["ignored"] == ["哈哈哈哈"] and "规划中没有出现“哈哈哈哈”，" in apart["message"]
    assert "“宇宙飞船”" in ix.search("宇宙飞船", limit=1)["message"]  # a short one whole


def test_the_note_names_ignored_words_as_they_were_typed(ix):
    """Single characters the plan's words leave over are joined across the filler words and
    commas between them (人帮着判断、做检测 gave 人着判断检测, named in the note though never
    typed); the note names the pieces as typed, parted where the user put a comma or a space."""
    r = ix.search("案子里技术太专业法官看不懂，有没有懂技术的人帮着判断、做检测", limit=3)
    assert "人帮着判断" in r["ignored"] and "检测" in r["ignored"]
    assert not any("人着" in w for w in r["ignored"])
    assert "“人帮着判断”" in r["message"]
    r = ix.search("出海企业凑一笔钱互相帮衬，哪家在国外吃官司就拿来用", limit=3)
    assert "互相帮衬" in r["ignored"] and "互相衬哪家" not in r["ignored"]
    r = ix.search("知产 不再比多少 改比含金量", limit=3)
    assert all(w in "知产不再比多少改比含金量" for w in r["ignored"]) and "改比" in r["ignored"]
