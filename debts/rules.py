"""The rules a claim is held to whichever way it is written: one at a time from its page, or many at once
from a ledger. The services and the bulk services both call these, so that a page and an import never
disagree on what may be sealed or recorded."""
from decimal import Decimal

from django.core.exceptions import ValidationError

from contracts.models import ResolutionSubject
from core.domain import adjustment_limit
from core.money import format_yuan, money_sum

from . import limitation
from .models import (
    NEEDS_RESOLUTION,
    NEEDS_RESOLUTION_ABOVE_LIMIT,
    Claim,
    ClaimEntryKind,
    ClaimOrigin,
    Debt,
    DiscountRule,
    Entry,
    ResolutionCover,
)


def new_claim_clock(claim: Claim) -> None:
    """A new claim's limitation clock runs from its due date (payments, letters and demands move it later)."""
    limitation.new_claim_clock(claim)


TAX_ERA_SEAL_REASON = "税费改革前形成的三提五统、农业税尾欠，按规定打包封存"


def seal_tax_era(claim: Claim) -> bool:
    """税费尾欠 (三提五统, 农业税) is sealed from the moment it is registered or imported, whatever a form or a
    file says: a village never collects it. True if this sealed it."""
    if claim.origin == ClaimOrigin.TAX_ERA and not claim.sealed:
        claim.sealed, claim.seal_reason = True, TAX_ERA_SEAL_REASON
        return True
    return False


def check_unsealable(claim: Claim) -> None:
    if not claim.sealed:
        raise ValidationError("该债权没有封存。")
    if claim.origin == ClaimOrigin.TAX_ERA:
        raise ValidationError("税费尾欠（三提五统、农业税）一律封存，不由村组织清收，不能解封。")


def check_sealable(claim: Claim, reason: str) -> None:
    """打包封存 needs an open claim and a written reason."""
    if claim.sealed:
        raise ValidationError("该债权已经封存。")
    if not reason.strip():
        raise ValidationError({"reason": "封存须写明原因（如：三提五统、农业税尾欠）。"})


def tax_era_sealable(claim: Claim, balance: Decimal) -> bool:
    """Whether sealing a village's tax-era claims (税费尾欠) takes this one: open, and not yet cleared —
    sealing a cleared one would take money actually collected out of the collection figures after the fact."""
    return claim.origin == ClaimOrigin.TAX_ERA and not claim.sealed and balance > 0


def needs_resolution(kind: str, amount: Decimal) -> bool:
    """Whether an entry of this kind and amount needs a passed resolution (and the township's hand):
    write-offs, waivers and offsets always; 账务调整 and 资产抵债 above the county's limit."""
    return kind in NEEDS_RESOLUTION or (kind in NEEDS_RESOLUTION_ABOVE_LIMIT and amount > adjustment_limit())


def check_entries_allowed(claim: Claim) -> None:
    """A sealed claim is out of collection: no money is recorded against it until it is unsealed."""
    if claim.sealed:
        raise ValidationError("该债权已封存，不能清收或记账；解封须经县农经中心。")


# Resolutions whose subject is money: only these may name claims and debts and back entries.
MONEY_SUBJECTS = frozenset({ResolutionSubject.WRITE_OFF, ResolutionSubject.OFFSET, ResolutionSubject.WAIVER,
                            ResolutionSubject.DISCOUNT, ResolutionSubject.OTHER})


def check_cover_allowed(resolution, owner: Claim | Debt) -> None:
    """A resolution names the claims and debts of its own village, and only if its subject is money. A 折扣规则
    vote names none: its rules (DiscountRule) say which of the village's claims it reaches."""
    if resolution.subject not in MONEY_SUBJECTS:
        raise ValidationError(f"本决议的事项类别是“{resolution.get_subject_display()}”，不涉及债权债务；"
                              "核销、减免、抵顶须另行表决。")
    if resolution.subject == ResolutionSubject.DISCOUNT:
        raise ValidationError("本决议是清收折扣规则，按规则适用于本村符合条件的债权，不逐笔列明债权债务；"
                              "请在本页“清收折扣规则”中登记折扣档次。")
    if owner.village_id != resolution.village_id:
        raise ValidationError(f"{owner._meta.verbose_name} {owner.number} 不是本决议所在村的。")


def check_resolution_covers(resolution, owner: Claim | Debt, kind: str, amount: Decimal,
                            discount_rule: DiscountRule | None = None) -> None:
    """The entry's claim or debt is named by the resolution, and the entries resting on it for this claim
    or debt stay within the amount it named. A 折扣规则 vote backs only the 减免 of a discount settlement,
    through the rule it carries (`discount_rule`, given by debts.votes.discount_settle alone)."""
    field = "claim" if isinstance(owner, Claim) else "debt"
    if resolution.subject not in MONEY_SUBJECTS:
        raise ValidationError({"resolution": f"所选决议是“{resolution.get_subject_display()}”事项，不涉及债权债务，"
                                             f"不能据以{kind}。"})
    if resolution.subject == ResolutionSubject.DISCOUNT or discount_rule is not None:
        check_discount_backs(resolution, owner, kind, discount_rule)
        return
    cover = ResolutionCover.objects.filter(resolution=resolution, **{field: owner}).first()
    if cover is None:
        raise ValidationError({"resolution": f"所选决议（{resolution.date_label} {resolution.title}）没有列明"
                                             f"{owner._meta.verbose_name} {owner.number}，不能据以{kind}。"
                                             "决议须列明涵盖的每一笔债权、债务。"})
    if cover.amount is None:
        return
    used = Entry.objects.filter(resolution=resolution, **{field: owner}).aggregate(total=money_sum("amount"))["total"]
    if used + amount > cover.amount:
        raise ValidationError({"amount": f"决议对{owner._meta.verbose_name} {owner.number} 批准的金额为 "
                                         f"{format_yuan(cover.amount)} 元，已据以办理 {format_yuan(used)} 元，"
                                         f"本次 {format_yuan(amount)} 元超出。"})


# --- Early-payment discounts ---------------------------------------------------------------------


def discount_refusal(rule: DiscountRule, claim: Claim) -> str:
    """Why a discount rule cannot reach this claim at all, whatever the day (empty if it can): another
    village's, sealed, or of an origin the rule does not name. 税费尾欠 is never discounted."""
    if claim.village_id != rule.resolution.village_id:
        return f"债权 {claim.number} 不是该折扣规则所在村的，不适用。"
    if claim.origin == ClaimOrigin.TAX_ERA:
        return "税费尾欠（三提五统、农业税）一律封存，不由村组织清收，不适用折扣规则。"
    if claim.sealed:
        return "该债权已封存，不能清收或记账；解封须经县农经中心。"
    if claim.origin not in rule.applies_to:
        return f"折扣规则适用于{rule.origins_label}；本笔债权形成原因为“{claim.origin}”，不适用。"
    return ""


def check_discount_backs(resolution, owner: Claim | Debt, kind: str, rule: DiscountRule | None) -> None:
    """A 折扣规则 vote backs a 减免 of a claim it reaches, through one of its own rules, and nothing else."""
    if rule is None:
        raise ValidationError({"resolution": f"所选决议（{resolution.date_label} {resolution.title}）是清收折扣规则，"
                                             f"不能据以直接登记“{kind}”：提前缴清的折扣请在债权页点“按折扣结清”，"
                                             "由系统按送达日期和折扣档次计算应收现金和减免金额。"})
    if resolution.subject != ResolutionSubject.DISCOUNT or rule.resolution_id != resolution.pk:
        raise ValidationError({"resolution": "折扣规则只能依据其所属的、事项类别为“清收折扣规则”的决议办理。"})
    if kind != ClaimEntryKind.WAIVER or not isinstance(owner, Claim):
        raise ValidationError({"kind": "折扣规则只能据以减免债权。"})
    if reason := discount_refusal(rule, owner):
        raise ValidationError({"resolution": reason})
