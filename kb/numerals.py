"""Chinese numerals as plans print them in headings: 一…十, 十一, 二十六, 一百零二, or digits."""
from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_DIGIT_CHARS = "零〇一二三四五六七八九"  # a digit each (二〇二五 is 2025)
CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千"  # a positional numeral (两千五百)
NUMERAL_CHARS = CN_NUMERAL_CHARS + "0123456789０１２３４５６７８９"


def to_int(s: str) -> int | None:
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, digit = 0, None
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


_CN = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """1 → 一, 12 → 十二, 26 → 二十六 (enough for chapter and section numbers)."""
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n - 10] if n > 10 else "")
    if n < 100:
        return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")
    return str(n)


def five_year_period(ordinal: int) -> tuple[int, int]:
    """Years of the n-th five-year plan: 14 → (2021, 2025). The 1st began in 1953, the
    3rd in 1966, after the 1963–65 adjustment."""
    start = 1953 + 5 * (ordinal - 1) if ordinal <= 2 else 1966 + 5 * (ordinal - 3)
    return start, start + 4
