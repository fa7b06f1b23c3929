"""Small hand-built plans of the seed's genre, for export tests that must not wait for
(or depend on the exact wording of) the bundled corpus. No tests here."""
from pathlib import Path

from kb.corpus import Corpus
from kb.model import Box, Chapter, Clause, Document, Section, Table


def _clause(doc, cid, kind, text, order, lead=None, chapter=None, section=None, box=None, table=None):
    c = Clause(id=f"{doc.id}:{cid}", document=doc.id, kind=kind, text=text, source_lines=(order, order),
               lead=lead, chapter=chapter, section=section, box=box, table=table, order=order)
    doc.clauses.append(c)
    return c


def mini_plan() -> Document:
    """Chapters printed 第三章/第二节, a box, an indicator table, a footnote."""
    doc = Document(id="mini-ip", title="某省知识产权保护“十四五”规划", meta={"period": {"start": 2021, "end": 2025}})
    ch1 = Chapter(1, "总体要求", "第一章 总体要求", (1, 9), role="general")
    ch3 = Chapter(3, "全面加强知识产权保护 激发全社会创新活力",
                  "第三章 全面加强知识产权保护 激发全社会创新活力", (10, 40))
    s1 = Section(1, "加强知识产权制度建设", "第一节 加强知识产权制度建设", 3, (11, 20))
    s2 = Section(2, "加强知识产权司法保护", "第二节 加强知识产权司法保护", 3, (21, 40))
    ch3.sections = [s1, s2]
    doc.chapters = [ch1, ch3]
    _clause(doc, "p1", "preamble", "为贯彻落实党中央、国务院关于知识产权工作的决策部署，编制本规划。", 1)
    _clause(doc, "t1.r1", "table_row", "每万人口高价值发明专利拥有量：2020年13.5件，2025年20件。", 2,
            chapter=1, table=1)
    doc.tables = [Table(1, "某省“十四五”知识产权发展主要指标表", ["序号", "类别", "主要指标", "单位", "2025年"],
                        [{"序号": "1", "类别": "高质量创造", "主要指标": "每万人口高价值发明专利拥有量",
                          "单位": "件", "2025年": "20"}], [], 1, None, (5, 8), ["mini-ip:t1.r1"])]
    _clause(doc, "3.p1", "intro", "树立知识产权严保护政策导向，构建知识产权大保护工作格局。", 3, chapter=3)
    _clause(doc, "3.1.p1", "task", "健全知识产权法规体系。严格执行民法典等相关法律法规，大力健全知识产权地方性法规规章。",
            4, lead="健全知识产权法规体系", chapter=3, section=1)
    _clause(doc, "3.2.p1", "task", "依法严打知识产权犯罪。聚焦保护创新和优化营商环境，开展打击侵犯知识产权犯罪专项行动。",
            5, lead="依法严打知识产权犯罪", chapter=3, section=2)
    _clause(doc, "box1.p1", "box_item",
            "组织开展打击侵犯知识产权犯罪“蓝剑”行动，全面深入摸排研判，开展集群大案攻坚，加强部门协作联动。到2025年，侦破一批案件。",
            6, chapter=3, section=2, box="1")
    doc.boxes = [Box("1", "打击知识产权犯罪专项工程", "专栏1 打击知识产权犯罪专项工程", 3, 2, (30, 33),
                     ["mini-ip:box1.p1"])]
    _clause(doc, "3.2.p2", "task", "=HYPERLINK(\"http://evil\")加强民事司法保护。依法合理确定判赔数额。", 7,
            chapter=3, section=2)
    _clause(doc, "fn1", "footnote", "每万人口发明专利拥有量按第7次全国人口普查数据计算，下同。", 8)
    return doc


def numbered_plan() -> Document:
    """A plan numbered 一、/（一） with no 第X章 headings (the Shandong style)."""
    doc = Document(id="mini-edu", title="某省“十四五”教育事业发展规划", meta={})
    ch = Chapter(2, "全面落实立德树人根本任务", "二、全面落实立德树人根本任务", (1, 9))
    ch.sections = [Section(3, "加强和改进学校体育美育", "（三）加强和改进学校体育美育", 2, (2, 9))]
    doc.chapters = [ch]
    _clause(doc, "2.3.p1", "task",
            "坚持健康第一的教育理念，实施学校体育固本行动，保证每天校园阳光体育运动不少于1小时，完善体育教学模式。（省教育厅、省体育局负责）",
            1, chapter=2, section=3)
    return doc


def mini_corpus(*docs) -> Corpus:
    return Corpus(Path("."), list(docs) or [mini_plan()])


class FakeGraph:
    """Stands in for kb.graph's graph: the API the exports call, nothing more."""

    def __init__(self, links=None, suggestions=None):
        self.links = links or {}
        self.suggestions = suggestions or {}

    def clause_links(self, clause_id):
        return self.links.get(clause_id, {"targets": [], "indicators": [], "deadlines": [], "bodies": []})

    def suggest(self, clause_id):
        return self.suggestions.get(clause_id, {"lead": [], "support": [], "deadline": None})
