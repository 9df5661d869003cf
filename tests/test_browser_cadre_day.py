"""A cadre's day in a real browser (Debian's Chromium): a letter batch previewed, issued, warned about when
run again and voided; a receipt desk that finds a letter by part of its number or the debtor's name; a
termination completed with its notice uploaded on the page, and the parcel following its contracts."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts import services as contracts
from debts.factories import ClaimFactory
from debts.letters import services as letters
from debts.models import Claim, Letter, LetterKind
from tests.test_browser import CHROMIUM, browser, log_in  # noqa: F401 - the fixture is used by name
from tests.test_contract_workflow import PDF, problem_contract, standardising
from villages.factories import ParcelFactory, PartyFactory
from villages.models import Parcel

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package 'chromium')"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("jobs_run_here"),
]
TODAY = timezone.localdate()


def debtor(village, name, amount="1000.00"):
    party = PartyFactory(village=village, name=name)
    ClaimFactory(village=village, debtor=party, principal=Decimal(amount), due_date=date(2024, 3, 1))
    return party


def test_a_batch_is_previewed_issued_refused_again_and_voided(browser, live_server, personas,  # noqa: F811
                                                              screenshot):
    for name in ("冯海平", "高建军", "白玉兰"):
        debtor(personas.tuwu, name)
    cadre = log_in(browser, live_server, "cadre")
    cadre.on("dialog", lambda dialog: dialog.accept())
    batch = f"{live_server.url}/letters/batch/"
    cadre.goto(batch)
    cadre.click("[data-check-none=villages]")
    cadre.check(f"input[name=villages][value='{personas.tuwu.pk}']")
    cadre.click("button:has-text('预览')")
    cadre.wait_for_selector("#batch-preview")
    assert "将出具 3 份对账函，合计 3,000.00 元" in cadre.inner_text("#batch-preview")
    screenshot(cadre, "preview")
    cadre.click("button:has-text('开始生成')")
    cadre.wait_for_selector("text=查看本批函件")
    assert Letter.objects.count() == 3

    # The same batch again: every debtor is named with the letter they already had.
    cadre.goto(batch)
    cadre.click("[data-check-none=villages]")
    cadre.check(f"input[name=villages][value='{personas.tuwu.pk}']")
    cadre.click("button:has-text('预览')")
    cadre.wait_for_selector("[data-recent='3']")
    warning = cadre.inner_text("[data-recent='3']")
    assert all(number in warning for number in Letter.objects.values_list("number", flat=True))
    assert "将出具 0 份" in cadre.inner_text("#batch-preview")
    screenshot(cadre, "warned")

    # The first batch is voided from its list, with a reason; the numbers stay, marked.
    job = Letter.objects.first().job
    cadre.goto(f"{live_server.url}/letters/?job={job.pk}")
    cadre.fill("#batch-void input[name=reason]", "同一天重复出具")
    cadre.click("button:has-text('作废这批未送达的 3 份')")
    cadre.wait_for_selector("text=已作废这批中尚未送达的 3 份函件")
    assert set(Letter.objects.values_list("state", flat=True)) == {Letter.State.VOID}
    screenshot(cadre, "voided")
    assert cadre.js_errors == []


def test_the_desk_finds_a_letter_by_the_end_of_its_number_or_a_name(browser, live_server, personas,  # noqa: F811
                                                                    screenshot):
    made = []
    for name in ("冯海平", "冯海军"):
        party = debtor(personas.yukou, name)
        made.append(letters.letter_issue_for_claim(user=personas.accountant,
                                                   claim=Claim.objects.get(debtor=party),
                                                   kind=LetterKind.RECONCILIATION, as_of=TODAY))
    clerk = log_in(browser, live_server, "acc")
    clerk.goto(f"{live_server.url}/letters/desk/")
    clerk.fill("#desk-number", "冯海")
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("text=相符的函件有 2 份")
    screenshot(clerk, "candidates")
    clerk.click("a.list-group-item:has-text('冯海军')")
    clerk.wait_for_selector("#desk-result >> text=送达（本人签收）")
    assert "冯海军" in clerk.inner_text("#desk-result")
    # The village and the end of the number, as written on a receipt that came back torn.
    clerk.fill("#desk-number", made[0].number.split("-", 1)[1])
    clerk.keyboard.press("Enter")
    clerk.wait_for_selector("#desk-result >> text=冯海平")
    assert clerk.js_errors == []


def test_a_termination_is_completed_with_its_notice_and_the_parcel_follows(browser, live_server,  # noqa: F811
                                                                          personas, tmp_path, screenshot):
    parcel = ParcelFactory(village=personas.yukou, code="YK-JD-004", name="北峁", kind="机动地",
                           ledger_area_mu=Decimal("12.14"), state="闲置")
    contract = problem_contract(personas, parcels=[parcel], start_date=TODAY - timedelta(days=365),
                                end_date=TODAY + timedelta(days=3650))
    contracts.parcels_follow_contracts([parcel])
    assert Parcel.objects.get(pk=parcel.pk).state == Parcel.State.LET
    contract = standardising(personas, "终止撤销", contract=contract)
    notice = tmp_path / "终止通知.pdf"
    notice.write_bytes(PDF)

    cadre = log_in(browser, live_server, "cadre")
    cadre.goto(f"{live_server.url}{parcel.get_absolute_url()}")
    assert "已发包" in cadre.inner_text("body")
    cadre.goto(f"{live_server.url}{contract.get_absolute_url()}")
    cadre.click("a:has-text('完成处置（终止撤销）')")
    cadre.fill("#id_termination_date", TODAY.isoformat())
    cadre.set_input_files("#id_evidence", str(notice))
    screenshot(cadre, "completion")
    cadre.click("button:has-text('提交')")
    cadre.wait_for_selector("text=处置已完成，合同已规范。")
    assert contract.attachments.filter(kind="终止通知").count() == 1
    cadre.goto(f"{live_server.url}{parcel.get_absolute_url()}")
    assert "已收回" in cadre.inner_text("body")
    screenshot(cadre, "parcel-recovered")
    assert cadre.js_errors == []
