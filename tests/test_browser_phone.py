"""On a phone's width (390 px, as in the issue filed from Chromium) the demo users' lists are cards and their
detail pages fit the screen: nothing wider than the phone, no column squeezed to a character a line."""
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from contracts.models import Contract
from debts.models import Claim, Debt, Letter
from tests.test_browser import CHROMIUM, browser  # noqa: F401 - the fixture is used by name
from villages.models import Party

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"),
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}
# The contract list at 390 px before the cards: 50 rows of one character a line, 12,800 px.
SQUEEZED_LIST_HEIGHT = 12_800

LISTS = {
    "/contracts/": "合同名称",
    "/claims/": "债务人",
    "/debts/": "债权人",
    "/parties/": "类型",
    "/parcels/": "地名",
    "/letters/": "类型",
    "/letters/disputes/": "函件",
    "/jobs/": "任务",
}


@pytest.fixture
def demo_county():
    call_command("load_demo", stdout=StringIO())


def on_a_phone(browser, live_server, username):  # noqa: F811
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.js_errors = errors
    return page


def width_and_height(page):
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")


def sticking_out(page):
    """Elements of the page whose right edge is past the screen's, other than inside a scrolling box."""
    return page.evaluate("""() => {
      const width = document.documentElement.clientWidth, out = [];
      for (const el of document.querySelectorAll("main *")) {
        if (el.closest(".table-responsive") || !el.getClientRects().length) continue;
        const right = el.getBoundingClientRect().right;
        if (right > width + 0.5) out.push(`${el.tagName}.${el.className} ${Math.round(right)}`);
      }
      return out;
    }""")


def first_card(page):
    """The first row of the list as laid out: its height, and each cell's label, text and height (the box that
    ticks the row, at the card's corner, left out)."""
    return page.evaluate("""() => {
      const row = document.querySelector("table.table-cards > tbody > tr");
      return {height: row.getBoundingClientRect().height,
              cells: Array.from(row.cells)
                .filter(td => td.getClientRects().length && !td.classList.contains("bulk-cell")).map(td => ({
                label: td.dataset.label || "", text: td.innerText.trim(),
                height: td.getBoundingClientRect().height}))};
    }""")


def test_the_lists_are_cards_on_a_phone(browser, live_server, demo_county, screenshot):  # noqa: F811
    page = on_a_phone(browser, live_server, "county")
    for path, second_label in LISTS.items():
        page.goto(f"{live_server.url}{path}")
        name = path.strip("/").replace("/", "-")
        screenshot(page, name)
        width, height = width_and_height(page)
        assert width <= PHONE["width"], path
        rows = page.locator("table.table-cards > tbody > tr")
        assert rows.count() >= 1, path
        assert not page.locator("table.table-cards > thead").is_visible(), path
        card = first_card(page)
        # Each field is a labelled chip a line or two high, never a column of single characters.
        assert card["cells"][1]["label"] == second_label, path
        assert all(cell["height"] < 60 for cell in card["cells"]), (path, card)
        assert card["height"] < 220, (path, card)
        assert height < 844 + rows.count() * 220, path
        if path != "/jobs/":
            # The conditions fold behind one button; the rows come first.
            assert page.locator("button:has-text('查询条件')").is_visible(), path
            assert not page.locator("#list-filters").is_visible(), path

    page.goto(f"{live_server.url}/contracts/")
    assert page.locator("table.table-cards > tbody > tr").count() == 50
    assert width_and_height(page)[1] < SQUEEZED_LIST_HEIGHT * 0.65
    # The contract's figures keep their headers: 年承包费 on the card reads as the money it is.
    fee = page.locator("table.table-cards > tbody > tr").first.locator("td[data-label='年承包费(元)']")
    assert fee.is_visible()
    # Filtered, the conditions stay open and say how many are in use.
    page.goto(f"{live_server.url}/contracts/?form=口头协议&q=")
    assert page.locator("#list-filters").is_visible()
    assert page.locator("button:has-text('查询条件（已选 1 项）')").is_visible()
    page.click("button:has-text('查询条件')")
    page.locator("#list-filters").wait_for(state="hidden")
    # On a desk the same list is a table with its conditions open.
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_server.url}/contracts/")
    assert page.locator("table.table-cards > thead").is_visible()
    assert page.locator("#list-filters").is_visible()
    assert not page.locator("button:has-text('查询条件')").is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('table.table-cards > tbody > tr')).display") == (
        "table-row")
    assert page.js_errors == []


def test_the_detail_pages_fit_a_phone(browser, live_server, demo_county, screenshot):  # noqa: F811
    # The records with the most on their pages: the longest payment plan, ledger entries, the busiest party.
    contract = (Contract.objects.filter(village__name="峪口村").annotate(n=Count("instalments"))
                .order_by("-n", "pk").first())
    claim = Claim.objects.filter(village__name="积翠村").annotate(n=Count("entries")).order_by("-n", "pk").first()
    debt = Debt.objects.filter(village__name="积翠村").annotate(n=Count("entries")).order_by("-n", "pk").first()
    party = Party.objects.filter(village__name="峪口村").annotate(n=Count("contracts")).order_by("-n", "pk").first()
    letter = Letter.objects.filter(village__name="峪口村").order_by("pk").first()
    assert contract.instalments.count() >= 3 and claim.entries.exists() and debt.entries.exists()

    pages = [("yukoucun", contract.get_absolute_url(), "contract"),   # the accountant: payment forms on each row
             ("yukou", contract.get_absolute_url(), "contract-cadre"),
             ("jicui", claim.get_absolute_url(), "claim"),
             ("jicui", debt.get_absolute_url(), "debt"),
             ("yukou", party.get_absolute_url(), "party"),
             ("yukou", f"/letters/{letter.pk}/", "letter")]
    seen = {}
    for username, url, name in pages:
        page = seen.get(username) or seen.setdefault(username, on_a_phone(browser, live_server, username))
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        screenshot(page, name)
        assert width_and_height(page)[0] <= PHONE["width"], url
        assert sticking_out(page) == [], url
    # The payment plan is a stack of cards, each with its own 收款 form within the screen.
    page = seen["yukoucun"]
    page.goto(f"{live_server.url}{contract.get_absolute_url()}")
    plan = page.locator("table.table-cards:has(th:text('应付日期')) > tbody > tr")
    assert plan.count() == contract.instalments.count()
    assert plan.locator("td[data-label='应付(元)']").first.is_visible()
    assert all(p.js_errors == [] for p in seen.values())
