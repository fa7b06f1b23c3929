"""Bodies, regions and responsibility tags, on text of the seed plan and the Shandong sample."""
from pathlib import Path

from kb.extract import (find_bodies, find_regions, find_responsibility, load_gazetteer, normalize,
                        province_of)

DATA = Path(__file__).resolve().parent / "data" / "samples"
GD = load_gazetteer().for_province(province_of("广东省知识产权保护和运用“十四五”规划"))
SD = load_gazetteer().for_province(province_of("山东省“十四五”教育事业发展规划"))


def names(text, g=GD):
    return [b.name for b in find_bodies(normalize(text), g)]


def test_province_from_the_title_or_issuer():
    assert province_of("广东省知识产权保护和运用“十四五”规划") == "广东省"
    assert province_of("", issuer="中共山东省委 山东省人民政府") == "山东省"
    assert province_of("“十四五”国家知识产权保护和运用规划") == ""


def test_gazetteer_names_and_province_aliases_merge():
    s = "组建省市场监管局,保留省知识产权局牌子……与国家知识产权局深入实施第三轮知识产权合作会商。组建广东省知识产权保护中心、深圳知识产权法庭、广州互联网法院、广州商标审查协作中心。"
    assert names(s) == ["广东省市场监督管理局", "广东省知识产权局", "国家知识产权局", "广东省知识产权保护中心",
                        "深圳知识产权法庭", "广州互联网法院", "广州商标审查协作中心"]
    bs = find_bodies(normalize(s), GD)
    assert bs[1].surface == "省知识产权局" and bs[1].kind == "provincial"


def test_actors_and_courts():
    s = "发挥广州知识产权法院、深圳知识产权法庭等机构作用。强化海关知识产权保护。与其他区域公安机关进行有效联动。鼓励保险机构开展知识产权海外侵权责任险。支持行业协会、专业机构跟踪发布信息。引导高校、科研院所和国有企业加大专利技术许可力度。"
    assert names(s) == ["广州知识产权法院", "深圳知识产权法庭", "海关", "公安机关", "保险机构", "行业协会", "高校", "科研院所"]


def test_patterns_find_bodies_missing_from_the_gazetteer_but_not_concepts():
    s = "充分发挥省知识产权战略实施工作联席会议制度作用。争取建成广东省知识产权大数据中心。做好知识产权工作要统筹国内国际两个大局,加强大湾区国际化知识产权布局。"
    got = find_bodies(normalize(s), GD)
    assert [b.name for b in got] == ["广东省知识产权战略实施工作联席会议", "广东省知识产权大数据中心"]
    assert got[1].source == "pattern" and got[1].kind == "service"


def test_same_surface_form_is_a_different_body_in_another_province():
    assert names("（省教育厅、省财政厅负责）", SD) == ["山东省教育厅", "山东省财政厅"]
    assert names("保留省知识产权局牌子") == ["广东省知识产权局"]


def test_regions_longest_match():
    s = "持续深入推进中新广州知识城知识产权运用和保护综合改革试验。支持横琴粤澳深度合作区建设。支持深圳打造知识产权标杆城市。建设粤东粤西粤北知识产权金融突破区。"
    got = [(r.name, r.kind) for r in find_regions(normalize(s), GD)]
    assert got == [("中新广州知识城", "zone"), ("横琴粤澳深度合作区", "zone"), ("深圳", "city"),
                   ("粤东粤西粤北", "area")]


def test_responsibility_first_named_leads_and_the_rule_carries_on():
    text = (DATA / "shandong-education-14fyp.txt").read_text(encoding="utf-8")
    tags, rule = [], False
    for line in text.splitlines():
        for r in find_responsibility(normalize(line), rule):
            rule = rule or r.first_leads
            tags.append(r)
    assert len(tags) == 56  # 55 “…负责）” plus the first, “…负责，列第一位者为牵头部门，下同）”
    assert tags[0].lead == ["省委教育工委"] and tags[0].support == ["省委宣传部", "团省委"]
    assert tags[2].lead == ["省教育厅"] and tags[2].support == ["省体育局", "省卫生健康委", "省文化和旅游厅", "团省委"]
    assert all(t.first_leads and len(t.lead) == 1 for t in tags)
    assert sum(t.lead == ["省教育厅"] for t in tags) == 50


def test_responsibility_without_the_rule_all_share_the_lead():
    (r,) = find_responsibility("完善学校评价标准。（省教育厅、省财政厅负责）")
    assert r.lead == ["省教育厅", "省财政厅"] and r.support == [] and not r.first_leads


def test_lead_and_supporting_units_spelled_out():
    (r,) = find_responsibility("实施职业教育提质培优行动。牵头单位：省教育厅；配合单位：省发展改革委、省财政厅。")
    assert r.lead == ["省教育厅"] and r.support == ["省发展改革委", "省财政厅"]
    (r,) = find_responsibility("建设科技成果转化基地（省科技厅牵头，省财政厅、省教育厅配合）")
    assert r.lead == ["省科技厅"] and r.support == ["省财政厅", "省教育厅"]
