"""待办 and the search box in a real browser (Debian's Chromium): a cadre follows the badge to the work that waits,
finds a party by the initials of their name, and on a phone's width the search box is at hand."""
import pytest
from work_data import make_work

from reports.todo import todo_of
from tests.test_browser import CHROMIUM, browser, log_in  # noqa: F401 - the fixture is used by name
from villages.factories import PartyFactory

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"),
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}


def test_a_cadre_follows_the_badge_to_the_contracts_waiting_for_determination(browser, live_server,  # noqa: F811
                                                                               personas, screenshot):
    make_work(personas.yukou, personas.cadre, "YK")
    total = todo_of(personas.cadre).total
    page = log_in(browser, live_server, "cadre")
    assert page.locator("#nav-todo .badge").inner_text() == str(total)
    page.click("#nav-todo")
    page.wait_for_url(f"{live_server.url}/todo/")
    item = page.locator("[data-todo=contract-determine]")
    assert item.locator(".badge").inner_text() == "1"
    assert page.locator("[data-todo=contract-approve]").count() == 0     # the county's, not the township's
    screenshot(page, "todo")
    item.click()
    page.wait_for_url(f"{live_server.url}/contracts/?step=determine")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "YK-I1" in rows.first.inner_text()
    assert page.locator("#id_step").input_value() == "determine"       # the filter says why these are listed
    rows.first.locator("a").first.click()
    page.wait_for_selector("a.btn:has-text('认定')")
    assert not page.js_errors


def test_a_cadre_finds_a_party_by_the_initials_of_their_name(browser, live_server, personas,  # noqa: F811
                                                             screenshot):
    party = PartyFactory(village=personas.yukou, name="薛来福")
    PartyFactory(village=personas.jicui, name="薛来顺")                  # 积翠镇: not the cadre's to see
    page = log_in(browser, live_server, "cadre")
    page.fill("nav input[name=q]", "xlf")
    page.press("nav input[name=q]", "Enter")
    page.wait_for_url(f"{live_server.url}/search/?q=xlf")
    parties = page.locator("[data-group=parties]")
    assert "薛来福" in parties.inner_text() and "薛来顺" not in page.content()
    assert page.locator("nav input[name=q]").input_value() == "xlf"
    screenshot(page, "results")
    parties.locator("a:has-text('薛来福')").click()
    page.wait_for_url(f"{live_server.url}{party.get_absolute_url()}")
    assert "薛来福" in page.locator("main").inner_text()
    assert not page.js_errors


def test_on_a_phone_the_search_box_is_in_the_navbar_without_opening_the_menu(browser, live_server,  # noqa: F811
                                                                            personas, screenshot):
    PartyFactory(village=personas.yukou, name="薛来福")
    page = log_in(browser, live_server, "cadre")
    page.set_viewport_size(PHONE)
    page.reload()
    box = page.locator("nav input[name=q]")
    assert box.is_visible() and not page.locator("#mainnav").is_visible()
    found = box.bounding_box()
    assert found["width"] >= 120 and found["x"] + found["width"] <= PHONE["width"]
    toggler = page.locator(".navbar-toggler").bounding_box()
    assert toggler["x"] + toggler["width"] <= PHONE["width"] and toggler["y"] < found["y"] + found["height"]
    screenshot(page, "phone-navbar")
    box.fill("薛来福")
    page.locator("nav button[aria-label=搜索]").click()
    page.wait_for_selector("[data-group=parties]")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-results")
    # The 待办 item is in the menu, behind the toggler.
    page.click(".navbar-toggler")
    page.locator("#nav-todo").click()
    page.wait_for_url(f"{live_server.url}/todo/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.js_errors
