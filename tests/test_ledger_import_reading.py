"""Reading ledgers as the field writes them: headers found by name below title rows, 序号, 合计 and blank
rows skipped, and every form of amount, area, date, yes/no, coded name and problem list."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from ledgers import kinds as K
from ledgers import reading
from ledgers.plan_contracts import read_problems
from ledgers.reading import CellError
from ledgers.testing import workbook

CONTRACT_HEADER = ["序号", "乡镇", "村", "合同编号", "承包方", "面积（亩）", "年承包费\n(元)"]


def read(tmp_path, header, rows, title_rows=0, kind=K.CONTRACTS):
    path = tmp_path / "台账.xlsx"
    workbook(header, rows, title_rows=title_rows, path=path)
    return reading.read_sheet(path, kind.columns)


def test_the_header_is_found_on_row_three_below_merged_title_rows(tmp_path):
    sheet = read(tmp_path, CONTRACT_HEADER, [[1, "峪口镇", "峪口村", "HT-1", "张三", 12.5, "3,750.00"]], title_rows=2)
    assert sheet.header_row == 3
    assert sheet.rows == [(4, ["峪口镇", "峪口村", "HT-1", "张三", 12.5, "3,750.00"])]


def test_full_width_brackets_spaces_and_line_breaks_in_headers_match(tmp_path):
    sheet = read(tmp_path, ["乡 镇", "村", "合同编号", "承包方", "面积\n(亩)", "年承包费（元）", "实测面积（亩）"],
                 [["峪口镇", "峪口村", "HT-1", "张三", 1, 2, 3]])
    assert sheet.columns == ["乡镇", "村", "合同编号", "承包方", "面积(亩)", "年承包费(元)", "实测面积(亩)"]
    assert sheet.unknown == []


def test_a_header_without_its_unit_and_an_alias_still_match(tmp_path):
    sheet = read(tmp_path, ["乡镇", "村", "合同编号", "承包人", "面积", "身份证号"],
                 [["峪口镇", "峪口村", "1", "张三", 1, ""]])
    assert sheet.columns == ["乡镇", "村", "合同编号", "承包方", "面积(亩)", "证件号码"]


def test_serial_number_column_is_ignored_and_unknown_columns_are_reported_once(tmp_path):
    sheet = read(tmp_path, CONTRACT_HEADER + ["经办人", "经办人"],
                 [[1, "峪口镇", "峪口村", "HT-1", "张三", 1, 2, "王", "李"]])
    assert "序号" not in sheet.columns
    assert sheet.unknown == ["经办人"]


def test_total_subtotal_and_blank_rows_are_skipped(tmp_path):
    rows = [[1, "峪口镇", "峪口村", "HT-1", "张三", 1, 100], [None] * 7, ["", "  ", None, None, None, None, None],
            ["小计", None, None, None, None, 1, 100], [2, "峪口镇", "峪口村", "HT-2", "李四", 2, 200],
            ["合 计", None, None, None, None, 3, 300]]
    sheet = read(tmp_path, CONTRACT_HEADER, rows, title_rows=1)
    assert [number for number, _ in sheet.rows] == [3, 7]


def test_the_example_row_of_a_template_is_skipped(tmp_path):
    sheet = read(tmp_path, CONTRACT_HEADER, [["示例", "峪口镇", "峪口村", "HT-0", "张三", 1, 1],
                                             [1, "峪口镇", "峪口村", "HT-1", "张三", 1, 1]])
    assert [values[2] for _, values in sheet.rows] == ["HT-1"]


def test_a_sheet_before_the_ledger_does_not_hide_it(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    book.active.append(["本表由经管站填写"])
    ledger = book.create_sheet("合同台账")
    ledger.append(["乡镇", "村", "合同编号", "承包方"])
    ledger.append(["峪口镇", "峪口村", "HT-1", "张三"])
    book.save(tmp_path / "a.xlsx")
    assert reading.read_sheet(tmp_path / "a.xlsx", K.CONTRACTS.columns).name == "合同台账"


@pytest.mark.parametrize("value, expected", [
    ("12345", "12345.00"), ("12,345.00", "12345.00"), ("1.2万", "12000.00"), ("¥12345元", "12345.00"),
    ("￥12,345.5", "12345.50"), (12345, "12345.00"), (1234.56, "1234.56"), (0.1 + 0.2, "0.30"),
    ("１２３４５", "12345.00"), ("1.2万元", "12000.00"), (" 3 750 ", "3750.00"),
])
def test_amounts_in_every_form_the_field_writes(value, expected):
    assert reading.amount(value) == Decimal(expected)


@pytest.mark.parametrize("value, reason", [
    ("一千二", '无法识别的金额 "一千二"'), ("-5", '无法识别的金额 "-5"'), (-5, "金额不能为负数"),
    ("12.345", '金额超过两位小数 "12.345"'), ("12亩", '无法识别的金额 "12亩"'),
])
def test_unreadable_amounts_say_why(value, reason):
    with pytest.raises(CellError) as error:
        reading.amount(value)
    assert str(error.value).startswith(reason)


def test_blank_and_dash_amounts_are_empty():
    assert [reading.amount(v) for v in (None, "", "-", "—", "/")] == [None] * 5


@pytest.mark.parametrize("value, expected", [("12.5", "12.50"), ("12.5亩", "12.50"), (260.79, "260.79"),
                                             ("1,325.88", "1325.88")])
def test_areas_in_mu(value, expected):
    assert reading.area(value) == Decimal(expected)


def test_an_area_in_yuan_is_refused():
    with pytest.raises(CellError, match='无法识别的面积 "12元"'):
        reading.area("12元")


@pytest.mark.parametrize("value", ["2015-03-01", "2015/3/1", "2015.3.1", "2015年3月1日", "20150301",
                                   datetime(2015, 3, 1), date(2015, 3, 1), 42064, 42064.0, "42064", "42064.0",
                                   "2015-03-01 00:00:00", " 2015 . 3 . 1 "])
def test_dates_in_every_form(value):
    assert reading.day(value) == date(2015, 3, 1)


@pytest.mark.parametrize("value", ["201503", 201503, "2015年3月", "2015.3"])
def test_a_month_reads_as_its_first_day(value):
    assert reading.day(value) == date(2015, 3, 1)


@pytest.mark.parametrize("value", ["1998", 1998, "1998年"])
def test_a_year_alone_reads_as_its_first_day(value):
    assert reading.day(value) == date(1998, 1, 1)


def test_open_end_dates():
    assert reading.day("至今", open_end=True) is None
    assert reading.day(None, open_end=True) is None
    assert reading.day("长期", open_end=True) is None
    with pytest.raises(CellError, match="此处不能填“至今”"):
        reading.day("至今")


@pytest.mark.parametrize("value, reason", [("2015-02-30", "日期不存在"), ("去年", "无法识别的日期"),
                                           ("1800-01-01", "日期超出合理范围"), ("2015.13.1", "日期不存在")])
def test_bad_dates_say_why(value, reason):
    with pytest.raises(CellError, match=reason):
        reading.day(value)


@pytest.mark.parametrize("value, expected", [("是", True), ("√", True), ("Y", True), ("y", True), ("否", False),
                                             ("×", False), ("N", False), (None, False), ("", False)])
def test_yes_and_no(value, expected):
    assert reading.yes_no(value) is expected


def test_yes_no_refuses_anything_else():
    with pytest.raises(CellError, match="应填“是”或“否”"):
        reading.yes_no("待定")


def test_coded_names_with_synonyms_and_bracketed_notes():
    assert K.CLAIM_ORIGINS.read("税费尾欠（三提五统）") == "税费尾欠"
    assert K.CLAIM_ORIGINS.read("三提五统") == "税费尾欠"
    assert K.CONTRACT_FORMS.read("口头") == "口头协议"
    assert K.PARCEL_KINDS.read("荒山") == "四荒地"
    assert K.DISPOSITIONS.read("补充协议") == "完善修订"
    assert K.CONTRACT_STATES.read(" 已认定 ") == "已认定"
    with pytest.raises(CellError, match='无法识别的值 "已完成"'):
        K.CONTRACT_STATES.read("已完成")


@pytest.mark.parametrize("value", ["P01、P03", "P01，P03", "P01;P03", "P01；P03", "P01\nP03",
                                   "未签书面合同、价格明显偏低", "P01 未签书面合同，价格偏低"])
def test_problem_lists_by_code_or_name_with_any_separator(value):
    assert [code for code, _ in read_problems(value)] == ["P01", "P03"]


def test_other_problems_keep_their_words():
    assert read_problems("其他：合同未约定违约责任") == [("P12", "合同未约定违约责任")]


def test_an_unknown_problem_is_an_error():
    with pytest.raises(CellError, match='无法识别的问题 "租金太低了"'):
        read_problems("租金太低了")


def test_codes_read_from_number_cells_lose_their_decimal_point():
    assert reading.code(1001.0) == "1001" and reading.code(" HT 01 ") == "HT01"


# --- Files as programs and careless hands leave them ------------------------------------------------


def _read_content(tmp_path, content: bytes):
    (tmp_path / "台账.xlsx").write_bytes(content)
    return reading.read_sheet(tmp_path / "台账.xlsx", K.CONTRACTS.columns)


def test_every_row_is_read_whatever_size_the_sheet_declares(tmp_path):
    from ledgers.testing import with_dimension

    rows = [[n, "峪口镇", "峪口村", f"HT-{n}", f"村民{n}", 12.5, f"{n},000.00"] for n in range(1, 6)]
    sheet = _read_content(tmp_path, with_dimension(workbook(CONTRACT_HEADER, rows), "A1:Q2"))
    assert [number for number, _ in sheet.rows] == [2, 3, 4, 5, 6]
    assert sheet.rows[4] == (6, ["峪口镇", "峪口村", "HT-5", "村民5", 12.5, "5,000.00"])


def test_a_formula_without_its_result_is_told_from_an_empty_cell(tmp_path):
    rows = [[1, "峪口镇", "峪口村", "HT-1", "张三", 12.5, "=1000*2"], [2, "峪口镇", "峪口村", "HT-2", "李四", 2, None]]
    sheet = _read_content(tmp_path, workbook(CONTRACT_HEADER, rows))
    assert sheet.uncomputed == [(2, "年承包费(元)")]
    assert [values[5] for _, values in sheet.rows] == [None, None]


def test_a_formula_saved_with_its_result_reads_as_the_result(tmp_path):
    import re
    import zipfile
    from io import BytesIO

    content = workbook(CONTRACT_HEADER, [[1, "峪口镇", "峪口村", "HT-1", "张三", 12.5, "=1000*2"]])
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # As Excel saves it: the formula and its last result.
                data = re.sub(rb"(<f>1000\*2</f>)(<v\s*/>|<v></v>)?", rb"\1<v>2000</v>", data)
            target.writestr(info, data)
    sheet = _read_content(tmp_path, out.getvalue())
    assert sheet.uncomputed == [] and sheet.rows[0][1][5] == 2000


def test_hidden_rows_and_columns_are_read_and_named(tmp_path):
    rows = [[n, "峪口镇", "峪口村", f"HT-{n}", f"村民{n}", 1, 100] for n in range(1, 5)]
    sheet = _read_content(tmp_path, workbook(CONTRACT_HEADER, rows, hidden_rows=(3, 4), hidden_columns=("E",)))
    assert [number for number, _ in sheet.rows] == [2, 3, 4, 5] and sheet.rows[1][1][3] == "村民2"
    assert sheet.notes == ["工作表“台账”的 E 列「承包方」是隐藏的列，已照常读取。",
                           "工作表“台账”的第 3、4 行是隐藏的行，已照常读取；如不应导入，请在 Excel 中删除这些行。"]


def test_a_hidden_column_gives_way_to_a_visible_one_of_the_same_name(tmp_path):
    header = ["序号", "乡镇", "村", "合同编号", "承包方", "年承包费(元)", "年承包费（元）"]
    sheet = _read_content(tmp_path, workbook(header, [[1, "峪口镇", "峪口村", "HT-1", "张三", "800", "1,200"]],
                                             hidden_columns=("F",)))
    assert sheet.columns == ["乡镇", "村", "合同编号", "承包方", "年承包费(元)"]
    assert sheet.rows == [(2, ["峪口镇", "峪口村", "HT-1", "张三", "1,200"])]
    assert sheet.unknown == []
    assert sheet.notes == [
        "工作表“台账”的 F 列「年承包费(元)」是隐藏的列，与可见的同名列重复，以可见的列为准，未读取。"]


@pytest.mark.parametrize("value", [1e30, "123456789012345678901234567", 10 ** 26, 1000000000000, "1000000000000.00",
                                   "100000000万", "１２３４５６７８９０１２３４５"])
def test_an_amount_no_money_column_holds_is_an_error_not_a_crash(value):
    with pytest.raises(CellError, match="^金额过大，不能超过 999,999,999,999.99 元"):
        reading.amount(value)


def test_the_largest_amount_a_money_column_holds_is_read():
    assert reading.amount("999,999,999,999.99") == Decimal("999999999999.99")


def test_an_area_no_area_column_holds_is_an_error():
    with pytest.raises(CellError, match="^面积过大，不能超过 9,999,999,999.99 亩"):
        reading.area(1e12)


def test_a_count_no_count_column_holds_is_an_error():
    with pytest.raises(CellError, match="^数字过大"):
        reading.integer(1e30)


@pytest.mark.parametrize("value", ["1899-12-31", "2101-01-01", datetime(2150, 1, 1), "21010101", "1899.12"])
def test_dates_outside_1900_to_2100_are_errors(value):
    with pytest.raises(CellError, match="日期超出合理范围（须在 1900-01-01 至 2100-12-31 之间）"):
        reading.day(value)


def test_dates_at_the_ends_of_the_range_are_read():
    assert reading.day("1900-01-01") == date(1900, 1, 1) and reading.day("2100-12-31") == date(2100, 12, 31)
