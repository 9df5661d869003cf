"""The one set of bounds for every date and amount the application takes in, and date arithmetic that cannot overflow.

Forms (core.forms), the Excel import (ledgers) and services check against these same names, so a value
refused on one path is refused on every path. The bounds sit well inside what Python and the database
can hold: a date within them can have years, months and days added by any rule of the application
(limitation, schedules, warning windows) and stay a date; an amount within them fits a money column,
`DecimalField(max_digits=14, decimal_places=2)`.

Rows stored before these bounds existed may still lie outside them; the date arithmetic below clamps to
`date.min` / `date.max` instead of raising, so reading such a row never fails.
"""
import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 12, 31)
# The largest amount a money column (14 digits, 2 of them decimals) holds.
MONEY_MAX = Decimal("999999999999.99")
# The largest area an area column (亩: 12 digits, 2 of them decimals) holds.
AREA_MAX = Decimal("9999999999.99")
AMOUNT_MAX = {"元": MONEY_MAX, "亩": AREA_MAX}
# The largest id a query parameter may name: a bigint primary key. Beyond it SQLite raises OverflowError
# and PostgreSQL "bigint out of range".
ID_MAX = 2**63 - 1


def check_date(value: date | None, label: str = "日期") -> date | None:
    """`value` itself when it lies between DATE_MIN and DATE_MAX (or is None); else a Chinese ValidationError
    naming `label` (code `date_out_of_range`)."""
    if value is None:
        return None
    day = value.date() if hasattr(value, "date") else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            "%(label)s“%(value)s”超出范围，须在 %(min)s 至 %(max)s 之间。", code="date_out_of_range",
            params={"label": label, "value": day.isoformat(), "min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()})
    return value


def check_amount(value: Decimal | None, label: str = "金额", *, unit: str = "元") -> Decimal | None:
    """`value` itself when it fits a money column (an area column for `unit="亩"`), or is None; else a
    Chinese ValidationError naming `label` (code `too_large`). Signs and decimals are parse_amount's concern."""
    if value is None:
        return None
    maximum = AMOUNT_MAX[unit]
    if abs(value) > maximum:
        raise ValidationError("%(label)s不能超过 %(max)s %(unit)s。", code="too_large",
                              params={"label": label, "max": f"{maximum:,.2f}", "unit": unit})
    return value


class DateInBounds:
    """A form field's validator: the date lies between DATE_MIN and DATE_MAX (core.forms.bound_fields)."""

    def __init__(self, label: str):
        self.label = label

    def __call__(self, value):
        check_date(value, self.label)

    def __eq__(self, other):
        return isinstance(other, DateInBounds)

    def __hash__(self):
        return hash(DateInBounds)


# --- Date arithmetic that cannot overflow ------------------------------------------------------


def _clamped(build, direction: int) -> date:
    try:
        return build()
    except (ValueError, OverflowError):
        return date.max if direction >= 0 else date.min


def add_days(day: date, days: int) -> date:
    """`day + days`, or date.max / date.min where that is past the calendar's end."""
    return _clamped(lambda: day + timedelta(days=days), days)


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February); date.max / date.min past the
    calendar's end."""

    def build():
        year = day.year + years
        return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))

    return _clamped(build, years)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (31 August + 6 months is 28 February); date.max / date.min past the end."""

    def build():
        month_index = day.month - 1 + months
        year, month = day.year + month_index // 12, month_index % 12 + 1
        return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))

    return _clamped(build, months)


# --- Query parameters ---------------------------------------------------------------------------


def query_int(value, *, maximum: int = ID_MAX) -> int | None:
    """An id or count from a query string: plain ASCII digits up to `maximum`, else None (the filter is ignored).

    `str.isdigit` alone lets through `²` and `٣` (int() refuses the first) and numbers no column holds.
    """
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None
