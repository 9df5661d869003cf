"""Values as township ledgers hold them: months that end a period, periods in one cell, amounts in 万元,
ID numbers Excel stored as numbers, the field's own words for coded values, and the rows around the data
(the template's example typed over, totals anywhere in the row, the row of column numbers). Each is read
by the reader functions and imported end to end."""
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from contracts.models import Contract
from debts.models import Claim, Entry
from ledgers import importer, reading
from ledgers import kinds as K
from ledgers.importer import Rights
from ledgers.reading import CellError, Conversions, Sheet
from ledgers.testing import workbook
from ledgers.xlsx_templates import template_content
from villages.factories import make_resident_id
from villages.models import Parcel

CONTRACT_HEADER = ["乡镇", "村", "合同编号", "承包方", "证件号码", "标的类型", "标的名称", "地块编号", "面积(亩)",
                   "起始日期", "终止日期", "年承包费(元)", "合同总额(元)", "备注"]
CLAIM_HEADER = ["乡镇", "村", "债权编号", "债务人", "证件号码", "形成原因", "金额(元)", "已清收金额(元)", "清收方式",
                "清收日期"]
ID_AS_NUMBER = "证件号码被存成了数字，末几位已丢失，请把该列设为文本后重新填写"


def contract(number, **values):
    row = {"乡镇": "峪口镇", "村": "峪口村", "合同编号": number, "承包方": "张三", "标的类型": "机动地",
           "标的名称": "前坪", "起始日期": "2015-03-01", "终止日期": "2035-02-28", "年承包费(元)": "3,750"}
    row.update(values)
    return [row.get(name) for name in CONTRACT_HEADER]


def claim(number, **values):
    row = {"乡镇": "峪口镇", "村": "峪口村", "债权编号": number, "债务人": "李四", "形成原因": "借款",
           "金额(元)": "12,000"}
    row.update(values)
    return [row.get(name) for name in CLAIM_HEADER]


def sheet_of(tmp_path, header, rows, kind, *, above=()):
    """A ledger with the rows `above` (title, unit row) over its header."""
    book = Workbook()
    sheet = book.active
    for line in above:
        sheet.append(list(line))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / f"{kind}.xlsx"
    book.save(path)
    return importer.parse(path, kind)


def run(sheet, kind, user, commit=False):
    return (importer.commit if commit else importer.preview)(sheet, kind, Rights.of(user))


def issues(found) -> list[str]:
    return [str(issue) for issue in found]


def passing_id_ending_in_000() -> str:
    """A 身份证号 whose last three digits are 000 and whose check digit passes: what an 18-digit number
    typed into a number cell may read as, and still someone's valid-looking number."""
    for day in range(1, 29):
        body = f"141128199001{day:02d}100"
        if ric.calc_check_digit(body + "0") == "0":
            return body + "0"
    raise AssertionError("no such number")


# --- 1. Months that end a period ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2025.12", "2025-12", "2025年12月", "202512", 202512, 2025.12, "2025/12"])
def test_a_month_alone_ending_a_period_is_its_last_day(value):
    assert reading.day(value, open_end=True, end=True) == date(2025, 12, 31)
    assert reading.day(value) == date(2025, 12, 1)


def test_the_last_day_of_february_follows_the_year():
    assert reading.day("2024.2", end=True) == date(2024, 2, 29)
    assert reading.day("2025年2月", end=True) == date(2025, 2, 28)


@pytest.mark.parametrize("value", ["2030", 2030, "2030年"])
def test_a_year_alone_ending_a_period_is_its_31_december(value):
    assert reading.day(value, end=True) == date(2030, 12, 31)
    assert reading.day(value) == date(2030, 1, 1)


def test_a_whole_date_is_the_same_wherever_it_stands():
    assert reading.day("2035.2.28", end=True) == reading.day("2035.2.28") == date(2035, 2, 28)
    assert reading.day("至今", open_end=True, end=True) is None


@pytest.mark.parametrize("value, expected", [(2015.03, date(2015, 3, 1)), (2015.12, date(2015, 12, 1)),
                                             (2015.3, date(2015, 3, 1)), (2015.09, date(2015, 9, 1))])
def test_a_year_and_month_typed_into_a_number_cell_is_that_month_not_an_excel_serial(value, expected):
    assert reading.day(value) == expected


def test_a_number_cell_of_2015_1_may_be_january_or_october_and_is_refused():
    with pytest.raises(CellError) as error:
        reading.day(2015.1)
    assert str(error.value).startswith("2015.1 无法区分是1月还是10月，请写作 2015-01 或 2015-10")
    # Typed as text, 2015.1 is January and 2015.10 October.
    assert reading.day("2015.1") == date(2015, 1, 1) and reading.day("2015.10") == date(2015, 10, 1)


@pytest.mark.parametrize("value", [2015.13, 2015.123])
def test_a_number_cell_that_is_no_year_and_month_says_how_to_write_one(value):
    with pytest.raises(CellError, match=r"无法识别的日期 .*年月请写作 2015-03 的形式"):
        reading.day(value)


def test_contract_ends_written_as_months_import_as_their_last_day(personas, tmp_path):
    rows = [contract("YK-1", **{"起始日期": "2015.03", "终止日期": "2025.12"}),
            contract("YK-2", **{"起始日期": 2015.03, "终止日期": "2035年2月"}),
            contract("YK-3", **{"起始日期": "2010", "终止日期": 2029})]
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre, commit=True)
    assert outcome.committed
    found = {c.number: (c.start_date, c.end_date) for c in Contract.objects.all()}
    assert found == {"YK-1": (date(2015, 3, 1), date(2025, 12, 31)), "YK-2": (date(2015, 3, 1), date(2035, 2, 28)),
                     "YK-3": (date(2010, 1, 1), date(2029, 12, 31))}


def test_an_ambiguous_month_number_is_refused_naming_the_column(personas, tmp_path):
    rows = [contract("YK-1", **{"终止日期": 2035.1})]
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert issues(outcome.errors) == [
        "第 2 行 「终止日期」: 2035.1 无法区分是1月还是10月，请写作 2035-01 或 2035-10（日期单元格存成了数字）"]


# --- 2. Periods in one cell --------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("2010.1.1-2030.12.31", (date(2010, 1, 1), date(2030, 12, 31))),
    ("2010.01.01至2030.12.31", (date(2010, 1, 1), date(2030, 12, 31))),
    ("2010-01-01-2030-12-31", (date(2010, 1, 1), date(2030, 12, 31))),
    ("2010/3/1～2030/2/28", (date(2010, 3, 1), date(2030, 2, 28))),
    ("2010—2030", (date(2010, 1, 1), date(2030, 12, 31))),
    ("2010-2030", (date(2010, 1, 1), date(2030, 12, 31))),
    ("2010年3月-2025年2月", (date(2010, 3, 1), date(2025, 2, 28))),
    ("2010年3月1日起至2030年2月28日止", (date(2010, 3, 1), date(2030, 2, 28))),
    ("2010.3.1——2030.2.28", (date(2010, 3, 1), date(2030, 2, 28))),
    ("2010.3.1-至今", (date(2010, 3, 1), None)),
    ("2010.3.1至今", (date(2010, 3, 1), None)),
    ("2010.3.1~长期", (date(2010, 3, 1), None)),
    ("2010.3.1起", (date(2010, 3, 1), None)),
    ("长期", (None, None)),
    ("", (None, None)),
    (None, (None, None)),
])
def test_a_period_in_one_cell(value, expected):
    assert reading.period(value) == expected


@pytest.mark.parametrize("value, start, end", [
    ("20年", date(2010, 3, 1), date(2030, 2, 28)),
    ("二十年", date(2010, 3, 1), date(2030, 2, 28)),
    ("三十年", date(2010, 1, 1), date(2039, 12, 31)),
    ("十五年", date(2010, 1, 1), date(2024, 12, 31)),
    (20, date(2012, 2, 29), date(2032, 2, 28)),
    ("1年", date(2012, 2, 29), date(2013, 2, 28)),
])
def test_a_length_of_years_runs_from_the_start_to_the_day_before_the_anniversary(value, start, end):
    assert reading.period(value, start=start) == (start, end)


@pytest.mark.parametrize("value, reason", [
    ("20年", "只写了年限，没有起始日期，无法算出终止日期 \"20年\""),
    ("2030-2010", "止日不晚于起日 \"2030-2010\""),
    ("2010.1.1至去年", "无法识别的起止日期 \"2010.1.1至去年\""),
    ("一百年", "无法识别的年限 \"一百年\""),
    ("去年起", "无法识别的起始日期 \"去年起\""),
])
def test_a_period_that_cannot_be_read_says_why(value, reason):
    with pytest.raises(CellError) as error:
        reading.period(value)
    assert str(error.value).startswith(reason)


def test_a_period_column_is_not_a_column_of_the_contracts_ledger_yet(tmp_path):
    # 承包期限 maps to 起始日期 and 终止日期 together: the mapping step splits it (ledgers/mapping.py).
    sheet = sheet_of(tmp_path, ["乡镇", "村", "合同编号", "承包方", "承包期限"],
                     [["峪口镇", "峪口村", "YK-1", "张三", "2010.1.1-2030.12.31"]], "contracts")
    assert sheet.unknown == ["承包期限"]


# --- 3. Amounts in 万元 --------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (7.5, "75000.00"), (531.76, "5317600.00"), ("7.5", "75000.00"), ("1,234.5", "12345000.00"), (12, "120000.00"),
    (0.1 + 0.2, "3000.00"), ("7.123456", "71234.56"),
    # A figure naming its own unit is read by it.
    ("75000元", "75000.00"), ("7.5万", "75000.00"), ("7.5万元", "75000.00"),
])
def test_an_amount_in_wan_yuan_is_read_in_yuan_exactly(value, expected):
    found = reading.amount(value, unit="万元")
    assert found == Decimal(expected) and isinstance(found, Decimal)


@pytest.mark.parametrize("value, reason", [
    ("7.1234567", "金额超过两位小数 \"7.1234567\"（本列以万元为单位）"),
    ("-5", "无法识别的金额 \"-5\""),
    (200000000.0, "金额过大，不能超过 999,999,999,999.99 元"),
])
def test_an_amount_in_wan_yuan_that_cannot_be_read_says_why(value, reason):
    with pytest.raises(CellError) as error:
        reading.amount(value, unit="万元")
    assert str(error.value).startswith(reason)


@pytest.mark.parametrize("header, column", [
    ("合同总金额（万元）", "合同总额(元)"), ("合同总额(万元)", "合同总额(元)"), ("年承包费（元/年）", "年承包费(元)"),
    ("年承包费(万元/年)", "年承包费(元)"), ("面积（亩）", "面积(亩)"),
])
def test_a_header_naming_another_unit_of_its_measure_matches_the_column(header, column):
    found, unknown = reading.match_headers(["合同编号", header], K.CONTRACTS.columns)
    assert found == {0: "合同编号", 1: column} and unknown == []


@pytest.mark.parametrize("header", ["面积(万元)", "年承包费(元/亩)", "合同总额(亩)", "备注(万元)", "面积(平方米)"])
def test_a_header_naming_a_unit_of_another_measure_does_not_match(header):
    found, unknown = reading.match_headers(["合同编号", header], K.CONTRACTS.columns)
    assert found == {0: "合同编号"} and unknown == [header]


def test_which_money_columns_are_in_wan_yuan():
    header = ["合同编号", "年承包费（元）", "合同总金额（万元）"]
    found = {0: "合同编号", 1: "年承包费(元)", 2: "合同总额(元)"}
    assert reading.header_units(header, found) == {"合同总额(元)": ("万元", "表头为“合同总金额（万元）”")}
    # A unit row applies to the money columns whose header names no unit, not to one naming 元.
    header = ["合同编号", "年承包费（元）", "合同金额"]
    assert reading.header_units(header, found, ("万元", "单位：万元")) == {
        "合同总额(元)": ("万元", "表头“合同金额”未注明单位，表上方注明“单位：万元”")}
    assert reading.header_units(header, found, ("元", "单位：元、亩")) == {}


def test_conversions_are_counted_per_column_with_the_cells():
    conversions = Conversions({"合同总额(元)": ("万元", "表头为“合同总金额（万元）”")})
    assert conversions.amount(7.5, "合同总额(元)", 4) == Decimal("75000.00")
    assert conversions.amount("75000元", "合同总额(元)", 5) == Decimal("75000.00")    # its own unit
    assert conversions.amount(None, "合同总额(元)", 6) is None
    assert conversions.amount("3,750", "年承包费(元)", 4) == Decimal("3750.00")
    assert conversions.warnings() == [
        ("合同总额(元)", "表头为“合同总金额（万元）”，已按万元换算为元，共 1 格：第 4 行 7.5 万元 → 75,000.00 元")]


def test_the_units_of_a_sheet_survive_the_reader_process_file(tmp_path):
    sheet = Sheet(name="台账", header_row=1, columns=["合同总额(元)"], units={"合同总额(元)": ("万元", "表头为“x”")},
                  examples=[(2, [date(2015, 3, 1)])])
    with open(tmp_path / "sheet", "wb") as handle:
        sheet.dump(handle)
    with open(tmp_path / "sheet", "rb") as handle:
        again = Sheet.load(handle)
    assert again.units == sheet.units and again.examples == sheet.examples


def test_a_contract_total_in_wan_yuan_is_converted_and_every_conversion_shown(personas, tmp_path):
    header = [*CONTRACT_HEADER[:-2], "合同总金额（万元）"]
    rows = [contract("YK-1", **{"合同总额(元)": 7.5})[:-1], contract("YK-2", **{"合同总额(元)": "531.76"})[:-1],
            contract("YK-3")[:-1]]
    sheet = sheet_of(tmp_path, header, rows, "contracts")
    preview = run(sheet, "contracts", personas.cadre)
    assert preview.ok and issues(preview.warnings) == [
        "文件 「合同总额(元)」: 表头为“合同总金额（万元）”，已按万元换算为元，共 2 格："
        "第 2 行 7.5 万元 → 75,000.00 元；第 3 行 531.76 万元 → 5,317,600.00 元"]
    run(sheet, "contracts", personas.cadre, commit=True)
    found = dict(Contract.objects.values_list("number", "total_amount"))
    assert found == {"YK-1": Decimal("75000.00"), "YK-2": Decimal("5317600.00"), "YK-3": None}
    # The yearly fee's header names no unit and the file no unit row: 元, as written.
    assert Contract.objects.get(number="YK-1").annual_fee == Decimal("3750.00")


def test_a_unit_row_above_the_header_puts_every_money_column_without_a_unit_in_wan_yuan(personas, tmp_path):
    header = ["乡镇", "村", "债权编号", "债务人", "形成原因", "金额", "已清收金额", "清收方式", "清收日期"]
    rows = [["峪口镇", "峪口村", "ZQ-1", "李四", "借款", 1.2, 0.2, "现金", "2025-06-30"],
            ["峪口镇", "峪口村", "ZQ-2", "王五", "借款", "0.85", None, None, None]]
    above = [["峪口镇峪口村债权清理台账"], ["填报单位：峪口村", None, None, None, None, None, "单位：万元"]]
    sheet = sheet_of(tmp_path, header, rows, "claims", above=above)
    assert sheet.header_row == 3
    outcome = run(sheet, "claims", personas.cadre, commit=True)
    assert issues(outcome.warnings) == [
        "文件 「金额(元)」: 表头“金额”未注明单位，表上方注明“单位：万元”，已按万元换算为元，共 2 格："
        "第 4 行 1.2 万元 → 12,000.00 元；第 5 行 0.85 万元 → 8,500.00 元",
        "文件 「已清收金额(元)」: 表头“已清收金额”未注明单位，表上方注明“单位：万元”，已按万元换算为元，共 1 格："
        "第 4 行 0.2 万元 → 2,000.00 元"]
    assert dict(Claim.objects.values_list("number", "principal")) == {
        "ZQ-1": Decimal("12000.00"), "ZQ-2": Decimal("8500.00")}
    assert Entry.objects.get().amount == Decimal("2000.00")


def test_a_header_naming_yuan_stays_in_yuan_under_a_wan_yuan_unit_row(personas, tmp_path):
    rows = [claim("ZQ-1", **{"金额(元)": "12,000"})]
    sheet = sheet_of(tmp_path, CLAIM_HEADER, rows, "claims", above=[["单位：万元"]])
    outcome = run(sheet, "claims", personas.cadre, commit=True)
    assert outcome.warnings == [] and Claim.objects.get().principal == Decimal("12000.00")


# --- 4. ID numbers stored as numbers -----------------------------------------------------------------


def test_an_id_number_excel_stored_as_a_number_is_refused_for_what_it_is():
    passing = passing_id_ending_in_000()
    with pytest.raises(CellError) as error:
        reading.id_cell(int(passing))
    assert str(error.value) == f"{ID_AS_NUMBER} \"{passing}\""
    with pytest.raises(CellError) as error:
        reading.id_cell(1.41128199001011e+17)
    assert str(error.value) == f"{ID_AS_NUMBER} \"141128199001011000\""
    with pytest.raises(CellError, match=ID_AS_NUMBER):
        reading.id_cell("1.41128E+17")      # as Excel shows it, copied into a text cell


def test_a_first_generation_id_number_survives_a_number_cell_and_text_passes_through():
    assert reading.id_cell(141128650312001) == "141128650312001"
    assert reading.id_cell(make_resident_id(3)) == make_resident_id(3)
    assert reading.id_cell(None) is None and reading.id_cell("") == ""


def test_a_contract_whose_id_number_is_a_number_is_refused_even_when_its_check_digit_passes(personas, tmp_path):
    passing = passing_id_ending_in_000()
    rows = [contract("YK-1", **{"证件号码": int(passing)}), contract("YK-2", **{"证件号码": 1.41128199001011e+17}),
            contract("YK-3", **{"证件号码": make_resident_id(5)})]
    outcome = run(sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts"), "contracts", personas.cadre)
    assert issues(outcome.errors) == [f"第 2 行 「证件号码」: {ID_AS_NUMBER} \"{passing}\"",
                                      f"第 3 行 「证件号码」: {ID_AS_NUMBER} \"141128199001011000\""]


def test_a_claim_whose_id_number_is_a_number_is_refused(personas, tmp_path):
    rows = [claim("ZQ-1", **{"证件号码": 1.41128199001011e+17})]
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre)
    assert issues(outcome.errors) == [f"第 2 行 「证件号码」: {ID_AS_NUMBER} \"141128199001011000\""]


# --- 5. The field's words -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["三提五统尾欠", "农业税尾欠款", "三提五统尾欠（1998年）", "税费尾欠（三提五统）"])
def test_tax_era_arrears_in_the_ledgers_words(value):
    assert K.CLAIM_ORIGINS.find(value) == "税费尾欠"


def test_suffixes_are_taken_off_only_to_find_a_name():
    assert K.CLAIM_ORIGINS.find("借款") == "借款" and K.CLAIM_ORIGINS.find("垫付款") == "垫付"
    assert K.CLAIM_ORIGINS.find("承包费欠款") == "承包费拖欠"
    assert K.DEBT_ORIGINS.find("劳务费欠款") == "应付劳务费"
    assert K.CLAIM_ORIGINS.find("尾欠") is None and K.CLAIM_ORIGINS.find("修路款") is None
    # Other lists take no suffixes off.
    assert K.CLAIM_ENTRY_KINDS.find("现金款") is None


def test_river_beach_land_is_other_land():
    assert K.PARCEL_KINDS.read("河滩地") == "其他" and K.SUBJECT_KINDS.read("河滩地") == "其他"


def test_waivers_stay_a_clearing_kind_and_on_account_is_none():
    assert K.CLAIM_ENTRY_KINDS.read("减免") == "减免"
    assert K.CLAIM_ENTRY_KINDS.find("挂账") is None and "挂账" in K.NOT_COLLECTED


def test_tax_era_arrears_in_the_ledgers_words_are_sealed_with_the_words_kept(personas, tmp_path):
    rows = [claim("ZQ-1", **{"形成原因": "三提五统尾欠"}), claim("ZQ-2", **{"形成原因": "农业税尾欠款"})]
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre, commit=True)
    assert outcome.warnings == []
    found = {c.number: (c.origin, c.origin_note, c.sealed) for c in Claim.objects.all()}
    assert found == {"ZQ-1": ("税费尾欠", "三提五统尾欠", True), "ZQ-2": ("税费尾欠", "农业税尾欠款", True)}


def test_river_beach_land_imports_as_other_with_the_word_kept_in_the_notes(personas, tmp_path):
    rows = [contract("YK-1", **{"标的类型": "河滩地", "地块编号": "HT-01", "面积(亩)": "8.5", "备注": "老合同"}),
            contract("YK-2", **{"标的类型": "河滩地", "标的名称": "西河滩"})]
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, rows, "contracts")
    outcome = run(sheet, "contracts", personas.cadre, commit=True)
    assert issues(outcome.warnings) == ["第 2 行 「标的类型」: “河滩地”记为“其他”，原文记入备注",
                                        "第 3 行 「标的类型」: “河滩地”记为“其他”，原文记入备注"]
    first, second = Contract.objects.order_by("number")
    assert first.note == "老合同；标的类型：河滩地" and second.note == "标的类型：河滩地"
    parcel = Parcel.objects.get(code="HT-01")
    assert (parcel.kind, parcel.note) == ("其他", "资源类型：河滩地") and second.subject_note == "其他：西河滩"
    again = run(sheet, "contracts", personas.cadre)
    assert (again.create, again.update, again.unchanged) == (0, 0, 2)


def test_on_account_records_no_entry_and_says_so(personas, tmp_path):
    rows = [claim("ZQ-1", **{"已清收金额(元)": "2,000", "清收方式": "挂账"}),
            claim("ZQ-2", **{"清收方式": "挂帐"})]
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre, commit=True)
    assert outcome.committed and issues(outcome.warnings) == [
        "第 2 行 「清收方式」: “挂账”表示未收回，已清收金额 2,000.00 元不登记为清收",
        "第 3 行 「清收方式」: “挂帐”表示未收回不登记为清收"]
    assert Claim.objects.count() == 2 and Entry.objects.count() == 0


def test_on_account_in_a_later_file_leaves_what_was_collected_alone(personas, tmp_path):
    run(sheet_of(tmp_path, CLAIM_HEADER, [claim("ZQ-1", **{"已清收金额(元)": "2,000", "清收方式": "现金",
                                                           "清收日期": "2025-06-30"})], "claims"),
        "claims", personas.cadre, commit=True)
    rows = [claim("ZQ-1", **{"已清收金额(元)": "5,000", "清收方式": "挂账"})]
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre, commit=True)
    assert outcome.ok and (outcome.update, outcome.unchanged) == (0, 1)
    assert list(Entry.objects.values_list("amount", flat=True)) == [Decimal("2000.00")]


def test_a_waiver_in_a_ledger_is_still_refused_for_want_of_a_vote(personas, tmp_path):
    rows = [claim("ZQ-1", **{"已清收金额(元)": "2,000", "清收方式": "减免"})]
    outcome = run(sheet_of(tmp_path, CLAIM_HEADER, rows, "claims"), "claims", personas.cadre)
    assert issues(outcome.errors) == [
        "第 2 行 「清收方式」: “减免”须经民主决策，不能由台账导入，请导入后在债权页面办理"]


# --- 6. The rows around the data ----------------------------------------------------------------------


def read(tmp_path, header, rows, columns=K.CONTRACTS.columns):
    path = tmp_path / "rows.xlsx"
    workbook(header, rows, path=path)
    return reading.read_sheet(path, columns)


HEADER = ["序号", "乡镇", "村", "合同编号", "承包方", "年承包费(元)", "备注"]


def test_totals_anywhere_in_the_row_and_the_row_of_column_numbers_are_skipped(tmp_path):
    rows = [[1, 2, 3, 4, 5, 6, 7],
            [1, "峪口镇", "峪口村", "HT-1", "张三", 100, "两块地合计12亩"],
            [None, "峪口镇", "峪口村", "小计", None, 100, None],
            [None, None, "本页合计：", None, None, 100, None],
            ["栏次", "1", "2", "3", "4", "5", "6"],
            [2, "峪口镇", "峪口村", "HT-2", "李四", 200, None],
            [None, "总计(元)", None, None, None, 300, None]]
    sheet = read(tmp_path, HEADER, rows)
    assert [values[2] for _, values in sheet.rows] == ["HT-1", "HT-2"]


def test_a_data_row_of_numbers_alone_is_not_taken_for_column_numbers(tmp_path):
    rows = [[1, 2, 3, 4, 5, 6], [1, 3, 5, 7, 9, 11]]
    sheet = read(tmp_path, ["序号", "合同编号", "承包方", "乡镇", "村", "年承包费(元)"], rows)
    assert [values for _, values in sheet.rows] == [[3, 5, 7, 9, 11]]


def test_rows_marked_as_the_example_are_kept_apart_and_told_from_the_kinds_example(tmp_path):
    example = K.CONTRACTS.example
    template_row = ["示例"] + [example.get(name, "") for name in K.CONTRACTS.names]
    typed_over = ["示例"] + [example.get(name, "") for name in K.CONTRACTS.names]
    typed_over[K.CONTRACTS.names.index("合同编号") + 1] = "YK-2016-007"
    sheet = read(tmp_path, ["序号", *K.CONTRACTS.names], [template_row, typed_over])
    assert sheet.rows == [] and [number for number, _ in sheet.examples] == [2, 3]
    assert [number for number, _ in reading.typed_over(sheet, example)] == [3]


def _template_with(tmp_path, kind, rows: list[dict]):
    """The downloaded template of `kind`: its example row overwritten by `rows[0]` (its 示例 mark left), the
    other rows below."""
    path = tmp_path / f"{kind.key}-template.xlsx"
    path.write_bytes(template_content(kind))
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for offset, values in enumerate(rows):
        for index, name in enumerate(kind.names, start=2):
            if name in values:
                sheet.cell(row=3 + offset, column=index, value=values[name])
        if offset:
            sheet.cell(row=3 + offset, column=1, value=offset)
    book.save(path)
    return importer.parse(path, kind.key)


def test_the_example_row_typed_over_is_imported_and_said_to_be(personas, tmp_path):
    typed = {"合同编号": "YK-2016-007", "承包方": "赵六", "标的名称": "后沟", "地块编号": "YK-JD-007"}
    sheet = _template_with(tmp_path, K.CONTRACTS, [typed, {**K.CONTRACTS.example, "合同编号": "YK-2016-008"}])
    outcome = run(sheet, "contracts", personas.cadre, commit=True)
    assert outcome.rows == 2 and outcome.create == 2
    assert f"第 3 行: {reading.EXAMPLE_TYPED_OVER}" in issues(outcome.warnings)
    assert reading.EXAMPLE_TYPED_OVER == ("此行标为“示例”，但内容与模板的示例不同，已作为数据导入；"
                                          "如确是示例，请删除此行")
    assert set(Contract.objects.values_list("number", flat=True)) == {"YK-2016-007", "YK-2016-008"}
    assert Contract.objects.get(number="YK-2016-007").counterparty.name == "赵六"


def test_the_untouched_example_row_is_not_imported(personas, tmp_path):
    sheet = _template_with(tmp_path, K.CLAIMS, [{}, {**K.CLAIMS.example, "债权编号": "ZQ-2016-002"}])
    outcome = run(sheet, "claims", personas.cadre, commit=True)
    assert outcome.rows == 1 and list(Claim.objects.values_list("number", flat=True)) == ["ZQ-2016-002"]
    assert not any("示例" in str(w) for w in outcome.warnings)


def test_a_typed_over_claim_example_is_imported(personas, tmp_path):
    sheet = _template_with(tmp_path, K.CLAIMS, [{"债权编号": "ZQ-2020-001", "债务人": "孙七", "金额(元)": "8,000"}])
    outcome = run(sheet, "claims", personas.cadre, commit=True)
    assert outcome.create == 1 and Claim.objects.get().principal == Decimal("8000.00")


def test_totals_and_column_numbers_do_not_reach_the_import(personas, tmp_path):
    header = ["序号", *CONTRACT_HEADER]
    rows = [list(range(1, len(header) + 1)), [1, *contract("YK-1")],
            [None, "峪口镇", "峪口村", None, "合计", None, None, None, None, None, None, None, 3750, None, None]]
    outcome = run(sheet_of(tmp_path, header, rows, "contracts"), "contracts", personas.cadre)
    assert outcome.ok and (outcome.rows, outcome.create) == (1, 1)


def test_a_parcel_typed_over_the_templates_example_row_is_imported(personas, tmp_path):
    """As for contracts and claims: the 示例 mark left in place over a real parcel is data, with a warning."""
    from villages.models import Parcel

    header = ["序号", "乡镇", "村", "地块编号", "地名", "资源类型", "台账面积(亩)"]
    rows = [["示例", "积翠镇", "积翠村", "JC-101", "后沟", "机动地", "5.5"],
            [1, "积翠镇", "积翠村", "JC-102", "前坪", "四荒地", "12"]]
    path = tmp_path / "地块.xlsx"
    workbook(header, rows, path=path)
    outcome = importer.commit(importer.parse(path, "parcels"), "parcels", Rights.of(personas.outsider))
    assert not outcome.errors
    assert any("示例" in str(w) for w in outcome.warnings)
    assert sorted(Parcel.objects.values_list("code", "ledger_area_mu")) == [("JC-101", Decimal("5.50")),
                                                                             ("JC-102", Decimal("12.00"))]
