"""诉前调解 (DOMAIN.md §8, step 6): an agreement paid in instalments; a missed
instalment, once its grace days are over, makes the whole balance due."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from debts.factories import ClaimFactory
from debts.models import Claim, ClaimEntryKind, ClaimEvent, MediationCase
from debts.services import (
    claim_seal,
    entry_record,
    entry_reverse,
    mediation_check,
    mediation_check_all,
    mediation_create,
)
from debts.tasks import check_mediation_cases
from fixtures.personas import build_personas
from villages.factories import PartyFactory

S = MediationCase.State
AGREED = date(2025, 1, 10)
# 2,000.00 by 1 March and 3,000.00 by 1 June, ten days' grace each.
PLAN = [(date(2025, 3, 1), Decimal("2000.00")), (date(2025, 6, 1), Decimal("3000.00"))]
FIRST_DEADLINE = date(2025, 3, 11)
SECOND_DEADLINE = date(2025, 6, 11)


@pytest.fixture
def claims(personas):
    """Two claims on one debtor: 10,000.00 and 6,000.00."""
    debtor = PartyFactory(village=personas.yukou, name="刘建军")
    return [ClaimFactory(village=personas.yukou, debtor=debtor, number="ZQ-001"),
            ClaimFactory(village=personas.yukou, debtor=debtor, number="ZQ-002", principal=Decimal("6000.00"))]


def open_case(personas, claims, *, number="（2025）峪调字第1号", plan=PLAN, grace_days=10):
    return mediation_create(user=personas.cadre, village=personas.yukou, number=number, claims=claims,
                            mediator="峪口镇人民调解委员会", agreement_date=AGREED, plan=plan, grace_days=grace_days)


def pay(personas, claim, amount, on):
    return entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH, amount=Decimal(amount),
                        entered_on=on)


def state_on(case, today):
    return mediation_check(case=case, today=today)


# --- Opening a case --------------------------------------------------------------------------------------


def test_a_case_is_opened_over_its_claims_with_its_plan_and_an_event_on_each_claim(personas, claims):
    case = open_case(personas, claims)

    assert case.state == S.ACTIVE and case.defaulted_on is None
    assert set(case.claims.all()) == set(claims)
    assert [p.name for p in case.parties.all()] == ["刘建军"]
    assert [(i.due_date, i.amount) for i in case.plan.all()] == PLAN
    for claim in claims:
        [event] = claim.events.all()
        assert (event.kind, event.happened_on) == (ClaimEvent.Kind.MEDIATION, AGREED)
        assert "（2025）峪调字第1号" in event.note


def test_a_plan_is_kept_in_date_order_whatever_order_it_was_typed_in(personas, claims):
    case = open_case(personas, claims, plan=list(reversed(PLAN)))

    assert [i.due_date for i in case.plan.all()] == [date(2025, 3, 1), date(2025, 6, 1)]


def test_a_plan_of_exactly_the_balance_is_accepted(personas, claims):
    pay(personas, claims[0], "1000.00", date(2024, 12, 1))

    case = open_case(personas, claims, plan=[(date(2025, 3, 1), Decimal("15000.00"))])

    assert case.plan.get().amount == Decimal("15000.00")


def test_a_plan_totalling_more_than_the_balance_is_refused(personas, claims):
    pay(personas, claims[0], "1000.00", date(2024, 12, 1))

    with pytest.raises(ValidationError) as refused:
        open_case(personas, claims, plan=[(date(2025, 3, 1), Decimal("7000.00")),
                                          (date(2025, 6, 1), Decimal("8000.01"))])

    assert refused.value.message_dict == {"plan": ["分期合计 15,000.01 元超过债权余额 15,000.00 元。"]}
    assert not MediationCase.objects.exists()
    assert not ClaimEvent.objects.exists()


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-1.00"), Decimal("10.001")])
def test_a_plan_instalment_that_is_not_a_positive_number_of_cents_is_refused(personas, claims, amount):
    with pytest.raises(ValidationError):
        open_case(personas, claims, plan=[(date(2025, 3, 1), amount)])
    assert not MediationCase.objects.exists()


def test_a_sealed_claim_cannot_be_mediated(personas, claims):
    claim_seal(user=personas.cadre, claim=claims[1], reason="三提五统")

    with pytest.raises(ValidationError, match="已封存的债权不能调解"):
        open_case(personas, claims)
    assert not MediationCase.objects.exists()


def test_claims_of_two_villages_cannot_be_in_one_case(personas, claims):
    neighbour = ClaimFactory(village=personas.tuwu)

    with pytest.raises(ValidationError, match="同一个村"):
        open_case(personas, [claims[0], neighbour])
    assert not MediationCase.objects.exists()
    assert not ClaimEvent.objects.exists()


def test_a_case_needs_claims_and_a_plan(personas, claims):
    with pytest.raises(ValidationError, match="请选择调解涉及的债权"):
        open_case(personas, [])
    with pytest.raises(ValidationError, match="请填写分期还款计划"):
        open_case(personas, claims, plan=[])


def test_a_case_number_is_unique_in_its_village(personas, claims):
    open_case(personas, claims[:1], plan=[(date(2025, 3, 1), Decimal("100.00"))])

    with pytest.raises(ValidationError, match="相同案号"):
        open_case(personas, claims[1:], plan=[(date(2025, 3, 1), Decimal("100.00"))])
    assert MediationCase.objects.count() == 1


@pytest.mark.parametrize("who", ["accountant", "collector", "inspector", "outsider"])
def test_only_the_township_or_county_opens_a_case(personas, claims, who):
    with pytest.raises(PermissionDenied):
        mediation_create(user=getattr(personas, who), village=personas.yukou, number="（2025）峪调字第1号",
                         claims=claims, mediator="峪口镇人民调解委员会", agreement_date=AGREED, plan=PLAN)
    assert not MediationCase.objects.exists()


# --- Checking a case against its plan ---------------------------------------------------------------------


def test_a_case_paid_on_time_stays_active(personas, claims):
    case = open_case(personas, claims)
    pay(personas, claims[0], "2000.00", date(2025, 2, 27))

    assert state_on(case, date(2025, 5, 31)).state == S.ACTIVE
    case.refresh_from_db()
    assert case.defaulted_on is None
    assert not ClaimEvent.objects.filter(kind=ClaimEvent.Kind.DEFAULT).exists()


def test_an_instalment_paid_late_but_within_the_grace_days_keeps_the_case_active(personas, claims):
    case = open_case(personas, claims)
    pay(personas, claims[1], "2000.00", FIRST_DEADLINE)

    assert state_on(case, date(2025, 3, 12)).state == S.ACTIVE


def test_on_the_last_day_of_grace_the_case_has_not_yet_defaulted(personas, claims):
    case = open_case(personas, claims)

    assert state_on(case, FIRST_DEADLINE).state == S.ACTIVE
    assert not ClaimEvent.objects.filter(kind=ClaimEvent.Kind.DEFAULT).exists()


def test_the_day_after_the_grace_days_an_unpaid_instalment_makes_the_case_default(personas, claims):
    case = open_case(personas, claims)

    checked = state_on(case, date(2025, 3, 12))

    case.refresh_from_db()
    assert checked.state == case.state == S.DEFAULTED
    assert case.defaulted_on == FIRST_DEADLINE
    for claim in claims:
        [event] = claim.events.filter(kind=ClaimEvent.Kind.DEFAULT)
        assert event.happened_on == FIRST_DEADLINE
        assert "第 1 期（2025-03-01）未按期履行，余额全部到期" in event.note


def test_on_default_the_whole_balance_falls_due_and_the_clock_runs_from_that_day(personas, claims):
    """ZQ-001 was due in 2023: under the agreement its clock was suspended; on default the balance falls due on
    the default day, so the claim's due date, its aging and its lapse move there."""
    from core.bounds import add_years
    from core.domain import limitation_years

    claims[0].due_date = date(2023, 6, 30)
    claims[0].save()
    case = open_case(personas, claims)
    assert Claim.objects.get(pk=claims[0].pk).clock_suspended

    state_on(case, date(2025, 3, 12))

    for claim in Claim.objects.filter(pk__in=[c.pk for c in claims]):
        assert claim.due_date == FIRST_DEADLINE
        assert (claim.clock_suspended, claim.clock_from) == (False, FIRST_DEADLINE)
        assert claim.lapse_on == add_years(FIRST_DEADLINE, limitation_years())


def test_without_grace_days_the_day_after_the_due_date_is_a_default(personas, claims):
    case = open_case(personas, claims, grace_days=0)

    assert state_on(case, date(2025, 3, 1)).state == S.ACTIVE
    assert state_on(case, date(2025, 3, 2)).state == S.DEFAULTED


def test_one_cent_short_of_an_instalment_is_a_default(personas, claims):
    case = open_case(personas, claims)
    pay(personas, claims[0], "1999.99", date(2025, 3, 1))

    assert state_on(case, date(2025, 3, 12)).state == S.DEFAULTED


def test_a_missed_second_instalment_is_a_default_on_its_own_deadline(personas, claims):
    case = open_case(personas, claims)
    pay(personas, claims[0], "2000.00", date(2025, 3, 1))
    pay(personas, claims[0], "2999.99", date(2025, 6, 1))

    assert state_on(case, SECOND_DEADLINE).state == S.ACTIVE
    checked = state_on(case, date(2025, 6, 12))

    assert checked.state == S.DEFAULTED and checked.defaulted_on == SECOND_DEADLINE
    assert "第 2 期" in claims[1].events.get(kind=ClaimEvent.Kind.DEFAULT).note


def test_payments_made_before_the_agreement_do_not_count_towards_the_plan(personas, claims):
    pay(personas, claims[0], "2000.00", date(2025, 1, 9))
    case = open_case(personas, claims)

    assert state_on(case, date(2025, 3, 12)).state == S.DEFAULTED


def test_a_reversed_payment_does_not_count_towards_the_plan(personas, claims):
    case = open_case(personas, claims)
    bounced = pay(personas, claims[0], "2000.00", date(2025, 2, 20))
    entry_reverse(user=personas.accountant, entry=bounced, reason="银行退票", entered_on=date(2025, 2, 25))

    assert state_on(case, date(2025, 3, 12)).state == S.DEFAULTED


def test_a_defaulted_case_is_marked_only_once(personas, claims):
    case = open_case(personas, claims)
    state_on(case, date(2025, 3, 12))

    again = state_on(case, date(2025, 7, 1))

    assert again.defaulted_on == FIRST_DEADLINE
    assert ClaimEvent.objects.filter(kind=ClaimEvent.Kind.DEFAULT).count() == 2


def test_a_case_whose_plan_is_paid_in_full_is_fulfilled(personas, claims):
    case = open_case(personas, claims)
    pay(personas, claims[0], "2000.00", date(2025, 2, 28))
    pay(personas, claims[1], "3000.00", date(2025, 5, 30))

    checked = state_on(case, date(2025, 6, 1))

    case.refresh_from_db()
    assert checked.state == case.state == S.FULFILLED
    assert case.defaulted_on is None
    assert not ClaimEvent.objects.filter(kind=ClaimEvent.Kind.DEFAULT).exists()


def test_paying_the_whole_plan_early_fulfils_the_case_at_once(personas, claims):
    case = open_case(personas, claims)
    pay(personas, claims[0], "5000.00", date(2025, 1, 20))

    assert state_on(case, date(2025, 1, 21)).state == S.FULFILLED


def test_a_fulfilled_case_never_defaults_afterwards(personas, claims):
    case = open_case(personas, claims)
    pay(personas, claims[0], "5000.00", date(2025, 1, 20))
    state_on(case, date(2025, 1, 21))

    assert state_on(case, date(2025, 12, 31)).state == S.FULFILLED
    assert not ClaimEvent.objects.filter(kind=ClaimEvent.Kind.DEFAULT).exists()


def test_the_daily_check_counts_what_it_checked_defaulted_and_fulfilled(personas, claims):
    defaults = open_case(personas, claims[:1], number="调-1", plan=[(date(2025, 3, 1), Decimal("1000.00"))])
    fulfils = open_case(personas, claims[1:], number="调-2", plan=[(date(2025, 3, 1), Decimal("1000.00"))])
    pay(personas, claims[1], "1000.00", date(2025, 2, 1))
    other = ClaimFactory(village=personas.tuwu)
    waits = mediation_create(user=personas.cadre, village=personas.tuwu, number="调-3", claims=[other],
                             mediator="土屋村调解小组", agreement_date=AGREED,
                             plan=[(date(2025, 9, 1), Decimal("1000.00"))])

    counts = mediation_check_all(today=date(2025, 4, 1))

    assert counts == {"checked": 3, "defaulted": 1, "fulfilled": 1}
    for case, state in ((defaults, S.DEFAULTED), (fulfils, S.FULFILLED), (waits, S.ACTIVE)):
        case.refresh_from_db()
        assert case.state == state
    assert mediation_check_all(today=date(2025, 4, 1)) == {"checked": 1, "defaulted": 0, "fulfilled": 0}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_daily_task_runs_through_the_worker_and_marks_a_default(task_worker):
    personas = build_personas()
    claim = ClaimFactory(village=personas.yukou)
    case = open_case(personas, [claim], plan=[(date(2025, 3, 1), Decimal("1000.00"))])

    result = check_mediation_cases.delay()

    assert result.get(timeout=30) == {"checked": 1, "defaulted": 1, "fulfilled": 0}
    case.refresh_from_db()
    assert case.state == S.DEFAULTED
    assert case.defaulted_on == FIRST_DEADLINE
    assert claim.events.filter(kind=ClaimEvent.Kind.DEFAULT, happened_on=FIRST_DEADLINE).exists()
