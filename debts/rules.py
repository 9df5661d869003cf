"""The rules a claim is held to whichever way it is written: one at a time from its page, or many at once
from a ledger. The services and the bulk services both call these, so that a page and an import never
disagree on what may be sealed or recorded."""
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from .models import Claim, ClaimOrigin


def new_claim_clock_from(claim: Claim) -> date | None:
    """The day a new claim's limitation runs from: its due date (letters and demands move it on later)."""
    return claim.due_date


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


def check_entries_allowed(claim: Claim) -> None:
    """A sealed claim is out of collection: no money is recorded against it until it is unsealed."""
    if claim.sealed:
        raise ValidationError("该债权已封存，不能清收或记账；解封须经县农经中心。")
