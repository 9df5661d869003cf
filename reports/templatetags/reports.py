"""Formatting of rates and risk levels on report pages."""
from django import template

register = template.Library()

LEVEL_CLASSES = {"绿": "success", "黄": "warning", "红": "danger"}


@register.filter
def pct(value, places: int = 1):
    """A share between 0 and 1 as a percentage (`0.5421` → `54.2%`); a dash where there is none."""
    if value is None or value == "":
        return "—"
    return f"{value * 100:.{int(places)}f}%"


@register.filter
def level_class(level) -> str:
    """The Bootstrap colour of a risk level."""
    return LEVEL_CLASSES.get(level, "secondary")


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
