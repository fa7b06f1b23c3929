"""The outline as staff read it: ``plankb outline`` and the 规划纲目 page (issue 11 #15)."""
from cli_support import run_plankb as plankb
from test_web_support import app, client, web_instance  # noqa: F401 (fixtures)

# a box placed in a chapter before any section, as some plans print them
BOX_AT_CHAPTER = """测试市知识产权事业发展“十四五”规划

为加快建设知识产权强市，根据有关规定，制定本规划。

第一章 发展基础

“十三五”时期，全市知识产权事业取得显著成效。

专栏1 知识产权保护工作站建设工程

在重点园区建设知识产权保护工作站，提供侵权判定咨询服务。

第二章 主要任务

第一节 强化知识产权保护

加强行政执法。开展知识产权执法专项行动，严厉打击侵权假冒行为。
"""


def test_outline_names_a_box_at_chapter_level_without_none(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "raw").mkdir(parents=True)
    raw = corpus / "raw" / "boxplan.txt"
    raw.write_text(BOX_AT_CHAPTER, encoding="utf-8")
    plankb("--corpus", str(corpus), "ingest", str(raw), "--out", str(corpus), "--quiet")
    out = plankb("--corpus", str(corpus), "--instance", str(tmp_path / "inst"), "outline").stdout
    assert "专栏1 知识产权保护工作站建设工程（第1章）" in out
    assert "None" not in out


def test_outline_page_shows_whole_clauses(client, corpus):
    """Clauses used to be cut at about 60 characters, hiding most of what a task asks."""
    html = client.get("/outline").get_data(as_text=True)
    long = corpus.clause("gd-ip-14fyp:3.2.p3")
    tail = long.text[-40:]
    assert len(long.text) > 120 and tail in html
