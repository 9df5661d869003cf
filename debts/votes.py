"""Money that rests on a vote (DOMAIN.md §7, §8): the claims and debts a resolution names, and the early-payment
discount rules (清收折扣规则) a resolution sets, applied as a cash entry and a 减免 entry through the ledger's
own path (services._post_entry)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contracts.models import Resolution, ResolutionSubject
from contracts.services import resolution_lock_for_use
from core import permissions as perms
from core.audit import acting_as
from core.bounds import check_date
from core.money import ZERO, cents, format_yuan
from core.services import lock_for_write, require_perm, require_village_in_scope

from . import rules
from .models import Claim, ClaimEntryKind, Debt, DiscountRule, Entry, Letter, LetterKind, ResolutionCover
from .services import ENTRY_PERMISSION, _check_amount, _post_entry, claim_balance

# --- Early-payment discounts (清收折扣规则) ------------------------------------------------------


@dataclass(frozen=True)
class DiscountTerms:
    """What a discount rule gives a claim paid on a given day: the served notice it counts from, the step
    reached, the waiver and the cash that clear the balance together; or, in `refusal`, why it gives nothing."""

    rule: DiscountRule
    paid_on: date
    balance: Decimal
    notice: Letter | None = None
    days: int | None = None
    tier: tuple[int, int] | None = None
    discount: Decimal = ZERO
    cash: Decimal = ZERO
    refusal: str = ""

    @property
    def percent(self) -> int | None:
        return self.tier[1] if self.tier else None

    @property
    def tier_label(self) -> str:
        return f"{self.tier[0]}天内减免{self.tier[1]}%" if self.tier else ""


def served_payment_notice(claim: Claim, on: date) -> Letter | None:
    """The latest 清缴通知书 listing the claim that was served on or before `on`; one that came back (退回) was
    never served."""
    return (Letter.objects.filter(kind=LetterKind.PAYMENT_NOTICE, items__claim=claim, delivered_on__isnull=False,
                                  delivered_on__lte=on).exclude(state=Letter.State.RETURNED)
            .order_by("-delivered_on", "-pk").first())


def _standing_discount(claim: Claim) -> Entry | None:
    """A discount already settled on the claim and not reversed: a claim is discounted once."""
    return (Entry.objects.filter(claim=claim, kind=ClaimEntryKind.WAIVER, reverses__isnull=True,
                                 reversed_by__isnull=True, resolution__subject=ResolutionSubject.DISCOUNT)
            .order_by("pk").first())


def discount_terms(claim: Claim, rule: DiscountRule, paid_on: date) -> DiscountTerms:
    """The discount `rule` gives `claim` if its balance is paid on `paid_on`. Writes nothing.

    Days run from the delivery of the latest served 清缴通知书 listing the claim: paid on day 10 of a
    10-day step is within it. The discount is the balance times the step's percent, rounded half up to the
    cent; the cash due is the rest, so the two clear the balance exactly.
    """
    balance = claim_balance(claim)

    def refused(reason: str) -> DiscountTerms:
        return DiscountTerms(rule=rule, paid_on=paid_on, balance=balance, refusal=reason)

    resolution = rule.resolution
    if reason := rules.discount_refusal(rule, claim):
        return refused(reason)
    if balance <= 0:
        return refused("该债权已结清。")
    if resolution.subject != ResolutionSubject.DISCOUNT:
        return refused("折扣规则所依据的决议事项类别已不是“清收折扣规则”，不能据以减免。")
    if resolution.details_pending or not resolution.passed:
        return refused(f"折扣规则所依据的决议（{resolution.date_label} {resolution.title}）未获通过，不能按折扣结清。")
    if resolution.resolved_on > paid_on:
        return refused(f"折扣规则所依据的决议 {resolution.resolved_on:%Y-%m-%d} 才表决通过，晚于付款日期 "
                       f"{paid_on:%Y-%m-%d}：付款时尚无此规则。")
    if not rule.valid_from <= paid_on <= rule.valid_to:
        return refused(f"付款日期 {paid_on:%Y-%m-%d} 不在折扣活动期（{rule.valid_from:%Y-%m-%d} 至 "
                       f"{rule.valid_to:%Y-%m-%d}）内。")
    if (earlier := _standing_discount(claim)) is not None:
        return refused(f"本笔债权已于 {earlier.entered_on:%Y-%m-%d} 按折扣减免 {format_yuan(earlier.amount)} 元，"
                       "不能再次折扣；如付款退回，请先冲正该减免分录。")
    notice = served_payment_notice(claim, paid_on)
    if notice is None:
        return refused(f"付款日期 {paid_on:%Y-%m-%d} 之前没有送达本笔债权的清缴通知书（退回的不算），"
                       "折扣自通知书送达之日起算，不能按折扣结清。")
    days = (paid_on - notice.delivered_on).days
    tier = rule.tier_for(days)
    if tier is None:
        return DiscountTerms(rule=rule, paid_on=paid_on, balance=balance, notice=notice, days=days,
                             refusal=f"清缴通知书 {notice.number} 于 {notice.delivered_on:%Y-%m-%d} 送达，至付款日已 "
                                     f"{days} 天，超过折扣最后一档（{rule.steps[-1][0]}天内），不能按折扣结清。")
    discount = cents(balance * tier[1] / Decimal(100))
    cash = balance - discount
    if discount <= 0 or cash <= 0:
        return refused(f"余额 {format_yuan(balance)} 元过小，折扣不足一分，请按“登记收款”办理。")
    return DiscountTerms(rule=rule, paid_on=paid_on, balance=balance, notice=notice, days=days, tier=tier,
                         discount=discount, cash=cash)


@transaction.atomic
def discount_settle(*, user, claim: Claim, rule: DiscountRule, paid_on: date, voucher_no: str = "",
                    expected_cash: Decimal | None = None) -> tuple[Entry, Entry]:
    """按折扣结清: the debtor paid the balance less the discount within a step of the rule. Two entries clear the
    claim in one transaction: the cash received, and a 减免 of the discount resting on the rule's resolution.

    Held to the same checks as any entry (`_post_entry`); the waiver gives money away as a write-off does,
    so it is the township's (LEDGER_RESOLVE), and the vote that backs it is the rule's. `expected_cash`, when
    given, is the cash the page showed: a balance that moved in between is refused rather than settled on
    other figures than the debtor was told.
    """
    require_perm(user, perms.LEDGER_RESOLVE, message="按折扣结清须由乡镇专班办理：减免须依据民主决策。")
    for kind in (ClaimEntryKind.CASH, ClaimEntryKind.WAIVER):
        require_perm(user, ENTRY_PERMISSION[kind], message=f"您的角色不能登记“{kind}”。")
    check_date(paid_on, "付款日期")
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": "付款日期不能晚于今天。"})
    locked = lock_for_write(Claim, claim, user=user)
    current = DiscountRule.objects.filter(pk=rule.pk).first()
    if current is None:
        raise ValidationError("该折扣规则已撤销。")
    # The rule's resolution is held until the entries commit: neither it nor its rules change in between.
    resolution_lock_for_use(current.resolution)
    current = DiscountRule.objects.select_related("resolution").filter(pk=rule.pk).first()
    if current is None:
        raise ValidationError("该折扣规则已撤销。")
    terms = discount_terms(locked, current, paid_on)
    if terms.refusal:
        raise ValidationError(terms.refusal)
    if expected_cash is not None and expected_cash != terms.cash:
        raise ValidationError(f"余额已变动：按折扣应收现金现为 {format_yuan(terms.cash)} 元（页面显示 "
                              f"{format_yuan(expected_cash)} 元），未记账。请刷新页面核对后重新提交。")
    resolution = current.resolution
    basis = (f"清缴通知书 {terms.notice.number} {terms.notice.delivered_on:%Y-%m-%d} 送达后第 {terms.days} 天缴清，"
             f"按折扣规则“{terms.tier_label}”（决议 {resolution.date_label} {resolution.title[:60]}）")
    entry = {"user": user, "model": Claim, "owner": locked, "entered_on": paid_on, "claim": locked, "debt": None,
             "voucher_no": voucher_no}
    cash = _post_entry(**entry, kind=ClaimEntryKind.CASH, amount=terms.cash, resolution=None,
                       note=f"{basis}，实收现金"[:300])
    waiver = _post_entry(**entry, kind=ClaimEntryKind.WAIVER, amount=terms.discount, resolution=resolution,
                         discount_rule=current, note=f"{basis}，减免{terms.percent}%"[:300])
    return cash, waiver


def _check_discount_rule_place(locked: Resolution) -> None:
    if locked.subject != ResolutionSubject.DISCOUNT:
        raise ValidationError(f"本决议的事项类别是“{locked.get_subject_display()}”；折扣规则须在事项类别为"
                              "“清收折扣规则”的决议中登记。")


@transaction.atomic
def discount_rule_create(*, user, resolution: Resolution, tiers, origins, valid_from: date,
                         valid_to: date) -> DiscountRule:
    """Add an early-payment discount to a 折扣规则 resolution: part of what was voted, so only while the
    resolution may still be edited (as its covers)."""
    locked = _vote_to_change(user, resolution)
    _check_discount_rule_place(locked)
    _refuse_once_resting(locked, "不能再增加折扣规则；如须调整折扣，请另行表决并登记新的决议。")
    if valid_from is None or valid_to is None:
        raise ValidationError({"valid_from" if valid_from is None else "valid_to": "请填写活动起止日期。"})
    check_date(valid_from, "活动开始日期")
    check_date(valid_to, "活动结束日期")
    if locked.resolved_on is not None and valid_from < locked.resolved_on:
        raise ValidationError({"valid_from": f"活动开始日期不能早于决议表决日期 {locked.resolved_on:%Y-%m-%d}："
                                             "先表决，后执行。"})
    # A bare string is no list of origins: left as it came, for the rule's own check to refuse.
    origins = list(origins) if isinstance(origins, (list, tuple, set, frozenset)) else origins or []
    rule = DiscountRule(resolution=locked, tiers=tiers, origins=origins, valid_from=valid_from,
                        valid_to=valid_to, created_by=user)
    rule.full_clean()
    with acting_as(user):
        rule.save()
    return rule


@transaction.atomic
def discount_rule_remove(*, user, rule: DiscountRule) -> None:
    locked = _vote_to_change(user, rule.resolution_id)
    _refuse_once_resting(locked, "折扣规则不能再撤销。")
    with acting_as(user):
        DiscountRule.objects.filter(pk=rule.pk, resolution=locked).delete()


def _vote_to_change(user, resolution) -> Resolution:
    """The resolution's row locked for a change to what it decides (its covers, its discount rules)."""
    return lock_for_write(Resolution, resolution, user=user, perm=perms.RESOLUTION_CHANGE,
                          message="您的角色不能修改民主决策记录。", out_of_scope="该决议不在您的管理范围内。")


def _refuse_once_resting(locked: Resolution, refusal: str) -> None:
    """What a vote decided stands once money rests on it (DOMAIN.md §7)."""
    if resting := locked.resting_on_it():
        raise ValidationError(f"本决议已是{'、'.join(resting)}的依据，已经锁定，{refusal}")


# --- What a resolution names ------------------------------------------------------------


@transaction.atomic
def resolution_cover_add(*, user, resolution: Resolution, claim: Claim | None = None, debt: Debt | None = None,
                         amount: Decimal | None = None) -> ResolutionCover:
    """Name a claim or debt in a resolution's subject (with the amount voted on, if any): only while the
    resolution may still be edited, since the covers are what the villagers voted on."""
    if (claim is None) == (debt is None):
        raise ValueError("A cover names exactly one claim or one debt.")
    locked = _vote_to_change(user, resolution)
    _refuse_once_resting(locked, "不能再增加涵盖的债权债务；如须核销其他债权债务，请另行表决并登记新的决议。")
    owner = claim if claim is not None else debt
    require_village_in_scope(user, owner.village)
    rules.check_cover_allowed(locked, owner)
    if amount is not None:
        _check_amount(amount)
    cover = ResolutionCover(resolution=locked, claim=claim, debt=debt, amount=amount, created_by=user)
    cover.full_clean()
    with acting_as(user):
        cover.save()
    return cover


@transaction.atomic
def resolution_cover_remove(*, user, cover: ResolutionCover) -> None:
    locked = _vote_to_change(user, cover.resolution_id)
    _refuse_once_resting(locked, "涵盖的债权债务不能再移除。")
    with acting_as(user):
        ResolutionCover.objects.filter(pk=cover.pk, resolution=locked).delete()
