"""One small chart per indicator for the report: base → yearly values → target.

Drawn with matplotlib (the Agg backend: no display, no window) in a Chinese font found
on this machine, since the report goes to offices offline and nothing is downloaded.
Fonts are looked for by the names CJK fonts ship under on Linux, Windows and macOS,
then by asking each installed font whether it has Chinese glyphs. With none, there is
no chart and :data:`NO_FONT` says why and what to install.

An addition over the period ((2500)) is drawn as the running total against the straight
line from 0 to the target, the way the rules judge it.
"""
from __future__ import annotations

import io
import threading
from decimal import Decimal
from functools import lru_cache
from typing import Optional

NO_FONT = ("未附指标图表：本机没有找到中文字体（提示：安装 fonts-wqy-microhei 或 fonts-noto-cjk，"
           "Windows 自带黑体亦可，然后重新生成报告）。")
# names CJK sans fonts are installed under (fontconfig family names as matplotlib reads them)
PREFERRED = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
             "Source Han Sans SC", "Source Han Sans CN", "SimHei", "Microsoft YaHei", "PingFang SC",
             "Heiti SC", "Hiragino Sans GB", "Droid Sans Fallback", "AR PL UMing CN", "SimSun")
_PROBE = "指标完成值"
_lock = threading.Lock()  # pyplot's state is global: one chart at a time


@lru_cache(maxsize=1)
def cjk_font() -> Optional[str]:
    """The path of a font with Chinese glyphs, or None."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    fonts = font_manager.fontManager.ttflist
    by_name = {}
    for f in fonts:
        by_name.setdefault(f.name, f.fname)
    for name in PREFERRED:
        if name in by_name:
            return by_name[name]
    for path in dict.fromkeys(f.fname for f in fonts):
        try:
            face = FT2Font(path)
        except (OSError, RuntimeError, ValueError):
            continue
        if all(face.get_char_index(ord(ch)) for ch in _PROBE):
            return path
    return None


def _points(entry: dict):
    """(years, values, their labels as entered or summed, base point, target point)."""
    values = {a["year"]: Decimal(a["text"]) for a in entry["actuals"]}
    start = entry["period"]["start"]
    deadline = entry["deadline"] or entry["period"]["end"]
    target = Decimal(str(entry["target"])) if entry["target"] is not None else None
    years = sorted(values)
    if entry["increment"]:
        total, ys, labels = Decimal(0), [], []
        for y in years:
            total += values[y]
            ys.append(float(total))
            labels.append(f"{total:f}")
        base = (start - 1, 0.0) if start else None
    else:
        ys = [float(values[y]) for y in years]
        labels = [f"{values[y]:f}" for y in years]
        base = (start - 1, float(entry["base"])) if start and entry["base"] is not None else None
    goal = (deadline, float(target)) if target is not None and deadline else None
    return years, ys, labels, base, goal


def indicator_png(entry: dict, font_path: str, width_in: float = 5.2, height_in: float = 2.6) -> bytes:
    """A PNG of one indicator or target entry (as ``status.tracking`` returns it)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font = font_manager.FontProperties(fname=font_path)
    years, ys, labels, base, goal = _points(entry)
    with _lock:
        fig = Figure(figsize=(width_in, height_in), dpi=150)
        ax = fig.add_subplot(1, 1, 1)
        if base and goal:
            ax.plot([base[0], goal[0]], [base[1], goal[1]], linestyle="--", color="#999999", linewidth=1,
                    label="进度线")
        if base:
            ax.plot([base[0]], [base[1]], marker="s", color="#555555", linestyle="none",
                    label="基期" if not entry["increment"] else "起点")
        if years:
            ax.plot(years, ys, marker="o", color="#1f5fa8", linewidth=1.6,
                    label="累计新增" if entry["increment"] else "实际值")
            for x, y, text in zip(years, ys, labels):
                ax.annotate(text, (x, y), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7,
                            fontproperties=font)
        if goal:
            ax.plot([goal[0]], [goal[1]], marker="*", markersize=10, color="#c0392b", linestyle="none",
                    label=f"目标 {entry['target_text']}")
        period = entry["period"]
        if period["start"] and period["end"]:
            ax.set_xticks(list(range(period["start"] - 1, period["end"] + 1)))
        ax.set_title(f"{entry['name']}（{entry['unit']}）" if entry["unit"] else entry["name"],
                     fontproperties=font, fontsize=9)
        for label in ax.get_xticklabels() + ax.get_yticklabels():
            label.set_fontsize(7)
        ax.grid(True, linewidth=0.3, alpha=0.6)
        # a fixed corner and fixed margins: "best" placement and tight_layout measure every
        # text again and took most of the time of a chart
        ax.legend(prop=font_manager.FontProperties(fname=font_path, size=7), loc="upper left", frameon=False)
        fig.subplots_adjust(left=0.11, right=0.97, top=0.87, bottom=0.12)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()
