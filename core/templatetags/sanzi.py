from django import template

from core.idnumbers import mask_id_number
from core.permissions import ID_NUMBER_VIEW

register = template.Library()


@register.simple_tag(takes_context=True)
def id_number(context, value):
    """An ID number as this user may see it: whole for roles that need it, masked for the rest."""
    if ID_NUMBER_VIEW in context.get("user_perms", ()):
        return value or ""
    return mask_id_number(value or "")
