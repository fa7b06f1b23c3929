"""JSON for other tools: English keys, plus the Chinese headers for whoever renders it."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from office.export.rows import ExportRow, columns_of


def render(rows: list[ExportRow], title: str, options=None) -> bytes:
    data = {
        "title": title,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "columns": [{"key": k, "label": h} for k, h in columns_of(rows)],
        "count": len(rows),
        "rows": [r.to_json() for r in rows],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
