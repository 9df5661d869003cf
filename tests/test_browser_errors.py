"""No typing lost to a sign-in elsewhere, in a real browser (Debian's Chromium, as tests/test_browser.py drives
it): the tabs of one browser share their cookies, so signing in again in one tab rotates the form token of the
pages open in the others. static/js/app.js fetches a fresh token before anything is sent; when it cannot, the
Chinese "page expired" page leads back to the typing."""
from decimal import Decimal

import pytest

from contracts.models import Contract
from tests.test_browser import CHROMIUM, browser  # noqa: F401 - the fixture is used by name
from villages.factories import make_resident_id
from villages.models import Party

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"),
    pytest.mark.django_db(transaction=True),
]


def watch(page):
    """JavaScript errors, and anything the Content-Security-Policy blocks, collected as page.js_errors."""
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    page.on("console", lambda message: page.js_errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    return page


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "test-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def sign_out(page, live_server):
    page.goto(f"{live_server.url}/")
    page.click(".navbar .dropdown-toggle:has(.bi-person-circle)")
    page.click("button:has-text('退出登录')")
    page.wait_for_url("**/accounts/login/")


def open_browser(browser, live_server, username):  # noqa: F811
    """One browser window signed in as `username`: its context holds the cookies every tab shares."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = watch(context.new_page())
    sign_in(page, live_server, username)
    return context, page


def csrf_cookie(context) -> str:
    return next(cookie["value"] for cookie in context.cookies() if cookie["name"] == "csrftoken")


def sign_in_again_elsewhere(context, live_server, username="cadre"):
    """Another tab of the same browser: out, and in again. Returns that tab."""
    before = csrf_cookie(context)
    other = watch(context.new_page())
    sign_out(other, live_server)
    sign_in(other, live_server, username)
    assert csrf_cookie(context) != before, "signing in should have rotated the form token"
    return other


def test_a_contract_typed_before_signing_in_again_elsewhere_is_saved_whole(browser, live_server, personas,  # noqa: F811
                                                                          screenshot):
    context, page = open_browser(browser, live_server, "cadre")
    page.goto(f"{live_server.url}/contracts/new/")
    page.select_option("#id_village", label="峪口村")
    page.fill("#id_number", "YK-2026-301")
    page.fill("#id_title", "北峁机动地承包合同")
    # A villager nobody registered yet: the dialog's form (sent by htmx) is open before the sign-in elsewhere too.
    party = page.locator(".picker[data-name=counterparty]")
    party.locator(".picker-input").type("霍满仓", delay=30)
    page.wait_for_selector("text=没有找到“霍满仓”")
    party.locator(".picker-results [data-quick-add]").click()
    dialog = page.locator("#quick-add")
    dialog.locator("form").wait_for()

    sign_in_again_elsewhere(context, live_server)

    page.fill("#id_party-id_number", make_resident_id(322, birth="19750101"))
    dialog.locator("button:has-text('登记并选用')").click()
    dialog.wait_for(state="hidden")
    new = Party.objects.get(name="霍满仓")
    page.fill("#id_start_date", "2020-01-01")
    page.fill("#id_end_date", "2029-12-31")
    page.fill("#id_annual_fee", "1,000.00")
    page.fill("#id_note", "老支书口述，收条在会计处")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=合同已登记")
    contract = Contract.objects.get(number="YK-2026-301")
    assert (contract.title, contract.counterparty, contract.annual_fee, contract.note) == (
        "北峁机动地承包合同", new, Decimal("1000.00"), "老支书口述，收条在会计处")
    screenshot(page, "saved")
    assert page.js_errors == []


@pytest.mark.parametrize("elsewhere", [None, "acc"], ids=["signed-out", "another-account"])
def test_a_form_whose_session_ended_elsewhere_is_kept_until_the_user_signs_in_again(browser, live_server,  # noqa: F811
                                                                                  personas, elsewhere, screenshot):
    context, page = open_browser(browser, live_server, "cadre")
    page.goto(f"{live_server.url}/parties/new/")
    page.select_option("#id_village", label="峪口村")
    page.fill("#id_name", "霍满仓")
    page.fill("#id_note", "老会计说他承包过北峁")
    other = watch(context.new_page())
    sign_out(other, live_server)
    if elsewhere:
        sign_in(other, live_server, elsewhere)
    alerts = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.accept()))

    with page.expect_event("dialog"):
        page.click("button:has-text('保存')")
    assert len(alerts) == 1
    assert ("换成另一个账号" if elsewhere else "您已退出登录") in alerts[0]
    assert page.url == f"{live_server.url}/parties/new/"
    assert (page.input_value("#id_name"), page.input_value("#id_note")) == ("霍满仓", "老会计说他承包过北峁")
    assert not Party.objects.filter(name="霍满仓").exists()

    if elsewhere:
        sign_out(other, live_server)
    sign_in(other, live_server, "cadre")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=当事人已登记")
    saved = Party.objects.get(name="霍满仓")
    assert (saved.village, saved.note) == (personas.yukou, "老会计说他承包过北峁")
    assert len(alerts) == 1
    assert page.js_errors == []


def test_when_no_fresh_token_can_be_had_the_expired_page_leads_back_to_the_typing(browser, live_server,  # noqa: F811
                                                                                 personas, screenshot):
    context, page = open_browser(browser, live_server, "cadre")
    page.goto(f"{live_server.url}/parties/new/")
    sign_in_again_elsewhere(context, live_server)
    page.route("**/csrf-token/", lambda route: route.abort())     # the server cannot be asked: sent as it is
    page.select_option("#id_village", label="峪口村")
    page.fill("#id_name", "霍满仓")
    page.fill("#id_note", "老会计说他承包过北峁")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=页面已过期")
    assert "已填写的内容仍在" in page.inner_text("main")
    screenshot(page, "expired")
    assert not Party.objects.filter(name="霍满仓").exists()

    page.click("a:has-text('返回')")
    page.wait_for_url(f"{live_server.url}/parties/new/")
    page.wait_for_selector("#id_name")
    assert (page.input_value("#id_name"), page.input_value("#id_note")) == ("霍满仓", "老会计说他承包过北峁")
    page.unroute("**/csrf-token/")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=当事人已登记")
    assert Party.objects.get(name="霍满仓").note == "老会计说他承包过北峁"
    assert page.js_errors == []
