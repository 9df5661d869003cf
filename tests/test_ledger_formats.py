"""Ledgers in every format the field keeps them: .xlsx, old .xls, WPS .et and CSV (GBK or UTF-8), told by
their content whatever their name, read to the same rows; what cannot be a ledger is refused by name."""
import shutil
import struct
import zipfile
from datetime import datetime

import pytest

from ledgers import formats, reading
from ledgers import kinds as K
from ledgers.reading import BadFile
from ledgers.testing import _rename_ole_entry, encrypted, old_xls, workbook, zip_bomb

ENCRYPTED_MESSAGE = ("文件设置了打开密码，无法读取。"
                     "请在 Excel 中打开，取消密码（文件 → 信息 → 保护工作簿）后另存为 .xlsx 再上传。")
HEADER = ["序号", "乡镇", "村", "合同编号", "承包方", "年承包费(元)", "签订日期", "身份证号码"]


def xls(path, sheets: dict, *, hidden_rows=(), hidden_columns=(), hidden_sheets=(), at=(0, 0)):
    """A real Excel 97–2003 workbook (BIFF8, as xlwt writes it): each sheet's rows from cell `at` (row, column,
    from 0); the rows (from 1) and columns (from 0) named are hidden on the first sheet. A datetime is written
    as a date cell."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for title, rows in sheets.items():
        sheet = book.add_sheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write(at[0] + r, at[1] + c, value, day)
                else:
                    sheet.write(at[0] + r, at[1] + c, value)
        if title in hidden_sheets:
            sheet.visibility = 1
    first = book.get_sheet(0)
    for number in hidden_rows:
        first.row(number - 1).hidden = True
    for index in hidden_columns:
        first.col(index).hidden = True
    book.save(str(path))
    return path


def with_password(path):
    """The .xls as Excel saves it with an open password: a FILEPASS record right after the first BOF (put in
    place of xlwt's INTERFACEHDR, so that the stream keeps its size)."""
    import olefile

    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        data = bytearray(ole.openstream("Workbook").read())
        second = 4 + struct.unpack_from("<H", data, 2)[0]
        struct.pack_into("<H", data, second, 0x002F)
        ole.write_stream("Workbook", bytes(data))
    return path


LEDGER = [
    ["峪口镇峪口村农村集体经济合同清理台账"],
    ["单位：元、亩"],
    HEADER,
    [1, "峪口镇", "峪口村", "HT-1", "张三", 1234.5, datetime(2015, 3, 1), "110101199003071234"],
    [2, "峪口镇", "峪口村", "HT-2", "李四", 7425, datetime(2016, 5, 2), None],
    ["合计", None, None, None, None, 8659.5],
]


@pytest.fixture
def ledger_xls(tmp_path):
    return xls(tmp_path / "台账.xls", {"峪口村": LEDGER, "说明": [["填表说明"]], "旧表": [["x"]]},
               hidden_rows=(5,), hidden_columns=(7,), hidden_sheets=("旧表",))


def all_rows(path, fmt, title):
    with formats.rows(path, fmt, title) as source:
        return list(source)


# --- Telling the format by the content ------------------------------------------------------------


def test_an_xls_is_told_by_its_content_whatever_its_name(ledger_xls, tmp_path):
    assert formats.detect(ledger_xls, "台账.xls") == "xls"
    renamed = shutil.copy(ledger_xls, tmp_path / "a1b2c3.xlsx")
    assert formats.detect(renamed, "峪口村台账.xlsx") == "xls"
    assert formats.detect(renamed, "台账.csv") == "xls"


def test_an_et_is_an_xls_that_wps_named_so(ledger_xls):
    assert formats.detect(ledger_xls, "峪口村台账.et") == "et"
    assert formats.detect(ledger_xls, "峪口村台账.ET") == "et"


def test_an_xlsx_is_told_by_its_content_even_named_csv(tmp_path):
    path = tmp_path / "upload"
    workbook(HEADER, [[1, "峪口镇"]], path=path)
    assert formats.detect(path, "台账.csv") == "xlsx"
    assert formats.detect(path, "台账.et") == "xlsx"


def test_a_csv_is_told_by_its_content_even_named_xls(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes("乡镇,村,承包方\n峪口镇,峪口村,张三\n".encode("gbk"))
    assert formats.detect(path, "台账.xls") == "csv"
    assert formats.detect(path, "台账.xlsx") == "csv"
    assert formats.detect(path, "") == "csv"


# --- Refused, each by its name ----------------------------------------------------------------------


def refusal(tmp_path, content: bytes, name: str) -> str:
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(BadFile) as caught:
        formats.detect(path, name)
    return str(caught.value)


def test_a_password_protected_xlsx_gets_the_reading_message(tmp_path):
    assert refusal(tmp_path, encrypted(workbook(HEADER, [])), "台账.xlsx") == ENCRYPTED_MESSAGE


def test_a_password_protected_xls_is_refused_before_it_is_read(ledger_xls):
    with_password(ledger_xls)
    with pytest.raises(BadFile) as caught:
        formats.detect(ledger_xls, "台账.xls")
    assert str(caught.value) == ENCRYPTED_MESSAGE
    with pytest.raises(BadFile) as caught:
        formats.sheets(ledger_xls, "xls")
    assert str(caught.value) == ENCRYPTED_MESSAGE


def test_an_xls_whose_workbook_stream_is_no_workbook_is_damaged(tmp_path):
    assert refusal(tmp_path, old_xls(workbook(HEADER, [])), "台账.xls") == (
        "这个旧版 Excel 文件（.xls）无法读取，可能已损坏或版本过旧。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传。")


ET_MESSAGE = ("这个 WPS 表格文件（.et）无法直接读取。请在 WPS 中打开，点“文件 → 另存为”，"
              "文件类型选“Excel 工作簿（*.xlsx）”，保存后上传 .xlsx 文件。")


def test_an_et_calamine_cannot_read_tells_to_save_as_xlsx_in_wps(tmp_path, ledger_xls):
    assert refusal(tmp_path, old_xls(workbook(HEADER, [])), "台账.et") == ET_MESSAGE
    # A BIFF start with nothing readable after it.
    import olefile

    path = shutil.copy(ledger_xls, tmp_path / "台账.et")
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        data = ole.openstream("Workbook").read()
        ole.write_stream("Workbook", data[:20] + b"\xff" * (len(data) - 20))
    assert formats.detect(path, "台账.et") == "et"
    with pytest.raises(BadFile) as caught:
        formats.sheets(path, "et")
    assert str(caught.value) == ET_MESSAGE
    assert refusal(tmp_path, b"\x01\x02\x00\x9f" * 100, "台账.et") == ET_MESSAGE


def test_a_pdf_is_refused_as_a_pdf(tmp_path):
    assert refusal(tmp_path, b"%PDF-1.4\n%%EOF\n", "台账.xlsx") == (
        "这是 PDF 文件，不是表格文件，其中的表格无法读取。"
        "请上传台账的原表格：Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）或 CSV 文件。")


@pytest.mark.parametrize("head, kind", [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
                                        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG"),
                                        (b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00", "BMP"),
                                        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC")])
def test_a_photograph_of_a_ledger_is_refused(tmp_path, head, kind):
    assert refusal(tmp_path, head + b"\x00" * 64, "台账.xlsx") == (
        f"这是一张图片（{kind}），不是表格文件；纸质台账的照片或扫描件无法导入。"
        "台账可以是Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）或 CSV 文件。")


def test_word_documents_old_and_new_are_refused_as_word(tmp_path):
    docx = tmp_path / "a.docx"
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert refusal(tmp_path, docx.read_bytes(), "台账.xlsx") == (
        "这是 Word 文档（.docx），不是表格文件。台账可以是Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）或 CSV 文件。")
    doc = _rename_ole_entry(encrypted(workbook(HEADER, [])), "EncryptedPackage", "WordDocument")
    doc = _rename_ole_entry(doc, "EncryptionInfo", "SummaryInfo")
    assert refusal(tmp_path, doc, "台账.xls") == (
        "这是 Word 文档（.doc），不是表格文件。台账可以是Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）或 CSV 文件。")


def test_other_spreadsheets_are_told_to_be_saved_as_xlsx(tmp_path):
    ods = tmp_path / "a.ods"
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert refusal(tmp_path, ods.read_bytes(), "台账.ods") == (
        "这是 OpenDocument 表格（.ods），无法读取。请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（.xlsx）”后上传。")
    xlsb = tmp_path / "a.xlsb"
    with zipfile.ZipFile(xlsb, "w") as archive:
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    assert refusal(tmp_path, xlsb.read_bytes(), "台账.xlsb") == (
        "这是 Excel 二进制工作簿（.xlsb），无法读取。请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（.xlsx）”后上传。")


def test_a_web_page_saved_as_xls_is_told_apart(tmp_path):
    page = "<html><head><meta charset='gbk'></head><body><table><tr><td>峪口村</td></tr></table></body></html>"
    assert refusal(tmp_path, page.encode("gbk"), "台账.xls") == (
        "这是网页格式（HTML）的表格，常见于从业务系统导出、扩展名为 .xls 的文件，并不是真正的 Excel 文件。"
        "请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（.xlsx）”后上传。")
    spreadsheet_xml = ('<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
                       "</Workbook>")
    assert refusal(tmp_path, spreadsheet_xml.encode(), "台账.xls") == (
        "这是 XML 格式的表格（Excel 2003 XML），无法读取。"
        "请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（.xlsx）”后上传。")


def test_an_unknown_binary_is_damaged_when_named_as_a_workbook_and_no_table_otherwise(tmp_path):
    garbage = bytes(range(256)) * 8
    assert refusal(tmp_path, garbage, "台账.xls") == "文件已损坏，无法打开。请在 Excel 中打开后重新另存为 .xlsx。"
    assert refusal(tmp_path, garbage, "台账.zip") == (
        "这不是表格文件，无法读取。台账可以是Excel 工作簿（.xlsx、.xls）、WPS 表格（.et）或 CSV 文件。")


def test_a_csv_in_an_encoding_neither_utf8_nor_gbk_is_refused(tmp_path):
    assert refusal(tmp_path, "Müller;Straße;café;naïve\nÀ la carte;façade\n".encode("latin-1"), "台账.csv") == (
        "无法识别 CSV 文件的文字编码（应为 UTF-8 或 GBK）。"
        "请在 Excel 或 WPS 中打开，另存为“CSV UTF-8（逗号分隔）”或 Excel 工作簿（.xlsx）后上传。")


def test_empty_and_oversized_files_are_refused_in_every_format(tmp_path, settings):
    assert refusal(tmp_path, b"", "台账.csv") == "文件是空的。"
    settings.LEDGER_MAX_MB = 1
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" * 300_000)
    with pytest.raises(BadFile) as caught:
        formats.detect(path, "big.csv")
    assert caught.value.check == "size"
    assert str(caught.value) == "文件太大（1.1 MB），台账文件不能超过 1 MB；请按乡镇或村分成几个文件。"


def test_an_xlsx_still_passes_the_zip_directory_checks(tmp_path, settings):
    settings.LEDGER_MAX_SHEET_MB = 1
    zip_bomb(tmp_path / "bomb.xlsx", 2)
    with pytest.raises(BadFile) as caught:
        formats.detect(tmp_path / "bomb.xlsx", "台账.xlsx")
    assert caught.value.check == "sheet"


# --- .xls and .et -----------------------------------------------------------------------------------


def test_an_xls_lists_its_worksheets_in_order_with_the_hidden_ones(ledger_xls):
    assert formats.sheets(ledger_xls, "xls") == [("峪口村", False), ("说明", False), ("旧表", True)]


def test_an_xls_reads_as_the_xlsx_reader_gives_values(ledger_xls):
    assert all_rows(ledger_xls, "xls", "峪口村") == [
        (1, ["峪口镇峪口村农村集体经济合同清理台账"], False),
        (2, ["单位：元、亩"], False),
        (3, HEADER, False),
        (4, [1, "峪口镇", "峪口村", "HT-1", "张三", 1234.5, datetime(2015, 3, 1), "110101199003071234"], False),
        (5, [2, "峪口镇", "峪口村", "HT-2", "李四", 7425, datetime(2016, 5, 2)], True),
        (6, ["合计", None, None, None, None, 8659.5], False),
    ]


def test_an_xls_tells_its_hidden_columns_and_how_far_it_has_read(ledger_xls):
    with formats.rows(ledger_xls, "xls", "峪口村") as source:
        assert source.hidden_columns() == frozenset({7})
        assert source.size == 6
        next(source)
        assert source.done() == 1
        list(source)
        assert source.done() == 6


def test_an_xls_sheet_starting_below_and_right_keeps_its_row_numbers_and_columns(tmp_path):
    path = xls(tmp_path / "a.xls", {"台账": [["承包方", "金额"], [None, None], ["张三", 1000.0]]}, at=(2, 1))
    assert all_rows(path, "xls", "台账") == [
        (1, [], False), (2, [], False), (3, [None, "承包方", "金额"], False), (4, [], False),
        (5, [None, "张三", 1000], False)]


def test_an_id_number_typed_as_a_number_stays_a_float_for_the_id_check(tmp_path):
    path = xls(tmp_path / "a.xls", {"台账": [[411282198501011234, 110101199003071]]})
    ((_, (long, short), _),) = all_rows(path, "xls", "台账")
    assert isinstance(long, float) and short == 110101199003071
    with pytest.raises(reading.CellError, match="证件号码被存成了数字"):
        reading.id_cell(long)
    assert reading.id_cell(short) == "110101199003071"


def test_an_et_reads_as_an_xls(ledger_xls, tmp_path):
    path = shutil.copy(ledger_xls, tmp_path / "峪口村.et")
    assert formats.detect(path, "峪口村.et") == "et"
    assert formats.sheets(path, "et")[0] == ("峪口村", False)
    assert all_rows(path, "et", "峪口村")[3] == (
        4, [1, "峪口镇", "峪口村", "HT-1", "张三", 1234.5, datetime(2015, 3, 1), "110101199003071234"], False)


def test_a_sheet_the_file_does_not_have_is_named(ledger_xls):
    with pytest.raises(BadFile, match="文件中没有名为“峪里村”的工作表。"):
        formats.rows(ledger_xls, "xls", "峪里村")


def test_an_xls_ledger_reads_to_the_same_sheet_as_the_same_ledger_in_xlsx(ledger_xls, tmp_path):
    """The header search of reading.py takes the .xls rows as it takes the .xlsx ones."""
    xlsx = tmp_path / "台账.xlsx"
    workbook(LEDGER[2], LEDGER[3:], title_rows=0, path=xlsx)
    found = {}
    for path, fmt in ((xlsx, "xlsx"), (ledger_xls, "xls")):
        title = formats.sheets(path, fmt)[0][0]
        with formats.rows(path, fmt, title) as source:
            found[fmt] = reading._find_and_read(title, source, K.CONTRACTS.columns, None)
    assert [values for _, values in found["xls"].rows] == [values for _, values in found["xlsx"].rows]
    assert [number for number, _ in found["xls"].rows] == [4, 5]
    assert found["xls"].columns == found["xlsx"].columns
    assert found["xls"].rows[0][1][:5] == ["峪口镇", "峪口村", "HT-1", "张三", 1234.5]


# --- .xlsx ----------------------------------------------------------------------------------------


def test_an_xlsx_is_read_by_the_existing_reader_with_its_hidden_rows_and_columns(tmp_path):
    path = tmp_path / "台账.xlsx"
    workbook(["承包方", "金额", "备注"], [["张三", 1000, None], ["李四", 2.5, "旧"]], title_rows=1, path=path,
             hidden_rows=(4,), hidden_columns=("C",))
    assert formats.sheets(path, "xlsx") == [("台账", False)]
    with formats.rows(path, "xlsx", "台账") as source:
        found = list(source)
        assert source.hidden_columns() == frozenset({2})
        assert source.done() == source.size
    assert found == [(1, ["峪口镇合同清理台账（第1行标题）"], False), (2, ["承包方", "金额", "备注"], False),
                     (3, ["张三", 1000], False), (4, ["李四", 2.5, "旧"], True)]


def test_an_xlsx_formula_without_its_result_stays_uncomputed(tmp_path):
    path = tmp_path / "台账.xlsx"
    workbook(["金额", "合计"], [[1, "=A2*2"]], path=path)
    assert all_rows(path, "xlsx", "台账")[1] == (2, [1, formats.UNCOMPUTED], False)


# --- CSV ------------------------------------------------------------------------------------------


def csv_file(tmp_path, text: str, encoding: str, name="台账.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


LINES = "峪口镇峪口村合同清理台账\n序号,村,承包方,年承包费(元),签订日期\n1,峪口村,张三,\"12,345.00\",2015.3.1\n"
READ = [(1, ["峪口镇峪口村合同清理台账"], False), (2, ["序号", "村", "承包方", "年承包费(元)", "签订日期"], False),
        (3, ["1", "峪口村", "张三", "12,345.00", "2015.3.1"], False)]


@pytest.mark.parametrize("encoding, detected", [("gbk", "gb18030"), ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig")])
def test_a_csv_in_gbk_or_utf8_with_or_without_bom_reads_the_same(tmp_path, encoding, detected):
    path = csv_file(tmp_path, LINES, encoding)
    assert formats.detect(path, "峪口村.csv") == "csv"
    assert formats.csv_dialect(path) == (detected, ",")
    assert formats.sheets(path, "csv", original_name="峪口村.csv") == [("峪口村", False)]
    assert all_rows(path, "csv", "峪口村") == READ


def test_a_gbk_file_of_a_few_characters_is_not_taken_for_big5(tmp_path):
    path = csv_file(tmp_path, "峪口村", "gbk")
    assert formats.csv_encoding(path) == "gb18030"
    assert all_rows(path, "csv", "") == [(1, ["峪口村"], False)]


def test_a_gb18030_csv_keeps_the_characters_gbk_lacks(tmp_path):
    path = csv_file(tmp_path, "承包方,村\n刘䶮,峪口村\n𠀀三,峪口村\n", "gb18030")
    assert formats.csv_encoding(path) == "gb18030"
    assert all_rows(path, "csv", "") == [(1, ["承包方", "村"], False), (2, ["刘䶮", "峪口村"], False),
                                         (3, ["𠀀三", "峪口村"], False)]


def test_excel_unicode_text_is_utf16_and_tab_delimited(tmp_path):
    path = csv_file(tmp_path, "承包方\t金额\r\n张三\t1,000\r\n", "utf-16")
    assert formats.csv_dialect(path) == ("utf-16", "\t")
    assert all_rows(path, "csv", "") == [(1, ["承包方", "金额"], False), (2, ["张三", "1,000"], False)]


def test_a_tab_delimited_file_with_commas_in_its_amounts(tmp_path):
    path = csv_file(tmp_path, "序号\t承包方\t金额\n1\t张三\t12,345.00\n2\t李四\t1,000\n", "gbk", "台账.txt")
    assert formats.detect(path, "台账.txt") == "csv"
    assert formats.csv_dialect(path) == ("gb18030", "\t")
    assert all_rows(path, "csv", "")[1:] == [(2, ["1", "张三", "12,345.00"], False), (3, ["2", "李四", "1,000"], False)]


def test_a_semicolon_delimited_file(tmp_path):
    path = csv_file(tmp_path, "承包方;金额;面积\n张三;12,5;3\n李四;7;4\n", "utf-8")
    assert formats.csv_dialect(path)[1] == ";"
    assert all_rows(path, "csv", "")[1] == (2, ["张三", "12,5", "3"], False)


def test_a_quoted_line_break_stays_in_its_field_and_the_rows_count_as_excel_shows_them(tmp_path):
    path = csv_file(tmp_path, '承包方,四至,金额\n张三,"东至路\n西至河",100\n李四,"南至""沟""",200\n', "gbk")
    assert all_rows(path, "csv", "") == [(1, ["承包方", "四至", "金额"], False),
                                         (2, ["张三", "东至路\n西至河", "100"], False),
                                         (3, ["李四", '南至"沟"', "200"], False)]


def test_csv_numbers_stay_as_typed_and_empty_fields_are_none(tmp_path):
    path = csv_file(tmp_path, "证件号码,金额,日期,备注,,\n110101199003071234,1.2万,20150301,,,\n,,, ,,\n", "utf-8")
    assert all_rows(path, "csv", "") == [(1, ["证件号码", "金额", "日期", "备注"], False),
                                         (2, ["110101199003071234", "1.2万", "20150301"], False),
                                         (3, [None, None, None, " "], False)]


def test_a_single_column_csv_reads_with_the_comma_fallback(tmp_path):
    path = csv_file(tmp_path, "承包方\n张三\n李四\n", "utf-8")
    assert formats.csv_dialect(path) == ("utf-8", ",")
    assert [values for _, values, _ in all_rows(path, "csv", "")] == [["承包方"], ["张三"], ["李四"]]


def test_a_csv_that_stops_being_gbk_halfway_names_the_row(tmp_path):
    path = tmp_path / "台账.csv"
    path.write_bytes(b"a,b\n" * 100_000 + "张三,1\n".encode("gbk") + b"\xff\xfe,2\n")
    assert formats.detect(path, "台账.csv") == "csv"
    with pytest.raises(BadFile, match=r"^CSV 文件第 \d+ 行附近有无法按 GBK 编码读取的文字。"):
        all_rows(path, "csv", "")


def test_a_csv_reports_its_progress_in_bytes(tmp_path):
    path = csv_file(tmp_path, LINES, "utf-8")
    with formats.rows(path, "csv", "") as source:
        assert source.hidden_columns() == frozenset()
        list(source)
        assert source.done() == source.size == path.stat().st_size


def test_a_quote_never_closed_is_named_not_read_into_one_field(tmp_path):
    path = csv_file(tmp_path, '承包方,备注\n张三,"未闭合\n' + "李四,1\n" * 30_000, "utf-8")
    with pytest.raises(BadFile, match=r"^CSV 文件第 \d+ 行附近格式有误（可能有未配对的引号），无法读取。"):
        all_rows(path, "csv", "")
