"""Panels that pages of lower floors show from the contracts (a party's page lists their contracts)."""
from django import template

from ..selectors import contract_list

register = template.Library()


@register.inclusion_tag("contracts/_party_contracts.html")
def party_contracts(user, party):
    """The contracts the party holds as counterparty, within the user's scope."""
    return {"contracts": contract_list(user).filter(counterparty=party)}
