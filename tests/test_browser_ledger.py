"""A township's own two-sheet workbook mapped and imported by a cadre in a real browser (Debian's Chromium, as
tests/test_browser.py drives it), also on a phone's width."""
from decimal import Decimal

import pytest

from contracts.models import Contract
from ledgers.models import LedgerImport
from tests.test_browser import CHROMIUM, browser, log_in  # noqa: F401 - the fixture is used by name
from tests.test_ledger_field_upload import two_village_book

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("jobs_run_here"),
]


def test_a_cadre_maps_a_messy_two_sheet_workbook_and_imports_it(browser, live_server, personas,  # noqa: F811
                                                                tmp_path, screenshot):
    path = tmp_path / "峪口镇合同清理台账.xlsx"
    path.write_bytes(two_village_book())
    cadre = log_in(browser, live_server, "cadre")
    cadre.goto(f"{live_server.url}/ledgers/import/")
    cadre.select_option("#id_kind", "contracts")
    cadre.set_input_files("input[name=file]", str(path))
    cadre.click("button:has-text('上传并预览')")
    cadre.wait_for_url("**/mapping/")
    assert cadre.locator("h2:has-text('工作表“峪口村”')").is_visible()
    assert cadre.locator("h2:has-text('工作表“土屋村”')").is_visible()
    # The suggestions are in place; the township's own code is asked for once.
    assert cadre.input_value("#sheet-0-col-6") == "合同总额(元)"
    assert cadre.input_value("#sheet-1-village") == str(personas.tuwu.pk)
    code = cadre.locator("label:has-text('“合同类型”中的“资产类”')")
    assert "× 2" in code.inner_text()
    cadre.select_option("#code-1-name", "资产租赁")
    screenshot(cadre, "mapping")
    cadre.click("button:has-text('确认栏目并预览')")
    cadre.wait_for_selector("text=确认导入")
    body = cadre.inner_text("main") if cadre.locator("main").count() else cadre.inner_text("body")
    assert "第 6 行 7.5 万元 → 75,000.00 元" in body
    assert "工作表“峪口村”：2 行" in body and "工作表“土屋村”：1 行" in body
    screenshot(cadre, "preview")
    cadre.click("button:has-text('确认导入')")
    cadre.wait_for_selector("text=已导入")
    assert LedgerImport.objects.get().state == LedgerImport.State.DONE
    assert sorted(Contract.objects.values_list("number", "total_amount", "kind")) == [
        ("TW-001", Decimal("3600.00"), "资产租赁"), ("YK-001", Decimal("75000.00"), "资源发包"),
        ("YK-002", Decimal("12000.00"), "资产租赁")]
    assert cadre.js_errors == []


def test_the_mapping_page_reads_on_a_phone(browser, live_server, personas, tmp_path, screenshot):  # noqa: F811
    path = tmp_path / "峪口镇合同清理台账.xlsx"
    path.write_bytes(two_village_book())
    page = log_in(browser, live_server, "cadre")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/ledgers/import/")
    page.select_option("#id_kind", "contracts")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('上传并预览')")
    page.wait_for_url("**/mapping/")
    # Nothing wider than the phone but the column tables, which scroll inside their cards.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert page.locator("#sheet-0-col-6").is_visible() or page.locator(".table-responsive").first.is_visible()
    screenshot(page, "mapping-phone")
    assert page.js_errors == []
