"""Query-parameter parsing that answers 400 with a Chinese reason naming the parameter."""
from __future__ import annotations

import re

from flask import request

from webapp.errors import BadParam

MAX_QUERY = 200
_ID = re.compile(r"^[^\x00-\x1f\x7f<>\"'`\\]{1,200}$")


def text_param(name: str, default: str | None = None, max_len: int = MAX_QUERY) -> str | None:
    value = request.args.get(name)
    if value is None:
        return default
    value = value.strip()
    if len(value) > max_len:
        raise BadParam(f"参数 {name} 过长（最多 {max_len} 个字符，实际 {len(value)} 个）。")
    if "\x00" in value:
        raise BadParam(f"参数 {name} 含有非法字符。")
    return value or default


def int_param(name: str, default: int | None = None, lo: int | None = None,
              hi: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadParam(f"参数 {name} 应为整数，收到“{raw[:40]}”。") from None
    if lo is not None and value < lo or hi is not None and value > hi:
        bounds = f"{lo if lo is not None else '…'} 到 {hi if hi is not None else '…'}"
        raise BadParam(f"参数 {name} 超出范围（应在 {bounds} 之间），收到 {value}。")
    return value


def choice_param(name: str, choices, default: str | None = None) -> str | None:
    value = text_param(name)
    if value is None:
        return default
    if value not in choices:
        raise BadParam(f"参数 {name} 的取值“{value[:40]}”无效（可选：{'、'.join(sorted(choices))}）。")
    return value


def check_id(value: str, what: str = "编号") -> str:
    """Ids go into lookups only, but reject junk early so 404 pages never echo a novel."""
    if not _ID.match(value or ""):
        raise BadParam(f"{what}格式不正确：“{(value or '')[:60]}”。")
    return value


def bool_param(name: str, default: bool = False) -> bool:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise BadParam(f"参数 {name} 应为 1 或 0，收到“{raw[:40]}”。")
