"""Bodies (organisations and actors) named in a text.

Two sources: the gazetteer's names and aliases (国家知识产权局, 海关, 高校…), and patterns
for names the gazetteer lacks: an administrative prefix (国家, 省, 中国, a region), a few
characters, a suffix (…局, …法院, …法庭, …中心, …协会, …联席会议, …领导小组). Surface
forms are merged into one canonical body (省知识产权局 → 广东省知识产权局).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kb.extract.gazetteer import Gazetteer


@dataclass(frozen=True)
class BodyMention:
    name: str      # canonical
    surface: str   # as written
    kind: str
    start: int
    end: int
    source: str    # gazetteer | pattern


_CACHE: dict[int, tuple] = {}
# 组建7家国家级知识产权快速维权中心: a counted name is a class of bodies, not one body
_COUNTED = re.compile(r"(?:\d+|[一二三四五六七八九十两]+)(?:家|个|所|批)$|一批$|若干$")


def _compiled(g: Gazetteer):
    hit = _CACHE.get(id(g))
    if hit and hit[0] is g.bodies:
        return hit[1:]
    forms = {}
    for e in g.bodies:
        for f in [e.name, *e.aliases]:
            forms.setdefault(f, e)
    alt = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    gaz_rx = re.compile(alt) if alt else None
    p = g.patterns
    region_forms = [f for e in g.regions for f in [e.name, *e.aliases] if len(f) >= 2]
    prefixes = sorted(set(p.get("prefixes", [])) | set(region_forms), key=len, reverse=True)
    suffixes = sorted(p.get("suffixes", []), key=len, reverse=True)
    n = int(p.get("max_length", 24))
    pat_rx = None
    if prefixes and suffixes:
        pat_rx = re.compile(
            "(?:" + "|".join(map(re.escape, prefixes)) + ")"
            + rf"(?:[\u4e00-\u9fff]|（[\u4e00-\u9fff]{{1,6}}）){{0,{n}}}?"
            + "(?:" + "|".join(map(re.escape, suffixes)) + ")")
    ignore = set(p.get("ignore", []))
    bad = tuple(p.get("bad_starts", []))
    _CACHE[id(g)] = (g.bodies, gaz_rx, forms, pat_rx, ignore, bad, tuple(prefixes))
    return gaz_rx, forms, pat_rx, ignore, bad, tuple(prefixes)


def find_bodies(text: str, gazetteer: Gazetteer, patterns: bool = True) -> list[BodyMention]:
    """Bodies in ``text``, gazetteer first; pattern hits only where no gazetteer name is."""
    gaz_rx, forms, pat_rx, ignore, bad, prefixes = _compiled(gazetteer)
    out: list[BodyMention] = []
    taken = [False] * (len(text) + 1)
    if gaz_rx is not None:
        for m in gaz_rx.finditer(text):
            e = forms[m.group()]
            sub = _sub_centre(text, m.start(), m.end(), e.name)
            if sub:
                name = gazetteer.canonical_body(sub)
                out.append(BodyMention(name, sub, "service", m.start(), m.start() + len(sub), "pattern"))
                for i in range(m.start(), m.start() + len(sub)):
                    taken[i] = True
                continue
            for name in e.members or [e.name]:
                member = gazetteer.body_entry(name)
                out.append(BodyMention(name, m.group(), member.kind if member else e.kind,
                                       m.start(), m.end(), "gazetteer"))
            for i in range(m.start(), m.end()):
                taken[i] = True
    if patterns and pat_rx is not None:
        pos = 0
        while True:
            m = pat_rx.search(text, pos)
            if not m:
                break
            s, e = m.start(), m.end()
            surface = m.group()
            ok = not any(taken[s:e]) and surface not in ignore and not any(
                surface.endswith(i) for i in ignore) and not _COUNTED.search(text[max(0, s - 4):s])
            sub = _sub_centre(text, s, e, surface)
            if sub:
                surface, e = sub, s + len(sub)
            body = surface
            for pre in prefixes:
                if body.startswith(pre) and body[len(pre):].startswith(bad):
                    ok = False
            if ok and len(body) >= 4:
                name = gazetteer.canonical_body(body)
                entry = gazetteer.body_entry(name)
                out.append(BodyMention(name, surface, entry.kind if entry else kind_of(surface),
                                       s, e, "pattern"))
                for i in range(s, e):
                    taken[i] = True
                pos = e
            else:
                pos = s + 1
    # merge gazetteer surface forms that are short province forms (省知识产权局)
    merged = []
    for b in out:
        name = gazetteer.canonical_body(b.name)
        merged.append(b if name == b.name else BodyMention(name, b.surface, b.kind, b.start,
                                                           b.end, b.source))
    merged.sort(key=lambda b: b.start)
    return merged


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
