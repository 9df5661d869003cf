"""The contract page's panel of the claims made from the contract: the contract knows its schedule,
the claims are debts' own, so debts renders them."""
from django import template

from core import permissions as perms

from ..selectors import contract_claims as claims_of

register = template.Library()


@register.inclusion_tag("debts/_contract_claims.html")
def contract_claims(user, contract):
    # The schedule comes prefetched with the contract; what is still owed decides whether there is
    # anything to hand over to a claim.
    outstanding = sum((i.outstanding for i in contract.instalments.all()), 0)
    shown = perms.has_perm(user, perms.CLAIM_EDIT) and outstanding
    return {"contract": contract, "shown": shown, "claims": list(claims_of(user, contract)) if shown else []}
