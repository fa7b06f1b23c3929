"""The browser tests wait with locators only (no browser needed to check this).

``page.wait_for_function("…")`` is evaluated as script, which the app's CSP may refuse;
it made `make test` fail on a busy machine. Fixed-time sleeps are no better."""
import re
from pathlib import Path

HERE = Path(__file__).parent


def test_no_browser_test_waits_with_evaluated_strings_or_sleeps():
    for path in sorted(HERE.glob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        src = path.read_text(encoding="utf-8")
        for bad in (r"\.wait_for_function\(", r"\.wait_for_timeout\(", r"time\.sleep\(", r"\.wait_for_selector\("):
            assert not re.search(bad, src), f"{path.name}: {bad} — wait with expect(locator) instead"
