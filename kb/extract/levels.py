"""The level of a plan (national, provincial, city) and the units a list of that level names.

A provincial 任务分解表 is handed to provincial bodies: 国家知识产权局 does not lead a task in
a Guangdong list, and where the kind of work calls for the central bank, the list names the
province's own branch (人民银行广州分行). Which level a plan is, and how each level writes a
unit, is data (``corpus/gazetteer/levels.toml``); this module only reads it.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional


@dataclass(frozen=True)
class Level:
    key: str                                   # national | provincial | city | ""
    province: str = ""                         # 广东省: what {省} expands to
    not_prefixes: tuple[str, ...] = ()
    not_kinds: tuple[str, ...] = ()
    units: dict = field(default_factory=dict)  # a duties.toml unit → as this list writes it

    def fits(self, name: str, kind: str = "") -> bool:
        """Whether a list of this level may hand work to the body ``name`` of ``kind``."""
        return not name.startswith(self.not_prefixes) and kind not in self.not_kinds

    def unit(self, name: str) -> str:
        """A unit named by duties.toml as this list writes it; "" when the list has none."""
        written = self.units.get(name, name)
        return written.replace("{省}", self.province or "省")


@lru_cache(maxsize=8)
def _load(path: str, mtime: int) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def _data(folder) -> dict:
    p = Path(folder) / "levels.toml"
    if not p.exists():
        return {}
    try:
        return _load(str(p), p.stat().st_mtime_ns)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"无法读取层级表 {p}：{e}") from None


def level_key(data: dict, level_word: str = "", issuer: str = "") -> str:
    """The level key from a plan's `level` metadata, else from its issuer's name."""
    words = data.get("words", {})
    if level_word and level_word in words:
        return words[level_word]
    by_issuer = data.get("issuer", {})
    for key in by_issuer.get("order", []):
        if any(p in (issuer or "") for p in by_issuer.get(key, [])):
            return key
    return ""


def plan_level(folder, level_word: str = "", issuer: str = "", province: str = "") -> Level:
    """The :class:`Level` of a plan, with the province's own bodies over the level's."""
    data = _data(folder)
    key = level_key(data, level_word, issuer)
    conf = data.get("level", {}).get(key, {})
    units = dict(conf.get("units", {}))
    if key != "national":
        units.update(data.get("province", {}).get(province, {}))
    return Level(key, province, tuple(conf.get("not_prefixes", ())), tuple(conf.get("not_kinds", ())),
                 units)


def level_of_document(folder, doc) -> Optional[Level]:
    from kb.extract.gazetteer import province_of

    if doc is None:
        return None
    issuer = str(doc.meta.get("issuer", ""))
    province = province_of(doc.title, issuer, str(doc.meta.get("region", "")))
    return plan_level(folder, str(doc.meta.get("level", "")), issuer, province)
