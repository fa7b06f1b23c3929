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


def test_a_sub_centre_is_one_body_even_when_the_gazetteer_lacks_it():
    hn = load_gazetteer().for_province("湖南省")
    s = "支持建设国家知识产权运营中心长沙分中心，加强与国家知识产权运营中心协作。"
    assert names(s, hn) == ["国家知识产权运营中心长沙分中心", "国家知识产权运营中心"]
    s = "支持建设国家海外知识产权纠纷应对指导中心长沙分中心。"
    assert names(s, hn) == ["国家海外知识产权纠纷应对指导中心长沙分中心"]


def test_counted_names_are_classes_not_bodies():
    # 组建3家……中心 counts centres of a kind; a named one is a body
    assert names("组建3家国家知识产权运营中心。") == []
    assert names("建设国家知识产权运营中心。") == ["国家知识产权运营中心"]
    # 成立2家……地方分中心: the parent is named, the counted sub-centres are not a body
    assert names("成立2家国家海外知识产权纠纷应对指导中心地方分中心。") == ["国家海外知识产权纠纷应对指导中心"]


def test_a_collective_name_stands_for_each_member():
    bs = find_bodies("在重点高校院所等建立约600个维权援助服务站。", GD)
    assert [(b.name, b.surface) for b in bs] == [("高校", "高校院所"), ("科研院所", "高校院所")]


def test_seed_bodies_as_an_analyst_reads_them(corpus):
    from kb.graph import build_graph

    pg = build_graph(corpus)
    bodies = {b["name"]: b for b in pg.bodies("gd-ip-14fyp")}
    # no fragments, no bare concepts, no sentence pieces
    for name in bodies:
        assert len(name) >= 2 and name not in ("知识产权", "中心", "国家") and not any(p in name for p in "，。；：")
    assert not any(n.startswith(("建设", "推动", "加强", "支持", "打造")) for n in bodies)
    assert "国家级知识产权快速维权中心" not in bodies  # 7家……: a class, merged into 快速维权中心
    # kinds
    kinds = {n: b["kind"] for n, b in bodies.items()}
    assert (kinds["海关"], kinds["公安机关"], kinds["广州知识产权法院"], kinds["深圳知识产权法庭"]) == \
        ("customs", "police", "court", "court")
    assert (kinds["世界知识产权组织"], kinds["国务院"], kinds["广东省知识产权局"], kinds["仲裁机构"]) == \
        ("international", "central", "provincial", "service")
    # aliases merged: one body each
    assert "省知识产权局" in bodies["广东省知识产权局"]["aliases"] and "省知识产权局" not in bodies
    assert "高校院所" not in bodies and "高校院所" not in bodies["高校"]["aliases"]
    assert "gd-ip-14fyp:box5.p1" in bodies["高校"]["clauses"] and "gd-ip-14fyp:box5.p1" in bodies["科研院所"]["clauses"]
    # sub-centres and their parent
    parent = "body:国家海外知识产权纠纷应对指导中心"
    for city in ("深圳", "珠海"):
        assert bodies[f"国家海外知识产权纠纷应对指导中心{city}分中心"]["parent"] == parent
    assert bodies["国家海外知识产权纠纷应对指导中心"]["children"] == [
        f"{parent}深圳分中心", f"{parent}珠海分中心"]
    assert bodies["技术与创新支持中心"]["parent"] == "body:世界知识产权组织"
    # what the plan asks of the centre includes what it asks of its sub-centres
    t = pg.trace(parent)
    assert [x["id"] for x in t["tasks"]] == ["gd-ip-14fyp:7.2.p2", "gd-ip-14fyp:7.2.p3", "gd-ip-14fyp:7.2.p4"]
    assert f"{parent}深圳分中心" in [b["id"] for b in t["bodies"]]
