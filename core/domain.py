"""The domain's numbers (DOMAIN.md §8, §10), read from the settings where a county sets its own.

Each is asked for when it is used, not at import, so that a county's settings
(and a test's override) take effect everywhere at once. The defaults are the
numbers of the law and of the campaign's practice.
"""
from decimal import Decimal

from django.conf import settings

# 民法典 §188: three years from the due date, twenty from the day the claim arose.
LIMITATION_YEARS = 3
ABSOLUTE_LIMIT_YEARS = 20
# How long before a lapse a claim is listed among those about to lapse.
LIMITATION_WARNING_DAYS = 180
# The reply deadline a reconciliation letter gives.
LETTER_REPLY_DAYS = 30
LETTER_REPEAT_DAYS = 30
# 账务调整 and 资产抵债 above this many 元 need the township and a passed resolution, as a write-off does.
ADJUSTMENT_LIMIT = 1000


def limitation_years() -> int:
    return getattr(settings, "LIMITATION_YEARS", LIMITATION_YEARS)


def absolute_limit_years() -> int:
    return getattr(settings, "ABSOLUTE_LIMIT_YEARS", ABSOLUTE_LIMIT_YEARS)


def limitation_warning_days() -> int:
    return getattr(settings, "LIMITATION_WARNING_DAYS", LIMITATION_WARNING_DAYS)


def letter_reply_days() -> int:
    return getattr(settings, "LETTER_REPLY_DAYS", LETTER_REPLY_DAYS)


def letter_repeat_days() -> int:
    """A letter of the same kind within so many days makes a batch warn about (and leave out) its debtor."""
    return getattr(settings, "LETTER_REPEAT_DAYS", LETTER_REPEAT_DAYS)


def adjustment_limit() -> Decimal:
    return Decimal(str(getattr(settings, "ADJUSTMENT_LIMIT", ADJUSTMENT_LIMIT)))
