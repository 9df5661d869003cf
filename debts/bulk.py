"""Claims and debts written many at a time (a ledger import), under the same rules as the one-record
services in services.py: each row is checked by the model's own rules and by debts/rules.py, inserted in
batches, and audited as if it had been saved alone.

The caller has already checked the user's rights and scope for every row (an import checks them per row,
and runs with administrator rights from the command line).
"""
from datetime import date

from django.db import transaction
from django.utils import timezone

from core.audit import acting_as
from core.bulk import BulkAudit, audited, bulk_insert
from core.services import record_update

from .models import Claim, ClaimEvent, Debt
from .rules import check_sealable, new_claim_clock, seal_tax_era


@transaction.atomic
def claims_create(*, user, claims: list[Claim], audit: BulkAudit | None = None) -> list[Claim]:
    """New claims, as `claim_create` makes one: the limitation clock from the due date, a tax-era claim
    sealed with a 封存 step on its timeline, the model's rules."""
    sealed = []
    for claim in claims:
        new_claim_clock(claim)
        if seal_tax_era(claim):
            sealed.append(claim)

    def write(writer):
        bulk_insert(Claim, claims, writer)
        today = timezone.localdate()
        bulk_insert(ClaimEvent, [ClaimEvent(claim=claim, kind=ClaimEvent.Kind.SEALED, happened_on=today,
                                            note=claim.seal_reason, created_by=user) for claim in sealed], writer)
        return claims

    return audited(user, audit, write)


@transaction.atomic
def debts_create(*, user, debts: list[Debt], audit: BulkAudit | None = None) -> list[Debt]:
    """New debts, as `debt_create` makes one."""
    return audited(user, audit, lambda writer: bulk_insert(Debt, debts, writer))


@transaction.atomic
def claims_seal(*, user, claims: list[Claim], reason: str, on: date | None = None,
                audit: BulkAudit | None = None) -> list[Claim]:
    """打包封存 of many claims at once, as `claim_seal` seals one: each claim locked and checked, a 封存
    step on its timeline, then sealed with the reason (an update entry each, showing old and new)."""
    reason = reason.strip()
    on = on or timezone.localdate()
    locked = list(Claim.objects.select_for_update().filter(pk__in=[c.pk for c in claims])
                  .select_related("debtor", "village__township").order_by("pk"))
    for claim in locked:
        check_sealable(claim, reason)
    events = [ClaimEvent(claim=claim, kind=ClaimEvent.Kind.SEALED, happened_on=on, note=reason, created_by=user)
              for claim in locked]
    audited(user, audit, lambda writer: bulk_insert(ClaimEvent, events, writer))
    with acting_as(user):
        return [record_update(claim, user=user, data={"sealed": True, "seal_reason": reason}) for claim in locked]
