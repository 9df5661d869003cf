"""Money and area as people write them: figures with two decimals, and amounts in capital Chinese."""
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an
from django.core.exceptions import ValidationError

CENT = Decimal("0.01")


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


def capital_yuan(value) -> str:
    """`12345` → `人民币壹万贰仟叁佰肆拾伍元整` (the form used on letters and documents)."""
    amount = cents(value)
    if amount < 0:
        return "人民币负" + cn2an.an2cn(str(-amount), "rmb")
    if amount == 0:
        return "人民币零元整"
    return "人民币" + cn2an.an2cn(str(amount), "rmb")


_AMOUNT = re.compile(r"^(?P<number>\d+(\.\d+)?)(?P<wan>万)?(元)?$")


def parse_amount(text) -> Decimal:
    """Read an amount as cadres type it: `12,345.00`, `1.2万`, `¥12345`, `12345元`.

    Anything else, more than two decimals, or a negative amount is a Chinese
    ValidationError; nothing is rounded silently.
    """
    if isinstance(text, Decimal):
        raw = text
    else:
        cleaned = re.sub(r"[\s,，¥￥]", "", str(text or "")).replace("ＲＭＢ", "").replace("RMB", "")
        match = _AMOUNT.match(cleaned)
        if not match:
            raise ValidationError("金额“%(text)s”无法识别，请写成 12345.00、1.2万 或 ¥12,345 的形式。",
                                  params={"text": text})
        try:
            raw = Decimal(match["number"])
        except InvalidOperation:
            raise ValidationError("金额“%(text)s”无法识别。", params={"text": text}) from None
        if match["wan"]:
            raw *= 10000
    if raw < 0:
        raise ValidationError("金额不能为负数。")
    if raw != raw.quantize(CENT):
        raise ValidationError("金额“%(text)s”超过两位小数（分）。", params={"text": text})
    return raw.quantize(CENT)
