"""Folding, tokenizers (whoosh contract), deadline years and dictionary files."""
from pathlib import Path

import pytest
from whoosh import fields, query as Q
from whoosh.filedb.filestore import RamStorage

from index.analysis import JiebaTokenizer
from index.lexicon import LexiconError, load_lexicon, read_synonyms, read_user_words
from index.normalize import fold, fold_with_map, strip_controls
from index.years import deadline_years, table_row_years

ROOT = Path(__file__).resolve().parent.parent
DICT = ROOT / "corpus" / "dict"

# Strings as the raw text prints them: PDF line-break spaces, half-width punctuation.
RAW_SPACED = "知识 产权保护工作关系国家治理体系"
RAW_QUOTES = '开展打击网络侵权盗版"剑网"行动'


def test_fold_reads_traditional_characters_as_simplified_one_for_one():
    assert fold("專利質押融資、商標註冊") == "专利质押融资、商标注册"
    # characters of the simplified set stay: 著 of 著作权 is no traditional 着
    assert fold("著作權") == "著作权" and fold("乾坤") == "乾坤"
    text = "推動知識產權保護"
    folded, index = fold_with_map(text)
    assert folded == "推动知识产权保护" and index == list(range(len(text)))


def test_fold_ignores_whitespace_width_and_quote_form():
    assert fold("知识 产权") == fold("知识产权")
    assert fold("（ＮＱＩ）服务") == fold("(nqi)服务")
    assert fold("“剑网”行动") == fold('"剑网"行动')
    assert fold("５Ｇ产业") == "5g产业"


def test_fold_map_points_back_to_original_characters():
    folded, index = fold_with_map(RAW_SPACED)
    start = folded.index("产权")
    assert RAW_SPACED[index[start]:index[start + 1] + 1] == "产权"
    assert len(folded) == len(index)


def test_strip_controls_reports_what_it_dropped():
    assert strip_controls("商业\x00秘密\u200b") == ("商业秘密", True)
    assert strip_controls("商业秘密") == ("商业秘密", False)


def test_jieba_tokenizer_positions_are_ordinal_and_chars_are_offsets():
    tok = JiebaTokenizer(DICT)
    tokens = [(t.text, t.pos, t.startchar, t.endchar)
              for t in tok(RAW_SPACED, positions=True, chars=True)]
    assert [t[1] for t in tokens] == list(range(len(tokens)))
    words = [t[0] for t in tokens]
    assert "知识产权" in words  # joined across the PDF line-break space
    for text, _, s, e in tokens:
        assert fold(RAW_SPACED[s:e]) == text


def test_jieba_tokenizer_keeps_domain_words_whole_and_drops_punctuation():
    words = [w for w, _, _ in JiebaTokenizer(DICT).words("推动知识产权质押融资，建设横琴粤澳深度合作区。")]
    assert "质押融资" in words or "知识产权质押融资" in words
    assert "横琴粤澳深度合作区" in words
    assert "，" not in words and "。" not in words


def test_phrase_query_works_with_our_tokenizer():
    """The reason for the tokenizer: jieba's ChineseAnalyzer breaks phrase queries."""
    schema = fields.Schema(body=fields.TEXT(analyzer=JiebaTokenizer(DICT), phrase=True, stored=True))
    ix = RamStorage().create_index(schema)
    w = ix.writer()
    w.add_document(body="加强中小企业知识产权保护工作指导")
    w.add_document(body="知识产权保护和中小企业")
    w.commit()
    with ix.searcher() as s:
        hits = s.search(Q.Phrase("body", ["中小企业", "知识产权", "保护"]))
        assert [h["body"] for h in hits] == ["加强中小企业知识产权保护工作指导"]


@pytest.mark.parametrize("text,end,years", [
    ("到2025年，80%以上地市建立知识产权快保护机制", 2025, [2025]),
    ("到 2022 年，全面建成；到 2025 年，实现全面发展", 2025, [2022, 2025]),
    ("“十四五”期间，力争中国专利奖获奖数量超过1000项", 2025, [2025]),
    ("“十三五”期间，获中国专利奖845项", 2025, []),  # a past period: results, not deadlines
    ("较2015年末分别增长152.4%", 2025, []),
    ("“十三五”期间，建成示范区", 2020, [2020]),  # the same words in a 13th-plan document
    ("争取每年将500个以上的专利转化为标准必要专利", 2025, []),
])
def test_deadline_years(text, end, years):
    assert deadline_years(text, end) == years


def test_table_row_years_take_plan_period_columns_only():
    cols = ["序号", "主要指标", "2020年基期值", "2025年规划值"]
    assert table_row_years(cols, {"2020年基期值": "13.5", "2025年规划值": "20"}, (2021, 2025)) == [2025]
    assert table_row_years(cols, {"2020年基期值": "13.5", "2025年规划值": ""}, (2021, 2025)) == []


def test_dictionary_files_parse_and_bad_lines_are_reported(tmp_path):
    syn = read_synonyms(DICT / "synonyms.txt")
    assert syn["知产"] == ["知识产权"]
    assert set(syn["两个合作区"]) == {"横琴粤澳深度合作区", "前海深港现代服务业合作区"}
    assert ("地理标志", None, None) in read_user_words(DICT / "jieba_user.txt")
    bad = tmp_path / "synonyms.txt"
    bad.write_text("知产 知识产权\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="第 1 行"):
        read_synonyms(bad)
    bad_words = tmp_path / "jieba_user.txt"
    bad_words.write_text("地理标志 很多\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="词频"):
        read_user_words(bad_words)


def test_lexicon_reloads_when_a_dictionary_file_changes(tmp_path):
    (tmp_path / "synonyms.txt").write_text("甲 => 乙\n", encoding="utf-8")
    assert load_lexicon(tmp_path).synonyms == {"甲": ["乙"]}
    (tmp_path / "synonyms.txt").write_text("甲 => 丙\n", encoding="utf-8")
    assert load_lexicon(tmp_path).synonyms == {"甲": ["丙"]}


def test_without_opencc_traditional_characters_stay_as_typed(monkeypatch, caplog):
    import sys

    from index import normalize

    monkeypatch.setitem(sys.modules, "opencc", None)  # an environment from before the dependency
    normalize._traditional_to_simplified.cache_clear()
    try:
        assert normalize._simplified("專") == "專"
        assert "opencc" in caplog.text
    finally:
        monkeypatch.undo()
        normalize._traditional_to_simplified.cache_clear()
    assert normalize._simplified("專") == "专"
