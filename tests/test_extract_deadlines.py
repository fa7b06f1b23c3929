"""Deadlines normalised to a year, on sentences from the seed plan and the Shandong sample."""
from kb.extract.deadlines import find_deadlines
from kb.extract.text import normalize
from kb.numerals import five_year_period


def kinds(text, end=2025):
    return [(d.kind, d.year) for d in find_deadlines(normalize(text), end)]


def test_by_year_with_spaces_as_the_pdf_prints_them():
    s = "到 2022 年,全面建成……“一张网”;到 2025 年,知识产权维权援助实现全面向纵深发展"
    assert kinds(s) == [("by", 2022), ("by", 2025)]


def test_zhi_and_year_end_and_before():
    assert kinds("至2025年,80%以上地市建立知识产权快保护机制") == [("by", 2025)]
    d = find_deadlines(normalize("各学校于2022年年底前配备到位"))[0]
    assert (d.kind, d.year, d.label) == ("by", 2022, "2022年底")


def test_five_year_period_means_its_end_year_whatever_the_plan():
    assert kinds("“十四五”期间,全省专利、商标质押融资金额达 2500 亿元") == [("period", 2025)]
    assert kinds('"十三五"时期,知识产权质押登记融资总额907.6亿元') == [("period", 2020)]
    assert five_year_period(14) == (2021, 2025) and five_year_period(10) == (2001, 2005)


def test_annual():
    assert kinds("争取每年将500个以上的专利转化为标准必要专利") == [("annual", 2025)]
    assert kinds("确保省级财政教育投入年均增长10%左右") == [("annual", 2025)]


def test_years_that_are_not_deadlines():
    assert kinds("较2015年末分别增长152.4%和227.2%") == []
    assert kinds("根据《知识产权强国建设纲要(2021—2035年)》") == []
    assert kinds("自2022年秋季学期初中一年级学生开始") == []
    assert kinds("展望2035年,我省知识产权综合竞争力") == [("horizon", 2035)]
