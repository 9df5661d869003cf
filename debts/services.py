"""Every write to claims, debts and their ledger, and to the records of the seven clearing steps.

Each money movement locks the claim or debt row (`select_for_update`), so that
payments recorded at the same moment are applied one after the other and the
balance can never be overdrawn.
"""
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.models import Contract, Instalment, Resolution
from contracts.services import instalment_mark_claimed, instalment_record_cleared_on_claim, resolution_lock_for_use
from core import permissions as perms
from core.audit import acting_as
from core.bounds import add_days
from core.domain import adjustment_limit
from core.money import ZERO, format_yuan, money_sum
from core.scoping import villages_for
from core.services import lock_for_write, record_create, record_update, require_perm, require_village_in_scope

from . import rules
from .limitation import PERFORMANCE_KINDS, store_clocks
from .models import (
    NEEDS_RESOLUTION,
    NEEDS_RESOLUTION_ABOVE_LIMIT,
    Claim,
    ClaimEntryKind,
    ClaimEvent,
    ClaimOrigin,
    Debt,
    DebtEntryKind,
    DiscountRule,
    Entry,
    LegalAction,
    MediationCase,
    MediationInstalment,
)

ENTRY_PERMISSION = {
    ClaimEntryKind.CASH: perms.LEDGER_CASH,
    ClaimEntryKind.ASSET_IN_LIEU: perms.LEDGER_ENTRY,
    ClaimEntryKind.ADJUSTMENT: perms.LEDGER_ENTRY,
    DebtEntryKind.REPAYMENT: perms.LEDGER_ENTRY,
    DebtEntryKind.ASSET_SETTLEMENT: perms.LEDGER_ENTRY,
    DebtEntryKind.INTEREST_CUT: perms.LEDGER_ENTRY,
    **{kind: perms.LEDGER_RESOLVE for kind in NEEDS_RESOLUTION},
}


# --- Helpers ---------------------------------------------------------------------


def entries_total(*, claim: Claim | None = None, debt: Debt | None = None) -> Decimal:
    """What the entries have taken off, net of reversals, summed by the database."""
    owner = {"claim": claim} if claim is not None else {"debt": debt}
    return Entry.objects.filter(**owner).aggregate(total=money_sum("amount"))["total"]


def claim_balance(claim: Claim) -> Decimal:
    return claim.principal - entries_total(claim=claim)


def debt_balance(debt: Debt) -> Decimal:
    return debt.principal + debt.interest - entries_total(debt=debt)


def _check_amount(amount) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError({"amount": "金额必须是精确的元、角、分。"})
    if amount <= 0:
        raise ValidationError({"amount": "金额必须大于0。"})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": "金额最多两位小数（分）。"})
    return amount


def _check_date(entered_on: date) -> date:
    if entered_on > timezone.localdate():
        raise ValidationError({"entered_on": "业务日期不能晚于今天。"})
    return entered_on


def _check_resolution(kind: str, amount: Decimal, resolution: Resolution | None, owner: Claim | Debt,
                      entered_on: date, discount_rule: DiscountRule | None = None) -> None:
    """An entry that gives money away rests on a passed resolution of the owner's village, voted on or before
    the entry's date, whose subject names this claim or debt (DOMAIN.md §7), within the amount it named; or,
    for the 减免 of a discount settlement, whose discount rule reaches this claim."""
    if not rules.needs_resolution(kind, amount):
        return
    if resolution is None:
        raise ValidationError({"resolution": f"“{kind}”须经民主决策，请选择已通过的决议。"})
    if resolution.village_id != owner.village_id:
        raise ValidationError({"resolution": "所选决议不是本村的决议。"})
    # Held until this entry commits: the resolution cannot be edited between this check and the entry.
    resolution = resolution_lock_for_use(resolution)
    if resolution.details_pending:
        raise ValidationError({"resolution": f"所选决议由台账导入、详情待补录，补录并表决通过后才能{kind}。"})
    if not resolution.passed:
        raise ValidationError({"resolution": f"所选决议（{resolution.date_label}）未获通过，不能{kind}。"})
    if resolution.resolved_on > entered_on:
        raise ValidationError({"resolution": f"所选决议 {resolution.resolved_on:%Y-%m-%d} 才表决通过，晚于业务日期 "
                                             f"{entered_on:%Y-%m-%d}：须先经民主决策，后{kind}。"})
    rules.check_resolution_covers(resolution, owner, kind, amount, discount_rule=discount_rule)


# --- Claims and debts -------------------------------------------------------------------


@transaction.atomic
def claim_create(*, user, data: dict[str, Any]) -> Claim:
    require_perm(user, perms.CLAIM_EDIT, message="您的角色不能登记债权。")
    require_village_in_scope(user, data["village"])
    def prepare(claim):
        rules.new_claim_clock(claim)
        rules.seal_tax_era(claim)

    claim = record_create(Claim, user=user, data=data, prepare=prepare)
    if claim.sealed:
        _event(claim, user, ClaimEvent.Kind.SEALED, timezone.localdate(), claim.seal_reason)
    return claim


@transaction.atomic
def claim_update(*, user, claim: Claim, data: dict[str, Any], expected_version: int | None = None) -> Claim:
    """The facts of a claim. The amount is not among them: money moves only by entries."""
    require_perm(user, perms.CLAIM_EDIT, message="您的角色不能修改债权。")
    if "principal" in data or "sealed" in data:
        raise ValidationError("金额和封存状态不能直接修改：金额请用“账务调整”分录，封存请用“打包封存”。")
    lock_for_write(Claim, claim, user=user)
    updated = record_update(claim, user=user, data=data, expected_version=expected_version)
    store_clocks([updated])
    if updated.origin == ClaimOrigin.TAX_ERA and not updated.sealed and claim_balance(updated) > 0:
        # Now known to be a tax-era claim: out of collection from this moment, as if registered so.
        rules.seal_tax_era(updated)
        _event(updated, user, ClaimEvent.Kind.SEALED, timezone.localdate(), updated.seal_reason)
        updated = record_update(updated, user=user, data={"sealed": True, "seal_reason": updated.seal_reason})
    return updated


@transaction.atomic
def debt_create(*, user, data: dict[str, Any]) -> Debt:
    require_perm(user, perms.CLAIM_EDIT, message="您的角色不能登记债务。")
    require_village_in_scope(user, data["village"])
    return record_create(Debt, user=user, data=data)


@transaction.atomic
def debt_update(*, user, debt: Debt, data: dict[str, Any], expected_version: int | None = None) -> Debt:
    require_perm(user, perms.CLAIM_EDIT, message="您的角色不能修改债务。")
    if "principal" in data or "interest" in data:
        raise ValidationError("本金和利息不能直接修改，请用相应的化解分录。")
    lock_for_write(Debt, debt, user=user)
    return record_update(debt, user=user, data=data, expected_version=expected_version)


@transaction.atomic
def claims_from_contract(*, user, contract: Contract, today: date | None = None) -> list[Claim]:
    """Turn each overdue, unpaid instalment of a contract into a claim, once.

    Collection does not wait for the contract's paperwork: this works at any stage. Each instalment handed
    over is marked on the contract's schedule, which from then on takes no payment of its own: the money
    is collected on the claim.
    """
    # The contract is locked as every write to its schedule locks it, so a payment recorded on the contract
    # at the same moment is either in the claim's amount or refused.
    locked = lock_for_write(Contract, contract, user=user, perm=perms.CLAIM_EDIT, message="您的角色不能登记债权。")
    today = today or timezone.localdate()
    overdue = (Instalment.objects.select_for_update()
               .filter(contract=locked, due_date__lt=today, claimed_on__isnull=True).order_by("due_date", "id"))
    created = []
    for instalment in overdue:
        outstanding = instalment.amount - instalment.paid_amount
        if outstanding <= 0:
            continue
        number = f"{locked.number}-{instalment.due_date:%Y%m%d}"
        created.append(record_create(Claim, user=user, data=dict(
            village=locked.village, number=number, debtor=locked.counterparty, origin=ClaimOrigin.FEES,
            origin_note=f"{instalment.note or '承包费'}（{instalment.due_date:%Y-%m-%d} 到期）", contract=locked,
            instalment=instalment, principal=outstanding, occurred_on=instalment.due_date,
            due_date=instalment.due_date, clock_from=instalment.due_date)))
        instalment_mark_claimed(user=user, instalment=instalment, on=today)
    return created


def _carry_to_instalment(claim: Claim, user) -> None:
    """A claim made from a contract's instalment tells the instalment what it has cleared so far
    (the contract's arrears rule reads it there)."""
    if claim.instalment_id:
        instalment_record_cleared_on_claim(user=user, instalment=claim.instalment_id,
                                           cleared=entries_total(claim=claim))


# --- The ledger -----------------------------------------------------------------------------


def _valid_kinds(owner) -> list[str]:
    return ClaimEntryKind.values if isinstance(owner, Claim) else DebtEntryKind.values


@transaction.atomic
def entry_record(*, user, kind: str, amount: Decimal, entered_on: date, claim: Claim | None = None,
                 debt: Debt | None = None, voucher_no: str = "", note: str = "",
                 resolution: Resolution | None = None) -> Entry:
    """Record one movement of money. Refused if it would take the balance below zero."""
    if (claim is None) == (debt is None):
        raise ValueError("An entry belongs to exactly one claim or one debt.")
    model, owner = (Claim, claim) if claim is not None else (Debt, debt)
    if kind not in _valid_kinds(owner):
        raise ValidationError({"kind": f"“{kind}”不是{model._meta.verbose_name}的分录类型。"})
    if kind in (ClaimEntryKind.CROSS_OFFSET, DebtEntryKind.CLAIM_OFFSET) and claim is None:
        raise ValidationError("债权抵顶须同时冲减对应债权，请用“债权抵顶”办理。")
    require_perm(user, ENTRY_PERMISSION[kind], message=f"您的角色不能登记“{kind}”。")
    if kind in NEEDS_RESOLUTION_ABOVE_LIMIT and rules.needs_resolution(kind, amount):
        require_perm(user, perms.LEDGER_RESOLVE, message=f"超过 {format_yuan(adjustment_limit())} 元的“{kind}”"
                                                         f"须由乡镇专班办理，并经民主决策。")
    return _post_entry(user=user, model=model, owner=owner, kind=kind, amount=amount, entered_on=entered_on,
                       claim=claim, debt=debt, voucher_no=voucher_no, note=note, resolution=resolution)


@transaction.atomic
def entry_record_from_ledger(*, user, kind: str, amount: Decimal, entered_on: date | None, claim: Claim | None = None,
                             debt: Debt | None = None, note: str = "") -> Entry:
    """The entry an imported ledger row's 已清收金额 / 已化解金额 becomes.

    The same checks as `entry_record` (kind, amount, date, scope, sealing, balance), except the role's
    right to the kind, which the import checked for its rows (the import command runs with administrator
    rights). Kinds that need a passed resolution cannot come from a ledger file.
    """
    if (claim is None) == (debt is None):
        raise ValueError("An entry belongs to exactly one claim or one debt.")
    model, owner = (Claim, claim) if claim is not None else (Debt, debt)
    if kind not in _valid_kinds(owner):
        raise ValidationError({"kind": f"“{kind}”不是{model._meta.verbose_name}的分录类型。"})
    if rules.needs_resolution(kind, amount):
        raise ValidationError(
            {"kind": f"“{kind}”须经民主决策，不能由台账导入，请在{model._meta.verbose_name}页面办理。"})
    return _post_entry(user=user, model=model, owner=owner, kind=kind, amount=amount,
                       entered_on=entered_on or timezone.localdate(), claim=claim, debt=debt, voucher_no="",
                       note=note, resolution=None, date_unknown=entered_on is None)


def _post_entry(*, user, model, owner, kind, amount, entered_on, claim, debt, voucher_no, note, resolution,
                date_unknown: bool = False, discount_rule: DiscountRule | None = None) -> Entry:
    _check_amount(amount)
    _check_date(entered_on)
    locked = lock_for_write(model, owner, user=user)
    if isinstance(locked, Claim):
        rules.check_entries_allowed(locked)
    _check_resolution(kind, amount, resolution, locked, entered_on, discount_rule=discount_rule)
    balance = claim_balance(locked) if isinstance(locked, Claim) else debt_balance(locked)
    if amount > balance:
        raise ValidationError({"amount": f"金额 {format_yuan(amount)} 元超过余额 {format_yuan(balance)} 元。"})
    entry = Entry(claim=locked if claim is not None else None, debt=locked if debt is not None else None, kind=kind,
                  amount=amount, entered_on=entered_on, voucher_no=voucher_no.strip(), note=note.strip(),
                  resolution=resolution, created_by=user, date_unknown=date_unknown)
    entry.full_clean()
    with acting_as(user):
        entry.save()
    if entry.claim_id:
        _carry_to_instalment(locked, user)
        store_clocks([locked])
    return entry


@transaction.atomic
def offset_claim_against_debt(*, user, claim: Claim, debt: Debt, amount: Decimal, entered_on: date,
                              resolution: Resolution, voucher_no: str = "", note: str = "") -> tuple[Entry, Entry]:
    """债权抵顶: what the village owes a party is netted against what the party owes the village.

    Both sides move together, in one transaction, by the same amount.
    """
    require_perm(user, perms.LEDGER_RESOLVE, message="您的角色不能办理债权债务抵顶。")
    _check_amount(amount)
    _check_date(entered_on)
    # Lock in a fixed order (claim, then debt) so two offsets never wait on each other.
    locked_claim = lock_for_write(Claim, claim, user=user)
    locked_debt = lock_for_write(Debt, debt, user=user)
    if locked_claim.village_id != locked_debt.village_id:
        raise ValidationError("抵顶的债权和债务须属于同一个村。")
    if locked_claim.debtor_id != locked_debt.creditor_id:
        raise ValidationError("抵顶的债权债务人须与债务债权人为同一当事人；三方抵顶请分别登记“债权债务冲转”。")
    if locked_claim.sealed:
        raise ValidationError("该债权已封存，不能抵顶。")
    _check_resolution(ClaimEntryKind.CROSS_OFFSET, amount, resolution, locked_claim, entered_on)
    _check_resolution(DebtEntryKind.CLAIM_OFFSET, amount, resolution, locked_debt, entered_on)
    for balance, what in ((claim_balance(locked_claim), "债权"), (debt_balance(locked_debt), "债务")):
        if amount > balance:
            raise ValidationError(
                {"amount": f"抵顶金额 {format_yuan(amount)} 元超过{what}余额 {format_yuan(balance)} 元。"})
    text = note.strip() or f"债权 {locked_claim.number} 与债务 {locked_debt.number} 抵顶"
    with acting_as(user):
        claim_side = Entry.objects.create(claim=locked_claim, kind=ClaimEntryKind.CROSS_OFFSET, amount=amount,
                                          entered_on=entered_on, voucher_no=voucher_no, note=text,
                                          resolution=resolution, created_by=user)
        debt_side = Entry.objects.create(debt=locked_debt, kind=DebtEntryKind.CLAIM_OFFSET, amount=amount,
                                         entered_on=entered_on, voucher_no=voucher_no, note=text,
                                         resolution=resolution, counterpart=claim_side, created_by=user)
    _carry_to_instalment(locked_claim, user)
    store_clocks([locked_claim])
    return claim_side, debt_side


def _pair_of(entry: Entry) -> Entry | None:
    if entry.counterpart_id:
        return entry.counterpart
    return Entry.objects.filter(counterpart=entry).first()


@transaction.atomic
def entry_reverse(*, user, entry: Entry, reason: str, entered_on: date | None = None) -> Entry:
    """Undo an entry by a reversing one that names it; an offset is undone on both sides."""
    if not reason.strip():
        raise ValidationError({"reason": "冲正须写明原因。"})
    require_perm(user, ENTRY_PERMISSION[entry.kind], message=f"您的角色不能冲正“{entry.kind}”。")
    recorded = Entry.objects.only("created_by_id", "created_at").get(pk=entry.pk)
    if not perms.has_perm(user, perms.LEDGER_REVERSE_ANY) and not (
            recorded.created_by_id == user.pk and timezone.localdate(recorded.created_at) == timezone.localdate()):
        raise PermissionDenied("您只能在登记当天冲正本人登记的分录；其他分录请由报账员或乡镇专班冲正。")
    entered_on = _check_date(entered_on or timezone.localdate())
    pair = [entry] + ([p] if (p := _pair_of(entry)) else [])
    # Lock every owner first, claims before debts, as the offset service does.
    owners = [lock_for_write(Claim if original.claim_id else Debt, original.owner, user=user)
              for original in sorted(pair, key=lambda e: 0 if e.claim_id else 1)]
    reversals = []
    for original in pair:
        original = Entry.objects.get(pk=original.pk)
        if original.reverses_id:
            raise ValidationError("冲正分录不能再冲正；如有错误，请重新登记正确的分录。")
        if Entry.objects.filter(reverses=original).exists():
            raise ValidationError(f"分录（{original}）已经冲正过。")
        reversal = Entry(claim_id=original.claim_id, debt_id=original.debt_id, kind=original.kind,
                         amount=-original.amount, entered_on=entered_on, voucher_no=original.voucher_no,
                         note=f"冲正 {original.day_shown} {original.kind} {format_yuan(original.amount)} 元："
                              f"{reason.strip()}",
                         resolution=original.resolution, reverses=original, created_by=user)
        with acting_as(user):
            reversal.save()
        reversals.append(reversal)
    for owner in owners:
        if isinstance(owner, Claim):
            _carry_to_instalment(owner, user)
            store_clocks([owner])
    return reversals[0]


# --- The steps that move no money ------------------------------------------------------------------


def _event(claim: Claim, user, kind: str, happened_on: date, note: str = "", letter=None) -> ClaimEvent:
    with acting_as(user):
        return ClaimEvent.objects.create(claim=claim, kind=kind, happened_on=happened_on, note=note, letter=letter,
                                         created_by=user)


@transaction.atomic
def claim_seal(*, user, claim: Claim, reason: str, on: date | None = None) -> Claim:
    """打包封存: the claim leaves collection and the collection figures, and never goes into a letter."""
    require_perm(user, perms.CLAIM_MANAGE, message="只有乡镇专班或县农经中心可以封存债权。")
    locked = lock_for_write(Claim, claim, user=user)
    rules.check_sealable(locked, reason)
    _event(locked, user, ClaimEvent.Kind.SEALED, on or timezone.localdate(), reason.strip())
    return record_update(locked, user=user, data={"sealed": True, "seal_reason": reason.strip()})


@transaction.atomic
def claim_unseal(*, user, claim: Claim, reason: str, on: date | None = None) -> Claim:
    require_perm(user, perms.CLAIM_UNSEAL, message="解除封存须经县农经中心。")
    locked = lock_for_write(Claim, claim, user=user)
    rules.check_unsealable(locked)
    if not reason.strip():
        raise ValidationError({"reason": "解封须写明原因。"})
    _event(locked, user, ClaimEvent.Kind.UNSEALED, on or timezone.localdate(), reason.strip())
    return record_update(locked, user=user, data={"sealed": False, "seal_reason": ""})


@transaction.atomic
def claims_seal_tax_era(*, user, village, reason: str = "税费改革前形成的三提五统、农业税尾欠，按规定打包封存") -> int:
    """Seal every open tax-era claim (税费尾欠) of a village at once.

    One already cleared stays as it is: sealing it would take money actually
    collected out of the collection figures after the fact.
    """
    require_perm(user, perms.CLAIM_MANAGE, message="只有乡镇专班或县农经中心可以封存债权。")
    require_village_in_scope(user, village)
    count = 0
    for claim in Claim.objects.select_for_update().filter(village=village, origin=ClaimOrigin.TAX_ERA, sealed=False):
        if not rules.tax_era_sealable(claim, claim_balance(claim)):
            continue
        claim_seal(user=user, claim=claim, reason=reason)
        count += 1
    return count


@transaction.atomic
def claim_assign_collector(*, user, claim: Claim, collector, on: date | None = None) -> Claim:
    """专人清收: the person answerable for collecting this claim."""
    require_perm(user, perms.CLAIM_MANAGE, message="只有乡镇专班或县农经中心可以指定清收人。")
    locked = lock_for_write(Claim, claim, user=user)
    if not (perms.has_perm(collector, perms.LEDGER_CASH)
            and villages_for(collector).filter(pk=locked.village_id).exists()):
        raise ValidationError({"collector": "清收人须是能在该村登记收款的人员。"})
    _event(locked, user, ClaimEvent.Kind.COLLECTOR, on or timezone.localdate(), f"清收责任人：{collector}")
    return record_update(locked, user=user, data={"collector": collector})


@transaction.atomic
def claims_assign_collector(*, user, claims, collector, on: date | None = None) -> int:
    """专人清收 for many claims at once, all or none: each must be one the collector may collect."""
    claims = sorted(claims, key=lambda c: c.pk)
    if not claims:
        raise ValidationError("请先在列表中勾选债权。")
    refused = []
    for claim in claims:
        try:
            claim_assign_collector(user=user, claim=claim, collector=collector, on=on)
        except ValidationError:
            refused.append(claim.number)
    if refused:
        raise ValidationError({"collector": f"{collector} 不能在以下债权所在的村登记收款，未作任何指定："
                                            + "、".join(refused[:20]) + ("等" if len(refused) > 20 else "")})
    return len(claims)


@transaction.atomic
def claim_record_event(*, user, claim: Claim, kind: str, happened_on: date, note: str = "",
                       letter=None) -> ClaimEvent:
    """A step on the timeline (of a letter's delivery or reply, when `letter` is given). A served demand
    restarts the limitation clock if it came before the lapse (debts/limitation.py)."""
    if kind in (ClaimEvent.Kind.SEALED, ClaimEvent.Kind.UNSEALED, ClaimEvent.Kind.COLLECTOR):
        raise ValueError("Sealing and collectors have their own services.")
    if kind not in ClaimEvent.Kind.values:
        raise ValidationError({"kind": "请选择清收事项。"})
    require_perm(user, perms.CLAIM_FOLLOW_UP, message="您的角色不能登记清收事项。")
    if happened_on > timezone.localdate():
        raise ValidationError({"happened_on": "日期不能晚于今天。"})
    locked = lock_for_write(Claim, claim, user=user)
    event = _event(locked, user, kind, happened_on, note.strip(), letter=letter)
    store_clocks([locked])
    return event


# --- Mediation, court and 纪检 -------------------------------------------------------------------


@transaction.atomic
def mediation_create(*, user, village, number: str, claims: list[Claim], mediator: str, agreement_date: date,
                     plan: list[tuple[date, Decimal]], grace_days: int = 0, note: str = "") -> MediationCase:
    """诉前调解: an agreement over one or more claims, with its instalment plan."""
    require_perm(user, perms.CLAIM_MANAGE, message="只有乡镇专班或县农经中心可以登记调解案件。")
    require_village_in_scope(user, village)
    if not claims:
        raise ValidationError({"claims": "请选择调解涉及的债权。"})
    if not plan:
        raise ValidationError({"plan": "请填写分期还款计划。"})
    locked = [lock_for_write(Claim, c, user=user) for c in sorted(claims, key=lambda c: c.pk)]
    if any(c.village_id != village.pk for c in locked):
        raise ValidationError({"claims": "调解涉及的债权须属于同一个村。"})
    if any(c.sealed for c in locked):
        raise ValidationError({"claims": "已封存的债权不能调解。"})
    if any(due < agreement_date for due, _ in plan):
        raise ValidationError({"plan": "分期的应付日期不能早于调解协议日期。"})
    total = sum((_check_amount(amount) for _, amount in plan), ZERO)
    balance = sum((claim_balance(c) for c in locked), ZERO)
    if total > balance:
        raise ValidationError({"plan": f"分期合计 {format_yuan(total)} 元超过债权余额 {format_yuan(balance)} 元。"})
    case = MediationCase(village=village, number=number.strip(), mediator=mediator.strip(),
                         agreement_date=agreement_date, grace_days=grace_days, note=note, created_by=user)
    case.full_clean()
    with acting_as(user):
        case.save()
        case.claims.set(locked)
        case.parties.set({c.debtor for c in locked})
        for due_date, amount in sorted(plan):
            MediationInstalment.objects.create(case=case, due_date=due_date, amount=amount)
    for claim in locked:
        _event(claim, user, ClaimEvent.Kind.MEDIATION, agreement_date, f"调解案件 {case.number}（{case.mediator}）")
    store_clocks(locked)
    return case


def _mediation_payments(case: MediationCase):
    """What the debtor paid on the case's claims since the agreement: money and value from them (cash,
    dividends set off, offsets, assets), net of reversals; never the village's own adjustments or waivers."""
    return Entry.objects.filter(claim__in=case.claims.all(), entered_on__gte=case.agreement_date,
                                kind__in=PERFORMANCE_KINDS)


def mediation_paid(case: MediationCase, by: date | None = None) -> Decimal:
    """What the debtor has paid under the agreement (by the end of `by`, when given)."""
    payments = _mediation_payments(case)
    if by is not None:
        payments = payments.filter(entered_on__lte=by)
    return payments.aggregate(total=money_sum("amount"))["total"]


@transaction.atomic
def mediation_check(*, case: MediationCase, today: date, user=None) -> MediationCase:
    """Mark a case fulfilled when its plan is paid, or defaulted when an instalment is missed:
    the whole balance of its claims then falls due at once (and the case shows it)."""
    locked = MediationCase.objects.select_for_update().get(pk=case.pk)
    if locked.state != MediationCase.State.ACTIVE:
        return locked
    payments = list(_mediation_payments(locked).values_list("entered_on", "amount"))
    plan = list(locked.plan.all())

    def paid_by(day: date) -> Decimal:
        return sum((amount for on, amount in payments if on <= day), ZERO)

    if paid_by(date.max) >= sum((i.amount for i in plan), ZERO):
        locked.state = MediationCase.State.FULFILLED
        with acting_as(user):
            locked.save(update_fields=["state"])
        store_clocks(locked.claims.all())
        return locked
    due_so_far = ZERO
    for instalment in plan:
        due_so_far += instalment.amount
        # Clamped: a plan stored before the date bounds may fall due at the calendar's end.
        deadline = add_days(instalment.due_date, locked.grace_days)
        # Each instalment is judged at its own deadline: paid late is missed, whatever came in afterwards.
        if deadline < today and paid_by(deadline) < due_so_far:
            locked.state, locked.defaulted_on = MediationCase.State.DEFAULTED, deadline
            with acting_as(user):
                locked.save(update_fields=["state", "defaulted_on"])
                for claim in locked.claims.select_for_update():
                    ClaimEvent.objects.create(
                        claim=claim, kind=ClaimEvent.Kind.DEFAULT, happened_on=deadline, created_by=user,
                        note=f"调解案件 {locked.number} 第 {plan.index(instalment) + 1} 期"
                             f"（{instalment.due_date:%Y-%m-%d}）未按期履行，余额全部到期")
                    # The whole balance falls due on the day of the default: the claim's due date (and with
                    # it the aging and the limitation clock) moves there.
                    if claim.due_date is None or claim.due_date < deadline:
                        claim.due_date = deadline
                        claim.save(update_fields=["due_date"])
            store_clocks(locked.claims.all())
            break
    return locked


def mediation_check_all(*, today: date | None = None) -> dict[str, int]:
    """The daily job: every active case is checked against its plan."""
    today = today or timezone.localdate()
    counts = {"checked": 0, "defaulted": 0, "fulfilled": 0}
    for case in MediationCase.objects.filter(state=MediationCase.State.ACTIVE).order_by("pk"):
        result = mediation_check(case=case, today=today)
        counts["checked"] += 1
        if result.state == MediationCase.State.DEFAULTED:
            counts["defaulted"] += 1
        elif result.state == MediationCase.State.FULFILLED:
            counts["fulfilled"] += 1
    return counts


@transaction.atomic
def legal_action_create(*, user, village, kind: str, claims: list[Claim], body: str, filed_on: date,
                        case_number: str = "", note: str = "") -> LegalAction:
    """依法追缴: a court case, or a transfer to 纪检 where a cadre took the money."""
    require_perm(user, perms.CLAIM_MANAGE, message="只有乡镇专班或县农经中心可以登记追缴案件。")
    require_village_in_scope(user, village)
    if not claims:
        raise ValidationError({"claims": "请选择涉及的债权。"})
    locked = [lock_for_write(Claim, c, user=user) for c in sorted(claims, key=lambda c: c.pk)]
    if any(c.village_id != village.pk for c in locked):
        raise ValidationError({"claims": "涉及的债权须属于同一个村。"})
    action = LegalAction(village=village, kind=kind, body=body.strip(), filed_on=filed_on,
                         case_number=case_number.strip(), note=note, created_by=user)
    action.full_clean()
    with acting_as(user):
        action.save()
        action.claims.set(locked)
    event_kind = ClaimEvent.Kind.COURT if kind == LegalAction.Kind.COURT else ClaimEvent.Kind.DISCIPLINE
    for claim in locked:
        _event(claim, user, event_kind, filed_on, f"{body} {case_number}".strip())
    store_clocks(locked)
    return action


@transaction.atomic
def legal_action_close(*, user, action: LegalAction, outcome: str, closed_on: date) -> LegalAction:
    locked = lock_for_write(LegalAction, action, user=user, perm=perms.CLAIM_MANAGE,
                            message="只有乡镇专班或县农经中心可以登记追缴结果。")
    if locked.closed_on:
        raise ValidationError("该案件已经结案。")
    if not outcome.strip():
        raise ValidationError({"outcome": "请填写结果。"})
    if closed_on < locked.filed_on or closed_on > timezone.localdate():
        raise ValidationError({"closed_on": "结案日期须在起诉/移交日期之后，且不晚于今天。"})
    closed = record_update(locked, user=user, data={"outcome": outcome.strip(), "closed_on": closed_on})
    store_clocks(closed.claims.all())
    return closed
