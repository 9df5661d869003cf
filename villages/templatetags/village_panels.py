"""Panels that pages of lower floors (the home page) show from the places, parties, parcels and assets."""
from django import template

from ..selectors import scope_summary

register = template.Library()


@register.inclusion_tag("villages/_scope_summary.html")
def scope_summary_cards(user):
    """The user's scope in figures: villages, groups, parties, parcels, assets, expected contracts."""
    return {"user": user, "summary": scope_summary(user)}
