"""Search as you type shows why each live result is there, as the result page does."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_live_results_say_why_each_result_came(page):
    page.goto(page.base + "/")
    page.fill("#q", "惩罚性赔偿")
    first = page.locator("#live-results .hit").first
    expect(first).to_be_visible()
    # a word match names the words it matched, as on the result page
    expect(first.locator(".why")).to_contain_text("“惩罚性赔偿”")
    expect(page.locator("#live-results .hit .why")).to_have_count(page.locator("#live-results .hit").count())
    live_why = first.locator(".why").inner_text()
    page.press("#q", "Enter")
    expect(page.locator(".hits .hit .why").first).to_have_text(live_why)


def test_live_why_names_the_plans_words_for_staff_words(page):
    """软著 is staff's word; the live line names what the plan says (著作权登记), as the page does."""
    page.goto(page.base + "/")
    page.fill("#q", "软著登记")
    first = page.locator("#live-results .hit").first
    expect(first).to_be_visible()
    expect(first.locator(".why")).to_contain_text("“著作权登记”")
