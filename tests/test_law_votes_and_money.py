"""The law's votes and the money that rests on them (DOMAIN.md §7, §8): pass rules per meeting, the 2/3 of
all members for an outsider, the steps in order, write-offs after their vote, adjustments above the limit,
tax-era claims never collected, and mediation judged at each instalment's deadline."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import Resolution
from contracts.services import current_proposals, resolution_create
from debts.factories import ClaimFactory, MoneyResolutionFactory
from debts.letters import services as letters
from debts.models import Claim, ClaimEntryKind, ClaimEvent, LetterKind, MediationCase
from debts.services import (
    claim_balance,
    claim_create,
    claim_unseal,
    claim_update,
    entry_record,
    mediation_check,
    mediation_create,
)
from villages.factories import PartyFactory

TODAY = date(2026, 6, 1)


def vote(personas, meeting, expected, present, votes_for, **dates) -> Resolution:
    return ResolutionFactory(village=personas.yukou, meeting=meeting, members_expected=expected,
                             members_present=present, votes_for=votes_for, votes_against=0, votes_abstain=0, **dates)


def passed(resolution) -> bool:
    return Resolution.objects.get(pk=resolution.pk).passed


# --- Pass rules per meeting --------------------------------------------------------------------------


@pytest.mark.parametrize(("present", "votes_for", "result"), [
    (330, 200, True),    # more than half of 650 adults present, more than half of them in favour
    (325, 200, False),   # exactly half present: no quorum
    (330, 165, False),   # exactly half of those present in favour: not more than half
    (326, 164, True),
])
def test_a_villagers_assembly_needs_more_than_half_of_the_adults(personas, present, votes_for, result):
    resolution = vote(personas, Resolution.Meeting.ASSEMBLY, 650, present, votes_for)
    assert passed(resolution) is result
    assert Resolution.objects.get(pk=resolution.pk).quorum_met is (present * 2 > 650)


@pytest.mark.parametrize(("present", "result"), [(30, True), (29, False)])
def test_a_representatives_meeting_needs_two_thirds_of_the_representatives(personas, present, result):
    assert passed(vote(personas, Resolution.Meeting.REPRESENTATIVES, 45, present, 16)) is result


def outsider_contract(personas, resolution):
    outsider = PartyFactory(village=personas.yukou, name="外村人王", is_member=False)
    return ContractFactory(village=personas.yukou, counterparty=outsider, resolution=resolution,
                           outsider_township_approved=True)


def test_letting_to_an_outsider_needs_two_thirds_of_all_representatives_not_of_those_present(personas):
    of_present = vote(personas, Resolution.Meeting.REPRESENTATIVES, 45, 30, 20, proposed_on=date(2024, 2, 1),
                      discussed_on=date(2024, 2, 2), reviewed_on=date(2024, 2, 3))
    assert passed(of_present)
    reasons = {p.code: p.reason for p in current_proposals(outsider_contract(personas, of_present), today=TODAY)}
    assert "全体成员（代表）2/3 以上同意" in reasons["P11"]

    of_all = vote(personas, Resolution.Meeting.REPRESENTATIVES, 45, 30, 30, proposed_on=date(2024, 2, 1),
                  discussed_on=date(2024, 2, 2), reviewed_on=date(2024, 2, 3))
    codes = {p.code for p in current_proposals(outsider_contract(personas, of_all), today=TODAY)}
    assert "P11" not in codes


def test_the_six_steps_must_come_in_their_order(personas):
    data = dict(village=personas.yukou, title="机动地发包方案", meeting=Resolution.Meeting.REPRESENTATIVES,
                members_expected=45, members_present=30, votes_for=20, votes_against=0, votes_abstain=0,
                proposed_on=date(2025, 7, 1), discussed_on=date(2025, 7, 3), reviewed_on=date(2025, 7, 5),
                resolved_on=date(2025, 6, 1))
    with pytest.raises(ValidationError) as refused:
        resolution_create(user=personas.cadre, data=data)
    assert "“村民(代表)会议决议”（2025-06-01）不能早于“党员大会审议”（2025-07-05）" in str(refused.value)
    assert not Resolution.objects.filter(title="机动地发包方案", resolved_on=date(2025, 6, 1)).exists()

    same_day = resolution_create(user=personas.cadre, data={**data, "resolved_on": date(2025, 7, 5)})
    assert same_day.pk


def test_a_vote_without_the_party_members_meeting_leaves_the_procedure_incomplete(personas):
    resolution = vote(personas, Resolution.Meeting.REPRESENTATIVES, 45, 30, 20, reviewed_on=None)
    contract = ContractFactory(village=personas.yukou, resolution=resolution)
    reasons = {p.code: p.reason for p in current_proposals(contract, today=TODAY)}
    assert "缺少党员大会审议" in reasons["P02"]


# --- Money that rests on a vote ----------------------------------------------------------------------


def test_a_write_off_dated_before_its_vote_is_refused(personas):
    claim = ClaimFactory(village=personas.yukou)
    later_vote = MoneyResolutionFactory(village=personas.yukou, resolved_on=date(2025, 6, 1), covers=[claim])
    with pytest.raises(ValidationError, match="2025-06-01 才表决通过，晚于业务日期 2024-01-15"):
        entry_record(user=personas.cadre, claim=claim, kind=ClaimEntryKind.WRITE_OFF, amount=Decimal("10000.00"),
                     entered_on=date(2024, 1, 15), resolution=later_vote)
    assert claim_balance(claim) == Decimal("10000.00")

    entry_record(user=personas.cadre, claim=claim, kind=ClaimEntryKind.WRITE_OFF, amount=Decimal("10000.00"),
                 entered_on=date(2025, 6, 1), resolution=later_vote)
    assert claim_balance(claim) == Decimal("0.00")


def test_an_adjustment_up_to_the_limit_is_the_accountants_and_above_it_needs_the_township_and_a_vote(personas):
    claim = ClaimFactory(village=personas.yukou)
    entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.ADJUSTMENT, amount=Decimal("1000.00"),
                 entered_on=TODAY)
    assert claim_balance(claim) == Decimal("9000.00")

    with pytest.raises(PermissionDenied, match="超过 1,000.00 元的“账务调整”须由乡镇专班办理"):
        entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.ADJUSTMENT,
                     amount=Decimal("1000.01"), entered_on=TODAY)
    with pytest.raises(ValidationError, match="须经民主决策"):
        entry_record(user=personas.cadre, claim=claim, kind=ClaimEntryKind.ADJUSTMENT, amount=Decimal("9000.00"),
                     entered_on=TODAY)
    assert claim_balance(claim) == Decimal("9000.00")

    resolution = MoneyResolutionFactory(village=personas.yukou, resolved_on=date(2026, 5, 20), covers=[claim])
    entry_record(user=personas.cadre, claim=claim, kind=ClaimEntryKind.ADJUSTMENT, amount=Decimal("9000.00"),
                 entered_on=TODAY, resolution=resolution)
    assert claim_balance(claim) == Decimal("0.00")


# --- Tax-era claims ------------------------------------------------------------------------------------


def test_a_tax_era_claim_is_sealed_as_it_is_registered_and_never_collected(personas):
    claim = claim_create(user=personas.accountant, data=dict(
        village=personas.yukou, number="ZQ-三提", debtor=PartyFactory(village=personas.yukou, name="冯老汉"),
        origin="税费尾欠", origin_note="三提五统", principal=Decimal("860.00"), due_date=date(2002, 12, 31)))

    claim.refresh_from_db()
    assert claim.sealed is True and "三提五统" in claim.seal_reason
    assert claim.events.filter(kind=ClaimEvent.Kind.SEALED).count() == 1
    with pytest.raises(ValidationError, match="已封存"):
        entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH, amount=Decimal("100.00"),
                     entered_on=TODAY)
    with pytest.raises(ValidationError, match="不能解封"):
        claim_unseal(user=personas.county_office, claim=claim, reason="村里要收")
    with pytest.raises(ValidationError, match="已封存的债权不能出具函件"):
        letters.letter_issue_for_claim(user=personas.accountant, claim=claim, kind=LetterKind.RECONCILIATION)
    assert claim_balance(claim) == Decimal("860.00")


def test_a_claim_found_to_be_tax_era_is_sealed_when_its_origin_is_corrected(personas):
    claim = ClaimFactory(village=personas.yukou, origin="借款")
    claim_update(user=personas.accountant, claim=claim, data={"origin": "税费尾欠", "origin_note": "农业税尾欠"})
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.sealed is True
    assert claim.events.filter(kind=ClaimEvent.Kind.SEALED).exists()


# --- Mediation judged at each deadline ---------------------------------------------------------------


def mediated(personas, *, grace_days=0):
    claim = ClaimFactory(village=personas.yukou)
    case = mediation_create(user=personas.cadre, village=personas.yukou, number="（2025）峪调字第9号", claims=[claim],
                            mediator="峪口镇人民调解委员会", agreement_date=date(2025, 1, 10),
                            plan=[(date(2025, 3, 1), Decimal("2000.00")), (date(2025, 6, 1), Decimal("3000.00"))],
                            grace_days=grace_days)
    return claim, case


def test_an_instalment_paid_after_its_deadline_was_missed(personas):
    claim, case = mediated(personas)
    entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH, amount=Decimal("2000.00"),
                 entered_on=date(2025, 3, 20))

    case = mediation_check(case=case, today=date(2025, 3, 25))

    assert case.state == MediationCase.State.DEFAULTED and case.defaulted_on == date(2025, 3, 1)


def test_an_accounting_adjustment_is_not_a_payment_under_the_agreement(personas):
    claim, case = mediated(personas)
    entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.ADJUSTMENT, amount=Decimal("1000.00"),
                 entered_on=date(2025, 2, 1))
    entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH, amount=Decimal("1000.00"),
                 entered_on=date(2025, 2, 1))

    assert mediation_check(case=case, today=date(2025, 3, 2)).state == MediationCase.State.DEFAULTED
