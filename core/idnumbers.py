"""身份证号 and 统一社会信用代码: normalising, validating (python-stdnum) and masking."""
from django.core.exceptions import ValidationError
from django.db.models import Q
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＹ",
                           "0123456789XXABCDEFGHJKLMNPQRTUWY")


def _compact(value: str) -> str:
    return "".join(str(value).translate(_FULLWIDTH).split()).replace("-", "").upper()


def normalize_resident_id(value: str) -> str:
    """Return the 18-character 身份证号, or raise a Chinese ValidationError.

    A 15-digit first-generation number (still common in old ledgers) is
    converted to 18 digits. The address code is not checked against the
    birth year: codes change with redistricting and a number first issued
    after a change carries the new code.
    """
    number = _compact(value)
    if len(number) == 15 and number.isdigit():
        body = number[:6] + "19" + number[6:]
        number = body + ric.calc_check_digit(body + "0")
    if len(number) != 18:
        raise ValidationError("身份证号应为18位（当前%(n)s位）。", params={"n": len(number)}, code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("身份证号只能由数字和末位X组成。", code="format")
    # python-stdnum's own order (the birth date, then the check digit), without its address-code lookup: that
    # lookup is most of the cost of a check (a ledger checks tens of thousands) and its answer is not used.
    try:
        ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise ValidationError("身份证号中的出生日期无效。", code="birth_date") from None
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError("身份证号校验位不正确，请核对。", code="checksum")
    return number


def normalize_credit_code(value: str) -> str:
    """Return the 18-character 统一社会信用代码, or raise a Chinese ValidationError."""
    number = _compact(value)
    if len(number) != 18:
        raise ValidationError(
            "统一社会信用代码应为18位（当前%(n)s位）。", params={"n": len(number)}, code="length")
    try:
        return uscc.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError("统一社会信用代码校验位不正确，请核对。", code="checksum") from None
    except stdnum_errors.ValidationError:
        raise ValidationError("统一社会信用代码格式不正确（不含字母 I、O、Z、S、V）。", code="format") from None


def mask_id_number(value: str) -> str:
    """`141124196503120019` → `141124********0019`; short or empty values are masked whole."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def id_number_search(user, value: str, field: str = "id_number") -> Q | None:
    """The condition a search box adds for an ID number, or None when the text is no ID number to look for.

    Who sees ID numbers may look for part of one. Who sees them masked finds a party only by the whole
    number, typed exactly (after normalising): otherwise a run of prefix searches would spell out the
    number the mask hides.
    """
    from .permissions import ID_NUMBER_VIEW, has_perm

    if user is None:
        return None
    text = _compact(value or "").replace("*", "")
    if len(text) < 4 or not text.isalnum() or not any(c.isdigit() for c in text):
        return None
    if has_perm(user, ID_NUMBER_VIEW):
        return Q(**{f"{field}__icontains": text})
    whole = whole_id_number(text)
    return Q(**{field: whole}) if whole else None


def whole_id_number(value: str) -> str | None:
    """The 身份证号 or 统一社会信用代码 that `value` is, normalised as parties store it; None when it is not a
    whole, valid one (a part of a number is never looked for with this)."""
    text = _compact(value or "")
    for normalize in (normalize_resident_id, normalize_credit_code):
        try:
            return normalize(text)
        except ValidationError:
            continue
    return None
