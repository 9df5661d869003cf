"""Ticking rows on a list in a real browser: the bar of actions appears with the count, a collector is assigned
to the two claims ticked and shows on both, and the same works on a phone, where the rows are cards."""
import pytest

from contracts.factories import ContractFactory
from debts.factories import ClaimFactory
from debts.models import Claim
from tests.test_browser import CHROMIUM, browser, log_in  # noqa: F401 - the fixture is used by name

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"),
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}


def test_two_claims_ticked_get_one_collector_who_shows_on_both(browser, live_server, personas,  # noqa: F811
                                                               screenshot):
    claims = [ClaimFactory(village=personas.yukou, number=f"YK-ZQ-00{n}") for n in range(1, 4)]
    page = log_in(browser, live_server, "cadre")
    page.goto(f"{live_server.url}/claims/")
    bar = page.locator("#claim-bulk")
    assert bar.is_hidden()
    page.check(f"input[name=claim][value='{claims[0].pk}']")
    page.check(f"input[name=claim][value='{claims[2].pk}']")
    assert bar.is_visible() and bar.locator("[data-bulk-count]").inner_text() == "2"
    # The header box shows a part of the page ticked; ticking it ticks the whole page, and 取消选择 none.
    header = page.locator("thead input[data-bulk-page]")
    assert header.evaluate("box => box.indeterminate")
    header.check()
    assert bar.locator("[data-bulk-count]").inner_text() == "3"
    bar.get_by_role("button", name="取消选择").click()
    assert bar.is_hidden() and page.locator("input[name=claim]:checked").count() == 0
    page.check(f"input[name=claim][value='{claims[0].pk}']")
    page.check(f"input[name=claim][value='{claims[2].pk}']")
    screenshot(page, "ticked")
    bar.get_by_role("button", name="指定清收人").click()
    page.wait_for_url("**/claims/collector/**")
    assert "已勾选 2 笔债权" in page.inner_text("main") and "YK-ZQ-002" not in page.inner_text("main")
    assert "csrfmiddlewaretoken" not in page.url
    page.select_option("#id_collector", label="薛文斌")
    page.click("main button[type=submit]:has-text('指定')")
    page.wait_for_url(f"{live_server.url}/claims/")
    assert "已为 2 笔债权指定清收责任人：薛文斌" in page.inner_text("main")
    for claim in (claims[0], claims[2]):
        page.goto(f"{live_server.url}/claims/{claim.pk}/")
        assert "薛文斌" in page.locator("dt:has-text('清收责任人') + dd").inner_text()
    assert Claim.objects.get(pk=claims[1].pk).collector is None
    assert not page.js_errors, page.js_errors


def test_rows_are_ticked_on_a_phone_where_they_are_cards(browser, live_server, personas, screenshot):  # noqa: F811
    for n in range(1, 4):
        ContractFactory(village=personas.yukou, number=f"YK-HT-00{n}")
    page = log_in(browser, live_server, "cadre")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/contracts/")
    assert page.locator("table.table-cards thead").is_hidden()
    bar = page.locator("#contract-bulk")
    assert bar.is_hidden()
    # The line above the cards ticks the page, the header being hidden on a phone.
    page.locator("label:has-text('全选本页') input").check()
    assert bar.is_visible() and bar.locator("[data-bulk-count]").inner_text() == "3"
    assert bar.get_by_role("button", name="打印所选认定书").is_visible()
    # Each card's box sits beside its heading, the contract's number, and can be unticked on its own.
    first = page.locator("table.table-cards tbody tr").first
    box = first.locator("input[name=contract]").bounding_box()
    heading = first.locator("td a").first.bounding_box()
    assert box["width"] >= 20 and abs(box["y"] - heading["y"]) < 20
    first.locator("input[name=contract]").uncheck()
    assert bar.locator("[data-bulk-count]").inner_text() == "2"
    width = page.evaluate("document.documentElement.clientWidth")
    edge = bar.bounding_box()
    assert edge["x"] >= 0 and edge["x"] + edge["width"] <= width
    screenshot(page, "phone")
    assert not page.js_errors, page.js_errors
