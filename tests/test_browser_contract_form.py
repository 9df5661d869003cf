"""The contract form in a real browser (Debian's Chromium, as tests/test_browser.py drives it): a villager nobody
registered yet is added in a dialog without losing what was typed, and the area comes from the parcels picked, so
the low price is proposed at once."""
from decimal import Decimal

import pytest

from contracts.models import Contract
from tests.test_browser import CHROMIUM, browser, log_in  # noqa: F401 - the fixture is used by name
from villages.factories import ParcelFactory, PartyFactory, make_resident_id
from villages.models import Parcel, Party

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"),
    pytest.mark.django_db(transaction=True),
]

NEW_ID = make_resident_id(321, birth="19800101")


@pytest.fixture
def yukou_ledger(personas):
    """What the township cadre of 峪口镇 finds in the demo's 峪口村: villagers, and YK-JD-004 (12.14 亩)."""
    PartyFactory(village=personas.yukou, name="薛来福")
    return ParcelFactory(village=personas.yukou, code="YK-JD-004", name="北峁", kind="机动地",
                         ledger_area_mu=Decimal("12.14"), measured_area_mu=Decimal("12.14"))


def start_contract(page, live_server, number):
    page.goto(f"{live_server.url}/contracts/new/")
    page.select_option("#id_village", label="峪口村")
    page.fill("#id_number", number)
    page.fill("#id_title", "北峁机动地承包合同")
    page.select_option("#id_source", "走访")
    page.fill("#id_start_date", "2020-01-01")
    page.fill("#id_end_date", "2029-12-31")
    page.fill("#id_annual_fee", "1,000.00")
    page.fill("#id_note", "老支书口述，收条在会计处")


def test_a_new_villager_and_a_new_parcel_are_added_in_a_dialog_and_the_typing_stays(browser, live_server,  # noqa: F811
                                                                                    personas, yukou_ledger,
                                                                                    screenshot):
    cadre = log_in(browser, live_server, "cadre")
    start_contract(cadre, live_server, "YK-2026-201")
    party = cadre.locator(".picker[data-name=counterparty]")
    party.locator(".picker-input").type("霍满仓", delay=30)
    cadre.wait_for_selector("text=没有找到“霍满仓”")
    screenshot(cadre, "nobody-found")
    party.locator(".picker-results [data-quick-add]").click()
    dialog = cadre.locator("#quick-add")
    dialog.locator("form").wait_for()
    assert dialog.locator(".modal-title").inner_text() == "登记新当事人"
    assert cadre.input_value("#id_party-name") == "霍满仓"
    # The same checks as the party's own page: a wrong check digit is refused in the dialog.
    cadre.fill("#id_party-id_number", NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1"))
    dialog.locator("button:has-text('登记并选用')").click()
    dialog.locator("text=身份证号校验位不正确").wait_for()
    screenshot(cadre, "dialog-refuses-the-id")
    assert not Party.objects.filter(name="霍满仓").exists()
    cadre.fill("#id_party-id_number", NEW_ID)
    cadre.fill("#id_party-phone", "13900000001")
    dialog.locator("button:has-text('登记并选用')").click()
    dialog.wait_for(state="hidden")
    new = Party.objects.get(name="霍满仓")
    assert (new.village, new.id_number) == (personas.yukou, NEW_ID)
    assert party.locator(f".picker-chosen input[value='{new.pk}']").count() == 1
    assert party.locator(".picker-chip").inner_text().strip() == "霍满仓（峪口村）"
    # Nothing typed before the dialog was lost.
    assert [cadre.input_value(f"#id_{name}") for name in ("number", "title", "annual_fee", "note", "start_date")] == [
        "YK-2026-201", "北峁机动地承包合同", "1,000.00", "老支书口述，收条在会计处", "2020-01-01"]
    assert cadre.input_value("#id_source") == "走访"

    # A parcel the ledger lacks, the same way; its area fills the contract's.
    parcels = cadre.locator(".picker[data-name=parcels]")
    parcels.locator("[data-quick-add]").first.click()
    dialog.locator("form").wait_for()
    assert dialog.locator(".modal-title").inner_text() == "登记新地块"
    cadre.fill("#id_parcel-code", "YK-JD-099")
    cadre.fill("#id_parcel-name", "后梁")
    cadre.select_option("#id_parcel-kind", "机动地")
    cadre.fill("#id_parcel-ledger_area_mu", "3.5")
    dialog.locator("button:has-text('登记并选用')").click()
    dialog.wait_for(state="hidden")
    assert parcels.locator(".picker-chip").inner_text().strip() == "YK-JD-099 后梁（机动地 3.50 亩）"
    assert cadre.input_value("#id_area_mu") == "3.50"
    screenshot(cadre, "picked-and-kept")

    cadre.click("button:has-text('保存')")
    cadre.wait_for_selector("text=合同已登记")
    contract = Contract.objects.get(number="YK-2026-201")
    assert contract.counterparty == new and contract.source == "走访"
    assert [p.code for p in contract.parcels.all()] == ["YK-JD-099"]
    assert Parcel.objects.get(code="YK-JD-099").village == personas.yukou
    assert (contract.area_mu, contract.annual_fee) == (Decimal("3.50"), Decimal("1000.00"))
    assert contract.note == "老支书口述，收条在会计处"
    screenshot(cadre, "saved")
    assert cadre.js_errors == []


def test_picking_a_parcel_fills_the_area_and_the_low_price_is_proposed(browser, live_server, personas,  # noqa: F811
                                                                       yukou_ledger, screenshot):
    cadre = log_in(browser, live_server, "cadre")
    start_contract(cadre, live_server, "YK-2026-202")
    party = cadre.locator(".picker[data-name=counterparty]")
    party.locator(".picker-input").type("xlf", delay=30)              # pinyin initials of 薛来福
    party.locator("[data-pick-id]:has-text('薛来福')").click()
    parcels = cadre.locator(".picker[data-name=parcels]")
    parcels.locator(".picker-input").type("YK-JD-004", delay=30)
    parcels.locator("[data-pick-id]:has-text('YK-JD-004')").click()
    assert cadre.input_value("#id_area_mu") == "12.14"
    assert "已按所选地块的台账面积合计填写" in cadre.locator("#id_area_mu >> xpath=..").inner_text()
    screenshot(cadre, "area-filled")
    # Taking the parcel off again empties an area that only the parcel had filled.
    parcels.locator("[data-unpick]").click()
    assert cadre.input_value("#id_area_mu") == ""
    parcels.locator(".picker-input").type("YK-JD-004", delay=30)
    parcels.locator("[data-pick-id]:has-text('YK-JD-004')").click()
    assert cadre.input_value("#id_area_mu") == "12.14"
    cadre.click("button:has-text('保存')")
    cadre.wait_for_selector("text=合同已登记")
    contract = Contract.objects.get(number="YK-2026-202")
    assert (contract.area_mu, contract.area_from_parcels) == (Decimal("12.14"), True)
    p03 = cadre.locator(".card:has(.card-header:text-is('问题认定')) tr:has-text('P03')")
    assert "年承包费每亩 82.37 元，低于机动地下限 300.00 元" in p03.inner_text()
    assert cadre.locator("#rules-not-run").count() == 0
    screenshot(cadre, "p03-proposed")
    assert cadre.js_errors == []


def test_an_area_typed_by_hand_is_never_overwritten_by_the_parcels(browser, live_server, personas,  # noqa: F811
                                                                   yukou_ledger):
    cadre = log_in(browser, live_server, "cadre")
    start_contract(cadre, live_server, "YK-2026-203")
    cadre.fill("#id_area_mu", "12.5")
    parcels = cadre.locator(".picker[data-name=parcels]")
    parcels.locator(".picker-input").type("YK-JD-004", delay=30)
    parcels.locator("[data-pick-id]:has-text('YK-JD-004')").click()
    assert cadre.input_value("#id_area_mu") == "12.5"
    assert cadre.input_value("#id_area_from_parcels") == "False"
    assert cadre.js_errors == []
