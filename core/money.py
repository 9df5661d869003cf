"""Money and area as people write them: figures with two decimals, and amounts in capital Chinese."""
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an
from django.core.exceptions import ValidationError
from django.db.models import DecimalField

from .bounds import check_amount

CENT = Decimal("0.01")
ZERO = Decimal("0")
# The output field of sums of money in queries (a county's totals exceed a single amount's digits).
MONEY_SUM = DecimalField(max_digits=16, decimal_places=2)


def money_sum(expression, **kwargs):
    """A query's sum of money: 0.00 rather than NULL over no rows (`filter=` and the like pass through)."""
    from django.db.models import Sum
    from django.db.models.functions import Coalesce

    return Coalesce(Sum(expression, **kwargs), ZERO, output_field=MONEY_SUM)


def cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_yuan(value) -> str:
    """`12345.6` → `12,345.60`."""
    if value is None:
        return ""
    return f"{cents(value):,.2f}"


def format_area(value) -> str:
    """亩 with two decimals: `260.79`."""
    if value is None:
        return ""
    return f"{cents(value):,.2f}"


def format_percent(share) -> str:
    """A share as a percentage with no trailing zeros: `0.05` → `5%`, `0.3` → `30%`, `0.0525` → `5.25%`."""
    if share is None:
        return ""
    percent = (Decimal(share) * 100).normalize()
    return f"{percent:f}%"


def capital_yuan(value) -> str:
    """`12345` → `人民币壹万贰仟叁佰肆拾伍元整` (the form used on letters and documents)."""
    amount = cents(value)
    if amount < 0:
        return "人民币负" + cn2an.an2cn(str(-amount), "rmb")
    if amount == 0:
        return "人民币零元整"
    return "人民币" + cn2an.an2cn(str(amount), "rmb")


_AMOUNT = re.compile(r"^(?P<number>\d+(\.\d+)?)(?P<wan>万)?(?P<unit>元|亩)?$")
# A float read from a spreadsheet cell is a binary approximation of what was typed:
# within this distance of a whole cent it is that cent.
_FLOAT_NOISE = Decimal("0.000001")


def parse_amount(text, *, unit: str = "元", label: str = "金额") -> Decimal:
    """Read an amount as cadres type it: `12,345.00`, `1.2万`, `¥12345`, `12345元`, or a number cell.

    `unit="亩"` reads an area the same way (`12.5亩`). Anything else, more than
    two decimals, a negative amount, or more than a money (area) column holds
    (core.bounds.MONEY_MAX, AREA_MAX) is a Chinese ValidationError naming `label` where it helps
    (codes `invalid`, `precision`, `negative`, `too_large`); nothing is rounded silently.
    """
    if isinstance(text, bool):
        raise ValidationError("金额“%(text)s”无法识别。", params={"text": text}, code="invalid")
    if isinstance(text, Decimal):
        raw = text
    elif isinstance(text, int):
        raw = Decimal(text)
    elif isinstance(text, float):
        # A number cell as openpyxl reads it: its shortest decimal spelling is what was typed.
        if not math.isfinite(text):
            raise ValidationError("金额“%(text)s”无法识别。", params={"text": text}, code="invalid")
        raw = Decimal(repr(text))
    else:
        cleaned = unicodedata.normalize("NFKC", str(text or ""))
        cleaned = re.sub(r"[\s,，¥￥]", "", cleaned).replace("RMB", "").replace("人民币", "")
        match = _AMOUNT.match(cleaned)
        if not match or (match["unit"] and match["unit"] != unit):
            raise ValidationError("金额“%(text)s”无法识别，请写成 12345.00、1.2万 或 ¥12,345 的形式。",
                                  params={"text": text}, code="invalid")
        try:
            raw = Decimal(match["number"])
        except InvalidOperation:
            raise ValidationError("金额“%(text)s”无法识别。", params={"text": text}, code="invalid") from None
        if match["wan"]:
            raw *= 10000
    if not raw.is_finite():
        raise ValidationError("金额“%(text)s”无法识别。", params={"text": text}, code="invalid")
    if raw < 0:
        raise ValidationError("金额不能为负数。", code="negative")
    # Before any quantize: a figure of more than 28 digits makes quantize itself raise InvalidOperation.
    check_amount(raw, label, unit=unit)
    if isinstance(text, float) and abs(raw - raw.quantize(CENT)) < _FLOAT_NOISE:
        raw = raw.quantize(CENT)
    if raw != raw.quantize(CENT):
        raise ValidationError("金额“%(text)s”超过两位小数（分）。", params={"text": text}, code="precision")
    return raw.quantize(CENT)
