"""A write-off, waiver or offset rests only on a vote that named the claim or debt it clears (DOMAIN.md §7):
the covers a resolution lists, their amounts, their lock, and the pages that name them."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from contracts.factories import ResolutionFactory
from contracts.models import ResolutionSubject
from debts.factories import ClaimFactory, DebtFactory, MoneyResolutionFactory
from debts.models import ClaimEntryKind, DebtEntryKind, Entry, ResolutionCover
from debts.services import (
    claim_balance,
    debt_balance,
    entry_record,
    entry_reverse,
    offset_claim_against_debt,
)
from debts.votes import resolution_cover_add, resolution_cover_remove
from villages.factories import PartyFactory

ON = date(2025, 5, 10)
C = ClaimEntryKind


@pytest.fixture
def claim(personas):
    return ClaimFactory(village=personas.yukou, number="ZQ-001", principal=Decimal("10000.00"))


def write_off(user, claim, amount, resolution, kind=C.WRITE_OFF):
    return entry_record(user=user, claim=claim, kind=kind, amount=Decimal(amount), entered_on=ON,
                        resolution=resolution)


def test_a_contract_vote_backs_no_write_off_of_an_unrelated_claim(personas, claim):
    letting = ResolutionFactory(village=personas.yukou, subject=ResolutionSubject.CONTRACT, title="机动地发包方案")
    with pytest.raises(ValidationError, match="“合同发包/续签/变更”事项，不涉及债权债务，不能据以核销"):
        write_off(personas.cadre, claim, "10000.00", letting)
    with pytest.raises(ValidationError, match="不涉及债权债务"):
        resolution_cover_add(user=personas.cadre, resolution=letting, claim=claim)
    assert claim_balance(claim) == Decimal("10000.00") and not ResolutionCover.objects.exists()


def test_one_vote_backs_waivers_only_for_the_debtors_it_named(personas, claim):
    others = [ClaimFactory(village=personas.yukou, debtor=PartyFactory(village=personas.yukou, name=name),
                           principal=Decimal("800.00")) for name in ("冯甲", "冯乙", "冯丙", "冯丁")]
    vote = MoneyResolutionFactory(village=personas.yukou, subject=ResolutionSubject.WAIVER, covers=[claim])

    for other in others:
        with pytest.raises(ValidationError, match=f"没有列明债权 {other.number}，不能据以减免"):
            write_off(personas.cadre, other, "800.00", vote, kind=C.WAIVER)
    write_off(personas.cadre, claim, "500.00", vote, kind=C.WAIVER)

    assert [claim_balance(o) for o in others] == [Decimal("800.00")] * 4
    assert claim_balance(claim) == Decimal("9500.00")


def test_the_amount_a_vote_named_is_the_most_it_backs_net_of_reversals(personas, claim):
    vote = MoneyResolutionFactory(village=personas.yukou)
    resolution_cover_add(user=personas.cadre, resolution=vote, claim=claim, amount=Decimal("3000.00"))

    first = write_off(personas.cadre, claim, "2000.00", vote)
    with pytest.raises(ValidationError, match="批准的金额为 3,000.00 元，已据以办理 2,000.00 元，本次 1,000.01 元超出"):
        write_off(personas.cadre, claim, "1000.01", vote)
    write_off(personas.cadre, claim, "1000.00", vote)                      # exactly the amount voted
    assert claim_balance(claim) == Decimal("7000.00")

    entry_reverse(user=personas.cadre, entry=first, reason="核销对象有误")
    write_off(personas.cadre, claim, "2000.00", vote)                      # the reversal gave the room back
    assert claim_balance(claim) == Decimal("7000.00")


def test_an_offset_needs_both_its_claim_and_its_debt_named(personas, claim):
    debt = DebtFactory(village=personas.yukou, creditor=claim.debtor, principal=Decimal("6000.00"))
    vote = MoneyResolutionFactory(village=personas.yukou, subject=ResolutionSubject.OFFSET, covers=[claim])

    with pytest.raises(ValidationError, match=f"没有列明债务 {debt.number}"):
        offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("4000.00"),
                                  entered_on=ON, resolution=vote)
    assert (claim_balance(claim), debt_balance(debt)) == (Decimal("10000.00"), Decimal("6000.00"))

    resolution_cover_add(user=personas.cadre, resolution=vote, debt=debt)
    offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("4000.00"),
                              entered_on=ON, resolution=vote)
    assert (claim_balance(claim), debt_balance(debt)) == (Decimal("6000.00"), Decimal("2000.00"))


def test_a_debt_write_off_needs_the_debt_named(personas):
    debt = DebtFactory(village=personas.yukou, principal=Decimal("5000.00"))
    vote = MoneyResolutionFactory(village=personas.yukou)
    with pytest.raises(ValidationError, match="没有列明债务"):
        entry_record(user=personas.cadre, debt=debt, kind=DebtEntryKind.WRITE_OFF, amount=Decimal("5000.00"),
                     entered_on=ON, resolution=vote)
    resolution_cover_add(user=personas.cadre, resolution=vote, debt=debt)
    entry_record(user=personas.cadre, debt=debt, kind=DebtEntryKind.WRITE_OFF, amount=Decimal("5000.00"),
                 entered_on=ON, resolution=vote)
    assert debt_balance(debt) == Decimal("0.00")


def test_what_a_vote_names_is_locked_once_money_rests_on_it(personas, claim):
    later = ClaimFactory(village=personas.yukou)
    vote = MoneyResolutionFactory(village=personas.yukou, covers=[claim])
    write_off(personas.cadre, claim, "100.00", vote)

    with pytest.raises(ValidationError, match="已经锁定，不能再增加涵盖的债权债务"):
        resolution_cover_add(user=personas.cadre, resolution=vote, claim=later)
    with pytest.raises(ValidationError, match="已经锁定，涵盖的债权债务不能再移除"):
        resolution_cover_remove(user=personas.cadre, cover=vote.covers.get())
    assert list(vote.covers.values_list("claim", flat=True)) == [claim.pk]


def test_a_cover_names_only_claims_of_the_votes_own_village_and_only_once(personas, claim):
    vote = MoneyResolutionFactory(village=personas.yukou)
    with pytest.raises(ValidationError, match="不是本决议所在村的"):
        resolution_cover_add(user=personas.cadre, resolution=vote, claim=ClaimFactory(village=personas.tuwu))
    resolution_cover_add(user=personas.cadre, resolution=vote, claim=claim)
    with pytest.raises(ValidationError, match="本决议已列明该笔债权"):
        resolution_cover_add(user=personas.cadre, resolution=vote, claim=claim)
    with pytest.raises(ValidationError, match="金额必须大于0"):
        resolution_cover_add(user=personas.cadre, resolution=vote, claim=ClaimFactory(village=personas.yukou),
                             amount=Decimal("0"))
    assert vote.covers.count() == 1


def test_roles_and_scope_for_naming_claims(personas, claim):
    vote = MoneyResolutionFactory(village=personas.yukou)
    with pytest.raises(PermissionDenied):
        resolution_cover_add(user=personas.inspector, resolution=vote, claim=claim)
    with pytest.raises(PermissionDenied):
        resolution_cover_add(user=personas.outsider, resolution=vote, claim=claim)
    resolution_cover_add(user=personas.accountant, resolution=vote, claim=claim)   # the village keeps its records
    assert vote.covers.count() == 1


# --- Pages ----------------------------------------------------------------------------------------


def test_the_resolution_page_lists_and_names_claims(personas, claim, client_for):
    vote = MoneyResolutionFactory(village=personas.yukou)
    client = client_for(personas.cadre)
    page = client.get(vote.get_absolute_url()).content.decode()
    assert "涵盖的债权债务（0）" in page and "尚未列明" in page

    response = client.post(reverse("debts:resolution-cover-add", args=[vote.pk]),
                           {"claim": claim.pk, "amount": "2,500.00"})
    assert response.status_code == 302
    cover = vote.covers.get()
    assert (cover.claim, cover.amount) == (claim, Decimal("2500.00"))
    page = client.get(vote.get_absolute_url()).content.decode()
    assert "涵盖的债权债务（1）" in page and "2,500.00" in page and claim.number in page

    # The entry form offers this vote for this claim only.
    form = client.get(reverse("debts:claim-entry", args=[claim.pk])).content.decode()
    assert f'value="{vote.pk}"' in form
    other = ClaimFactory(village=personas.yukou)
    assert f'value="{vote.pk}"' not in client.get(reverse("debts:claim-entry", args=[other.pk])).content.decode()

    client.post(reverse("debts:resolution-cover-remove", args=[cover.pk]))
    assert not vote.covers.exists()


def test_naming_neither_or_both_is_refused_with_a_message(personas, claim, client_for):
    vote = MoneyResolutionFactory(village=personas.yukou)
    debt = DebtFactory(village=personas.yukou)
    client = client_for(personas.cadre)
    for data in ({}, {"claim": claim.pk, "debt": debt.pk}, {"claim": "abc"}, {"claim": claim.pk, "amount": "-5"}):
        response = client.post(reverse("debts:resolution-cover-add", args=[vote.pk]), data, follow=True)
        assert response.status_code == 200
        assert response.context["messages"] and not vote.covers.exists()


def test_outsiders_get_404_and_read_only_users_403_on_the_cover_pages(personas, claim, client_for):
    vote = MoneyResolutionFactory(village=personas.yukou)
    cover = ResolutionCover.objects.create(resolution=vote, claim=claim)
    add = reverse("debts:resolution-cover-add", args=[vote.pk])
    remove = reverse("debts:resolution-cover-remove", args=[cover.pk])
    for url in (add, remove):
        assert client_for(personas.outsider).post(url, {"claim": claim.pk}).status_code == 404
        assert client_for(personas.inspector).post(url, {"claim": claim.pk}).status_code == 403
        assert client_for(personas.cadre).get(url).status_code == 405
    assert vote.covers.count() == 1
    # The inspector reads the list but gets no form.
    page = client_for(personas.inspector).get(vote.get_absolute_url()).content.decode()
    assert claim.number in page and "debts:resolution-cover-add" not in page and 'name="amount"' not in page


def test_covers_from_before_are_derived_from_the_entries_that_rested_on_a_vote(personas, claim):
    """The migration's rule: each (resolution, claim or debt) pair of an existing entry becomes a cover."""
    from importlib import import_module

    from django.apps import apps

    vote = MoneyResolutionFactory(village=personas.yukou)
    Entry.objects.create(claim=claim, kind=C.WRITE_OFF, amount=Decimal("10.00"), entered_on=ON, resolution=vote,
                         created_by=personas.cadre)
    Entry.objects.create(claim=claim, kind=C.WRITE_OFF, amount=Decimal("20.00"), entered_on=ON, resolution=vote,
                         created_by=personas.cadre)
    import_module("debts.migrations.0009_resolution_cover").cover_what_already_rests(apps, None)
    assert list(ResolutionCover.objects.values_list("resolution", "claim", "amount")) == [(vote.pk, claim.pk, None)]
