"""The integrity check of the money ledger, used by `manage.py check_ledger`.

Everything is recomputed by the database from principal and entries; nothing
stored is trusted.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from .models import NEEDS_RESOLUTION, Claim, Debt, Entry

ZERO = Decimal("0")
MONEY = DecimalField(max_digits=16, decimal_places=2)


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


def _entries_sum(owner_field: str):
    rows = (Entry.objects.filter(**{owner_field: OuterRef("pk")}).order_by().values(owner_field)
            .annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(rows, output_field=MONEY), ZERO, output_field=MONEY)


def check_ledger() -> LedgerReport:
    report = LedgerReport()
    claims = Claim.objects.annotate(taken=_entries_sum("claim")).annotate(
        balance=ExpressionWrapper(F("principal") - F("taken"), output_field=MONEY))
    debts = Debt.objects.annotate(taken=_entries_sum("debt")).annotate(
        balance=ExpressionWrapper(F("principal") + F("interest") - F("taken"), output_field=MONEY))
    totals = claims.aggregate(n=Count("pk"), principal=Coalesce(Sum("principal"), ZERO),
                              balance=Coalesce(Sum("balance"), ZERO, output_field=MONEY))
    report.claims, report.claim_principal, report.claim_balance = totals["n"], totals["principal"], totals["balance"]
    totals = debts.aggregate(n=Count("pk"), principal=Coalesce(Sum("principal"), ZERO),
                             balance=Coalesce(Sum("balance"), ZERO, output_field=MONEY))
    report.debts, report.debt_principal, report.debt_balance = totals["n"], totals["principal"], totals["balance"]
    report.entries = Entry.objects.count()

    for claim in claims.filter(balance__lt=0).select_related("village"):
        report.faults.append(f"债权 {claim.village.name} {claim.number}：余额为负（{claim.balance} 元）")
    for claim in claims.filter(balance__gt=F("principal")).select_related("village"):
        report.faults.append(
            f"债权 {claim.village.name} {claim.number}：余额 {claim.balance} 元超过本金 {claim.principal} 元")
    for debt in debts.filter(balance__lt=0).select_related("village"):
        report.faults.append(f"债务 {debt.village.name} {debt.number}：余额为负（{debt.balance} 元）")

    unresolved = (Entry.objects.filter(kind__in=NEEDS_RESOLUTION, reverses__isnull=True)
                  .filter(Q(resolution__isnull=True) | Q(resolution__passed=False)))
    for entry in unresolved.select_related("claim", "debt"):
        report.faults.append(f"分录 #{entry.pk}（{entry.kind} {entry.amount} 元，{entry.owner}）：没有已通过的民主决议")

    reversals = Entry.objects.filter(reverses__isnull=False).select_related("reverses")
    for reversal in reversals:
        original = reversal.reverses
        same_owner = reversal.claim_id == original.claim_id and reversal.debt_id == original.debt_id
        if not same_owner:
            report.faults.append(f"冲正分录 #{reversal.pk}：冲正的分录 #{original.pk} 不属于同一笔债权债务")
        if original.reverses_id:
            report.faults.append(f"冲正分录 #{reversal.pk}：冲正的分录 #{original.pk} 本身是冲正分录")
        if reversal.amount != -original.amount or reversal.kind != original.kind:
            report.faults.append(f"冲正分录 #{reversal.pk}：金额或类型与原分录 #{original.pk} 不相反")
    for entry in Entry.objects.filter(amount__lt=0, reverses__isnull=True):
        report.faults.append(f"分录 #{entry.pk}：负数金额但没有指明冲正的分录")

    for debt_side in Entry.objects.filter(counterpart__isnull=False).select_related("counterpart"):
        claim_side = debt_side.counterpart
        if not claim_side.claim_id or not debt_side.debt_id or claim_side.amount != debt_side.amount:
            report.faults.append(f"抵顶分录 #{debt_side.pk} 与 #{claim_side.pk}：两边不对应")
    return report
