"""The claims and debts a resolution names, shown on the resolution's page (a lower floor)."""
from django import template

from contracts.models import ResolutionSubject
from core import permissions as perms
from core.money import money_sum

from ..forms import ResolutionCoverForm
from ..models import Entry
from ..rules import MONEY_SUBJECTS

register = template.Library()


@register.inclusion_tag("debts/_resolution_covers.html")
def resolution_covers(user, resolution, locked):
    if resolution.subject == ResolutionSubject.DISCOUNT:
        # A discount vote names no claims: its rules reach them (the discount_rules panel).
        return {"shown": False}
    covers = list(resolution.covers.select_related("claim__debtor", "debt__creditor"))
    used = {(row["claim_id"], row["debt_id"]): row["total"]
            for row in Entry.objects.filter(resolution=resolution).values("claim_id", "debt_id")
            .annotate(total=money_sum("amount"))}
    for cover in covers:
        cover.used = used.get((cover.claim_id, cover.debt_id))
    may_edit = perms.has_perm(user, perms.RESOLUTION_CHANGE) and not locked
    return {"shown": True, "resolution": resolution, "covers": covers, "locked": locked,
            "money": resolution.subject in MONEY_SUBJECTS,
            "form": ResolutionCoverForm(resolution=resolution) if may_edit else None}
