"""Penalties and late fees on claims (DOMAIN.md §8, §10): a claim of their own beside the arrears they accrued
on, registered from the arrears' page, and shown apart from the principal on every letter."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from debts.factories import ClaimFactory
from debts.letters import services as letters
from debts.letters.pdf import letter_context
from debts.models import Claim
from debts.services import claim_create
from villages.factories import PartyFactory

AS_OF = date(2026, 6, 1)


@pytest.fixture
def arrears(personas):
    debtor = PartyFactory(village=personas.yukou, name="冯海平")
    return ClaimFactory(village=personas.yukou, debtor=debtor, number="ZQ-2024-01", origin="承包费拖欠",
                        principal=Decimal("3000.00"), due_date=date(2025, 3, 1))


def penalty(personas, arrears, **changes):
    data = dict(village=arrears.village, number="ZQ-2024-01-违约金", debtor=arrears.debtor, origin="违约金",
                origin_note="按合同第八条，每日万分之五", penalty_of=arrears, principal=Decimal("450.00"),
                due_date=date(2025, 12, 31))
    return claim_create(user=personas.accountant, data={**data, **changes})


def test_a_penalty_is_registered_on_its_arrears(personas, arrears):
    fee = penalty(personas, arrears)
    assert (fee.penalty_of, fee.is_penalty, arrears.penalties.get()) == (arrears, True, fee)


@pytest.mark.parametrize(("changes", "message"), [
    ({"origin": "借款"}, "只有违约金、滞纳金才填写所涉欠款"),
    ({"debtor": "another"}, "所涉欠款须是同一村、同一债务人的债权"),
])
def test_a_penalty_is_refused_on_the_wrong_claim(personas, arrears, changes, message):
    if changes.get("debtor") == "another":
        changes["debtor"] = PartyFactory(village=personas.yukou)
    with pytest.raises(ValidationError, match=message):
        penalty(personas, arrears, **changes)
    assert not Claim.objects.filter(penalty_of=arrears).exists()


def test_a_penalty_is_not_charged_on_a_penalty(personas, arrears):
    fee = penalty(personas, arrears)
    with pytest.raises(ValidationError, match="所涉欠款不能是另一笔违约金或滞纳金"):
        penalty(personas, fee, number="ZQ-套", origin="滞纳金")


def test_the_page_prefills_a_penalty_from_its_arrears_and_saves_it(personas, arrears, client_for):
    client = client_for(personas.accountant)
    url = reverse("debts:claim-create") + f"?penalty_of={arrears.pk}"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert (form.initial["origin"], form.initial["penalty_of"], form.initial["debtor"]) == (
        "违约金", arrears, arrears.debtor)
    assert "为 " in page.content.decode() and arrears.number in page.content.decode()

    response = client.post(url, {
        "village": personas.yukou.pk, "number": "ZQ-2024-01-滞纳金", "debtor": arrears.debtor.pk, "origin": "滞纳金",
        "origin_note": "逾期按日万分之三", "penalty_of": arrears.pk, "principal": "120.50", "due_date": "2025-12-31",
        "in_book": "on"})
    assert response.status_code == 302
    fee = Claim.objects.get(number="ZQ-2024-01-滞纳金")
    assert (fee.penalty_of, fee.principal) == (arrears, Decimal("120.50"))
    assert "ZQ-2024-01-滞纳金" in client.get(arrears.get_absolute_url()).content.decode()


def test_another_townships_arrears_cannot_be_named(personas, arrears, client_for):
    client = client_for(personas.outsider)
    page = client.get(reverse("debts:claim-create") + f"?penalty_of={arrears.pk}")
    assert page.status_code == 200 and page.context["arrears"] is None
    assert arrears.number not in page.content.decode()
    debtor = PartyFactory(village=personas.jicui)
    response = client.post(reverse("debts:claim-create"), {
        "village": personas.jicui.pk, "number": "X-1", "debtor": debtor.pk, "origin": "违约金",
        "penalty_of": arrears.pk, "principal": "10.00"})
    assert response.status_code == 200 and "所涉欠款不在您的管理范围内" in response.content.decode()
    assert not Claim.objects.filter(number="X-1").exists()


def test_a_read_only_user_cannot_open_the_form(personas, arrears, client_for):
    assert client_for(personas.inspector).get(
        reverse("debts:claim-create") + f"?penalty_of={arrears.pk}").status_code == 403


@pytest.mark.parametrize("kind", ["清缴通知书", "对账函"])
def test_letters_show_principal_penalty_and_total_apart(personas, arrears, kind):
    penalty(personas, arrears)
    letter = letters.letter_issue_for_claim(user=personas.cadre, claim=arrears, kind=kind, as_of=AS_OF)
    [context] = letter_context([letter], with_qr=False)
    assert (context["principal"], context["penalty"], context["total"]) == ("3,000.00", "450.00", "3,450.00")
    assert [item["is_penalty"] for item in context["items"]] == [False, True]

    from django.template.loader import render_to_string

    html = render_to_string("debts/pdf/letters.html", {"letters": [context]})
    assert "其中：本金" in html and "违约金、滞纳金" in html
    if kind == "清缴通知书":
        assert "本金 3,000.00 元，违约金、滞纳金 450.00 元，合计 3,450.00 元" in html


def test_a_letter_without_penalty_says_how_it_is_reckoned(personas, arrears):
    letter = letters.letter_issue_for_claim(user=personas.cadre, claim=arrears, kind="清缴通知书", as_of=AS_OF)
    [context] = letter_context([letter], with_qr=False)
    assert (context["penalty"], context["has_penalty"]) == ("0.00", False)
    from django.template.loader import render_to_string

    html = render_to_string("debts/pdf/letters.html", {"letters": [context]})
    assert "上列欠款为本金，合计 3,000.00 元；违约金按合同约定另行计算" in html and "其中：本金" not in html
