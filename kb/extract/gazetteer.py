"""Gazetteer data (``corpus/gazetteer/*.toml``): bodies, regions and the body patterns.

Kept as data so a new plan's ministries, courts and places are added without code. Names
may contain ``{省}``, expanded per document to its province, so “省知识产权局” in a
Guangdong plan and in a Shandong plan become two different bodies.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "corpus" / "gazetteer"


class GazetteerError(Exception):
    """A gazetteer file that cannot be read: the message says which and why."""


@dataclass
class Entry:
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    parent: Optional[str] = None
    # a collective name standing for several bodies: 高校院所 is 高校 and 科研院所
    members: list[str] = field(default_factory=list)
    # a kind of body (高校, 金融机构, 行政执法部门), named in plans but never a unit a list
    # hands work to
    category: bool = False


@dataclass
class Gazetteer:
    bodies: list[Entry]
    regions: list[Entry]
    body_kinds: dict[str, str]
    region_kinds: dict[str, str]
    patterns: dict
    province: str = ""  # 广东省: what {省} and a leading 省 expand to
    # the expansions made from this gazetteer, by province: one object per province, so the
    # matchers compiled for it (kb.extract.bodies) are compiled once, not once per build
    _provinces: dict = field(default_factory=dict, compare=False, repr=False)

    def for_province(self, province: str) -> "Gazetteer":
        """The same data with ``{省}`` expanded for one document's province."""
        hit = self._provinces.get(province)
        if hit is None:
            hit = self._provinces[province] = _expand(self, province)
        return hit

    def canonical_body(self, name: str) -> str:
        """The canonical name for a surface form: alias lookup, then 省… → {省}…."""
        idx = _body_index(self)
        if name in idx:
            return idx[name].name
        if self.province and name.startswith("省") and not name.startswith("省级"):
            full = self.province + name[1:]
            return idx[full].name if full in idx else full
        return name

    def body_entry(self, name: str) -> Optional[Entry]:
        return _body_index(self).get(name)


def name_matcher(entries: list[Entry]) -> tuple[Optional[re.Pattern], dict[str, Entry]]:
    """Every name and alias mapped to its entry (the first entry listing a form keeps it),
    and one pattern over all forms, longest first, so 中新广州知识城 wins over 广州."""
    forms: dict[str, Entry] = {}
    for e in entries:
        for f in [e.name, *e.aliases]:
            forms.setdefault(f, e)
    alt = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return (re.compile(alt) if alt else None), forms


_INDEX_CACHE: dict[int, dict] = {}
CACHE_BOUND = 64  # gazetteer objects whose lookups are kept (a few per province and data version)


def _body_index(g: Gazetteer) -> dict[str, Entry]:
    key = id(g)
    hit = _INDEX_CACHE.get(key)
    if hit is None or hit.get("__owner__") is not g:
        idx: dict = {"__owner__": g}
        for e in g.bodies:
            idx[e.name] = e
            for a in e.aliases:
                idx.setdefault(a, e)
        if len(_INDEX_CACHE) > CACHE_BOUND:  # gazetteers replaced by newer ones: forget them
            _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = hit = idx
    return hit


def _entries(items, where: Path, key: str) -> list[Entry]:
    out = []
    for i, it in enumerate(items or []):
        if not isinstance(it, dict) or not it.get("name"):
            raise GazetteerError(f"{where}：第{i + 1}个 [[{key}]] 缺少 name")
        out.append(Entry(name=str(it["name"]), kind=str(it.get("kind", "actor")),
                         aliases=[str(a) for a in it.get("aliases", [])],
                         parent=it.get("parent"),
                         members=[str(m) for m in it.get("members", [])],
                         category=bool(it.get("category", False))))
    return out


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise GazetteerError(f"无法读取地名机构词表 {path}：{e}") from None


def load_gazetteer(folder: Path | str | None = None) -> Gazetteer:
    """Read ``bodies.toml`` and ``regions.toml``; cached per folder and file stamps."""
    folder = Path(folder or DEFAULT_DIR)
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.toml"))) \
        if folder.is_dir() else ()
    return _load(str(folder), stamp)


@lru_cache(maxsize=8)
def _load(folder: str, stamp: tuple) -> Gazetteer:
    root = Path(folder)
    b = _read(root / "bodies.toml")
    r = _read(root / "regions.toml")
    return Gazetteer(bodies=_entries(b.get("body"), root / "bodies.toml", "body"),
                     regions=_entries(r.get("region"), root / "regions.toml", "region"),
                     body_kinds=dict(b.get("kinds", {})), region_kinds=dict(r.get("kinds", {})),
                     patterns=dict(b.get("patterns", {})))


def _ex(name: Optional[str], prov: str) -> Optional[str]:
    return name.replace("{省}", prov) if name else name


def _expand(g: Gazetteer, province: str) -> Gazetteer:
    def ex(e: Entry) -> Entry:
        if "{省}" not in e.name + (e.parent or "") and not any("{省}" in a for a in e.aliases):
            return e
        if not province:
            # no province known: keep the short forms only
            return Entry(e.name.replace("{省}", "省"), e.kind,
                         [a for a in e.aliases if "{省}" not in a], _ex(e.parent, "省"), e.members,
                         e.category)
        return Entry(e.name.replace("{省}", province), e.kind,
                     [a.replace("{省}", province) for a in e.aliases], _ex(e.parent, province),
                     e.members, e.category)
    return Gazetteer([ex(e) for e in g.bodies], g.regions, g.body_kinds, g.region_kinds,
                     g.patterns, province)


_PROVINCE = re.compile(r"^(?:中共)?([\u4e00-\u9fff]{2,7}?(?:省|自治区))")


def province_of(title: str = "", issuer: str = "", region: str = "") -> str:
    """The province a provincial plan belongs to (广东省), from its metadata; "" if none."""
    for s in (region, issuer, title):
        m = _PROVINCE.match(s or "")
        if m:
            return m.group(1)
    return ""
