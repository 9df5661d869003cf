"""Payments recorded at the same moment are applied one after the other: the
claim or debt row is locked, so the balance can never be overdrawn, and the
fixed lock order (claim before debt) means an offset never deadlocks.

Row locks are PostgreSQL's; SQLite serialises whole transactions, so these
tests run on the PostgreSQL path only (scripts/test.sh)."""
import io
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from threads import run_at_once

from debts import services
from debts.factories import ClaimFactory, DebtFactory, MoneyResolutionFactory
from debts.models import ClaimEntryKind, DebtEntryKind, Entry
from debts.services import claim_balance, debt_balance, entry_record, entry_reverse, offset_claim_against_debt
from fixtures.personas import build_personas

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; SQLite serialises whole transactions"),
    pytest.mark.django_db(transaction=True),
]

ON = date(2025, 5, 10)
THREADS = 20
PAYMENT = Decimal("700.00")


def assert_ledger_checks_out():
    out = io.StringIO()
    call_command("check_ledger", stdout=out)
    assert "台账核对无误" in out.getvalue()


def test_twenty_payments_at_once_on_one_claim_stop_exactly_where_the_balance_runs_out():
    personas = build_personas()
    claim = ClaimFactory(village=personas.yukou)
    collectors = [personas.accountant, personas.collector, personas.cadre, personas.county_office]

    def pay(n):
        return lambda: entry_record(user=collectors[n % len(collectors)], claim=claim, kind=ClaimEntryKind.CASH,
                                    amount=PAYMENT, entered_on=ON, voucher_no=f"收-{n:02d}")

    results, refusals, errors = run_at_once([pay(n) for n in range(THREADS)])

    assert errors == []
    assert len(results) == 14
    assert len(refusals) == 6
    for refused in refusals:
        assert refused.message_dict == {"amount": ["金额 700.00 元超过余额 200.00 元。"]}
    claim.refresh_from_db()
    assert claim_balance(claim) == Decimal("200.00")
    assert Entry.objects.filter(claim=claim).count() == 14
    assert_ledger_checks_out()


def test_twenty_repayments_and_offsets_at_once_on_one_debt_stop_exactly_where_the_balance_runs_out():
    personas = build_personas()
    claim = ClaimFactory(village=personas.yukou)
    debt = DebtFactory(village=personas.yukou, creditor=claim.debtor, principal=Decimal("9500.00"),
                       interest=Decimal("500.00"))
    passed = MoneyResolutionFactory(village=personas.yukou, covers=[claim, debt])

    def repay():
        return entry_record(user=personas.accountant, debt=debt, kind=DebtEntryKind.REPAYMENT, amount=PAYMENT,
                            entered_on=ON)

    def offset():
        return offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=PAYMENT,
                                         entered_on=ON, resolution=passed)

    results, refusals, errors = run_at_once([repay if n % 2 else offset for n in range(THREADS)])

    assert errors == []
    assert len(results) == 14
    assert len(refusals) == 6
    for refused in refusals:
        assert any(f"超过{what}余额 200.00 元" in message
                   for message in refused.messages for what in ("", "债务"))
    debt.refresh_from_db()
    claim.refresh_from_db()
    assert debt_balance(debt) == Decimal("200.00")
    offsets = Entry.objects.filter(debt=debt, kind=DebtEntryKind.CLAIM_OFFSET).count()
    assert Entry.objects.filter(claim=claim).count() == offsets
    assert claim_balance(claim) == Decimal("10000.00") - PAYMENT * offsets
    assert_ledger_checks_out()


def test_an_offset_and_a_reversal_started_from_the_debt_side_do_not_deadlock(monkeypatch):
    """The reversal is handed the debt's entry; it still locks the claim first, as the offset does.

    Each lock is held a moment before the next is asked for, so that both
    transactions are sure to hold their first row while asking for the second.
    """
    personas = build_personas()
    claim = ClaimFactory(village=personas.yukou)
    debt = DebtFactory(village=personas.yukou, creditor=claim.debtor)
    passed = MoneyResolutionFactory(village=personas.yukou, covers=[claim, debt])
    earlier = [offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("100.00"),
                                         entered_on=ON, resolution=passed)[1] for _ in range(5)]
    lock = services.lock_for_write

    def slow_lock(*args, **kwargs):
        locked = lock(*args, **kwargs)
        time.sleep(0.05)
        return locked

    monkeypatch.setattr(services, "lock_for_write", slow_lock)

    def offsets():
        for _ in range(5):
            offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("100.00"),
                                      entered_on=ON, resolution=passed)

    def reversals():
        for debt_side in earlier:
            entry_reverse(user=personas.cadre, entry=debt_side, reason="抵顶重复登记")

    results, refusals, errors = run_at_once([offsets, reversals], timeout=60)

    assert errors == [] and refusals == []
    assert len(results) == 2
    claim.refresh_from_db()
    debt.refresh_from_db()
    assert claim_balance(claim) == Decimal("9500.00")
    assert debt_balance(debt) == Decimal("49500.00")
    assert Entry.objects.filter(reverses__isnull=False).count() == 10
    assert_ledger_checks_out()


def test_two_offsets_on_the_same_pair_at_once_both_finish(monkeypatch):
    personas = build_personas()
    claim = ClaimFactory(village=personas.yukou)
    debt = DebtFactory(village=personas.yukou, creditor=claim.debtor)
    passed = MoneyResolutionFactory(village=personas.yukou, covers=[claim, debt])
    lock = services.lock_for_write

    def slow_lock(*args, **kwargs):
        locked = lock(*args, **kwargs)
        time.sleep(0.05)
        return locked

    monkeypatch.setattr(services, "lock_for_write", slow_lock)

    def offset(amount):
        return lambda: offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal(amount),
                                                 entered_on=ON, resolution=passed)

    results, refusals, errors = run_at_once([offset("1000.00"), offset("2345.67")], timeout=60)

    assert errors == [] and refusals == []
    assert len(results) == 2
    claim.refresh_from_db()
    debt.refresh_from_db()
    assert claim_balance(claim) == Decimal("6654.33")
    assert debt_balance(debt) == Decimal("46654.33")
    assert_ledger_checks_out()


def test_the_same_entry_reversed_twice_at_once_is_reversed_only_once():
    personas = build_personas()
    claim = ClaimFactory(village=personas.yukou)
    payment = entry_record(user=personas.accountant, claim=claim, kind=ClaimEntryKind.CASH,
                           amount=Decimal("1500.00"), entered_on=ON)

    def reverse():
        return entry_reverse(user=personas.accountant, entry=payment, reason="银行退票")

    results, refusals, errors = run_at_once([reverse, reverse])

    assert errors == []
    assert len(results) == 1
    assert len(refusals) == 1 and "已经冲正过" in refusals[0].messages[0]
    claim.refresh_from_db()
    assert claim_balance(claim) == Decimal("10000.00")
    assert_ledger_checks_out()
