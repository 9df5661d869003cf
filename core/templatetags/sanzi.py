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


@register.filter
def yuan(value):
    """`12345.6` → `12,345.60`."""
    from core.money import format_yuan

    return format_yuan(value)


@register.filter
def capital(value):
    """`12345` → `人民币壹万贰仟叁佰肆拾伍元整`."""
    from core.money import capital_yuan

    return "" if value is None else capital_yuan(value)


@register.filter
def duration(value):
    """A timedelta as people say it: `15 分钟`, `2 小时`, `1 小时 30 分钟`."""
    if value is None:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} 小时" if hours else "", f"{minutes} 分钟" if minutes else "") if part)


@register.filter
def filled_fields(form):
    """The fields of a bound filter form that hold a value: the conditions a list is filtered by."""
    if form is None or not form.is_bound:
        return []
    return [field for field in form if field.value() not in (None, "", [], ())]
