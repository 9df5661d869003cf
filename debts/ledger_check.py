"""The integrity check of the money ledger, used by `manage.py check_ledger`.

Everything is recomputed by the database from principal and entries; nothing
stored is trusted.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.functions import Round

from core.money import MONEY_SUM, ZERO, cents, format_yuan, money_sum

from .models import NEEDS_RESOLUTION, Claim, ClaimEntryKind, Debt, DebtEntryKind, Entry
from .selectors import sum_of_entries


@dataclass
class LedgerReport:
    claims: int = 0
    debts: int = 0
    entries: int = 0
    claim_principal: Decimal = ZERO
    claim_balance: Decimal = ZERO
    debt_principal: Decimal = ZERO
    debt_balance: Decimal = ZERO
    faults: list[str] = field(default_factory=list)


def _owner(entry: Entry) -> str:
    """Which claim or debt an entry belongs to, as people look it up: village and number."""
    if entry.claim_id:
        return f"债权 {entry.claim.village.name} {entry.claim.number}"
    if entry.debt_id:
        return f"债务 {entry.debt.village.name} {entry.debt.number}"
    return "不属于任何债权债务"


OWNERS = ("claim__village", "debt__village")


def _total(queryset, expression) -> Decimal:
    return cents(queryset.aggregate(total=money_sum(expression))["total"])


def check_ledger() -> LedgerReport:
    report = LedgerReport()
    # Rounded to the cent in the database: SQLite computes with binary floats, and
    # a balance of exactly zero must not come out a hair below it.
    claims = Claim.objects.annotate(taken=sum_of_entries("claim")).annotate(
        balance=Round(F("principal") - F("taken"), 2, output_field=MONEY_SUM))
    debts = Debt.objects.annotate(taken=sum_of_entries("debt")).annotate(
        balance=Round(F("principal") + F("interest") - F("taken"), 2, output_field=MONEY_SUM))
    report.claims, report.debts, report.entries = Claim.objects.count(), Debt.objects.count(), Entry.objects.count()
    report.claim_principal = _total(Claim.objects, "principal")
    report.claim_balance = report.claim_principal - _total(Entry.objects.filter(claim__isnull=False), "amount")
    report.debt_principal = _total(Debt.objects, "principal")
    report.debt_balance = (report.debt_principal + _total(Debt.objects, "interest")
                           - _total(Entry.objects.filter(debt__isnull=False), "amount"))

    for claim in claims.filter(balance__lt=0).select_related("village"):
        report.faults.append(f"债权 {claim.village.name} {claim.number}：余额为负（{format_yuan(claim.balance)} 元）")
    for claim in claims.filter(balance__gt=F("principal")).select_related("village"):
        report.faults.append(f"债权 {claim.village.name} {claim.number}：余额 {format_yuan(claim.balance)} 元"
                             f"超过本金 {format_yuan(claim.principal)} 元")
    for debt in debts.filter(balance__lt=0).select_related("village"):
        report.faults.append(f"债务 {debt.village.name} {debt.number}：余额为负（{format_yuan(debt.balance)} 元）")
    for debt in debts.filter(balance__gt=F("principal") + F("interest")).select_related("village"):
        report.faults.append(f"债务 {debt.village.name} {debt.number}：余额 {format_yuan(debt.balance)} 元超过本息合计")

    wrong_side = (Entry.objects.filter(claim__isnull=False).exclude(kind__in=ClaimEntryKind.values)
                  | Entry.objects.filter(debt__isnull=False).exclude(kind__in=DebtEntryKind.values))
    for entry in wrong_side.select_related(*OWNERS):
        report.faults.append(f"分录 #{entry.pk}（{_owner(entry)}）：类型“{entry.kind}”不属于这一边的分录")
    foreign = (Entry.objects.filter(resolution__isnull=False, claim__isnull=False)
               .exclude(resolution__village_id=F("claim__village_id"))
               | Entry.objects.filter(resolution__isnull=False, debt__isnull=False)
               .exclude(resolution__village_id=F("debt__village_id")))
    for entry in foreign.select_related(*OWNERS):
        report.faults.append(f"分录 #{entry.pk}（{_owner(entry)}）：所依据的民主决议不是本村的决议")

    unresolved = (Entry.objects.filter(kind__in=NEEDS_RESOLUTION, reverses__isnull=True)
                  .filter(Q(resolution__isnull=True) | Q(resolution__passed=False)))
    for entry in unresolved.select_related(*OWNERS):
        report.faults.append(
            f"分录 #{entry.pk}（{_owner(entry)}，{entry.kind} {format_yuan(entry.amount)} 元）：没有已通过的民主决议")

    reversals = Entry.objects.filter(reverses__isnull=False).select_related(
        *OWNERS, "reverses__claim__village", "reverses__debt__village")
    for reversal in reversals:
        original = reversal.reverses
        where = f"冲正分录 #{reversal.pk}（{_owner(reversal)}）"
        same_owner = reversal.claim_id == original.claim_id and reversal.debt_id == original.debt_id
        if not same_owner:
            report.faults.append(f"{where}：冲正的分录 #{original.pk} 属于{_owner(original)}，不是同一笔债权债务")
        if original.reverses_id:
            report.faults.append(f"{where}：冲正的分录 #{original.pk} 本身是冲正分录")
        if reversal.amount != -original.amount or reversal.kind != original.kind:
            report.faults.append(f"{where}：金额或类型与原分录 #{original.pk} 不相反")
    for entry in Entry.objects.filter(amount__lt=0, reverses__isnull=True).select_related(*OWNERS):
        report.faults.append(
            f"分录 #{entry.pk}（{_owner(entry)}，{format_yuan(entry.amount)} 元）：负数金额但没有指明冲正的分录")

    debt_sides = Entry.objects.filter(counterpart__isnull=False).select_related(
        *OWNERS, "counterpart__claim__village", "counterpart__debt__village")
    for debt_side in debt_sides:
        claim_side = debt_side.counterpart
        if not claim_side.claim_id or not debt_side.debt_id or claim_side.amount != debt_side.amount:
            report.faults.append(f"抵顶分录 #{debt_side.pk}（{_owner(debt_side)}）与 #{claim_side.pk}"
                                 f"（{_owner(claim_side)}）：两边不对应")
    return report
