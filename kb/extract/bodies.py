"""Bodies (organisations and actors) named in a text.

Two sources: the gazetteer's names and aliases (国家知识产权局, 海关, 高校…), and patterns
for names the gazetteer lacks: an administrative prefix (国家, 省, 中国, a region), a few
characters, a suffix (…局, …法院, …法庭, …中心, …协会, …联席会议, …领导小组). Surface
forms are merged into one canonical body (省知识产权局 → 广东省知识产权局).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple, Optional

from kb.extract.gazetteer import CACHE_BOUND, Entry, Gazetteer, name_matcher


@dataclass(frozen=True)
class BodyMention:
    name: str      # canonical
    surface: str   # as written
    kind: str
    start: int
    end: int
    source: str    # gazetteer | pattern


class _Matchers(NamedTuple):
    names: Optional[re.Pattern]      # every gazetteer name and alias
    forms: dict[str, Entry]          # name or alias → its entry
    pattern: Optional[re.Pattern]    # prefix … suffix, for names the gazetteer lacks
    ignore: tuple[str, ...]          # pattern hits ending so are not bodies
    bad_starts: tuple[str, ...]      # nor those whose name after the prefix starts so
    prefixes: tuple[str, ...]


# per gazetteer object, checked against its ``bodies`` list (bench/graph.py clears it)
_CACHE: dict[int, tuple] = {}
# 组建7家国家级知识产权快速维权中心: a counted name is a class of bodies, not one body
_COUNTED = re.compile(r"(?:\d+|[一二三四五六七八九十两]+)(?:家|个|所|批)$|一批$|若干$")


def _compiled(g: Gazetteer) -> _Matchers:
    hit = _CACHE.get(id(g))
    if hit and hit[0] is g.bodies:
        return hit[1]
    names, forms = name_matcher(g.bodies)
    p = g.patterns
    region_forms = [f for e in g.regions for f in [e.name, *e.aliases] if len(f) >= 2]
    prefixes = sorted(set(p.get("prefixes", [])) | set(region_forms), key=len, reverse=True)
    suffixes = sorted(p.get("suffixes", []), key=len, reverse=True)
    n = int(p.get("max_length", 24))
    pattern = None
    if prefixes and suffixes:
        pattern = re.compile(
            "(?:" + "|".join(map(re.escape, prefixes)) + ")"
            + rf"(?:[\u4e00-\u9fff]|（[\u4e00-\u9fff]{{1,6}}）){{0,{n}}}?"
            + "(?:" + "|".join(map(re.escape, suffixes)) + ")")
    m = _Matchers(names, forms, pattern, tuple(p.get("ignore", [])), tuple(p.get("bad_starts", [])),
                  tuple(prefixes))
    if len(_CACHE) > CACHE_BOUND:
        _CACHE.clear()
    _CACHE[id(g)] = (g.bodies, m)
    return m


def find_bodies(text: str, gazetteer: Gazetteer, patterns: bool = True) -> list[BodyMention]:
    """Bodies in ``text``, gazetteer first; pattern hits only where no gazetteer name is."""
    m = _compiled(gazetteer)
    taken = [False] * (len(text) + 1)
    out = _gazetteer_mentions(text, gazetteer, m, taken)
    if patterns and m.pattern is not None:
        out += _pattern_mentions(text, gazetteer, m, taken)
    # merge gazetteer surface forms that are short province forms (省知识产权局)
    merged = []
    for b in out:
        name = gazetteer.canonical_body(b.name)
        merged.append(b if name == b.name else BodyMention(name, b.surface, b.kind, b.start,
                                                           b.end, b.source))
    merged.sort(key=lambda b: b.start)
    return merged


def _take(taken: list[bool], s: int, e: int) -> None:
    for i in range(s, e):
        taken[i] = True


def _gazetteer_mentions(text: str, gazetteer: Gazetteer, m: _Matchers, taken: list[bool]
                        ) -> list[BodyMention]:
    out: list[BodyMention] = []
    if m.names is None:
        return out
    for hit in m.names.finditer(text):
        e = m.forms[hit.group()]
        sub = _sub_centre(text, hit.start(), hit.end(), e.name)
        if sub:
            name = gazetteer.canonical_body(sub)
            out.append(BodyMention(name, sub, "service", hit.start(), hit.start() + len(sub), "pattern"))
            _take(taken, hit.start(), hit.start() + len(sub))
            continue
        for name in e.members or [e.name]:
            member = gazetteer.body_entry(name)
            out.append(BodyMention(name, hit.group(), member.kind if member else e.kind,
                                   hit.start(), hit.end(), "gazetteer"))
        _take(taken, hit.start(), hit.end())
    return out


def _pattern_mentions(text: str, gazetteer: Gazetteer, m: _Matchers, taken: list[bool]
                      ) -> list[BodyMention]:
    """Prefix … suffix names outside gazetteer hits; a rejected hit moves on by one character
    only, so a name that starts inside it can still match."""
    out: list[BodyMention] = []
    pos = 0
    while (hit := m.pattern.search(text, pos)) is not None:
        s, e = hit.start(), hit.end()
        surface = hit.group()
        ok = not any(taken[s:e]) and not surface.endswith(m.ignore) \
            and not _COUNTED.search(text[max(0, s - 4):s])
        sub = _sub_centre(text, s, e, surface)
        if sub:
            surface, e = sub, s + len(sub)
        if any(surface.startswith(pre) and surface[len(pre):].startswith(m.bad_starts)
               for pre in m.prefixes):
            ok = False
        if not ok or len(surface) < 4:
            pos = s + 1
            continue
        name = gazetteer.canonical_body(surface)
        entry = gazetteer.body_entry(name)
        out.append(BodyMention(name, surface, entry.kind if entry else kind_of(surface), s, e, "pattern"))
        _take(taken, s, e)
        pos = e
    return out


_SUB = re.compile(r"[\u4e00-\u9fff]{1,6}?分中心")


def _sub_centre(text: str, s: int, e: int, name: str) -> str:
    """国家……中心 followed by 长沙分中心: the whole name, a sub-centre of the first (unless
    counted, 成立2家……地方分中心, which is a class)."""
    if not name.endswith("中心") or name.endswith("分中心") or _COUNTED.search(text[max(0, s - 4):s]):
        return ""
    m = _SUB.match(text, e)
    return text[s:m.end()] if m else ""


def kind_of(name: str) -> str:
    """A kind guessed from a body's name, for names the gazetteer lacks."""
    if name.endswith(("法院", "法庭", "审理庭")):
        return "court"
    if name.endswith("检察院"):
        return "procuratorate"
    if name.endswith(("联席会议", "领导小组", "委员会")):
        return "coordination"
    if name.endswith(("协会", "商会", "联合会", "学会")):
        return "association"
    if name.endswith(("中心", "分中心", "研究院")):
        return "service"
    if name.startswith(("国家", "中共中央", "国务院")):
        return "central"
    if name.startswith("省") or "省" in name[:4]:
        return "provincial"
    if re.search(r"(?:市|县|区)(?:人民政府|政府|委|局)", name) or name.endswith(("人民政府", "政府")):
        return "local"
    return "actor"


_OPENERS = "。；！？：，\n"


def acts(text: str, mention: BodyMention, gazetteer: Gazetteer) -> bool:
    """Whether a named body is the subject of an action (公安机关要加强…, 由省版权局负责…):
    it opens a sentence or clause, or follows 由, and an action word comes next. Such a
    body is responsible (负责) for the clause, not merely mentioned (提及) in it."""
    p = gazetteer.patterns
    before = text[:mention.start].rstrip()
    opens = not before or before[-1] in _OPENERS or before.endswith(tuple(p.get("acts_before", ())))
    if not opens:
        return False
    after = text[mention.end:]
    for modal in sorted(p.get("acts_modal", ()), key=len, reverse=True):
        if after.startswith(modal):
            after = after[len(modal):]
            break
    return after.startswith(tuple(p.get("acts_verbs", ())))
