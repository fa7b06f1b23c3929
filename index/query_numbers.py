"""Numbers as staff type them, read as plans print them.

Plans print figures and years in digits (2500亿元, 8万件, 60%, 到2025年); staff type them
as they say them (两千五百亿, 八万件, 百分之六十, 二〇二五年, 25年).  A query's figure only
names the clause stating it once it is in the plan's form (``ranking.typed_numbers``), so
these are rewritten before the words are looked up; the reply says what was read how.
Only forms that are numbers beyond doubt are read: a Chinese numeral before 万 or 亿, one
with 千 or 百 before a measure word, 百分之…, a year spelt digit by digit.  十四五, 一批,
三合一, 五年 stay words.
"""
from __future__ import annotations

import re

from kb.numerals import CN_DIGIT_CHARS as _CN_DIGITS, CN_NUMERAL_CHARS as _CN_NUMBER, to_int

MEASURES = "件个家项次人元台所座宗"  # words that count things: 三千件, 二十来家, 4.8万宗
ROUGHLY = "多余来几"  # a figure said roughly: 二十来家, 一百多个, 四十几万

# 四万八千 (4.8万, as plans print it: a numeral, 万, and the thousands after it)
_WAN_AND_MORE = re.compile(rf"([{_CN_NUMBER}]+)万([{_CN_NUMBER}]+)(?![{_CN_NUMBER}万亿])")
# 两千五百亿, 八万件, 十万, 九百多亿, 四十几万 (a numeral, then 万 or 亿)
_MAGNITUDE = re.compile(rf"([{_CN_NUMBER}]+)([多余几]?[万亿])")
# 三千件, 五百家 (a numeral holding 千 or 百, then a measure word)
_COUNT = re.compile(rf"([{_CN_NUMBER}]*[千百][{_CN_NUMBER}]*)([{MEASURES}])")
# 二十来家, 一百多个 (a numeral holding 十, 百 or 千, said roughly, then a measure word)
_ROUGH_COUNT = re.compile(rf"([{_CN_NUMBER}]*[十百千][{_CN_NUMBER}]*)([{ROUGHLY}][{MEASURES}])")
# 八成 (80%: a digit, then 成; 完成, 成效 have no numeral before 成), 八成五 (85%)
_TENTHS = re.compile(rf"(?<![{_CN_NUMBER}])([一二三四五六七八九])成(?!不变)"
                     rf"(?:([一二三四五六七八九])(?![{_CN_NUMBER}年月日个件次倍项家]))?")
# 1千5百亿, 3千件 (digits with 千 / 百 between them, as people type amounts)
_MIXED = re.compile(rf"(?<![\d.])(\d)千(?:(\d)百)?(?=[亿万多余几\d{MEASURES}])")
# 百分之六十, 百分之十二点五
_PERCENT = re.compile(rf"百分之([{_CN_NUMBER}]+)(?:点([{_CN_DIGITS}]+))?")
# 二〇二五年, 二五年 (digit by digit; 五年 and 十四五 are not)
_SPELT_YEAR = re.compile(rf"(?<![{_CN_NUMBER}])([{_CN_DIGITS}]{{4}}|[{_CN_DIGITS}]{{2}})年")

# A year typed with two digits (25年 for 2025年), not a span of years: 近20年, 满15年,
# 第25年, 30年来, 15年以上 are left as typed.
SHORT_YEAR = re.compile(r"(?<![\d.近满每第多几余共约])(\d{2})年(?!来|以上|以内|之内|左右|多|间)")


def _digits(s: str) -> str:
    """二〇二五 → 2025, digit by digit (〇 and 零 are both 0)."""
    return "".join(str(to_int(ch)) for ch in s)


def _number(s: str) -> str | None:
    n = to_int(s)
    return None if n is None else str(n)


def _wan(m: re.Match) -> str | None:
    """四万八千 → 4.8万 (48,000 as plans print it); None when a part is no number."""
    high, low = to_int(m.group(1)), to_int(m.group(2))
    if high is None or low is None or low >= 10000:
        return None
    return f"{(high * 10000 + low) / 10000:g}万"


def arabic(text: str, printed=lambda s: False) -> tuple[str, list[tuple[str, str]]]:
    """``text`` with spoken numbers in digits, and the (typed, read) pairs that changed.
    A form some plan prints as typed (``printed``) is left as it is: it is found as typed."""
    read: list[tuple[str, str]] = []

    def sub(pattern: re.Pattern, text: str, to) -> str:
        def one(m: re.Match) -> str:
            out = to(m)
            if out is None or out == m.group(0) or printed(m.group(0)):
                return m.group(0)
            read.append((m.group(0), out))
            return out
        return pattern.sub(one, text)

    text = sub(_PERCENT, text, lambda m: (
        None if _number(m.group(1)) is None
        else _number(m.group(1)) + ("." + _digits(m.group(2)) if m.group(2) else "") + "%"))
    text = sub(_SPELT_YEAR, text, lambda m: _digits(m.group(1)) + "年")
    text = sub(_TENTHS, text, lambda m: f"{to_int(m.group(1)) * 10 + to_int(m.group(2) or '〇')}%")
    text = sub(_MIXED, text, lambda m: str(int(m.group(1)) * 1000 + int(m.group(2) or 0) * 100))
    text = sub(_WAN_AND_MORE, text, _wan)
    text = sub(_MAGNITUDE, text, lambda m: _number(m.group(1)) and _number(m.group(1)) + m.group(2))
    text = sub(_COUNT, text, lambda m: _number(m.group(1)) and _number(m.group(1)) + m.group(2))
    text = sub(_ROUGH_COUNT, text, lambda m: _number(m.group(1)) and _number(m.group(1)) + m.group(2))
    return text, read
