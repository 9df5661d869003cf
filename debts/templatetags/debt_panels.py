"""Panels that pages of lower floors show from the claims and debts (a party's page lists what they owe
the village and what it owes them)."""
from django import template

from ..selectors import claim_list, debt_list

register = template.Library()


@register.inclusion_tag("debts/_party_claims_and_debts.html")
def party_claims_and_debts(user, party):
    """The party's claims (as debtor) and debts (as creditor), within the user's scope."""
    return {"claims": claim_list(user).filter(debtor=party), "debts": debt_list(user).filter(creditor=party)}
