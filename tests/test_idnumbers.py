import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from core.idnumbers import mask_id_number, normalize_credit_code, normalize_resident_id

VALID_ID = "11010519491231002X"        # a published example number
VALID_CODE = "91110000600037341L"      # a published example code


def test_valid_resident_id_is_accepted_and_normalised():
    assert normalize_resident_id(" 110105 19491231 002x ") == VALID_ID


def test_full_width_digits_and_x_are_accepted():
    assert normalize_resident_id("１１０１０５１９４９１２３１００２Ｘ") == VALID_ID


@pytest.mark.parametrize("number, message", [
    ("110105194912310021", "校验位"),
    ("11010519491231002", "18位"),
    ("1101051949123100211", "18位"),
    ("11010519491331002" + ric.calc_check_digit("110105194913310020"), "出生日期"),
    ("11010519491231A02X", "数字"),
])
def test_invalid_resident_id_is_refused_in_chinese(number, message):
    with pytest.raises(ValidationError) as error:
        normalize_resident_id(number)
    assert message in error.value.messages[0]


def test_fifteen_digit_first_generation_number_becomes_eighteen_digits():
    assert normalize_resident_id("110105491231002") == "11010519491231002X"


def test_number_whose_area_code_postdates_the_birth_year_is_still_accepted():
    # 141128 (方山县) took its code after 1965; the number is valid all the same.
    body = "14112819650312001"
    number = body + ric.calc_check_digit(body + "0")
    assert normalize_resident_id(number) == number


def test_valid_credit_code_is_accepted():
    assert normalize_credit_code("91110000600037341l") == VALID_CODE


@pytest.mark.parametrize("code, message", [
    ("91110000600037341M", "校验位"),
    ("9111000060003734", "18位"),
    ("9111000060003734IL", "格式"),
])
def test_invalid_credit_code_is_refused_in_chinese(code, message):
    with pytest.raises(ValidationError) as error:
        normalize_credit_code(code)
    assert message in error.value.messages[0]


def test_mask_keeps_area_code_and_last_four():
    assert mask_id_number("14112419650312001X") == "141124********001X"
    assert mask_id_number("") == ""
    assert mask_id_number("12345") == "*****"
