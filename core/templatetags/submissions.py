from django import template
from django.utils.html import format_html

from core.submissions import FIELD, new_key

register = template.Library()


@register.simple_tag
def submission_key():
    """The hidden one-time key of a form written by hand in a template (one per form, fresh each render):
    see core/submissions.py."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
