"""A resolution that money or a determination rests on is locked (DOMAIN.md §7): its votes, meeting,
subject and steps can no longer change; a mistake is put right by a new resolution naming the old."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import ContractState, Resolution
from contracts.services import resolution_update
from debts.factories import ClaimFactory
from debts.ledger_check import check_ledger
from debts.models import ClaimEntryKind, Entry, ResolutionCover
from debts.services import claim_balance, entry_record


@pytest.fixture
def resolution(personas):
    return ResolutionFactory(village=personas.yukou, subject="核销", title="核销、减免方案",
                             resolved_on=date(2025, 4, 8), members_expected=45, members_present=30, votes_for=20,
                             votes_against=10, votes_abstain=0)


@pytest.fixture
def write_off(personas, resolution):
    claim = ClaimFactory(village=personas.yukou)
    ResolutionCover.objects.create(resolution=resolution, claim=claim)
    return entry_record(user=personas.cadre, kind=ClaimEntryKind.WRITE_OFF, amount=Decimal("2500.00"),
                        entered_on=date(2025, 5, 10), claim=claim, resolution=resolution)


def form_values(resolution, **changes):
    """What the edit form posts when nothing is touched, with `changes` typed over it."""
    values = {name: getattr(resolution, name) for name in (
        "subject", "title", "content", "meeting", "members_expected", "members_present", "votes_for",
        "votes_against", "votes_abstain", "note")}
    for name in ("proposed_on", "discussed_on", "reviewed_on", "resolved_on", "resolution_published_on",
                 "result_published_on", "notice_from", "notice_to"):
        day = getattr(resolution, name)
        values[name] = day.isoformat() if day else ""
    values.update({"village": resolution.village_id, "corrects": "", **changes})
    return values


def test_a_resolution_nothing_rests_on_may_still_be_edited(personas, resolution):
    resolution_update(user=personas.accountant, resolution=resolution, data={"votes_for": 25, "votes_against": 5})
    resolution.refresh_from_db()
    assert resolution.votes_for == 25 and resolution.passed
    assert resolution.resting_on_it() == []


def test_an_entry_locks_the_votes_of_its_resolution(personas, resolution, write_off):
    assert resolution.resting_on_it() == ["1 条清收分录"]
    with pytest.raises(ValidationError) as refused:
        resolution_update(user=personas.cadre, resolution=resolution, data={"votes_for": 1, "votes_against": 29})
    message = refused.value.messages[0]
    assert "已经锁定" in message and "赞成" in message and "反对" in message and "更正决议" in message
    resolution.refresh_from_db()
    assert (resolution.votes_for, resolution.votes_against, resolution.passed) == (20, 10, True)


@pytest.mark.parametrize("field, value", [
    ("meeting", Resolution.Meeting.ASSEMBLY), ("subject", "其他"), ("title", "另一事项"),
    ("resolved_on", date(2025, 6, 1)), ("proposed_on", date(2025, 3, 1)), ("members_expected", 44),
])
def test_nothing_about_the_vote_may_change_once_locked(personas, resolution, write_off, field, value):
    before = getattr(resolution, field)
    with pytest.raises(ValidationError):
        resolution_update(user=personas.cadre, resolution=resolution, data={field: value})
    resolution.refresh_from_db()
    assert getattr(resolution, field) == before


def test_a_locked_resolution_may_have_its_result_publication_filled_in_once(personas, resolution, write_off):
    resolution_update(user=personas.cadre, resolution=resolution,
                      data={"result_published_on": date(2025, 6, 1), "note": "结果已张榜"})
    resolution.refresh_from_db()
    assert resolution.result_published_on == date(2025, 6, 1) and resolution.note == "结果已张榜"
    with pytest.raises(ValidationError):
        resolution_update(user=personas.cadre, resolution=resolution, data={"result_published_on": date(2025, 7, 1)})


def test_a_determined_contract_locks_its_resolution_but_a_found_one_does_not(personas, resolution):
    contract = ContractFactory(village=personas.yukou, resolution=resolution, state=ContractState.FOUND)
    assert resolution.resting_on_it() == []
    contract.state = ContractState.DETERMINED
    contract.save()
    assert resolution.resting_on_it() == ["1 份合同"]
    with pytest.raises(ValidationError):
        resolution_update(user=personas.cadre, resolution=resolution, data={"votes_for": 15})


def test_the_accountant_cannot_unpass_the_townships_write_offs_through_the_page(
        personas, client_for, resolution, write_off):
    client = client_for(personas.accountant)
    url = reverse("contracts:resolution-update", args=[resolution.pk])
    page = client.get(url)
    assert "已经锁定" in page.content.decode()
    response = client.post(url, form_values(resolution, votes_for=1, votes_against=29))
    resolution.refresh_from_db()
    assert (resolution.votes_for, resolution.votes_against, resolution.passed) == (20, 10, True)
    # The locked fields are not taken from the post at all; the page goes back to the resolution.
    assert response.status_code == 302
    assert check_ledger().faults == []
    assert claim_balance(write_off.claim) == Decimal("7500.00")


def test_a_correction_starts_from_the_locked_resolution_and_names_it(personas, client_for, resolution, write_off):
    client = client_for(personas.cadre)
    detail = client.get(resolution.get_absolute_url()).content.decode()
    assert "已锁定" in detail and "登记更正决议" in detail
    form = client.get(reverse("contracts:resolution-create") + f"?corrects={resolution.pk}")
    assert form.context["form"].initial["corrects"] == resolution
    assert form.context["form"].initial["members_present"] == 30
    values = form_values(resolution, corrects=resolution.pk, title="更正：核销、减免方案", votes_for=21,
                         votes_against=9)
    response = client.post(reverse("contracts:resolution-create"), values)
    assert response.status_code == 302
    correction = Resolution.objects.get(corrects=resolution)
    assert correction.votes_for == 21
    assert "已被更正" in client.get(resolution.get_absolute_url()).content.decode()
    assert Entry.objects.get(pk=write_off.pk).resolution_id == resolution.pk


def test_a_correction_names_a_resolution_of_the_same_village(personas, resolution):
    from contracts.services import resolution_create

    with pytest.raises(ValidationError):
        resolution_create(user=personas.cadre, data={
            "village": personas.tuwu, "title": "x", "resolved_on": date(2025, 4, 9), "members_expected": 3,
            "members_present": 3, "votes_for": 3, "corrects": resolution})


@pytest.mark.parametrize("bad", ["abc", "99999999999999999999", "-1", "1\x00"])
def test_a_malformed_correction_parameter_is_ignored(personas, client_for, bad):
    response = client_for(personas.cadre).get(reverse("contracts:resolution-create"), {"corrects": bad})
    assert response.status_code in (200, 400)


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_raw_change_of_principal_once_entries_exist(personas):
    from django.db import DatabaseError, transaction

    from debts.factories import DebtFactory
    from debts.models import Claim, Debt, DebtEntryKind

    claim = ClaimFactory(village=personas.yukou)
    Claim.objects.filter(pk=claim.pk).update(principal=Decimal("12000.00"))  # no entries yet: allowed
    entry_record(user=personas.cadre, kind=ClaimEntryKind.CASH, amount=Decimal("100.00"),
                 entered_on=date(2025, 5, 10), claim=claim)
    with pytest.raises(DatabaseError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(principal=Decimal("1.00"))
    Claim.objects.filter(pk=claim.pk).update(note="备注可改")
    claim.refresh_from_db()
    assert claim.principal == Decimal("12000.00") and claim_balance(claim) == Decimal("11900.00")

    debt = DebtFactory(village=personas.yukou, interest=Decimal("300.00"))
    entry_record(user=personas.cadre, kind=DebtEntryKind.REPAYMENT, amount=Decimal("100.00"),
                 entered_on=date(2025, 5, 10), debt=debt)
    for change in ({"principal": Decimal("1.00")}, {"interest": Decimal("0.00")}):
        with pytest.raises(DatabaseError), transaction.atomic():
            Debt.objects.filter(pk=debt.pk).update(**change)
    debt.refresh_from_db()
    assert (debt.principal, debt.interest) == (Decimal("50000.00"), Decimal("300.00"))
