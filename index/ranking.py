"""Putting the lexical and the semantic ranking together, and what staff want first.

Two rankings of one query: the lexical one (literal and word matches, BM25F, tiers)
and the semantic one (cosine of sentence vectors).  They are fused by reciprocal
rank (RRF): each list gives a clause ``weight / (K + rank)``.  RRF needs no score
calibration between the two, and a clause both lists like rises above either's
favourite.  The weights were tuned on the tune part of bench/judged_staff.tsv and
judged_blind.tsv only (bench/run.py --failures lists misses on those parts only).

The lexical tiers stay: a clause containing the query as typed (the Ctrl+F tier), then
one containing each typed word, then the rest; fusion orders clauses within a tier
(the fused score is below 1).  Staff who type the plan's own words want those first.
The first clauses of that order are then looked at once more by index/rerank.py.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from index import query_numbers
from index.normalize import fold

RANKING_FILE = "ranking.toml"

RRF_K = 2.0
LEXICAL_WEIGHT = 1.0
# 0.6 until clauses were embedded as e5 "query:" texts (index/semantic.py); with them, on
# the tune sets: 0.6 → 0.7 → 0.8 gave MRR 0.942 / 0.945 / 0.945 (306 queries).
SEMANTIC_WEIGHT = 0.7
# ... and this much when the plan uses words for less than half of what was typed
# (想把自己拍的片子授权卖出去，有交易的地方吗: only 授权 and 交易 are the plan's): the few
# words found then say little about which clause is meant.  Tune sets 0.933 → 0.936, a
# fourth blind set (150, tuned on from then) 0.918 → 0.927; paraphrase +0.02 on both.
SEMANTIC_WEIGHT_UNSAID = 1.5
KNOWN_SHARE_MIN = 0.5


# Meaning leads where it is sure and the words are not: the best clause's cosine stands
# MEANING_SURE standard deviations or more above its plan's, and no clause holds WORDS_HELD_MAX
# of the query's words, weighed by rarity (国家出钱搞出来的新发明，能不能授权给小公司拿去用 in a
# national plan, where 国家, 发明 and 公司 are everywhere).  Its best clauses are then added and
# its ranking weighs SEMANTIC_WEIGHT_LEADS, and the clause is not moved down for its kind
# (background).  The thesaurus bridges the seed plan's words, not those of plans added later: on
# sets written blind for the national outline (tuned on: nat2, nat3) 0.736 / 0.735 → 0.791 /
# 0.782, the seed's tune sets level (ten sets, +0.01 in all).
MEANING_SURE = 3.5
WORDS_HELD_MAX = 0.4
SEMANTIC_WEIGHT_LEADS = 3.0


def meaning_sure(standout: float) -> bool:
    return standout >= MEANING_SURE


def words_weak(words_held: float) -> bool:
    """No clause holds much of what was typed (also: spaces then part a sentence)."""
    return words_held < WORDS_HELD_MAX


def semantic_weight(known_share: float, leads: bool = False) -> float:
    """The semantic ranking's RRF weight for a query of which ``known_share`` of the
    typed words' characters are words the plan uses (by themselves, a synonym or a part);
    ``leads``: meaning is sure and the words are weak (above)."""
    if leads:
        return SEMANTIC_WEIGHT_LEADS
    return SEMANTIC_WEIGHT if known_share >= KNOWN_SHARE_MIN else SEMANTIC_WEIGHT_UNSAID


# The lexical order inside a tier: BM25 (saturated to 0..1), the share of each typed word
# found unbroken (coverage), and the share of the query's words the clause holds by
# itself, a synonym or a compound's part (coordination: 专利代理机构年报 → the clause
# with 年度报告 and the rest above those with the rest only).
WITHIN_BM25, WITHIN_COVERAGE, WITHIN_COORD = 0.5, 0.5, 0.5
# ... where a word the plans never print but the thesaurus maps to theirs (同行, 卖给外国)
# counts this many times: it names what the question is about.  Seven tune sets: six up
# (+0.003 to +0.018), one down (−0.005).
OWN_WORD_WEIGHT = 2.0


# Lexical scores this close are a tie: the clauses share a rank, and meaning orders them
# (代理机构乱拉业务怎么管: two clauses holding 代理 and 机构 alike, BM25 a hair apart).
# Tune sets: 0 → 0.01 → 0.03 → 0.06 gave paraphrase 0.902/0.899/0.920/0.902, staff2
# paraphrase 0.717/0.737/0.750/0.738, box 0.975/0.975/0.967/0.967 (0 with shared exact ties).
LEXICAL_TIE = 0.03


def tied_ranks(scored: list[tuple[int, float]]) -> dict[int, int]:
    """{clause: rank} of clauses sorted best first, 1 + the number scoring more than a tie above."""
    out, ahead = {}, 0
    for i, (d, score) in enumerate(scored):
        while scored[ahead][1] > score + LEXICAL_TIE:
            ahead += 1
        out[d] = ahead + 1
    return out


def within_tier(bm25: float, coverage: float, coord: float) -> float:
    """Below 1, so the tier stays first."""
    total = WITHIN_BM25 + WITHIN_COVERAGE + WITHIN_COORD
    return (WITHIN_BM25 * bm25 + WITHIN_COVERAGE * coverage + WITHIN_COORD * coord) / total


# Clauses only the semantic side found: at most this many, and only those whose
# cosine is within SEMANTIC_MARGIN of the best (beyond that they are noise).
SEMANTIC_EXTRA = 6
SEMANTIC_MARGIN = 0.03
# Background clauses (ranking.toml) lose this much of the fused score: below the tasks
# that match as well (惩罚性赔偿: the task 3.2.p3 before the goal 2.3.p3).
BACKGROUND_PENALTY = 0.3
# A question about what an indicator means or how it is counted (高价值专利怎么算,
# 指标表里带括号的数字是啥意思: ranking.toml's definition_words) is answered by a table's notes or a
# footnote (definition_kinds): those among the matches get this much on top of their fused score.
DEFINITION_WEIGHT = 0.3
# A question about the targets that were missed (十三五哪些指标没完成: ranking.toml's
# missed_words) is answered by the completion table's rows whose result fell short of the
# target (kb/indicators.py): those among the matches get this much on top of their fused score.
MISSED_WEIGHT = 0.3
# ... but only this share of it when the background clause holds more of the query's words
# than any task does: the 十三五 table's rows name indicators no task repeats (服务业营业收入
# 年均增长率), and staff asking for one want that row (tune sets: flat from 0 to 0.5).
BACKGROUND_BETTER_SHARE = 0.5


@dataclass(frozen=True)
class Preferences:
    background_kinds: frozenset = frozenset()
    past_roles: frozenset = frozenset()
    never_background: frozenset = frozenset()
    past_words: tuple = ()
    goal_words: tuple = ()
    reference_words: tuple = ()
    box_reference: tuple = ()
    table_reference: tuple = ()
    row_reference: tuple = ()
    row_suffixes: tuple = ()
    missed_words: tuple = ()
    ahead_words: tuple = ()
    ahead_kinds: frozenset = frozenset()
    definition_words: tuple = ()
    definition_kinds: frozenset = frozenset()

    def asks_definition(self, folded_query: str) -> bool:
        return any(w in folded_query for w in self.definition_words)

    def asks_past(self, folded_query: str) -> bool:
        return any(w in folded_query for w in self.past_words)

    def asks_goals(self, folded_query: str) -> bool:
        return any(w in folded_query for w in self.goal_words)

    def asks_missed(self, folded_query: str) -> bool:
        return any(w in folded_query for w in self.missed_words)

    def asks_ahead(self, folded_query: str) -> bool:
        return any(w in folded_query for w in self.ahead_words)

    def is_background(self, kind: str, role: str, past: bool, goals: bool, ahead: bool = False) -> bool:
        """Background for this query: looking back, goals and intros — unless the query asks
        about the past or about goals (a 目标 asked for may be the last period's 目标值); a
        query asking what is expected by the end (``ahead``) keeps only the look back down."""
        if kind in self.never_background or past or goals:
            return False
        if ahead and kind in self.ahead_kinds:
            return False
        if role in self.past_roles and not past:
            return True
        return kind in self.background_kinds


_cache: dict[Path, tuple[float, Preferences]] = {}


def load_preferences(dict_dir: Path) -> Preferences:
    path = Path(dict_dir) / RANKING_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return Preferences()
    hit = _cache.get(path)
    if hit and hit[0] == mtime:
        return hit[1]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        from index.lexicon import LexiconError

        raise LexiconError(f"无法读取排序偏好 {path}：{e}") from None
    prefs = Preferences(
        background_kinds=frozenset(data.get("background_kinds", [])),
        past_roles=frozenset(data.get("past_roles", [])),
        never_background=frozenset(data.get("never_background", [])),
        past_words=tuple(fold(w) for w in data.get("past_words", [])),
        goal_words=tuple(fold(w) for w in data.get("goal_words", [])),
        reference_words=tuple(fold(w) for w in data.get("reference_words", [])),
        box_reference=tuple(fold(w) for w in data.get("box_reference", [])),
        table_reference=tuple(fold(w) for w in data.get("table_reference", [])),
        row_reference=tuple(fold(w) for w in data.get("row_reference", [])),
        row_suffixes=tuple(fold(w) for w in data.get("row_suffixes", [])),
        missed_words=tuple(fold(w) for w in data.get("missed_words", [])),
        ahead_words=tuple(fold(w) for w in data.get("ahead_words", [])),
        ahead_kinds=frozenset(data.get("ahead_kinds", [])),
        definition_words=tuple(fold(w) for w in data.get("definition_words", [])),
        definition_kinds=frozenset(data.get("definition_kinds", [])),
    )
    _cache[path] = (mtime, prefs)
    return prefs


def rrf(rank: int | None, weight: float) -> float:
    return 0.0 if rank is None else weight / (RRF_K + rank)


def semantic_extras(sims: dict[int, float], have: set[int]) -> list[int]:
    """Clauses the semantic side adds: the best few not already matched, near the best cosine."""
    if not sims:
        return []
    order = sorted(sims, key=lambda d: -sims[d])
    top = sims[order[0]]
    out = []
    for d in order:
        if sims[d] < top - SEMANTIC_MARGIN or len(out) >= SEMANTIC_EXTRA:
            break
        if d not in have:
            out.append(d)
    return out


# -- figures typed in a query -------------------------------------------------------
# A typed figure (质押融资181.5亿元, 1.6万家企业贯标) names the clause that states it: the
# review of the last period or a table row as much as a task.  Such a clause gets this
# much on top of its fused score (scaled by the share of typed figures it states) and is
# not moved down as background.  Years are left to the deadline matching: 2025 is in
# half the plan.
NUMBER_WEIGHT = 0.5
_TYPED_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d])")
_YEARISH = re.compile(r"(?:19|20)\d{2}")
# A figure said roughly (900多亿, 35万多件, 540余万, 20来家): 9xx, 35.x, 54x, 2x; marked ``+``.
_ROUGHLY = re.compile(rf"[万亿]?[{query_numbers.ROUGHLY}]")
_COUNTED = re.compile(rf"[{query_numbers.ROUGHLY}]?[万亿{query_numbers.MEASURES}]")
ROUGH = "+"


def rough_head(number: str) -> str:
    """The digits a figure said roughly (``900+``) surely begins with: those before its
    trailing zeros, which stand for any digits (9 of 900多, 35 of 35多)."""
    whole = number[:-len(ROUGH)]
    return whole.rstrip("0") or whole


def typed_numbers(folded_query: str, prefs: Preferences | None = None) -> list[str]:
    """The figures in a folded query, years and references left out: 181.5, 1.6, 282
    (not the 14 of 专栏14 or 第3章: ``reference_words`` in ranking.toml); one said roughly
    is marked: 900多亿 → ``900+`` (see :func:`number_pattern`)."""
    refs = prefs.reference_words if prefs else ()
    out = []
    for m in _TYPED_NUMBER.finditer(folded_query):
        n = m.group()
        counted = _COUNTED.match(folded_query, m.end())  # 2000多件 is a figure, 2000年 a year
        if (_YEARISH.fullmatch(n) and not counted) or _is_reference(folded_query, m.start(), m.end(), refs):
            continue
        out.append(n + ROUGH if "." not in n and _ROUGHLY.match(folded_query, m.end()) else n)
    return list(dict.fromkeys(out))


def _is_reference(text: str, start: int, end: int, refs: tuple) -> bool:
    """The number at text[start:end] numbers a part (专栏14, 序号：14, 第3章), it is no figure."""
    before = text[:start].rstrip(":： ")
    return any(before.endswith(r) for r in refs if r)


def number_pattern(number: str) -> re.Pattern:
    """``number`` as a figure, not a digit run inside another: 8 is in (8) but not in 8.7
    or 2018; 543 is in 543.0 (the same figure).  Said roughly (``900+``), its trailing
    zeros are any digits and a decimal part may follow: 907.6 for 900多, 35.1 for 35多."""
    if number.endswith(ROUGH):
        head = rough_head(number)
        body = re.escape(head) + r"\d" * (len(number) - len(ROUGH) - len(head)) + r"(?:\.\d+)?"
        return re.compile(rf"(?<![\d.]){body}(?!\.?\d)")
    whole, _, frac = number.partition(".")
    frac = frac.rstrip("0")
    body = re.escape(whole) + (r"\." + re.escape(frac) + "0*" if frac else r"(?:\.0+)?")
    return re.compile(rf"(?<![\d.]){body}(?!\.?\d)")


def number_share(folded_text: str, numbers: list[str], prefs: Preferences | None = None) -> float:
    """Share of the typed figures that ``folded_text`` states (a row's 序号：14 states none)."""
    if not numbers:
        return 0.0
    refs = prefs.reference_words if prefs else ()
    found = 0
    for n in numbers:
        found += any(not _is_reference(folded_text, m.start(), m.end(), refs)
                     for m in number_pattern(n).finditer(folded_text))
    return found / len(numbers)


# -- parts named in a query ---------------------------------------------------------
# 专栏3讲了哪些内容 names box 3 although its text never says 专栏3; 表2第9项指标 names a row.
# Such clauses join the candidates and get this much on top of their fused score.
REFERENCE_WEIGHT = 0.5
_ROW_SERIAL = re.compile(r"^序号:(\d+)[;；]")


@dataclass(frozen=True)
class References:
    boxes: frozenset = frozenset()
    tables: frozenset = frozenset()
    rows: frozenset = frozenset()

    def __bool__(self) -> bool:
        return bool(self.boxes or self.tables or self.rows)


def references(folded_query: str, prefs: Preferences | None) -> References:
    """The 专栏, tables and table rows a folded query names by number (ranking.toml)."""
    if prefs is None:
        return References()
    boxes, tables, rows = set(), set(), set()
    for m in re.finditer(r"\d+", folded_query):
        before = folded_query[:m.start()].rstrip(":： ")
        after = folded_query[m.end():]
        n = m.group()
        if any(before.endswith(w) for w in prefs.box_reference if w):
            boxes.add(n)
        elif any(before.endswith(w) for w in prefs.table_reference if w):
            tables.add(int(n))
        elif any(before.endswith(w) for w in prefs.row_reference if w) \
                and (before.endswith("序号") or any(after.startswith(s) for s in prefs.row_suffixes if s)):
            rows.add(int(n))
    return References(frozenset(boxes), frozenset(tables), frozenset(rows))


def names_clause(refs: References, clause, folded_text: str) -> bool:
    """Whether ``clause`` is a part the query names: in a named 专栏, or a row of a named table
    (the named row only, when a row is named too), or the named row of any table."""
    if not refs:
        return False
    if clause.box is not None and str(clause.box) in refs.boxes:
        return True
    if clause.kind != "table_row":
        return False
    if refs.tables and clause.table not in refs.tables:
        return False
    if refs.rows:
        m = _ROW_SERIAL.match(folded_text)
        return bool(m) and int(m.group(1)) in refs.rows
    return bool(refs.tables)
