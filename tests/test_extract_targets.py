"""Quantitative targets from sentences of the seed plan (raw text, PDF spacing and all)
and of the Shandong sample: metric, value, comparator, unit, deadline."""
import pytest

from kb.extract.targets import extract_targets


def one(text, **kw):
    ts = extract_targets(text, plan_end=2025, plan_start=2021, **kw)
    assert len(ts) == 1, [t.to_json() for t in ts]
    return ts[0]


def test_about_600_stations_by_2025_and_the_dated_goal_before_it():
    s = ("积极推进知识产权维权援助体系建设。到 2022 年,全面建成集维权援助案件受理、办理反馈、信息报送、"
         "数据管理、资源共享和决策支撑等功能为一体的知识产权维权援助\"一张网\";到 2025 年,知识产权维权援助"
         "实现全面向纵深发展,在全省重点园区、重点产业、重点高校院所等建立约 600 个维权援助服务站。")
    goal, stations, deeper = extract_targets(s, plan_end=2025, plan_start=2021)
    assert goal.value is None and goal.deadline.year == 2022
    # the list shows the goal without its 集……为一体的 clause; the sentence keeps it
    assert goal.metric == "全面建成知识产权维权援助“一张网”" and "决策支撑" in goal.text
    # the 2025 goal beside the number is a goal of its own, listed after the numbers
    assert (deeper.metric, deeper.value, deeper.deadline.year) == ("知识产权维权援助实现全面向纵深发展", None, 2025)
    assert (stations.metric, stations.value, stations.unit, stations.comparator) == \
        ("维权援助服务站", 600, "个", "≈")
    assert stations.value_text == "约600个" and stations.action == "建立"
    assert stations.deadline.year == 2025 and not stations.implied_deadline


def test_pledge_financing_over_the_period_is_an_increment():
    s = "\"十四五\"期间,全省专利、商标质押融资金额达 2500 亿元,发行知识产权证券化产品达 50 个。"
    money, products = extract_targets(s, plan_end=2025)
    assert money.metric == "全省专利、商标质押融资金额"
    assert (money.value, money.unit, money.comparator_text, money.comparator) == (2500, "亿元", "达", "≥")
    assert isinstance(money.value, int) and isinstance(products.value, int)
    assert money.deadline.kind == "period" and money.deadline.year == 2025 and money.increment
    assert (products.metric, products.value, products.unit) == ("发行知识产权证券化产品", 50, "个")


def test_annual_target():
    t = one("争取每年将500个以上的专利转化为标准必要专利。")
    assert (t.metric, t.value, t.comparator, t.comparator_text) == ("专利转化为标准必要专利", 500, "≥", "以上")
    assert t.annual and t.deadline.kind == "annual"


def test_percentage_at_the_start_and_comparator_after():
    t = one("推动优势产业聚集区和高新区建设知识产权保护中心和快速维权中心,至2025年,80%以上地市建立知识产权快保护机制。")
    assert (t.metric, t.value, t.unit, t.comparator) == ("地市建立知识产权快保护机制", 80, "%", "≥")


def test_no_deadline_means_the_plan_end_marked_implied():
    t = one("推动市场主体使用地理标志专用标志覆盖率达到80%以上。")
    assert t.metric == "市场主体使用地理标志专用标志覆盖率"
    assert t.implied_deadline and t.deadline.year == 2025 and t.deadline.label == "2025年底（未明示）"
    assert t.comparator_text == "达到…以上" and t.value_text == "达到80%以上"


def test_two_counts_in_one_sentence_each_with_its_own_object():
    s = "到 2025 年,建设 20 家左右战略性产业集群知识产权协同运营机构和 20 家左右重点园区知识产权综合运营服务机构。"
    a, b = extract_targets(s, plan_end=2025)
    assert a.metric == "战略性产业集群知识产权协同运营机构" and b.metric == "重点园区知识产权综合运营服务机构"
    assert a.comparator == b.comparator == "≈" and a.value == b.value == 20


def test_magnitude_in_the_unit():
    t = one("围绕战略性产业集群关键技术领域,推动布局一批高价值专利组合。到 2025 年,规模以上制造业发明专利有效量达 23 万件。")
    assert (t.metric, t.value, t.unit) == ("规模以上制造业发明专利有效量", 23, "万件")


def test_several_measures_after_one_deadline():
    s = ("到2025年,全省各级知识产权信息公共服务机构\"一张网\"布局初具规模,地市级综合性知识产权公共服务机构"
         "覆盖率达到50%,各类知识产权信息公共服务节点网点数量超过40家,知识产权信息开放共享和传播利用水平有效提升。")
    a, b, goal = extract_targets(s, plan_end=2025)
    assert (a.metric, a.value, a.unit, a.comparator) == ("地市级综合性知识产权公共服务机构覆盖率", 50, "%", "≥")
    assert (goal.metric, goal.value, goal.deadline.year) == \
        ("全省各级知识产权信息公共服务机构“一张网”布局初具规模", None, 2025)
    assert (b.metric, b.value, b.unit, b.comparator) == ("各类知识产权信息公共服务节点网点数量", 40, "家", ">")
    assert a.deadline.year == b.deadline.year == 2025


@pytest.mark.parametrize("text,metric,value,unit,comparator", [
    ("到2025年学生体质健康测试优良率达到55%以上。", "学生体质健康测试优良率", 55, "%", "≥"),
    ("全省普惠性幼儿园覆盖率超过85%。", "全省普惠性幼儿园覆盖率", 85, "%", ">"),
    ("力争使55%左右的县（市、区）通过国家认定。", "县（市、区）通过国家认定", 55, "%", "≈"),
    ("完成3万套乡村教师周转宿舍建设任务。", "乡村教师周转宿舍建设任务", 3, "万套", "="),
    ("到2025年，应用型高校科技成果转化率超过1/3。", "应用型高校科技成果转化率", 1 / 3, "", ">"),
])
def test_shandong_sentences(text, metric, value, unit, comparator):
    t = one(text)
    assert (t.metric, t.unit, t.comparator) == (metric, unit, comparator)
    assert t.value == pytest.approx(value, rel=1e-4)


def test_annual_rate_keeps_its_subject():
    t = one("总体近视率每年降低不少于1个百分点。")
    assert (t.metric, t.value, t.unit, t.comparator) == ("总体近视率每年降低", 1, "个百分点", "≥")
    assert t.annual


def test_numbers_that_are_not_targets():
    # a report of the past, a title, an ordinal, a size condition, a range of years
    assert extract_targets("全省法院审结知识产权民事案件47.7万件、刑事案件1.2万件,妥善审理了一系列案件。") == []
    assert extract_targets("根据《知识产权强国建设纲要(2021—2035年)》,编制本规划。") == []
    assert extract_targets("超过1000人规模的学校必须配备专职教师。") == []
    assert extract_targets("每万人口发明专利拥有量按第7次全国人口普查数据计算,下同。") == []


def test_lead_in_to_a_list_of_goals_is_not_a_goal():
    s = "锚定2035年全省知识产权发展目标,综合研判未来五年发展趋势,到2025年,全省知识产权事业实现如下主要目标:"
    assert extract_targets(s, plan_end=2025, plan_start=2021) == []


def test_count_of_people_takes_the_noun_that_ends_the_sentence():
    s = ("实施知识产权高层次人才培养\"千人\"计划,到 2025年,在知识产权代理、知识产权运营、涉外知识产权、企业知识产权高管领域"
         "各培养 1000 名以上基础技能实、创新意识强、发展潜力大、综合素质高,适应现代发展、具有国际视野的专业人才。")
    t = one(s)
    # 各培养: the count is per field, so the fields are part of what is counted
    assert (t.metric, t.value, t.unit, t.comparator, t.action) == (
        "知识产权代理、知识产权运营、涉外知识产权、企业知识产权高管领域各培养专业人才", 1000, "名", "≥", "培养")


@pytest.mark.parametrize("text,comparator", [
    ("到2025年，全市发明专利有效量达到5万件。", "≥"),       # 达到: met when reached, a floor
    ("到2025年，全市发明专利有效量达5万件。", "≥"),
    ("到2025年，全市发明专利有效量提高到5万件。", "≥"),
    ("到2025年，全市发明专利有效量达到5万件左右。", "≈"),  # 左右 overrides the floor
    ("到2025年，全市发明专利有效量超过5万件。", ">"),
    ("到2025年，全市发明专利有效量约5万件。", "≈"),
    ("到2025年，全市发明专利有效量不超过5万件。", "≤"),
    ("到2025年，建成5个示范区。", "="),                      # no comparator word
])
def test_comparators(text, comparator):
    t = one(text)
    assert t.comparator == comparator and t.value == 5 and isinstance(t.value, int)


def test_decimal_values_stay_decimal():
    t = one("到2025年，每万人口高价值发明专利拥有量达到13.5件。")
    assert t.value == 13.5 and t.unit == "件"


def test_period_goal_without_a_number():
    s = "“十四五”期间，在大湾区打造知识产权国际化专业服务集聚发展区。"
    (g,) = extract_targets(s, plan_end=2025, plan_start=2021)
    assert (g.metric, g.value, g.deadline.kind, g.deadline.year) == \
        ("在大湾区打造知识产权国际化专业服务集聚发展区", None, "period", 2025)


def test_scene_setting_period_is_not_a_goal():
    # “十四五”时期 introduces the situation; it asks nothing
    assert extract_targets("“十四五”时期，知识产权工作面临新机遇新挑战。", plan_end=2025, plan_start=2021) == []
    assert extract_targets("“十四五”时期，要深刻把握开启全面建设社会主义现代化国家新征程的目标要求。",
                           plan_end=2025, plan_start=2021) == []


def test_a_number_in_the_stretch_after_the_date_is_a_target_not_a_goal():
    ts = extract_targets("到2025年，规模以上制造业发明专利有效量达23万件，质量明显提升。", plan_end=2025)
    assert [(t.metric, t.value) for t in ts] == [("规模以上制造业发明专利有效量", 23)]
