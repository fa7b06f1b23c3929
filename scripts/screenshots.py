#!/usr/bin/env python3
"""Screenshots of the main pages at 1280×800 (and two at 390×844) for the README: docs/screenshots/*.png.

Runs the app on a throwaway instance (waitress, a free port), fills one example task
list so the list page is not empty, and photographs each page in headless Debian
Chromium. Offline like the app itself.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EXAMPLE_LIST = ["gd-ip-14fyp:3.2.p3", "gd-ip-14fyp:3.2.p4", "gd-ip-14fyp:3.3.p3", "gd-ip-14fyp:box5.p1"]
# (file name, path, what to do before the shot)
PAGES = [
    ("search", "/search?q=商业秘密", None),
    ("outline", "/outline#ch-3", None),
    ("clause", "/clauses/gd-ip-14fyp:3.2.p3", None),
    ("boxes", "/boxes", None),
    ("targets", "/targets", None),
    ("indicators", "/indicators", None),
    ("bodies", "/bodies", None),
    ("trace", "/trace/gd-ip-14fyp:box5.p1", None),
    ("graph", "/graph", None),
    ("list", "/lists/{list_id}", None),
    ("search-live", "/", "type"),
]
# the same app on a phone-width screen (390×844): results first, one-column list items
NARROW = [
    ("search-narrow", "/search?q=商业秘密", None),
    ("list-narrow", "/lists/{list_id}", None),
]


def _serve(instance: Path):
    from waitress import create_server

    from webapp import create_app

    app = create_app({"INSTANCE_PATH": instance})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{port}"


def _example_list(page, base: str) -> int:
    """Create the example list through the API, as the browser would (with the CSRF token)."""
    page.goto(base + "/lists")
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    tl = page.request.post(base + "/api/lists", headers=headers,
                           data=json.dumps({"name": "2025年知识产权保护重点任务分解"})).json()
    added = page.request.post(f"{base}/api/lists/{tl['id']}/items", headers=headers,
                              data=json.dumps({"clauses": EXAMPLE_LIST})).json()["added"]
    fills = [{"lead_unit": "省高级人民法院", "support_units": "省检察院、省公安厅", "deadline": "2025年底"},
             {"lead_unit": "省高级人民法院", "deadline": "2025年底", "note": "每年报送进展"}]
    for item, fields in zip(added, fills):
        page.request.patch(f"{base}/api/lists/{tl['id']}/items/{item['id']}", headers=headers,
                           data=json.dumps({"version": item["version"], **fields}))
    return tl["id"]


def _shoot(page, base: str, pages, list_id: int, out: Path) -> None:
    for name, path, action in pages:
        page.goto(base + path.format(list_id=list_id))
        page.wait_for_load_state("networkidle")
        if action == "type":
            page.fill("#q", "惩罚性赔偿")
            page.wait_for_selector("#live-results .hit")
        target = out / f"{name}.png"
        page.screenshot(path=str(target))
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    if not Path(args.chromium).exists():
        print(f"找不到 Chromium：{args.chromium}（提示：bash scripts/install-browser-deps.sh）", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="plankb-shots-") as tmp:
        server, base = _serve(Path(tmp))
        urllib.request.urlopen(base + "/api/search?q=%E4%BF%9D%E6%8A%A4", timeout=300).read()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
                ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
                page = ctx.new_page()
                list_id = _example_list(page, base)
                _shoot(page, base, PAGES, list_id, args.out)
                page.set_viewport_size({"width": 390, "height": 844})
                _shoot(page, base, NARROW, list_id, args.out)
                browser.close()
        finally:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
