"""Curated links (``corpus/links.toml``): what the rules miss, and rule links that are wrong.

Each ``[[link]]`` names a task and what it serves. A task is a clause id or, so the file
survives a renumbering, the task's lead sentence (``task = "加强民事司法保护"``) with the
document; the far end is a node id, or ``indicator = 10`` (the row number in the plan's
main-indicator table). ``reject = true`` removes a link the rules made.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional


class LinksError(Exception):
    """links.toml cannot be read or names something that does not exist."""


@dataclass
class CuratedLink:
    source: str          # a node id, resolved
    target: str          # a node id, resolved
    kind: str = "serves"
    note: str = ""
    reject: bool = False


def read_links(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise LinksError(f"无法读取人工链接文件 {path}：{e}") from None
    links = data.get("link") or []
    if not isinstance(links, list):
        raise LinksError(f"{path}：link 应为 [[link]] 表数组")
    return links


def resolve_links(raw: list[dict], corpus, indicators: dict[str, dict], where: str = "links.toml"
                  ) -> tuple[list[CuratedLink], list[str]]:
    """Turn file entries into node ids. Entries that name nothing become warnings, not errors:
    a corpus without that plan must still build."""
    out, warnings = [], []
    for i, e in enumerate(raw, 1):
        if not isinstance(e, dict):
            warnings.append(f"{where} 第{i}条：不是表")
            continue
        src = _resolve_source(e, corpus)
        dst = _resolve_target(e, corpus, indicators)
        if not src or not dst:
            warnings.append(f"{where} 第{i}条：找不到 {e.get('from') or e.get('task')} → "
                            f"{e.get('to') or e.get('indicator')}")
            continue
        out.append(CuratedLink(src, dst, str(e.get("kind", "serves")), str(e.get("note", "")),
                               bool(e.get("reject", False))))
    return out, warnings


def _resolve_source(e: dict, corpus) -> Optional[str]:
    if e.get("from"):
        cid = str(e["from"])
        return cid if corpus.clause(cid) or cid.startswith(("target:", "indicator:")) else None
    lead = e.get("task")
    if not lead:
        return None
    doc_id = e.get("document")
    for c in corpus.clauses():
        if doc_id and c.document != doc_id:
            continue
        if (c.lead or "").rstrip("。") == str(lead).rstrip("。") or (
                not c.lead and c.text.startswith(str(lead))):
            return c.id
    return None


def _resolve_target(e: dict, corpus, indicators: dict[str, dict]) -> Optional[str]:
    if e.get("to"):
        to = str(e["to"])
        return to if to in indicators or to.startswith("target:") or corpus.clause(to) else None
    n = e.get("indicator")
    if n is None:
        return None
    doc_id = e.get("document")
    for ind in indicators.values():
        if ind["history"] or (doc_id and ind["document"] != doc_id):
            continue
        if str(ind["number"]) == str(n):
            return ind["id"]
    return None
