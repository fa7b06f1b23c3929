"""Times as staff read them: the store keeps UTC, people read their own clock.

The zone is Asia/Shanghai unless ``PLANKB_TIMEZONE`` (or the web app's ``TIMEZONE``
setting) names another IANA zone. A machine without the zone database (a bare Windows
Python has none) still shows Beijing time, which has had no daylight saving since 1991.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone, tzinfo

DEFAULT_ZONE = "Asia/Shanghai"
_FIXED = {"Asia/Shanghai": timezone(timedelta(hours=8), "CST"), "UTC": timezone.utc}


def zone(name: str | None = None) -> tzinfo:
    """The configured zone; an unknown name falls back to the default rather than failing a page."""
    name = (name or os.environ.get("PLANKB_TIMEZONE") or DEFAULT_ZONE).strip()
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except (ImportError, ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return _FIXED.get(name) or _FIXED[DEFAULT_ZONE]


def local_time(stamp: str, tz: tzinfo | str | None = None) -> str:
    """“2026-11-26 20:16” for the store's “2026-11-26T12:16:28.123456Z”; unparseable text as it is."""
    if not isinstance(tz, tzinfo):
        tz = zone(tz)
    try:
        when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return str(stamp or "")
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")
