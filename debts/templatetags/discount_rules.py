"""The early-payment discount rules of a 折扣规则 resolution, shown on the resolution's page (a lower floor)."""
from django import template
from django.db.models import Count, Q

from contracts.models import ResolutionSubject
from core import permissions as perms
from core.money import money_sum

from ..forms import DiscountRuleForm
from ..models import ClaimEntryKind, Entry

register = template.Library()


@register.inclusion_tag("debts/_discount_rules.html")
def discount_rules(user, resolution, locked):
    if resolution.subject != ResolutionSubject.DISCOUNT:
        return {"shown": False}
    may_edit = perms.has_perm(user, perms.RESOLUTION_CHANGE) and not locked
    # The discounts settled on the vote, net of reversals; a claim counts while its waiver stands.
    settled = Entry.objects.filter(resolution=resolution, kind=ClaimEntryKind.WAIVER).aggregate(
        total=money_sum("amount"),
        claims=Count("claim", distinct=True, filter=Q(reverses__isnull=True, reversed_by__isnull=True)))
    return {"shown": True, "resolution": resolution, "rules": list(resolution.discount_rules.all()), "locked": locked,
            "settled": settled, "form": DiscountRuleForm() if may_edit else None}
