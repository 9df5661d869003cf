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


@register.filter
def as_text_rows(form):
    """What a form would edit, as rows of text for a user who may only read it: label, value as people
    write it (money with separators, shares as percentages, 是/否), and the field's help."""
    from django import forms

    from core.forms import MoneyField, PercentField
    from core.money import format_percent, format_yuan

    rows = []
    for bound in form:
        if bound.is_hidden:
            continue
        field, value = bound.field, bound.initial
        if value is None or value == "":
            text = "—"
        elif isinstance(field, PercentField):
            text = format_percent(value)
        elif isinstance(field, MoneyField):
            text = format_yuan(value)
        elif isinstance(field, forms.BooleanField):
            text = "是" if value else "否"
        else:
            text = str(value)
        rows.append({"label": bound.label, "text": text, "help": field.help_text})
    return rows


WAN = 10000


@register.filter
def wan(value):
    """An amount for a dashboard, with its unit: from 10,000 元 up in 万元 with two decimals, the exact figure
    on hover (`12345678` → `1,234.57 万元`, title `12,345,678.00 元`); below it in 元 (`9,800.00 元`)."""
    from decimal import Decimal

    from django.utils.html import format_html

    from core.money import cents, format_yuan

    if value is None or value == "":
        return "—"
    amount = Decimal(value)
    if abs(amount) < WAN:
        return f"{format_yuan(amount)} 元"
    return format_html('<span class="wan" title="{} 元">{} 万元</span>', format_yuan(amount),
                       f"{cents(amount / WAN):,.2f}")
