"""收款收据: a numbered receipt for the cash a villager paid on a claim, printed from the entry.

Numbers run per village and year without gaps, handed out the first time a receipt is printed and kept:
a reprint shows the same number marked 补打. The receipt is read back from the PDF as a user would see it.
"""
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader
from threads import run_at_once

from contracts.factories import ContractFactory
from debts import services
from debts.factories import ClaimFactory, MoneyResolutionFactory
from debts.models import ClaimEntryKind, Entry, Receipt, ReceiptSequence
from debts.receipts.pdf import receipt_context, receipt_pdf
from debts.receipts.services import receipt_issue
from fixtures.personas import build_personas
from villages.factories import PartyFactory

PAID_ON = date(2025, 3, 1)
ISSUED_ON = date(2025, 3, 5)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text without white space, so that a line break inside a cell does not matter."""
    return "".join(re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages)


def pay(claim, user, amount="3500.00", voucher="记-12", on=PAID_ON) -> Entry:
    return services.entry_record(user=user, claim=claim, kind=ClaimEntryKind.CASH, amount=Decimal(amount),
                                 entered_on=on, voucher_no=voucher)


@pytest.fixture
def claim(personas):
    """张建国 owes 峪口村 10,000.00 元 of fees under the 后沟坪 contract."""
    debtor = PartyFactory(village=personas.yukou, name="张建国")
    contract = ContractFactory(village=personas.yukou, number="YK-2019-007", title="后沟坪机动地承包合同",
                               counterparty=debtor)
    return ClaimFactory(village=personas.yukou, number="ZQ-0101", debtor=debtor, contract=contract,
                        origin_note="2023年承包费")


def test_receipts_of_a_village_are_numbered_one_after_the_other_without_gaps(personas, claim):
    p = personas
    first, refused, second = pay(claim, p.accountant, "1000.00"), pay(claim, p.accountant, "500.00"), \
        pay(claim, p.accountant, "700.00")
    services.entry_reverse(user=p.accountant, entry=refused, reason="金额登记错误")

    one, issued_one = receipt_issue(user=p.accountant, entry=first, on=ISSUED_ON)
    with pytest.raises(ValidationError) as error:
        receipt_issue(user=p.accountant, entry=refused, on=ISSUED_ON)
    two, issued_two = receipt_issue(user=p.collector, entry=second, on=ISSUED_ON)

    assert error.value.messages == ["该笔收款已冲正，不能开具收据。"]
    assert issued_one and issued_two
    # The refusal took no number: the second receipt follows the first.
    assert [(r.year, r.seq, r.number) for r in (one, two)] == [
        (2025, 1, "峪口-峪口村-2025-收0001"), (2025, 2, "峪口-峪口村-2025-收0002")]
    assert ReceiptSequence.objects.get(village=p.yukou, year=2025).last == 2
    assert (one.created_by, two.created_by) == (p.accountant, p.collector)


def test_each_village_and_each_year_has_its_own_sequence(personas, claim):
    p = personas
    other = ClaimFactory(village=p.tuwu)
    this_year = receipt_issue(user=p.cadre, entry=pay(claim, p.cadre, "100.00"), on=ISSUED_ON)[0]
    next_year = receipt_issue(user=p.cadre, entry=pay(claim, p.cadre, "100.00"), on=date(2026, 1, 2))[0]
    other_village = receipt_issue(user=p.cadre, entry=pay(other, p.cadre, "100.00"), on=ISSUED_ON)[0]

    assert this_year.number == "峪口-峪口村-2025-收0001"
    assert next_year.number == "峪口-峪口村-2026-收0001"
    assert other_village.number == "峪口-土屋村-2025-收0001"


def test_a_second_print_returns_the_same_receipt_and_takes_no_number(personas, claim):
    entry = pay(claim, personas.accountant)
    first, issued = receipt_issue(user=personas.accountant, entry=entry, on=ISSUED_ON)
    again, issued_again = receipt_issue(user=personas.cadre, entry=entry, on=date(2025, 4, 1))

    assert (issued, issued_again) == (True, False)
    assert again == first and again.number == "峪口-峪口村-2025-收0001" and again.issued_on == ISSUED_ON
    assert Receipt.objects.count() == 1
    assert ReceiptSequence.objects.get(village=personas.yukou, year=2025).last == 1


def test_the_receipt_shows_payee_payer_purpose_amount_in_capital_date_voucher_and_who_received_it(
        personas, claim):
    entry = pay(claim, personas.accountant)
    receipt, _ = receipt_issue(user=personas.accountant, entry=entry, on=ISSUED_ON)

    context = receipt_context(receipt, reprint=False, printed_on=ISSUED_ON)
    text = pdf_text(receipt_pdf(receipt, reprint=False, printed_on=ISSUED_ON))

    assert context["amount_capital"] == "人民币叁仟伍佰元整"
    for shown in ("收款收据", "No.峪口-峪口村-2025-收0001", "收款单位：峪口村股份经济合作社", "交款人张建国",
                  "承包费拖欠（2023年承包费）", "ZQ-0101", "YK-2019-007《后沟坪机动地承包合同》",
                  "人民币叁仟伍佰元整", "¥3,500.00", "收款日期：2025年3月1日", "记账凭证号记-12",
                  "开具日期2025年3月5日", "收款人：薛文斌"):
        assert shown in text, shown
    # Two copies on one page: the stub the village keeps and the receipt the payer takes.
    assert len(PdfReader(io.BytesIO(receipt_pdf(receipt, reprint=False, printed_on=ISSUED_ON))).pages) == 1
    assert text.count("No.峪口-峪口村-2025-收0001") == 2
    assert "第一联存根（村集体留存）" in text and "第二联收据（交款人收执）" in text
    assert "补打" not in text and "已冲正" not in text


def test_a_receipt_issued_before_its_payment_was_reversed_prints_as_reversed_and_void(personas, claim):
    entry = pay(claim, personas.accountant)
    receipt, _ = receipt_issue(user=personas.accountant, entry=entry, on=ISSUED_ON)
    services.entry_reverse(user=personas.accountant, entry=entry, reason="交款人退款")

    text = pdf_text(receipt_pdf(receipt, reprint=True, printed_on=date(2025, 3, 9)))

    assert "已冲正" in text and "本收据作废" in text and "交款人退款" in text
    assert "补打：本收据于2025年3月5日开具，2025年3月9日补打，编号不变。" in text
    assert "No.峪口-峪口村-2025-收0001" in text


@pytest.mark.parametrize("make, message", [
    (lambda p, claim: services.entry_record(
        user=p.cadre, claim=claim, kind=ClaimEntryKind.WAIVER, amount=Decimal("100.00"), entered_on=PAID_ON,
        resolution=MoneyResolutionFactory(village=p.yukou, resolved_on=date(2025, 2, 1), covers=[claim])),
     "“减免”不是现金收款，不开具收据。"),
    (lambda p, claim: services.entry_reverse(user=p.accountant, entry=pay(claim, p.accountant), reason="错记"),
     "冲正分录不开具收据。"),
    (lambda p, claim: services.entry_record_from_ledger(user=p.cadre, claim=claim, kind=ClaimEntryKind.CASH,
                                                        amount=Decimal("100.00"), entered_on=None),
     "台账导入、收款日期不详的款项不开具收据。"),
])
def test_only_cash_actually_received_on_a_known_day_gets_a_receipt(personas, claim, make, message):
    entry = make(personas, claim)
    with pytest.raises(ValidationError) as error:
        receipt_issue(user=personas.accountant, entry=entry, on=ISSUED_ON)
    assert error.value.messages == [message]
    assert not Receipt.objects.exists()
    assert ReceiptSequence.objects.filter(last__gt=0).count() == 0


def test_the_inspector_and_an_outsider_cannot_issue_a_receipt(personas, claim):
    entry = pay(claim, personas.accountant)
    for user in (personas.inspector, personas.outsider):
        with pytest.raises(PermissionDenied):
            receipt_issue(user=user, entry=entry, on=ISSUED_ON)
    assert not Receipt.objects.exists()


# --- Pages -------------------------------------------------------------------------------------------


def test_printing_from_the_claims_page_issues_the_number_and_printing_again_marks_it_reprinted(
        personas, claim, client_for):
    entry = pay(claim, personas.accountant)
    client = client_for(personas.accountant)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert reverse("debts:entry-receipt", args=[entry.pk]) in page and "打印收据" in page

    first = client.post(reverse("debts:entry-receipt", args=[entry.pk]))
    receipt = Receipt.objects.get(entry=entry)
    again = client.post(reverse("debts:entry-receipt", args=[entry.pk]))
    viewed = client.get(reverse("debts:receipt-view", args=[receipt.pk]))

    assert first.status_code == again.status_code == viewed.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert Receipt.objects.count() == 1
    assert f"No.{receipt.number}" in pdf_text(first.content) and "补打" not in pdf_text(first.content)
    for reprint in (again, viewed):
        assert f"No.{receipt.number}" in pdf_text(reprint.content) and "补打" in pdf_text(reprint.content)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert f"收据 {receipt.number}" in page and reverse("debts:receipt-view", args=[receipt.pk]) in page
    assert reverse("debts:entry-receipt", args=[entry.pk]) not in page


def test_a_refused_receipt_sends_the_user_back_to_the_claim_with_the_reason(personas, claim, client_for):
    entry = pay(claim, personas.accountant)
    services.entry_reverse(user=personas.accountant, entry=entry, reason="错记")
    response = client_for(personas.accountant).post(reverse("debts:entry-receipt", args=[entry.pk]), follow=True)
    assert response.redirect_chain[-1][0] == f"{claim.get_absolute_url()}#entry-{entry.pk}"
    assert "该笔收款已冲正，不能开具收据。" in response.content.decode()
    assert not Receipt.objects.exists()


def test_the_inspector_may_view_and_reprint_a_receipt_but_not_issue_a_number(personas, claim, client_for):
    issued = pay(claim, personas.accountant, "1000.00")
    receipt, _ = receipt_issue(user=personas.accountant, entry=issued, on=ISSUED_ON)
    not_yet = pay(claim, personas.accountant, "200.00")
    client = client_for(personas.inspector)

    viewed = client.get(reverse("debts:receipt-view", args=[receipt.pk]))
    refused = client.post(reverse("debts:entry-receipt", args=[not_yet.pk]))
    page = client.get(claim.get_absolute_url()).content.decode()

    assert viewed.status_code == 200 and "补打" in pdf_text(viewed.content)
    assert refused.status_code == 403
    assert list(Receipt.objects.all()) == [receipt]
    assert reverse("debts:receipt-view", args=[receipt.pk]) in page
    assert reverse("debts:entry-receipt", args=[not_yet.pk]) not in page


def test_an_outsider_gets_404_for_a_receipt_and_for_printing_one(personas, claim, client_for):
    entry = pay(claim, personas.accountant, "1000.00")
    receipt, _ = receipt_issue(user=personas.accountant, entry=entry, on=ISSUED_ON)
    other = pay(claim, personas.accountant, "200.00")
    client = client_for(personas.outsider)
    assert client.get(reverse("debts:receipt-view", args=[receipt.pk])).status_code == 404
    assert client.post(reverse("debts:entry-receipt", args=[other.pk])).status_code == 404
    assert Receipt.objects.count() == 1


def test_printing_a_receipt_is_a_post(personas, claim, client_for):
    entry = pay(claim, personas.accountant)
    assert client_for(personas.accountant).get(reverse("debts:entry-receipt", args=[entry.pk])).status_code == 405
    assert not Receipt.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="row locks need PostgreSQL; SQLite serialises whole transactions")
@pytest.mark.django_db(transaction=True)
def test_receipts_printed_at_the_same_moment_take_consecutive_numbers():
    p = build_personas()
    claims = [ClaimFactory(village=p.yukou) for _ in range(6)]
    entries = [pay(c, p.accountant, "100.00") for c in claims]
    printers = [p.accountant, p.collector, p.cadre]

    results, refusals, errors = run_at_once([
        (lambda e=e, n=n: receipt_issue(user=printers[n % 3], entry=e, on=ISSUED_ON)[0].seq)
        for n, e in enumerate(entries)])

    assert errors == [] and refusals == []
    assert sorted(results) == [1, 2, 3, 4, 5, 6]
    assert ReceiptSequence.objects.get(village=p.yukou, year=2025).last == 6
