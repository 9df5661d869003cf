"""The append-only ledger of claims and debts (DOMAIN.md §7, §8) at the service level:
every kind of entry moves the balance by exactly its amount, the rules that
refuse an entry, reversals, offsets, and claims made from a contract's arrears."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from contracts.factories import ContractFactory, ResolutionFactory
from contracts.services import current_proposals, instalment_record_payment, schedule_generate_annual
from core.models import AuditEntry
from debts.factories import ClaimFactory, DebtFactory, MoneyResolutionFactory
from debts.models import Claim, ClaimEntryKind, DebtEntryKind, Entry
from debts.services import (
    claim_balance,
    claim_seal,
    claim_update,
    claims_from_contract,
    debt_balance,
    entry_record,
    entry_reverse,
    offset_claim_against_debt,
)

ON = date(2025, 5, 10)
C = ClaimEntryKind
D = DebtEntryKind


@pytest.fixture
def claim(personas):
    return ClaimFactory(village=personas.yukou, number="ZQ-峪口-001")


@pytest.fixture
def debt(personas, claim):
    """What the village owes the claim's debtor: 50,000.00 plus 3,000.00 interest."""
    return DebtFactory(village=personas.yukou, creditor=claim.debtor, principal=Decimal("50000.00"),
                       interest=Decimal("3000.00"))


@pytest.fixture
def passed(personas, claim, debt):
    """A passed vote that names the claim and the debt."""
    return MoneyResolutionFactory(village=personas.yukou, covers=[claim, debt])


def balance_of(owner) -> Decimal:
    owner.refresh_from_db()
    return claim_balance(owner) if isinstance(owner, Claim) else debt_balance(owner)


def record(user, owner, kind, amount, *, resolution=None, entered_on=ON, **extra):
    side = {"claim": owner} if isinstance(owner, Claim) else {"debt": owner}
    return entry_record(user=user, kind=kind, amount=Decimal(amount), entered_on=entered_on,
                        resolution=resolution, **side, **extra)


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Each kind of entry moves the balance by exactly its amount ------------------------------------------


@pytest.mark.parametrize(("kind", "who", "needs_resolution"), [
    (C.CASH, "accountant", False),
    (C.DIVIDEND_OFFSET, "cadre", True),
    (C.CROSS_OFFSET, "cadre", True),
    # Above the 1,000 元 limit an adjustment or an asset taken in lieu is the township's, on a passed vote.
    (C.ASSET_IN_LIEU, "cadre", True),
    (C.ADJUSTMENT, "cadre", True),
    (C.WRITE_OFF, "cadre", True),
    (C.WAIVER, "cadre", True),
])
def test_each_kind_of_claim_entry_takes_exactly_its_amount_off_the_balance(personas, claim, passed, kind, who,
                                                                          needs_resolution):
    entry = record(getattr(personas, who), claim, kind, "1234.56", resolution=passed if needs_resolution else None)

    assert balance_of(claim) == Decimal("8765.44")
    assert entry.claim == claim and entry.debt is None
    assert entry.kind == kind and entry.amount == Decimal("1234.56")


@pytest.mark.parametrize(("kind", "who", "needs_resolution"), [
    (D.REPAYMENT, "accountant", False),
    (D.ASSET_SETTLEMENT, "cadre", True),
    (D.INTEREST_CUT, "accountant", False),
    (D.WRITE_OFF, "cadre", True),
])
def test_each_kind_of_debt_entry_takes_exactly_its_amount_off_principal_and_interest(personas, debt, passed, kind,
                                                                                    who, needs_resolution):
    assert balance_of(debt) == Decimal("53000.00")

    record(getattr(personas, who), debt, kind, "2999.99", resolution=passed if needs_resolution else None)

    assert balance_of(debt) == Decimal("50000.01")


def test_an_offset_takes_the_same_amount_off_the_claim_and_the_debt(personas, claim, debt, passed):
    claim_side, debt_side = offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt,
                                                      amount=Decimal("4321.09"), entered_on=ON, resolution=passed)

    assert balance_of(claim) == Decimal("5678.91")
    assert balance_of(debt) == Decimal("48678.91")
    assert (claim_side.kind, debt_side.kind) == (C.CROSS_OFFSET, D.CLAIM_OFFSET)
    assert debt_side.counterpart == claim_side
    assert claim_side.resolution == debt_side.resolution == passed


def test_an_offset_between_different_parties_is_refused(personas, claim, passed):
    stranger_debt = DebtFactory(village=personas.yukou)

    with pytest.raises(ValidationError, match="同一当事人"):
        offset_claim_against_debt(user=personas.cadre, claim=claim, debt=stranger_debt, amount=Decimal("100.00"),
                                  entered_on=ON, resolution=passed)
    assert not Entry.objects.exists()


def test_an_offset_larger_than_the_claim_is_refused_naming_the_claim_balance(personas, claim, debt, passed):
    with pytest.raises(ValidationError) as refused:
        offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("10000.01"),
                                  entered_on=ON, resolution=passed)

    assert "超过债权余额 10,000.00 元" in messages(refused.value)
    assert not Entry.objects.exists()


def test_an_offset_dated_in_the_future_is_refused(personas, claim, debt, passed):
    with pytest.raises(ValidationError, match="不能晚于今天"):
        offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("100.00"),
                                  entered_on=timezone.localdate() + timedelta(days=1), resolution=passed)
    assert not Entry.objects.exists()


def test_the_accountant_cannot_offset(personas, claim, debt, passed):
    with pytest.raises(PermissionDenied):
        offset_claim_against_debt(user=personas.accountant, claim=claim, debt=debt, amount=Decimal("100.00"),
                                  entered_on=ON, resolution=passed)
    assert not Entry.objects.exists()


# --- Kinds of the wrong side -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [D.REPAYMENT, D.CLAIM_OFFSET, D.ASSET_SETTLEMENT, D.INTEREST_CUT])
def test_a_debt_kind_is_refused_on_a_claim(personas, claim, passed, kind):
    with pytest.raises(ValidationError, match="不是债权的分录类型"):
        record(personas.cadre, claim, kind, "100.00", resolution=passed)
    assert not Entry.objects.exists()


@pytest.mark.parametrize("kind", [C.CASH, C.DIVIDEND_OFFSET, C.CROSS_OFFSET, C.ASSET_IN_LIEU, C.ADJUSTMENT,
                                  C.WAIVER])
def test_a_claim_kind_is_refused_on_a_debt(personas, debt, passed, kind):
    with pytest.raises(ValidationError, match="不是债务的分录类型"):
        record(personas.cadre, debt, kind, "100.00", resolution=passed)
    assert not Entry.objects.exists()


def test_an_offset_on_a_debt_alone_is_refused_because_the_claim_side_would_be_missing(personas, debt, passed):
    with pytest.raises(ValidationError, match="同时冲减对应债权"):
        record(personas.cadre, debt, D.CLAIM_OFFSET, "100.00", resolution=passed)
    assert balance_of(debt) == Decimal("53000.00")


# --- Resolutions -------------------------------------------------------------------------------------------

NEEDING_A_RESOLUTION = [("claim", C.DIVIDEND_OFFSET), ("claim", C.CROSS_OFFSET), ("claim", C.WRITE_OFF),
                        ("claim", C.WAIVER), ("debt", D.WRITE_OFF)]


@pytest.mark.parametrize(("side", "kind"), NEEDING_A_RESOLUTION)
def test_a_kind_that_gives_money_away_is_refused_without_a_resolution(request, personas, side, kind):
    owner = request.getfixturevalue(side)

    with pytest.raises(ValidationError) as refused:
        record(personas.cadre, owner, kind, "100.00")

    assert refused.value.message_dict == {"resolution": [f"“{kind}”须经民主决策，请选择已通过的决议。"]}
    assert not Entry.objects.exists()


@pytest.mark.parametrize(("side", "kind"), NEEDING_A_RESOLUTION)
def test_a_kind_that_gives_money_away_is_refused_with_a_failed_resolution(request, personas, side, kind):
    owner = request.getfixturevalue(side)
    failed = ResolutionFactory(village=personas.yukou, members_present=29, votes_against=9)  # one short of 2/3

    with pytest.raises(ValidationError, match="未获通过"):
        record(personas.cadre, owner, kind, "100.00", resolution=failed)
    assert not Entry.objects.exists()


@pytest.mark.parametrize(("side", "kind"), NEEDING_A_RESOLUTION)
def test_a_kind_that_gives_money_away_is_refused_with_another_villages_resolution(request, personas, side, kind):
    owner = request.getfixturevalue(side)
    elsewhere = ResolutionFactory(village=personas.tuwu)

    with pytest.raises(ValidationError, match="不是本村的决议"):
        record(personas.cadre, owner, kind, "100.00", resolution=elsewhere)
    assert not Entry.objects.exists()


@pytest.mark.parametrize(("side", "kind"), NEEDING_A_RESOLUTION)
def test_a_kind_that_gives_money_away_is_recorded_with_a_passed_resolution(request, personas, passed, side, kind):
    owner = request.getfixturevalue(side)

    entry = record(personas.cadre, owner, kind, "100.00", resolution=passed)

    assert entry.resolution == passed
    assert Entry.objects.get() == entry


def test_an_offset_with_a_failed_resolution_moves_neither_side(personas, claim, debt):
    failed = ResolutionFactory(village=personas.yukou, votes_for=15, votes_against=11)  # half of 30 is not enough

    with pytest.raises(ValidationError, match="未获通过"):
        offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("100.00"),
                                  entered_on=ON, resolution=failed)
    assert (balance_of(claim), balance_of(debt)) == (Decimal("10000.00"), Decimal("53000.00"))


# --- Who may record what ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "side", "kind", "allowed"), [
    ("collector", "claim", C.CASH, True),
    ("collector", "claim", C.ADJUSTMENT, False),
    ("collector", "claim", C.ASSET_IN_LIEU, False),
    ("collector", "claim", C.WRITE_OFF, False),
    ("collector", "debt", D.REPAYMENT, False),
    ("accountant", "claim", C.CASH, True),
    ("accountant", "claim", C.ADJUSTMENT, True),
    ("accountant", "claim", C.WRITE_OFF, False),
    ("accountant", "claim", C.WAIVER, False),
    ("accountant", "claim", C.DIVIDEND_OFFSET, False),
    ("accountant", "debt", D.REPAYMENT, True),
    ("accountant", "debt", D.WRITE_OFF, False),
    ("cadre", "claim", C.WRITE_OFF, True),
    ("cadre", "debt", D.WRITE_OFF, True),
    ("county_office", "claim", C.WAIVER, True),
    ("inspector", "claim", C.CASH, False),
    ("inspector", "debt", D.REPAYMENT, False),
    ("outsider", "claim", C.CASH, False),
    ("outsider", "claim", C.WRITE_OFF, False),
])
def test_each_role_records_only_the_kinds_it_is_allowed(request, personas, passed, who, side, kind, allowed):
    owner = request.getfixturevalue(side)
    user = getattr(personas, who)
    before = balance_of(owner)

    if allowed:
        record(user, owner, kind, "100.00", resolution=passed)
        assert balance_of(owner) == before - Decimal("100.00")
        assert Entry.objects.get().created_by == user
    else:
        with pytest.raises(PermissionDenied):
            record(user, owner, kind, "100.00", resolution=passed)
        assert balance_of(owner) == before
        assert not Entry.objects.exists()
        assert not AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Entry)).exists()


def test_the_refusal_tells_the_collector_which_kind_is_not_theirs(personas, claim):
    with pytest.raises(PermissionDenied, match="您的角色不能登记“账务调整”"):
        record(personas.collector, claim, C.ADJUSTMENT, "100.00")


# --- Amounts and dates --------------------------------------------------------------------------------------


def test_exactly_the_balance_is_accepted_and_clears_the_claim(personas, claim):
    record(personas.accountant, claim, C.CASH, "2000.00")

    record(personas.accountant, claim, C.CASH, "8000.00")

    assert balance_of(claim) == Decimal("0.00")


def test_one_cent_more_than_the_balance_is_refused_with_a_message_naming_the_balance(personas, claim):
    record(personas.accountant, claim, C.CASH, "2000.00")

    with pytest.raises(ValidationError) as refused:
        record(personas.accountant, claim, C.CASH, "8000.01")

    assert refused.value.message_dict == {"amount": ["金额 8,000.01 元超过余额 8,000.00 元。"]}
    assert balance_of(claim) == Decimal("8000.00")
    assert Entry.objects.count() == 1


def test_nothing_more_is_accepted_on_a_cleared_claim(personas, claim):
    record(personas.accountant, claim, C.CASH, "10000.00")

    with pytest.raises(ValidationError, match="超过余额 0.00 元"):
        record(personas.accountant, claim, C.CASH, "0.01")


def test_a_debt_cannot_be_repaid_beyond_principal_and_interest(personas, debt):
    with pytest.raises(ValidationError) as refused:
        record(personas.accountant, debt, D.REPAYMENT, "53000.01")

    assert "超过余额 53,000.00 元" in messages(refused.value)
    record(personas.accountant, debt, D.REPAYMENT, "53000.00")
    assert balance_of(debt) == Decimal("0.00")


@pytest.mark.parametrize(("amount", "why"), [
    (Decimal("100.005"), "两位小数"),
    (Decimal("0.001"), "两位小数"),
    (Decimal("0"), "大于0"),
    (Decimal("0.00"), "大于0"),
    (Decimal("-100.00"), "大于0"),
    (100.0, "精确"),
    ("100.00", "精确"),
])
def test_an_amount_that_is_not_a_positive_number_of_cents_is_refused(personas, claim, amount, why):
    with pytest.raises(ValidationError, match=why):
        entry_record(user=personas.accountant, claim=claim, kind=C.CASH, amount=amount, entered_on=ON)
    assert not Entry.objects.exists()


def test_an_entry_dated_tomorrow_is_refused_and_one_dated_today_is_accepted(personas, claim):
    with pytest.raises(ValidationError, match="业务日期不能晚于今天"):
        record(personas.accountant, claim, C.CASH, "100.00", entered_on=timezone.localdate() + timedelta(days=1))

    record(personas.accountant, claim, C.CASH, "100.00", entered_on=timezone.localdate())
    assert balance_of(claim) == Decimal("9900.00")


def test_a_sealed_claim_refuses_every_entry(personas, claim, passed):
    claim_seal(user=personas.cadre, claim=claim, reason="三提五统")

    for kind in (C.CASH, C.WRITE_OFF):
        with pytest.raises(ValidationError, match="已封存"):
            record(personas.cadre, claim, kind, "100.00", resolution=passed)
    assert not Entry.objects.exists()


def test_a_sealed_claim_cannot_be_offset(personas, claim, debt, passed):
    claim_seal(user=personas.cadre, claim=claim, reason="三提五统")

    with pytest.raises(ValidationError, match="已封存"):
        offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("100.00"),
                                  entered_on=ON, resolution=passed)
    assert balance_of(debt) == Decimal("53000.00")


# --- Reversals ----------------------------------------------------------------------------------------------


def test_a_reversal_restores_the_balance_exactly_and_names_the_original(personas, claim):
    record(personas.accountant, claim, C.CASH, "500.00")
    original = record(personas.accountant, claim, C.CASH, "1500.25")

    reversal = entry_reverse(user=personas.accountant, entry=original, reason="收据号登记错误")

    assert balance_of(claim) == Decimal("9500.00")
    assert reversal.reverses == original
    assert reversal.amount == Decimal("-1500.25")
    assert reversal.kind == C.CASH and reversal.claim == claim
    assert "收据号登记错误" in reversal.note
    assert original.reversed_by == reversal


def test_a_reversal_cannot_itself_be_reversed(personas, claim):
    reversal = entry_reverse(user=personas.accountant, entry=record(personas.accountant, claim, C.CASH, "500.00"),
                             reason="重复登记")

    with pytest.raises(ValidationError, match="冲正分录不能再冲正"):
        entry_reverse(user=personas.accountant, entry=reversal, reason="再冲一次")
    assert balance_of(claim) == Decimal("10000.00")
    assert Entry.objects.count() == 2


def test_an_entry_cannot_be_reversed_twice(personas, claim):
    original = record(personas.accountant, claim, C.CASH, "500.00")
    entry_reverse(user=personas.accountant, entry=original, reason="重复登记")

    with pytest.raises(ValidationError, match="已经冲正过"):
        entry_reverse(user=personas.accountant, entry=original, reason="重复登记")
    assert balance_of(claim) == Decimal("10000.00")
    assert Entry.objects.count() == 2


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reversal_needs_a_reason(personas, claim, reason):
    original = record(personas.accountant, claim, C.CASH, "500.00")

    with pytest.raises(ValidationError, match="冲正须写明原因"):
        entry_reverse(user=personas.accountant, entry=original, reason=reason)
    assert Entry.objects.count() == 1


def test_a_reversal_dated_in_the_future_is_refused(personas, claim):
    original = record(personas.accountant, claim, C.CASH, "500.00")

    with pytest.raises(ValidationError, match="不能晚于今天"):
        entry_reverse(user=personas.accountant, entry=original, reason="登记错误",
                      entered_on=timezone.localdate() + timedelta(days=1))
    assert Entry.objects.count() == 1


def test_reversing_a_write_off_needs_the_right_to_write_off(personas, claim, passed):
    write_off = record(personas.cadre, claim, C.WRITE_OFF, "500.00", resolution=passed)

    with pytest.raises(PermissionDenied):
        entry_reverse(user=personas.accountant, entry=write_off, reason="不应核销")
    assert balance_of(claim) == Decimal("9500.00")


@pytest.mark.parametrize("side", ["claim", "debt"])
def test_reversing_either_side_of_an_offset_reverses_both(personas, claim, debt, passed, side):
    claim_side, debt_side = offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt,
                                                      amount=Decimal("3000.00"), entered_on=ON, resolution=passed)

    entry_reverse(user=personas.cadre, entry=claim_side if side == "claim" else debt_side, reason="抵顶金额有误")

    assert balance_of(claim) == Decimal("10000.00")
    assert balance_of(debt) == Decimal("53000.00")
    claim_side.refresh_from_db()
    debt_side.refresh_from_db()
    assert claim_side.reversed_by.amount == Decimal("-3000.00")
    assert debt_side.reversed_by.amount == Decimal("-3000.00")
    assert claim_side.reversed_by.claim == claim and debt_side.reversed_by.debt == debt


def test_an_offset_reversed_on_one_side_cannot_be_reversed_from_the_other(personas, claim, debt, passed):
    claim_side, debt_side = offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt,
                                                      amount=Decimal("3000.00"), entered_on=ON, resolution=passed)
    entry_reverse(user=personas.cadre, entry=claim_side, reason="抵顶金额有误")

    with pytest.raises(ValidationError, match="已经冲正过"):
        entry_reverse(user=personas.cadre, entry=debt_side, reason="抵顶金额有误")
    assert Entry.objects.count() == 4


# --- Entries are never changed ------------------------------------------------------------------------------


def test_an_entry_cannot_be_changed_or_removed_through_the_model(personas, claim):
    entry = record(personas.accountant, claim, C.CASH, "500.00")

    entry.amount = Decimal("5.00")
    with pytest.raises(ValidationError, match="不能修改"):
        entry.save()
    with pytest.raises(ValidationError, match="不能删除"):
        entry.delete()

    assert Entry.objects.get().amount == Decimal("500.00")


def test_entries_cannot_be_changed_or_removed_in_bulk_through_the_orm(personas, claim):
    record(personas.accountant, claim, C.CASH, "500.00")

    with pytest.raises(ValidationError, match="不能修改"):
        Entry.objects.filter(claim=claim).update(amount=Decimal("5.00"))
    with pytest.raises(ValidationError, match="不能删除"):
        Entry.objects.filter(claim=claim).delete()
    with pytest.raises(ValidationError, match="不能删除"):
        claim.entries.all().delete()

    assert Entry.objects.get().amount == Decimal("500.00")
    assert balance_of(claim) == Decimal("9500.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL")
@pytest.mark.parametrize("sql", ["UPDATE debts_entry SET amount = 1", "DELETE FROM debts_entry"])
def test_postgresql_refuses_to_change_or_remove_entries_by_sql(personas, claim, sql):
    record(personas.accountant, claim, C.CASH, "500.00")

    with pytest.raises(Exception) as refused, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)

    assert "分录只能新增" in str(refused.value)
    assert Entry.objects.get().amount == Decimal("500.00")


def test_a_claims_principal_cannot_be_edited(personas, claim):
    with pytest.raises(ValidationError, match="账务调整"):
        claim_update(user=personas.accountant, claim=claim, data={"principal": Decimal("9000.00")})

    claim.refresh_from_db()
    assert claim.principal == Decimal("10000.00")


def test_a_claim_cannot_be_sealed_by_editing_it(personas, claim):
    with pytest.raises(ValidationError):
        claim_update(user=personas.cadre, claim=claim, data={"sealed": True})

    claim.refresh_from_db()
    assert claim.sealed is False


# --- Audit --------------------------------------------------------------------------------------------------


def test_each_entry_writes_an_audit_row_on_the_claim_naming_who_recorded_it(personas, claim):
    entry = record(personas.collector, claim, C.CASH, "500.00", voucher_no="记-031")

    [row] = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Entry), object_id=entry.pk)
    assert row.record == f"claim:{claim.pk}"
    assert row.actor == personas.collector
    assert row.village_id == personas.yukou.pk


def test_a_reversal_and_both_sides_of_an_offset_are_audited_under_their_own_records(personas, claim, debt, passed):
    claim_side, debt_side = offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt,
                                                      amount=Decimal("100.00"), entered_on=ON, resolution=passed)
    entry_reverse(user=personas.county_office, entry=claim_side, reason="抵顶有误")

    rows = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Entry))
    assert sorted((r.record, r.actor.username) for r in rows) == sorted([
        (f"claim:{claim.pk}", "cadre"), (f"debt:{debt.pk}", "cadre"),
        (f"claim:{claim.pk}", "countyoffice"), (f"debt:{debt.pk}", "countyoffice"),
    ])


# --- Claims from a contract's arrears -----------------------------------------------------------------------


@pytest.fixture
def contract_in_arrears(personas):
    """Fees of 3,500.00 due each 1 March from 2020; by June 2022 the 2020 fee is paid,
    1,000.00 of the 2021 fee is paid, and the 2022 fee is unpaid."""
    contract = ContractFactory(village=personas.yukou, number="HT-2020-007")
    instalments = schedule_generate_annual(user=personas.accountant, contract=contract)
    instalment_record_payment(user=personas.accountant, instalment=instalments[0], amount=Decimal("3500.00"),
                              paid_on=date(2020, 3, 1))
    instalment_record_payment(user=personas.accountant, instalment=instalments[1], amount=Decimal("1000.00"),
                              paid_on=date(2021, 4, 1))
    return contract


def test_each_overdue_unpaid_instalment_becomes_one_claim_for_what_is_outstanding(personas, contract_in_arrears):
    claims = claims_from_contract(user=personas.accountant, contract=contract_in_arrears, today=date(2022, 6, 1))

    assert [(c.due_date, c.principal) for c in claims] == [
        (date(2021, 3, 1), Decimal("2500.00")),
        (date(2022, 3, 1), Decimal("3500.00")),
    ]
    for claim in claims:
        assert claim.contract == contract_in_arrears
        assert claim.debtor == contract_in_arrears.counterparty
        assert claim.village == personas.yukou
        assert claim.origin == "承包费拖欠"
        assert claim.instalment.due_date == claim.due_date
        assert claim.clock_from == claim.due_date
        assert balance_of(claim) == claim.principal


def test_an_instalment_due_today_is_not_yet_overdue(personas, contract_in_arrears):
    claims = claims_from_contract(user=personas.accountant, contract=contract_in_arrears, today=date(2022, 3, 1))

    assert [c.due_date for c in claims] == [date(2021, 3, 1)]


def test_claims_are_made_from_a_contract_only_once(personas, contract_in_arrears):
    first = claims_from_contract(user=personas.accountant, contract=contract_in_arrears, today=date(2022, 6, 1))

    again = claims_from_contract(user=personas.accountant, contract=contract_in_arrears, today=date(2022, 6, 1))

    assert len(first) == 2
    assert again == []
    assert Claim.objects.filter(contract=contract_in_arrears).count() == 2


def test_a_later_run_adds_only_the_instalments_that_fell_due_since(personas, contract_in_arrears):
    claims_from_contract(user=personas.accountant, contract=contract_in_arrears, today=date(2022, 6, 1))

    later = claims_from_contract(user=personas.accountant, contract=contract_in_arrears, today=date(2023, 6, 1))

    assert [(c.due_date, c.principal) for c in later] == [(date(2023, 3, 1), Decimal("3500.00"))]


def test_nobody_outside_the_village_or_without_the_right_can_make_claims_from_a_contract(personas,
                                                                                        contract_in_arrears):
    for user in (personas.outsider, personas.inspector, personas.collector):
        with pytest.raises(PermissionDenied):
            claims_from_contract(user=user, contract=contract_in_arrears, today=date(2022, 6, 1))
    assert not Claim.objects.exists()


def test_an_instalment_that_became_a_claim_refuses_payments_on_the_contract(personas, contract_in_arrears):
    [claim, _] = claims_from_contract(user=personas.accountant, contract=contract_in_arrears,
                                      today=date(2022, 6, 1))

    with pytest.raises(ValidationError, match="已转为债权"):
        instalment_record_payment(user=personas.accountant, instalment=claim.instalment, amount=Decimal("100.00"),
                                  paid_on=date(2022, 6, 2))
    claim.instalment.refresh_from_db()
    assert claim.instalment.paid_amount == Decimal("1000.00")


def test_the_arrears_problem_goes_away_once_the_claims_are_collected_in_full(personas, contract_in_arrears):
    on = date(2022, 6, 1)
    claims = claims_from_contract(user=personas.accountant, contract=contract_in_arrears, today=on)
    assert "P05" in {p.code for p in current_proposals(contract_in_arrears, today=on)}

    record(personas.accountant, claims[0], C.CASH, "2500.00")
    record(personas.accountant, claims[1], C.CASH, "3499.99")
    [p05] = [p for p in current_proposals(contract_in_arrears, today=on) if p.code == "P05"]
    assert "合计 0.01 元" in p05.reason

    record(personas.accountant, claims[1], C.CASH, "0.01")
    assert "P05" not in {p.code for p in current_proposals(contract_in_arrears, today=on)}


def test_a_reversed_collection_brings_the_arrears_problem_back(personas, contract_in_arrears):
    on = date(2022, 6, 1)
    claims = claims_from_contract(user=personas.accountant, contract=contract_in_arrears, today=on)
    record(personas.accountant, claims[0], C.CASH, "2500.00")
    last = record(personas.accountant, claims[1], C.CASH, "3500.00")
    assert "P05" not in {p.code for p in current_proposals(contract_in_arrears, today=on)}

    entry_reverse(user=personas.accountant, entry=last, reason="银行退票")

    [p05] = [p for p in current_proposals(contract_in_arrears, today=on) if p.code == "P05"]
    assert "合计 3,500.00 元" in p05.reason
