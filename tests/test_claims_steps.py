"""The clearing steps that move no money (DOMAIN.md §8): sealing tax-era claims,
the collector answerable for a claim, the 3-year limitation clock, and court or
纪检 actions."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import Role
from debts.factories import ClaimFactory
from debts.models import Claim, ClaimEntryKind, ClaimEvent, LegalAction
from debts.services import (
    claim_assign_collector,
    claim_create,
    claim_record_event,
    claim_seal,
    claim_unseal,
    claim_update,
    claims_seal_tax_era,
    entry_record,
    legal_action_close,
    legal_action_create,
)
from fixtures.personas import UserFactory
from villages.factories import PartyFactory

E = ClaimEvent.Kind


@pytest.fixture
def claim(personas):
    return ClaimFactory(village=personas.yukou, number="ZQ-峪口-001")


def reload(claim: Claim) -> Claim:
    claim.refresh_from_db()
    return claim


def timeline(claim: Claim) -> list[tuple[str, date]]:
    return [(e.kind, e.happened_on) for e in claim.events.order_by("happened_on", "id")]


def new_claim(personas, due_date: date, number: str = "ZQ-时效-001") -> Claim:
    return claim_create(user=personas.accountant, data=dict(
        village=personas.yukou, number=number, debtor=PartyFactory(village=personas.yukou), origin="借款",
        principal=Decimal("8000.00"), occurred_on=date(2020, 1, 1), due_date=due_date))


# --- 打包封存 ------------------------------------------------------------------------------------------


def test_the_township_seals_a_claim_with_a_reason_on_its_timeline(personas, claim):
    claim_seal(user=personas.cadre, claim=claim, reason="三提五统尾欠", on=date(2025, 4, 1))

    assert reload(claim).sealed is True
    assert claim.seal_reason == "三提五统尾欠"
    [event] = claim.events.all()
    assert (event.kind, event.happened_on, event.note, event.created_by) == (
        E.SEALED, date(2025, 4, 1), "三提五统尾欠", personas.cadre)


@pytest.mark.parametrize("who", ["accountant", "collector", "inspector"])
def test_only_the_township_or_county_may_seal(personas, claim, who):
    with pytest.raises(PermissionDenied):
        claim_seal(user=getattr(personas, who), claim=claim, reason="三提五统尾欠")

    assert reload(claim).sealed is False
    assert not claim.events.exists()


def test_another_township_cannot_seal_our_claim(personas, claim):
    with pytest.raises(PermissionDenied):
        claim_seal(user=personas.outsider, claim=claim, reason="三提五统尾欠")
    assert reload(claim).sealed is False


@pytest.mark.parametrize("reason", ["", "  "])
def test_sealing_needs_a_reason(personas, claim, reason):
    with pytest.raises(ValidationError, match="封存须写明原因"):
        claim_seal(user=personas.cadre, claim=claim, reason=reason)
    assert reload(claim).sealed is False
    assert not claim.events.exists()


def test_a_sealed_claim_cannot_be_sealed_again(personas, claim):
    claim_seal(user=personas.cadre, claim=claim, reason="农业税尾欠")

    with pytest.raises(ValidationError, match="已经封存"):
        claim_seal(user=personas.county_office, claim=claim, reason="再封一次")
    assert claim.events.count() == 1
    assert reload(claim).seal_reason == "农业税尾欠"


@pytest.mark.parametrize("who", ["accountant", "cadre", "collector", "inspector", "outsider"])
def test_only_the_county_may_unseal(personas, claim, who):
    claim_seal(user=personas.cadre, claim=claim, reason="农业税尾欠")

    with pytest.raises(PermissionDenied):
        claim_unseal(user=getattr(personas, who), claim=claim, reason="核实为村民借款")
    assert reload(claim).sealed is True


def test_the_county_unseals_and_the_claim_can_be_collected_again(personas, claim):
    claim_seal(user=personas.cadre, claim=claim, reason="农业税尾欠", on=date(2025, 4, 1))

    claim_unseal(user=personas.county_office, claim=claim, reason="核实为村民借款", on=date(2025, 5, 6))

    assert reload(claim).sealed is False
    assert claim.seal_reason == ""
    assert timeline(claim) == [(E.SEALED, date(2025, 4, 1)), (E.UNSEALED, date(2025, 5, 6))]
    entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH, amount=Decimal("100.00"),
                 entered_on=date(2025, 5, 7))


def test_unsealing_a_claim_that_is_not_sealed_is_refused(personas, claim):
    with pytest.raises(ValidationError, match="没有封存"):
        claim_unseal(user=personas.county_office, claim=claim, reason="误操作")
    assert not claim.events.exists()


def test_sealing_the_tax_era_seals_exactly_the_open_tax_era_claims_of_that_village(personas):
    tax = [ClaimFactory(village=personas.yukou, origin="税费尾欠", origin_note="三提五统") for _ in range(3)]
    partly_paid = tax[2]
    entry_record(user=personas.accountant, claim=partly_paid, kind=ClaimEntryKind.CASH, amount=Decimal("400.00"),
                 entered_on=date(2019, 5, 1))
    already = ClaimFactory(village=personas.yukou, origin="税费尾欠", sealed=True, seal_reason="早已封存")
    cleared = ClaimFactory(village=personas.yukou, origin="税费尾欠", principal=Decimal("300.00"))
    entry_record(user=personas.accountant, claim=cleared, kind=ClaimEntryKind.CASH, amount=Decimal("300.00"),
                 entered_on=date(2019, 5, 1))
    fees = ClaimFactory(village=personas.yukou, origin="承包费拖欠")
    neighbour = ClaimFactory(village=personas.tuwu, origin="税费尾欠")

    count = claims_seal_tax_era(user=personas.cadre, village=personas.yukou)

    assert count == 3
    assert set(Claim.objects.filter(sealed=True).exclude(pk=already.pk)) == set(tax)
    for claim in tax:
        assert reload(claim).seal_reason.startswith("税费改革前")
        assert [e.kind for e in claim.events.all()] == [E.SEALED]
    for untouched in (fees, neighbour, cleared):
        assert reload(untouched).sealed is False
    assert reload(already).seal_reason == "早已封存"
    assert not already.events.exists()


def test_sealing_the_tax_era_twice_seals_nothing_more(personas):
    ClaimFactory(village=personas.yukou, origin="税费尾欠")
    claims_seal_tax_era(user=personas.cadre, village=personas.yukou)

    assert claims_seal_tax_era(user=personas.cadre, village=personas.yukou) == 0
    assert ClaimEvent.objects.count() == 1


@pytest.mark.parametrize("who", ["accountant", "inspector", "outsider"])
def test_sealing_the_tax_era_is_refused_to_those_without_the_right_or_the_scope(personas, who):
    ClaimFactory(village=personas.yukou, origin="税费尾欠")

    with pytest.raises(PermissionDenied):
        claims_seal_tax_era(user=getattr(personas, who), village=personas.yukou)
    assert not Claim.objects.filter(sealed=True).exists()


# --- 专人清收 -----------------------------------------------------------------------------------------


def test_a_collector_of_the_township_is_assigned_and_the_timeline_shows_it(personas, claim):
    claim_assign_collector(user=personas.cadre, claim=claim, collector=personas.collector, on=date(2025, 3, 3))

    assert reload(claim).collector == personas.collector
    [event] = claim.events.all()
    assert (event.kind, event.happened_on, event.created_by) == (E.COLLECTOR, date(2025, 3, 3), personas.cadre)
    assert str(personas.collector) in event.note


def test_the_village_accountant_can_be_the_collector(personas, claim):
    claim_assign_collector(user=personas.cadre, claim=claim, collector=personas.accountant)
    assert reload(claim).collector == personas.accountant


@pytest.mark.parametrize("who", ["inspector", "outsider", "admin"])
def test_the_collector_must_be_able_to_record_cash_in_that_village(personas, claim, who):
    with pytest.raises(ValidationError) as refused:
        claim_assign_collector(user=personas.cadre, claim=claim, collector=getattr(personas, who))

    assert refused.value.message_dict == {"collector": ["清收人须是能在该村登记收款的人员。"]}
    assert reload(claim).collector is None
    assert not claim.events.exists()


def test_an_accountant_of_another_village_cannot_collect_here(personas, claim):
    elsewhere = UserFactory(username="tuwu-acc", role=Role.VILLAGE, county=personas.county,
                            township=personas.yukou_town, village=personas.tuwu)

    with pytest.raises(ValidationError, match="清收人须是"):
        claim_assign_collector(user=personas.cadre, claim=claim, collector=elsewhere)

    at_home = ClaimFactory(village=personas.tuwu)
    claim_assign_collector(user=personas.cadre, claim=at_home, collector=elsewhere)
    assert reload(at_home).collector == elsewhere


def test_a_deactivated_collector_cannot_be_assigned(personas, claim):
    personas.collector.is_active = False
    personas.collector.save()

    with pytest.raises(ValidationError, match="清收人须是"):
        claim_assign_collector(user=personas.cadre, claim=claim, collector=personas.collector)


def test_the_accountant_cannot_assign_a_collector(personas, claim):
    with pytest.raises(PermissionDenied):
        claim_assign_collector(user=personas.accountant, claim=claim, collector=personas.collector)
    assert reload(claim).collector is None


# --- 诉讼时效 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("due", "lapses"), [
    (date(2024, 3, 1), date(2027, 3, 1)),
    (date(2023, 2, 28), date(2026, 2, 28)),
    (date(2024, 2, 29), date(2027, 2, 28)),
    (date(2023, 12, 31), date(2026, 12, 31)),
])
def test_a_claim_lapses_three_years_after_its_due_date(personas, due, lapses):
    claim = new_claim(personas, due)

    assert claim.clock_from == due
    assert reload(claim).lapse_on == lapses


def test_a_claim_without_a_due_date_shows_no_lapse_date(personas):
    claim = claim_create(user=personas.accountant, data=dict(
        village=personas.yukou, number="ZQ-无期", debtor=PartyFactory(village=personas.yukou), origin="借款",
        principal=Decimal("100.00")))

    assert reload(claim).lapse_on is None


@pytest.mark.parametrize("kind", [E.DEMAND, E.LETTER_CONFIRMED])
def test_a_served_demand_or_a_confirmed_letter_restarts_the_clock(personas, kind):
    claim = new_claim(personas, date(2023, 2, 28))

    claim_record_event(user=personas.collector, claim=claim, kind=kind, happened_on=date(2025, 6, 18))

    assert reload(claim).clock_from == date(2025, 6, 18)
    assert claim.lapse_on == date(2028, 6, 18)


def test_an_older_demand_does_not_move_the_clock_back(personas):
    claim = new_claim(personas, date(2023, 2, 28))
    claim_record_event(user=personas.collector, claim=claim, kind=E.LETTER_CONFIRMED, happened_on=date(2025, 6, 18))

    claim_record_event(user=personas.collector, claim=claim, kind=E.DEMAND, happened_on=date(2024, 9, 1),
                       note="补登去年送达的催收通知")

    assert reload(claim).clock_from == date(2025, 6, 18)
    assert timeline(claim) == [(E.DEMAND, date(2024, 9, 1)), (E.LETTER_CONFIRMED, date(2025, 6, 18))]


def test_a_demand_served_before_the_due_date_does_not_shorten_the_clock(personas):
    claim = new_claim(personas, date(2025, 3, 1))

    claim_record_event(user=personas.collector, claim=claim, kind=E.DEMAND, happened_on=date(2025, 1, 5))

    assert reload(claim).clock_from == date(2025, 3, 1)


def test_a_letter_merely_sent_does_not_restart_the_clock(personas):
    claim = new_claim(personas, date(2023, 2, 28))

    claim_record_event(user=personas.collector, claim=claim, kind=E.LETTER_SENT, happened_on=date(2025, 6, 18))

    assert reload(claim).clock_from == date(2023, 2, 28)
    assert claim.lapse_on == date(2026, 2, 28)
    assert timeline(claim) == [(E.LETTER_SENT, date(2025, 6, 18))]


def test_moving_the_due_date_keeps_a_later_restart(personas):
    claim = new_claim(personas, date(2023, 2, 28))
    claim_record_event(user=personas.collector, claim=claim, kind=E.DEMAND, happened_on=date(2025, 6, 18))

    claim_update(user=personas.accountant, claim=claim, data={"due_date": date(2024, 1, 31)})

    assert reload(claim).clock_from == date(2025, 6, 18)


def test_an_event_dated_tomorrow_is_refused(personas, claim):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        claim_record_event(user=personas.collector, claim=claim, kind=E.DEMAND,
                           happened_on=timezone.localdate() + timedelta(days=1))
    assert not claim.events.exists()


@pytest.mark.parametrize("who", ["inspector", "outsider"])
def test_events_are_refused_to_those_without_the_right_or_the_scope(personas, claim, who):
    with pytest.raises(PermissionDenied):
        claim_record_event(user=getattr(personas, who), claim=claim, kind=E.DEMAND, happened_on=date(2025, 6, 18))
    assert reload(claim).clock_from == date(2024, 3, 1)


# --- 依法追缴 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "event", "body"), [
    (LegalAction.Kind.COURT, E.COURT, "方山县人民法院"),
    (LegalAction.Kind.DISCIPLINE, E.DISCIPLINE, "方山县纪委监委"),
])
def test_a_legal_action_puts_an_event_on_each_of_its_claims(personas, kind, event, body):
    debtor = PartyFactory(village=personas.yukou)
    claims = [ClaimFactory(village=personas.yukou, debtor=debtor) for _ in range(2)]

    action = legal_action_create(user=personas.cadre, village=personas.yukou, kind=kind, claims=claims, body=body,
                                 filed_on=date(2025, 7, 1), case_number="（2025）晋1128民初123号")

    assert set(action.claims.all()) == set(claims)
    assert action.created_by == personas.cadre
    assert action.closed_on is None
    for claim in claims:
        [e] = claim.events.all()
        assert (e.kind, e.happened_on) == (event, date(2025, 7, 1))
        assert body in e.note and "（2025）晋1128民初123号" in e.note


def test_a_legal_action_closes_with_its_outcome(personas, claim):
    action = legal_action_create(user=personas.cadre, village=personas.yukou, kind=LegalAction.Kind.COURT,
                                 claims=[claim], body="方山县人民法院", filed_on=date(2025, 7, 1))

    legal_action_close(user=personas.cadre, action=action, outcome="判决被告于2025年12月31日前清偿全部欠款",
                       closed_on=date(2025, 10, 9))

    action.refresh_from_db()
    assert action.outcome == "判决被告于2025年12月31日前清偿全部欠款"
    assert action.closed_on == date(2025, 10, 9)


@pytest.mark.parametrize("outcome", ["", "   "])
def test_a_legal_action_cannot_close_without_an_outcome(personas, claim, outcome):
    action = legal_action_create(user=personas.cadre, village=personas.yukou, kind=LegalAction.Kind.COURT,
                                 claims=[claim], body="方山县人民法院", filed_on=date(2025, 7, 1))

    with pytest.raises(ValidationError, match="请填写结果"):
        legal_action_close(user=personas.cadre, action=action, outcome=outcome, closed_on=date(2025, 10, 9))
    action.refresh_from_db()
    assert action.closed_on is None


def test_a_legal_action_over_claims_of_two_villages_is_refused(personas, claim):
    neighbour = ClaimFactory(village=personas.tuwu)

    with pytest.raises(ValidationError, match="同一个村"):
        legal_action_create(user=personas.cadre, village=personas.yukou, kind=LegalAction.Kind.COURT,
                            claims=[claim, neighbour], body="方山县人民法院", filed_on=date(2025, 7, 1))
    assert not LegalAction.objects.exists()
    assert not ClaimEvent.objects.exists()


@pytest.mark.parametrize("who", ["accountant", "collector", "inspector", "outsider"])
def test_legal_actions_are_recorded_by_the_township_or_county_only(personas, claim, who):
    with pytest.raises(PermissionDenied):
        legal_action_create(user=getattr(personas, who), village=personas.yukou, kind=LegalAction.Kind.COURT,
                            claims=[claim], body="方山县人民法院", filed_on=date(2025, 7, 1))
    assert not LegalAction.objects.exists()


def test_the_accountant_cannot_close_a_legal_action(personas, claim):
    action = legal_action_create(user=personas.cadre, village=personas.yukou, kind=LegalAction.Kind.DISCIPLINE,
                                 claims=[claim], body="方山县纪委监委", filed_on=date(2025, 7, 1))

    with pytest.raises(PermissionDenied):
        legal_action_close(user=personas.accountant, action=action, outcome="已立案", closed_on=date(2025, 8, 1))
    action.refresh_from_db()
    assert action.outcome == ""
