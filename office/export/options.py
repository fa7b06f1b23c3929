"""What a person may add to a 任务分解表 sent out as an attachment (附件) of a document.

An office files the table with a 通知: an optional “附件N” label above the title, the
document's title block (发文单位, 文号, date) as the user types them, and 出处 either in
the short form staff write (第五章第二节 / 专栏14; the default) or in full with the
plan's name and the heading's words. Every value is cleaned here, once, for every
format and for the web form and the CLI alike.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Mapping

from office.export.rows import ExportError, xml_safe

LIMITS = {"attachment": ("附件编号", 20), "issuer": ("发文单位", 60), "doc_number": ("文号", 40),
          "date": ("成文日期", 30)}


@dataclass(frozen=True)
class ExportOptions:
    attachment: str = ""  # “附件1”; a bare number gets the word 附件
    issuer: str = ""
    doc_number: str = ""
    date: str = ""
    full_source: bool = False
    plan: str = ""  # 《…》 of the one plan every row comes from, filled by render()

    @property
    def title_block(self) -> str:
        """发文单位　文号　日期 on one line, as filled (empty when none is)."""
        return "\u3000".join(v for v in (self.issuer, self.doc_number, self.date) if v)

    def with_plan(self, plan: str) -> "ExportOptions":
        return replace(self, plan=plan)


def _text(key: str, value) -> str:
    label, limit = LIMITS[key]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ExportError(f"{label}必须是文本。")
    value = unicodedata.normalize("NFC", xml_safe(value)).strip()
    value = re.sub(r"\s+", " ", value)
    if len(value) > limit:
        raise ExportError(f"{label}过长（{len(value)} 字，最多 {limit} 字）。")
    return value


def attachment_label(value: str) -> str:
    """“1” → “附件1”; “附件 2” → “附件2”; anything else as typed."""
    value = value.replace(" ", "")
    if re.fullmatch(r"[0-9０-９一二三四五六七八九十]+", value):
        return "附件" + value
    return value


def options_from(data: Mapping | None) -> ExportOptions:
    """ExportOptions from a form, a query string or CLI options (unknown keys ignored)."""
    data = data or {}
    values = {k: _text(k, data.get(k)) for k in LIMITS}
    values["attachment"] = attachment_label(values["attachment"])
    full = data.get("full_source")
    if isinstance(full, str):
        full = full.strip().lower() in ("1", "true", "on", "yes", "full")
    return ExportOptions(**values, full_source=bool(full))
