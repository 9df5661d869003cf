"""`manage.py check_ledger` recomputes every balance from principal and entries and
fails on any fault. The faults are planted with raw SQL, the way a bad import or
a hand edit in the database would, past every rule of the services."""
import contextlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import base as management_base
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from contracts.factories import ResolutionFactory
from debts.factories import ClaimFactory, DebtFactory, MoneyResolutionFactory
from debts.ledger_check import check_ledger
from debts.models import ClaimEntryKind, DebtEntryKind, Entry
from debts.services import entry_record, entry_reverse, offset_claim_against_debt

ON = date(2025, 5, 10)
C = ClaimEntryKind
D = DebtEntryKind


@pytest.fixture
def ledger(personas):
    """A clean ledger: cash, a reversal, a write-off and an offset, all through the services."""
    claim = ClaimFactory(village=personas.yukou, number="ZQ-峪口-001")
    other = ClaimFactory(village=personas.yukou, number="ZQ-峪口-002", principal=Decimal("6000.00"))
    debt = DebtFactory(village=personas.yukou, number="ZW-峪口-001", creditor=claim.debtor,
                       principal=Decimal("20000.00"), interest=Decimal("500.00"))
    passed = MoneyResolutionFactory(village=personas.yukou, covers=[other, claim, debt])
    cash = entry_record(user=personas.accountant, claim=claim, kind=C.CASH, amount=Decimal("1000.00"), entered_on=ON)
    wrong = entry_record(user=personas.accountant, claim=claim, kind=C.CASH, amount=Decimal("99.99"), entered_on=ON)
    entry_reverse(user=personas.accountant, entry=wrong, reason="重复登记")
    entry_record(user=personas.cadre, claim=other, kind=C.WRITE_OFF, amount=Decimal("6000.00"), entered_on=ON,
                 resolution=passed)
    offset_claim_against_debt(user=personas.cadre, claim=claim, debt=debt, amount=Decimal("2500.00"), entered_on=ON,
                              resolution=passed)
    entry_record(user=personas.accountant, debt=debt, kind=D.REPAYMENT, amount=Decimal("3000.00"), entered_on=ON)
    return {"claim": claim, "other": other, "debt": debt, "passed": passed, "cash": cash, "user": personas.accountant}


def insert_entry(user, *, kind, amount, claim=None, debt=None, resolution=None, reverses=None, counterpart=None):
    """One row written straight into the table, as a hand edit in the database would."""
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO debts_entry (kind, amount, entered_on, voucher_no, note, created_at, claim_id, debt_id,"
            " resolution_id, reverses_id, counterpart_id, created_by_id)"
            " VALUES (%s, %s, %s, '', '', %s, %s, %s, %s, %s, %s, %s)",
            [kind, ops.adapt_decimalfield_value(Decimal(amount), 14, 2), ops.adapt_datefield_value(ON),
             ops.adapt_datetimefield_value(timezone.now()),
             *[getattr(row, "pk", None) for row in (claim, debt, resolution, reverses, counterpart)], user.pk])
    return Entry.objects.order_by("-pk").first()


@contextlib.contextmanager
def negative_amounts_allowed():
    """Switch off the check that only a reversal may be negative, for this test's transaction only."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
        else:
            # DDL is transactional on PostgreSQL: the test's rollback restores the constraint.
            # The foreign keys checked at commit are checked now, as ALTER TABLE needs.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE debts_entry DROP CONSTRAINT entry_negative_only_as_reversal")
            yield


def run_check() -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("check_ledger", stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def assert_fails_naming(*fragments) -> str:
    output, error = run_check()
    assert error is not None, output
    assert error.returncode != 0
    assert "台账核对无误" not in output
    for fragment in fragments:
        assert fragment in output
    return output


# --- A clean ledger ------------------------------------------------------------------------------------------


def test_a_clean_ledger_passes_and_says_so(ledger):
    output, error = run_check()

    assert error is None
    assert "台账核对无误" in output
    assert "债权 2 笔，本金 16,000.00 元，余额 6,500.00 元" in output
    assert "债务 1 笔，本金 20,000.00 元，余额（含利息）15,000.00 元；分录 7 条" in output


def test_the_report_recomputes_every_total_from_principal_and_entries(ledger):
    report = check_ledger()

    assert (report.claims, report.debts, report.entries) == (2, 1, 7)
    assert report.claim_principal == Decimal("16000.00")
    assert report.claim_balance == Decimal("6500.00")
    assert report.debt_principal == Decimal("20000.00")
    assert report.debt_balance == Decimal("15000.00")
    assert report.faults == []


def test_an_empty_ledger_passes(db):
    output, error = run_check()

    assert error is None
    assert "债权 0 笔，本金 0.00 元" in output
    assert "台账核对无误" in output


def test_the_command_exits_zero_on_a_clean_ledger_and_one_on_a_fault(ledger, monkeypatch, capsys):
    # The command closes every connection when it ends; the test still needs its own.
    monkeypatch.setattr(management_base.connections, "close_all", lambda: None)

    execute_from_command_line(["manage.py", "check_ledger"])
    assert "台账核对无误" in capsys.readouterr().out

    insert_entry(ledger["user"], kind=C.CASH, amount="6500.01", claim=ledger["claim"])
    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "check_ledger"])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert "ZQ-峪口-001" in captured.out
    assert "发现 1 处问题" in captured.err


# --- Faults planted past the services ------------------------------------------------------------------------


def test_an_entry_that_overdraws_a_claim_is_found(ledger):
    insert_entry(ledger["user"], kind=C.CASH, amount="6500.01", claim=ledger["claim"])

    assert_fails_naming("债权 峪口村 ZQ-峪口-001：余额为负（-0.01 元）")


def test_an_entry_that_overdraws_a_debt_is_found(ledger):
    insert_entry(ledger["user"], kind=D.REPAYMENT, amount="15000.01", debt=ledger["debt"])

    assert_fails_naming("债务 峪口村 ZW-峪口-001：余额为负（-0.01 元）")


def test_a_write_off_whose_resolution_did_not_pass_is_found(personas, ledger):
    failed = ResolutionFactory(village=personas.yukou, members_present=29, votes_against=9)
    failed.refresh_from_db()
    assert failed.passed is False
    planted = insert_entry(ledger["user"], kind=C.WRITE_OFF, amount="100.00", claim=ledger["claim"],
                           resolution=failed)

    assert_fails_naming(f"分录 #{planted.pk}（债权 峪口村 ZQ-峪口-001，核销 100.00 元）：没有已通过的民主决议")


def test_a_debt_write_off_without_any_resolution_is_found(ledger):
    planted = insert_entry(ledger["user"], kind=D.WRITE_OFF, amount="100.00", debt=ledger["debt"])

    assert_fails_naming(f"分录 #{planted.pk}（债务 峪口村 ZW-峪口-001，核销 100.00 元）")


def test_a_reversal_of_another_claims_entry_is_found_naming_both_claims(ledger):
    planted = insert_entry(ledger["user"], kind=C.CASH, amount="-1000.00", claim=ledger["other"],
                           reverses=ledger["cash"])

    assert_fails_naming(f"冲正分录 #{planted.pk}（债权 峪口村 ZQ-峪口-002）：冲正的分录 #{ledger['cash'].pk} "
                        f"属于债权 峪口村 ZQ-峪口-001，不是同一笔债权债务")


def test_a_reversal_that_lifts_a_claim_above_its_principal_is_found(ledger):
    fresh = ClaimFactory(village=ledger["claim"].village, number="ZQ-峪口-003", principal=Decimal("800.00"))
    insert_entry(ledger["user"], kind=C.CASH, amount="-1000.00", claim=fresh, reverses=ledger["cash"])

    assert_fails_naming("债权 峪口村 ZQ-峪口-003：余额 1,800.00 元超过本金 800.00 元")


def test_a_reversal_for_a_different_amount_is_found(ledger):
    planted = insert_entry(ledger["user"], kind=C.CASH, amount="-10.00", claim=ledger["claim"],
                           reverses=ledger["cash"])

    assert_fails_naming(
        f"冲正分录 #{planted.pk}（债权 峪口村 ZQ-峪口-001）：金额或类型与原分录 #{ledger['cash'].pk} 不相反")


def test_a_reversal_of_a_reversal_is_found(ledger):
    reversal = Entry.objects.get(reverses__isnull=False, claim=ledger["claim"])
    planted = insert_entry(ledger["user"], kind=C.CASH, amount="-99.99", claim=ledger["claim"], reverses=reversal)

    assert_fails_naming(f"冲正分录 #{planted.pk}（债权 峪口村 ZQ-峪口-001）：冲正的分录 #{reversal.pk} 本身是冲正分录")


def test_a_negative_entry_that_names_no_original_is_found(ledger):
    with negative_amounts_allowed():
        planted = insert_entry(ledger["user"], kind=C.ADJUSTMENT, amount="-50.00", claim=ledger["claim"])

    assert planted.amount == Decimal("-50.00") and planted.reverses_id is None
    assert_fails_naming(f"分录 #{planted.pk}（债权 峪口村 ZQ-峪口-001，-50.00 元）：负数金额但没有指明冲正的分录")


def test_the_database_itself_refuses_a_negative_entry_that_names_no_original(ledger):
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_entry(ledger["user"], kind=C.ADJUSTMENT, amount="-50.00", claim=ledger["claim"])


def test_an_offset_whose_two_sides_differ_is_found(ledger):
    claim_side = insert_entry(ledger["user"], kind=C.CROSS_OFFSET, amount="300.00", claim=ledger["claim"],
                              resolution=ledger["passed"])
    debt_side = insert_entry(ledger["user"], kind=D.CLAIM_OFFSET, amount="200.00", debt=ledger["debt"],
                             resolution=ledger["passed"], counterpart=claim_side)

    assert_fails_naming(f"抵顶分录 #{debt_side.pk}（债务 峪口村 ZW-峪口-001）与 #{claim_side.pk}"
                        f"（债权 峪口村 ZQ-峪口-001）：两边不对应")


def test_every_fault_is_listed_and_counted(personas, ledger):
    insert_entry(ledger["user"], kind=C.CASH, amount="6500.01", claim=ledger["claim"])
    insert_entry(ledger["user"], kind=D.WRITE_OFF, amount="100.00", debt=ledger["debt"])

    output, error = run_check()

    assert str(error) == "发现 2 处问题。"
    assert output.count("✗") == 2


def test_a_claim_cleared_to_the_cent_by_several_payments_is_not_reported_negative(personas):
    # On SQLite these three sum to a hair above 13,233.59 in binary floating point.
    claim = ClaimFactory(village=personas.yukou, principal=Decimal("13233.59"))
    for amount in ("4241.02", "5387.29", "3605.28"):
        entry_record(user=personas.accountant, claim=claim, kind=C.CASH, amount=Decimal(amount), entered_on=ON)

    output, error = run_check()

    assert error is None, output
    assert "余额 0.00 元" in output
