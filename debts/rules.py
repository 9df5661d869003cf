"""The rules a claim is held to whichever way it is written: one at a time from its page, or many at once
from a ledger. The services and the bulk services both call these, so that a page and an import never
disagree on what may be sealed or recorded."""
from decimal import Decimal

from django.core.exceptions import ValidationError

from core.domain import adjustment_limit

from . import limitation
from .models import NEEDS_RESOLUTION, NEEDS_RESOLUTION_ABOVE_LIMIT, Claim, ClaimOrigin


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
