"""Suggesting who leads and supports a task the plan assigns to nobody, from the kind of
work its text names (courts for 审判, the copyright bureau for 版权…). The mapping is data
(corpus/gazetteer/duties.toml); suggestions are labelled as such wherever they are shown."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Duty:
    terms: tuple[str, ...]
    lead: str
    support: tuple[str, ...]


@lru_cache(maxsize=8)
def _load(path: str, mtime: int) -> tuple[Duty, ...]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(Duty(tuple(d.get("terms", ())), d.get("lead", ""), tuple(d.get("support", ())))
                 for d in data.get("duty", []))


def load_duties(folder: Path) -> tuple[Duty, ...]:
    path = Path(folder) / "duties.toml"
    if not path.exists():
        return ()
    return _load(str(path), path.stat().st_mtime_ns)


def suggest_by_duty(text: str, duties, province: str = "", lead_text: str = "", unit=None) -> dict:
    """{"lead": name or "", "support": [names], "terms": [matched terms]}. Only a term in
    the task's title makes its body the lead: a term in a list of examples (推进版权、
    工艺美术…等领域) or in passing (平行诉讼审判) only adds supporting units. ``unit``
    writes a unit as the list's level does (kb.extract.levels.Level.unit); "" drops it."""
    prov = province or "省"
    write = unit or (lambda name: name.replace("{省}", prov))
    lead, support, terms = "", [], []
    for d in duties:
        hits = {t: text.count(t) for t in d.terms if t in text}
        if not hits:
            continue
        terms += list(hits)
        if d.lead and not lead and any(t in lead_text for t in hits):
            lead = write(d.lead)
        for s in d.support:
            name = write(s)
            if name and name not in support:
                support.append(name)
    return {"lead": lead, "support": [s for s in support if s != lead], "terms": terms}
