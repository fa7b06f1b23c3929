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
            out.append(BodyMention(e.name, m.group(), e.kind, m.start(), m.end(), "gazetteer"))
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
                surface.endswith(i) for i in ignore)
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
