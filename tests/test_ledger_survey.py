"""The first read of a township's own workbook (ledgers/survey.py): title and unit rows, one- and two-row
headers with merged parents, villages merged down the side, one sheet per village, the rows that are not data,
hidden sheets, columns and rows; then the surveyed sheet imported through the existing planners."""
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from contracts.models import Contract
from debts.models import Claim
from ledgers import importer
from ledgers.importer import Rights
from ledgers.kinds import KINDS
from ledgers.mapping import Suggestion
from ledgers.reading import UNCOMPUTED, BadFile, _Rows, check_file, read_sheet
from ledgers.survey import SheetSurvey, survey
from ledgers.survey.xlsx import XmlRows, load
from ledgers.testing import encrypted, old_xls, workbook, zip_bomb
from places.factories import VillageFactory
from villages.factories import make_resident_id

ID_ZHANG = make_resident_id(21)
ID_LI = make_resident_id(22)
TITLE = "峪口镇峪口村农村集体经济合同清理台账"


def save(book: Workbook, tmp_path, name: str = "台账.xlsx"):
    path = tmp_path / name
    book.save(path)
    return path


def headers(found: SheetSurvey) -> list[tuple[str, str]]:
    return [(c.letter, c.header) for c in found.columns]


def suggested(found: SheetSurvey) -> dict[str, str | None]:
    return {c.header: c.suggestion.column for c in found.columns}


def confirmed(found: SheetSurvey) -> dict[int, str | None]:
    """The mapping as the user confirms it when every suggestion is right."""
    return {c.index: c.suggestion.column for c in found.columns}


def township_contracts(tmp_path, *, rows=None, title=TITLE, sheet_title="Sheet1"):
    """A township's contract ledger: a merged title, a 填报单位 row with the unit at its right, a two-row header
    (承包期限 over 起 and 止, the others merged down over both rows), the row of column numbers, a village merged
    down the side, a 合计 row and a signature footer."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append([title])
    sheet.merge_cells("A1:J1")
    sheet.append(["填报单位：峪口镇经管站", None, None, None, None, None, None, None, "单位：万元"])
    sheet.merge_cells("A2:F2")
    sheet.append(["序号", "村", "合同编号", "承包方", "身份证号码", "承包期限", None, "合同金额", "承包费（元/年）",
                  "经办人"])
    sheet.append([None, None, None, None, None, "起", "止"])
    for letter in "ABCDEHIJ":
        sheet.merge_cells(f"{letter}3:{letter}4")
    sheet.merge_cells("F3:G3")
    sheet.append(list(range(1, 11)))
    rows = rows if rows is not None else [
        [1, "峪口村", "YK-001", "张三", ID_ZHANG, "2015.3.1", "2035.2.28", 7.5, "3,750.00", "王会计"],
        [2, None, "YK-002", "李四", ID_LI, "2016年1月1日", "至今", "1.2", 600, "王会计"],
        [3, None, "YK-003", "王五", None, date(2018, 5, 1), "2028.4.30", None, "1,000", None],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells(f"B6:B{5 + len(rows)}")
    sheet.append([None, None, "合计", None, None, None, None, 8.7, 5350])
    sheet.append(["制表人：张三　审核人：李四"])
    return save(book, tmp_path)


# --- What a survey finds --------------------------------------------------------------------------------


def test_title_and_unit_rows_are_kept_and_name_the_sheets_village(personas, tmp_path):
    found = survey(township_contracts(tmp_path), "contracts").sheets[0]
    assert found.titles == [TITLE, "填报单位：峪口镇经管站 单位：万元"]
    assert (found.unit_row, found.money_unit, found.area_unit) == ("单位：万元", "万元", None)
    assert found.place.village == personas.yukou and found.place.township == personas.yukou_town
    assert found.place.source == f"标题“{TITLE}”" and found.place.notes == []
    assert found.missing == []


def test_a_two_row_header_composes_each_parent_with_its_sub_columns(personas, tmp_path):
    found = survey(township_contracts(tmp_path), "contracts").sheets[0]
    assert found.header_rows == (3, 4)
    assert headers(found) == [("A", "序号"), ("B", "村"), ("C", "合同编号"), ("D", "承包方"), ("E", "身份证号码"),
                              ("F", "承包期限/起"), ("G", "承包期限/止"), ("H", "合同金额"), ("I", "承包费（元/年）"),
                              ("J", "经办人")]
    assert [c.key for c in found.columns][5:9] == ["承包期限/起", "承包期限/止", "合同金额", "承包费"]
    assert suggested(found) == {"序号": "序号", "村": "村", "合同编号": "合同编号", "承包方": "承包方",
                                "身份证号码": "证件号码", "承包期限/起": "起始日期", "承包期限/止": "终止日期",
                                "合同金额": "合同总额(元)", "承包费（元/年）": "年承包费(元)", "经办人": None}
    assert found.column(5).suggestion == Suggestion("起始日期", 0.95, "同义词“承包期限/起”")


def test_each_column_has_its_unit_from_its_header_or_the_unit_row(personas, tmp_path):
    found = survey(township_contracts(tmp_path), "contracts").sheets[0]
    units = {c.header: (c.unit, c.unit_from) for c in found.columns if c.unit or c.unit_from}
    assert units == {"合同金额": ("万元", "表上方“单位：万元”"), "承包费（元/年）": ("元", "表头")}


def test_samples_come_from_the_data_rows_with_merged_cells_filled(personas, tmp_path):
    found = survey(township_contracts(tmp_path), "contracts").sheets[0]
    assert found.rows == 3
    assert found.column(1).samples == ["峪口村"] and found.column(1).filled == 2
    assert found.column(5).samples == ["2015.3.1", "2016年1月1日", datetime(2018, 5, 1)]
    assert found.column(7).samples == [7.5, "1.2"]
    assert found.column(8).samples == ["3,750.00", 600, "1,000"]


def test_rows_that_are_not_data_are_counted_with_their_reason(personas, tmp_path):
    found = survey(township_contracts(tmp_path), "contracts").sheets[0]
    assert [str(p) for p in found.passed] == [
        "栏号行 1 行（第 5 行）", "合计行 1 行（第 9 行）", "签字行 1 行（第 10 行）"]
    assert found.notes() == [
        f"本表的村：峪口镇峪口村（取自标题“{TITLE}”）",
        "「村」2 行为合并单元格，已按上一行填充",
        "未作为数据读取：栏号行 1 行（第 5 行）；合计行 1 行（第 9 行）；签字行 1 行（第 10 行）",
    ]


def test_the_four_sides_under_a_merged_parent_become_four_columns(personas, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "土屋村"
    sheet.append(["峪口镇土屋村集体资源台账"])
    sheet.merge_cells("A1:H1")
    sheet.append(["金额单位：元　面积单位：亩"])
    sheet.append(["地块编号", "坐落", "地类", "面积", "四至", None, None, None])
    sheet.append([None, None, None, None, "东至", "南至", "西至", "北至"])
    for letter in "ABCD":
        sheet.merge_cells(f"{letter}3:{letter}4")
    sheet.merge_cells("E3:H3")
    sheet.append(["TW-001", "前坪", "机动地", 12.5, "路", "渠", "王家地", "山根"])
    found = survey(save(book, tmp_path), "parcels").sheets[0]
    assert found.header_rows == (3, 4)
    assert (found.unit_row, found.money_unit, found.area_unit) == ("金额单位：元　面积单位：亩", "元", "亩")
    assert suggested(found) == {"地块编号": "地块编号", "坐落": "地名", "地类": "资源类型", "面积": "台账面积(亩)",
                                "四至/东至": "东至", "四至/南至": "南至", "四至/西至": "西至", "四至/北至": "北至"}
    assert found.column(3).unit == "亩" and found.column(3).unit_from == "表上方“金额单位：元　面积单位：亩”"
    assert found.place.village == personas.tuwu and found.place.source == "工作表名“土屋村”"
    sheet = found.to_sheet(confirmed(found))
    assert sheet.columns == ["乡镇", "村", "地块编号", "地名", "资源类型", "台账面积(亩)", "四至"]
    assert sheet.rows == [
        (5, ["峪口镇", "土屋村", "TW-001", "前坪", "机动地", 12.5, "东至路，南至渠，西至王家地，北至山根"])]


def villages_workbook(tmp_path, titles: dict[str, str], hidden: tuple[str, ...] = ()):
    """One sheet per village, named by the sheet (or not), each with its own title row."""
    book = Workbook()
    book.remove(book.active)
    for number, (name, title) in enumerate(titles.items()):
        sheet = book.create_sheet(name)
        sheet.append([title])
        if title == "填表说明":
            sheet.append(["1. 金额以元为单位；"])
            sheet.append(["2. 每村一张表。"])
            continue
        sheet.merge_cells("A1:D1")
        sheet.append(["合同编号", "承包方", "年租金（元）", "备注"])
        sheet.append([f"HT-{number + 1}", "张三", 1000, None])
        if name in hidden:
            sheet.sheet_state = "hidden"
    return save(book, tmp_path)


def test_one_sheet_per_village_each_named_by_its_sheet(personas, tmp_path):
    title = "峪口镇农村集体经济合同清理台账"
    path = villages_workbook(tmp_path, {"峪口村": title, "土屋": title, "填表说明": "填表说明", "旧表": "峪口镇旧台账"},
                             hidden=("旧表",))
    found = survey(path, "contracts")
    assert [s.name for s in found.sheets] == ["峪口村", "土屋"]
    assert found.hidden_sheets == ["旧表"]
    assert found.passed_over == [("填表说明", "前 15 行中没有可识别的栏目名称")]
    first, second = found.sheets
    assert (first.place.village, first.place.source) == (personas.yukou, "工作表名“峪口村”")
    assert (second.place.village, second.place.source) == (personas.tuwu, "工作表名“土屋”")
    assert first.missing == [] and first.header_rows == (2, 2) and first.rows == 1


def test_a_village_named_only_in_the_title(personas, tmp_path):
    found = survey(villages_workbook(tmp_path, {"Sheet1": "积翠镇积翠村集体经济合同台账"}), "contracts").sheets[0]
    assert (found.place.township, found.place.village) == (personas.jicui_town, personas.jicui)
    assert found.place.source == "标题“积翠镇积翠村集体经济合同台账”"


def test_a_township_alone_leaves_the_village_to_a_column(personas, tmp_path):
    found = survey(villages_workbook(tmp_path, {"合同": "积翠镇合同台账"}), "contracts").sheets[0]
    assert (found.place.township, found.place.village, found.place.notes) == (personas.jicui_town, None, [])
    assert found.missing == ["村"]
    with pytest.raises(ValidationError, match="工作表“合同”没有“村”一栏，工作表名和标题中也没有找到村"):
        found.to_sheet(confirmed(found))
    sheet = found.to_sheet(confirmed(found), village=personas.jicui)
    assert sheet.columns == ["乡镇", "村", "合同编号", "承包方", "年承包费(元)", "备注"]
    assert sheet.rows == [(3, ["积翠镇", "积翠村", "HT-1", "张三", 1000, None])]
    assert sheet.notes == ["工作表“合同”没有“村”一栏，各行的村取自导入时所选的村：积翠镇积翠村。"]


def test_two_villages_of_one_name_or_a_name_against_the_title_give_no_village(personas, tmp_path):
    VillageFactory(township=personas.jicui_town, name="土屋村")
    found = survey(villages_workbook(tmp_path, {"土屋村": "合同清理台账", "峪口村": "土屋村合同台账"}), "contracts")
    same_name, disagreeing = found.sheets
    assert same_name.place.village is None and same_name.place.notes == [  # townships in their pinyin order
        "“土屋村”对应多个村：积翠镇土屋村、峪口镇土屋村，请指定本表的村"]
    assert disagreeing.place.village is None and disagreeing.place.notes == [
        "工作表名“峪口村”与标题所说的村不同（峪口村；土屋村），请指定本表的村"]
    assert same_name.missing == ["乡镇", "村"]


def test_the_places_looked_among_can_be_limited(personas, tmp_path):
    path = villages_workbook(tmp_path, {"峪口村": "峪口镇合同台账"})
    found = survey(path, "contracts", villages=personas.jicui_town.villages.all()).sheets[0]
    assert (found.place.township, found.place.village) == (None, None)


CLAIMS_HEADER = ["序号", "村", "编号", "欠款人", "欠款原因", "欠款金额", "备注"]


def claims_book(rows: list[list], *, title: str = "峪口镇债权清理台账") -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "债权"
    sheet.append([title])
    sheet.merge_cells("A1:G1")
    sheet.append(CLAIMS_HEADER)
    for row in rows:
        sheet.append(row)
    return book


def test_totals_footers_notes_examples_and_blank_rows_are_passed_over(personas, tmp_path):
    book = claims_book([
        ["栏次", "甲", 1, 2, 3, 4, 5],
        ["示例", "峪口村", "ZQ-0", "某某", "借款", 100, None],
        [1, "峪口村", "ZQ-1", "张三", "借款", "1,000", None],
        [None, None, None, None, None, None, None],
        [None, "本村小计", None, None, None, 1000, None],
        [2, "土屋村", "ZQ-2", "李四", "垫付", 500, "审核人：王五"],
        [None, None, "合计", None, None, 1500, None],
        ["总计：1500元"],
        ["注：金额以元为单位"],
        ["制表人：", "张三", None, "审核人：", "李四"],
        ["负责人签字"],
        ["填报日期：2026年5月"],
    ])
    found = survey(save(book, tmp_path), "claims").sheets[0]
    assert found.rows == 2
    assert [str(p) for p in found.passed] == [
        "栏号行 1 行（第 3 行）", "合计行 3 行（第 7、9、10 行）", "签字行 3 行（第 12、13、14 行）",
        "说明行 1 行（第 11 行）", "示例行 1 行（第 4 行）", "空行 1 行（第 6 行）"]
    assert found.column(6).samples == ["审核人：王五"]


def test_hidden_columns_hidden_rows_and_formulas_without_results_are_noted(personas, tmp_path):
    book = claims_book([
        [1, "峪口村", "ZQ-1", "张三", "借款", "=100*10", None],
        [2, "峪口村", "ZQ-2", "李四", "借款", 500, None],
        [3, "峪口村", "ZQ-3", "王五", "借款", 600, None],
    ])
    book.active.column_dimensions["E"].hidden = True
    book.active.row_dimensions[4].hidden = True
    found = survey(save(book, tmp_path), "claims").sheets[0]
    assert [c.letter for c in found.columns if c.hidden] == ["E"]
    assert found.column(5).uncomputed == 1 and found.column(5).samples == [500, 600]
    assert found.notes() == [
        "本表的乡镇：峪口镇（取自标题“峪口镇债权清理台账”）",
        "第 4 行为隐藏的行，已照常读取",
        "E 列「欠款原因」是隐藏的列",
        "「欠款金额」有 1 格公式未计算，请在 Excel 中重新计算并保存",
    ]
    sheet = found.to_sheet(confirmed(found))
    assert sheet.uncomputed == [(3, "金额(元)")]
    assert sheet.notes == [
        "工作表“债权”没有“乡镇”一栏，各行的乡镇取自标题“峪口镇债权清理台账”：峪口镇。",
        "工作表“债权”的 E 列「欠款原因」是隐藏的列，已照常读取。",
        "工作表“债权”的第 4 行是隐藏的行，已照常读取；如不应导入，请在 Excel 中删除这些行。",
    ]


def test_a_merged_cell_over_two_columns_above_data_is_not_a_two_row_header(personas, tmp_path):
    book = claims_book([[1, "峪口村", "ZQ-1", "张三", "借款", 100, "张三之子代还"]])
    book.active.append(["序号", "村"])     # nothing else below
    book.active["H2"] = None
    book.active.merge_cells("F2:G2")
    found = survey(save(book, tmp_path), "claims").sheets[0]
    assert found.header_rows == (2, 2)
    assert headers(found)[-2:] == [("F", "欠款金额"), ("G", "欠款金额")]
    assert [c.suggestion.column for c in found.columns][-2:] == ["金额(元)", None]


# --- The sheet's XML read as openpyxl reads it ---------------------------------------------------------


def rewritten(content: bytes, part: str, change) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, change(data) if info.filename == part else data)
    return out.getvalue()


def with_shared_strings(content: bytes) -> bytes:
    """The workbook as Excel saves it: its texts in a shared strings table (openpyxl writes them in the cells),
    one of them rich text with a phonetic guide, as a Japanese or Chinese Excel may keep."""
    texts = []

    def shared(match) -> bytes:
        texts.append(match[2])
        return match[1] + b' t="s"><v>' + str(len(texts) - 1).encode() + b"</v></c>"

    content = rewritten(content, "xl/worksheets/sheet1.xml", lambda data: re.sub(
        rb'(<c r="[A-Z]+\d+"[^>]*?) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', shared, data, flags=re.S))
    content = rewritten(content, "[Content_Types].xml", lambda data: data.replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    content = rewritten(content, "xl/_rels/workbook.xml.rels", lambda data: data.replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="http://schemas.'
                             b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'))
    items = [b"<si><t>" + t + b"</t></si>" for t in texts]
    items[0] = b"<si><r><t>" + texts[0] + b"</t></r><r><rPr><b/></rPr><t>x005F_(\xe5\x8a\xa0\xe7\xb2\x97)</t></r>" \
               b"<rPh sb=\"0\" eb=\"1\"><t>yu</t></rPh></si>"
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                                                b'main">' + b"".join(items) + b"</sst>")
    return out.getvalue()


def with_prefix(content: bytes) -> bytes:
    """The sheet's elements written with a prefix (`<x:row>`), as some programs write them."""
    def change(data: bytes) -> bytes:
        data = re.sub(rb"<(/?)([A-Za-z]+)([\s/>])", rb"<\1x:\2\3", data)
        return data.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                            b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
    return rewritten(content, "xl/worksheets/sheet1.xml", change)


def every_kind_of_value() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["峪口村", "张三 ", 12, 1.5, True, datetime(2015, 3, 1), date(2016, 1, 2), "=A1&B1", None, "末列"])
    sheet.append(["  ", "", 141128194501010007, -0.25, False, "#N/A", "2015.3.1", "=1/0", "x", None])
    sheet["C3"] = "only C"
    sheet["E5"] = 42
    sheet.row_dimensions[5].hidden = True
    sheet.column_dimensions["B"].hidden = True
    sheet["F2"].data_type = "e"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("change", [lambda c: c, with_shared_strings, with_prefix],
                         ids=["inline strings", "shared strings", "prefixed elements"])
def test_the_sheet_is_read_as_openpyxls_read_only_worksheet_reads_it(tmp_path, change):
    path = tmp_path / "values.xlsx"
    path.write_bytes(change(every_kind_of_value()))
    book = load(path)
    try:
        ours, theirs = XmlRows(book, book.worksheets[0]), _Rows(book.worksheets[0])
        rows = list(ours)
        assert rows == list(theirs)
        assert ours.hidden_columns() == theirs.hidden_columns() == frozenset({1})
    finally:
        book.close()
    assert rows[0][1][7] is UNCOMPUTED and rows[3] == (5, [None, None, None, None, 42], True)
    assert rows[1][1][:3] == ["  ", None, 1.4112819450101e+17]
    if change is with_shared_strings:
        assert rows[0][1][0] == "峪口村(加粗)"


def refusal(call) -> str:
    with pytest.raises(BadFile) as caught:
        call()
    return str(caught.value)


def doctype(data: bytes) -> bytes:
    """The part with a document type declaration that declares an entity (after its XML declaration, if any)."""
    declaration = b'<!DOCTYPE w [<!ENTITY a "aaaa">]>'
    if data.startswith(b"<?xml"):
        return data.replace(b"?>", b"?>" + declaration, 1)
    return declaration + data


SIMPLE = (["合同编号", "承包方"], [["HT-1", "张三"]])


@pytest.mark.parametrize("content", [
    lambda: "合同编号,承包方\nHT-1,张三\n".encode(),
    lambda: old_xls(workbook(*SIMPLE)),
    lambda: encrypted(workbook(*SIMPLE)),
    lambda: rewritten(workbook(*SIMPLE), "xl/worksheets/sheet1.xml", doctype),
    lambda: rewritten(with_shared_strings(workbook(*SIMPLE)), "xl/sharedStrings.xml", doctype),
    lambda: rewritten(workbook(*SIMPLE), "xl/worksheets/sheet1.xml",
                      lambda data: data.replace(b"</sheetData>", b"<row><c></sheetData>")),
], ids=["csv", "old xls", "password", "doctype in the sheet", "doctype in the strings", "broken xml"])
def test_bad_files_are_refused_as_the_reader_refuses_them(db, tmp_path, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content())
    found = refusal(lambda: survey(path, "contracts"))
    assert found == refusal(lambda: (check_file(path), read_sheet(path, KINDS["contracts"].columns)))


def test_a_zip_bomb_is_refused_before_it_is_unpacked(db, tmp_path):
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path, 400)
    assert "压缩炸弹" in refusal(lambda: survey(path, "contracts"))


def test_a_workbook_without_a_header_says_so_for_each_sheet(db, tmp_path):
    book = Workbook()
    book.active.title = "封面"
    book.active.append(["峪口镇合同台账"])
    book.create_sheet("空表")
    assert refusal(lambda: survey(save(book, tmp_path), "contracts")) == (
        "没有找到表头：工作表“封面”前 15 行中没有可识别的栏目名称；工作表“空表”是空白的。")


# --- From the survey to the planners ----------------------------------------------------------------------


def test_a_template_file_reads_as_the_reader_reads_it(personas, tmp_path):
    header = ["序号", *KINDS["contracts"].names, "经办人"]
    example = KINDS["contracts"].example
    rows = [["示例", *[example.get(name) for name in KINDS["contracts"].names], None],
            [1, *[example.get(name) for name in KINDS["contracts"].names], "王会计"],
            [2, "峪口镇", "土屋村", "TW-1", None, "资源", "李四", ID_LI, None, "荒山", "后沟", None, 100, None,
             "2015年3月1日", "至今", "1.2万", "=P4*20", "口头", "否", None, "P03", None, None, None],
            [None, "合计"]]
    path = tmp_path / "template.xlsx"
    workbook(header, rows, title_rows=2, path=path, hidden_rows=(5,), hidden_columns=("Y",))
    found = survey(path, "contracts").sheets[0]
    assert found.missing == [] and found.header_rows == (3, 3)
    ours, theirs = found.to_sheet(confirmed(found)), read_sheet(path, KINDS["contracts"].read_columns)
    def by_name(sheet, rows):
        return [(number, dict(zip(sheet.columns, values, strict=True))) for number, values in rows]

    # The same columns (in their own orders: the planners take them by name) and the same values.
    assert sorted(ours.columns) == sorted(theirs.columns)
    assert by_name(ours, ours.rows) == by_name(theirs, theirs.rows)
    assert by_name(ours, ours.examples) == by_name(theirs, theirs.examples)
    assert (ours.uncomputed, ours.units, ours.header_row) == (theirs.uncomputed, theirs.units, theirs.header_row)
    assert ours.unknown == theirs.unknown == ["经办人"]
    assert ours.notes == theirs.notes == [
        "工作表“台账”的第 5 行是隐藏的行，已照常读取；如不应导入，请在 Excel 中删除这些行。"]


def test_a_township_contracts_ledger_imports_through_its_survey(personas, tmp_path):
    found = survey(township_contracts(tmp_path), "contracts").sheets[0]
    sheet = found.to_sheet(confirmed(found))
    assert sheet.columns == ["乡镇", "村", "合同编号", "承包方", "证件号码", "起始日期", "终止日期", "年承包费(元)",
                             "合同总额(元)", "序号"]
    assert sheet.rows[1] == (7, ["峪口镇", "峪口村", "YK-002", "李四", ID_LI, "2016年1月1日", "至今", 600, "1.2", 2])
    assert sheet.unknown == ["经办人"] and sheet.header_row == 4
    rights = Rights.of(personas.cadre)
    outcome = importer.preview(sheet, "contracts", rights)
    assert [str(e) for e in outcome.errors] == []
    assert [str(w) for w in outcome.warnings] == [
        f"文件: 工作表“Sheet1”没有“乡镇”一栏，各行的乡镇取自标题“{TITLE}”：峪口镇。",
        "文件: 工作表“Sheet1”的「村」2 行为合并单元格，已按上一行填充。",
        "文件 「合同总额(元)」: 表头“合同金额”未注明单位，表上方注明“单位：万元”，已按万元换算为元，共 2 格："
        "第 6 行 7.5 万元 → 75,000.00 元；第 7 行 1.2 万元 → 12,000.00 元",
    ]
    assert (outcome.rows, outcome.create) == (3, 3)
    assert importer.commit(sheet, "contracts", rights).committed
    stored = {c.number: (c.village, c.counterparty.name, c.counterparty.id_number, c.start_date, c.end_date,
                         c.annual_fee, c.total_amount) for c in Contract.objects.select_related("counterparty")}
    assert stored == {
        "YK-001": (personas.yukou, "张三", ID_ZHANG, date(2015, 3, 1), date(2035, 2, 28), Decimal("3750.00"),
                   Decimal("75000.00")),
        "YK-002": (personas.yukou, "李四", ID_LI, date(2016, 1, 1), None, Decimal("600.00"), Decimal("12000.00")),
        "YK-003": (personas.yukou, "王五", "", date(2018, 5, 1), date(2028, 4, 30), Decimal("1000.00"), None),
    }


def test_a_claims_sheet_named_by_its_village_imports_into_that_village(personas, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "土屋村"
    sheet.append(["峪口镇土屋村债权清理台账"])
    sheet.merge_cells("A1:G1")
    sheet.append(["序号", "编号", "欠款人", "欠款原因", "欠款金额（万元）", "已收回", "备注"])
    sheet.append([1, "TW-ZQ-1", "赵六", "承包费", 1.25, None, "2019年起拖欠"])
    sheet.append([2, "TW-ZQ-2", "钱七", "三提五统尾欠", "0.08", None, None])
    sheet.append(["合计", None, None, None, 1.33])
    found = survey(save(book, tmp_path), "claims").sheets[0]
    assert (found.place.village, found.place.source) == (personas.tuwu, "工作表名“土屋村”")
    assert suggested(found) == {"序号": "序号", "编号": "债权编号", "欠款人": "债务人", "欠款原因": "形成原因",
                                "欠款金额（万元）": "金额(元)", "已收回": "已清收金额(元)", "备注": "备注"}
    assert found.column(4).unit == "万元"
    rights = Rights.of(personas.cadre)
    outcome = importer.commit(found.to_sheet(confirmed(found)), "claims", rights)
    assert outcome.committed and outcome.create == 2
    stored = {c.number: (c.village, c.debtor.name, c.origin, c.principal, c.note)
              for c in Claim.objects.select_related("debtor")}
    assert stored == {"TW-ZQ-1": (personas.tuwu, "赵六", "承包费拖欠", Decimal("12500.00"), "2019年起拖欠"),
                      "TW-ZQ-2": (personas.tuwu, "钱七", "税费尾欠", Decimal("800.00"), "")}


def test_a_period_in_one_cell_is_split_into_start_and_end(personas, tmp_path):
    book = claims_book([])
    sheet = book.active
    sheet.delete_rows(2)
    sheet.append(["合同编号", "承包方", "承包起止时间", "年租金（元）"])
    sheet.append(["YK-1", "张三", "2010.1.1-2030.12.31", 100])
    sheet.append(["YK-2", "李四", "2015.3.1-至今", 100])
    sheet.append(["YK-3", "王五", "20年", 100])
    sheet.append(["YK-4", "赵六", datetime(2012, 5, 1), 100])
    found = survey(save(book, tmp_path, "期限.xlsx"), "contracts").sheets[0]
    assert found.column(2).suggestion.column == "承包期限"
    converted = found.to_sheet(confirmed(found), village=personas.yukou)
    assert converted.columns == ["乡镇", "村", "合同编号", "承包方", "起始日期", "终止日期", "年承包费(元)"]
    assert [values[4:6] for _, values in converted.rows] == [
        [date(2010, 1, 1), date(2030, 12, 31)], [date(2015, 3, 1), None], ["20年", None],
        [datetime(2012, 5, 1), None]]
    assert converted.notes[-1] == ("工作表“债权”的「承包起止时间」有 1 行无法拆分为起止日期（第 5 行），"
                                   "如：只写了年限，没有起始日期，无法算出终止日期 \"20年\"（请填写起始日期，"
                                   "或写作 2010.1.1-2030.12.31）；已原样放入“起始日期”。")
    outcome = importer.preview(converted, "contracts", Rights.of(personas.cadre))
    assert [str(e) for e in outcome.errors] == ["第 5 行 「起始日期」: 无法识别的日期 \"20年\""]


def test_a_mapping_that_cannot_be_read_is_refused(personas, tmp_path):
    found = survey(township_contracts(tmp_path), "contracts").sheets[0]
    with pytest.raises(ValidationError, match="“合同编号”对应了两列：C 列和 D 列"):
        found.to_sheet({2: "合同编号", 3: "合同编号"})
    with pytest.raises(ValidationError, match="合同台账没有“债务人”一栏"):
        found.to_sheet({2: "债务人"})
    with pytest.raises(ValidationError, match="“起始日期”对应了两列：F 列和 G 列"):
        found.to_sheet({5: "起始日期", 6: "承包期限"})


def test_villages_merged_down_the_side_fill_their_rows(personas, tmp_path):
    book = claims_book([])
    sheet = book.active
    sheet.delete_rows(2)
    sheet.append(["序号", "村", "债权编号", "债务人", "形成原因", "金额"])
    for n in range(30):
        sheet.append([n + 1, "峪口村" if n == 0 else None, f"YK-{n + 1}", "张三", "借款", 100])
    sheet.append([None, "小计", None, None, None, 3000])
    for n in range(16):
        sheet.append([n + 31, "土屋村" if n == 0 else None, f"TW-{n + 1}", "李四", "借款", 100])
    sheet.append([None, "合计", None, None, None, 4600])
    sheet.merge_cells("B3:B32")
    sheet.merge_cells("B34:B49")
    found = survey(save(book, tmp_path), "claims").sheets[0]
    assert found.rows == 46 and found.column(1).filled == 44
    assert "「村」44 行为合并单元格，已按上一行填充" in found.notes()
    converted = found.to_sheet(confirmed(found))
    villages = [(number, values[1]) for number, values in converted.rows]
    assert villages[28:32] == [(31, "峪口村"), (32, "峪口村"), (34, "土屋村"), (35, "土屋村")]
    assert {name for _, name in villages} == {"峪口村", "土屋村"}
    assert "工作表“债权”的「村」44 行为合并单元格，已按上一行填充。" in converted.notes


def test_progress_is_reported_by_sheet(personas, tmp_path):
    heard = []
    path = villages_workbook(tmp_path, {"峪口村": "合同台账", "土屋村": "合同台账"})
    survey(path, "contracts", report=lambda done, total, message: heard.append((done, total, message)))
    total = heard[-1][1]
    assert [message for _, _, message in heard] == ["工作表“峪口村”：已读取 1 行", "工作表“土屋村”：已读取 1 行"]
    assert heard[-1][0] == total and 0 < heard[0][0] < total


def test_a_file_beyond_the_row_limit_is_refused(personas, tmp_path, settings):
    settings.LEDGER_MAX_ROWS = 2
    path = township_contracts(tmp_path)
    assert refusal(lambda: survey(path, "contracts")) == "数据超过每个文件 2 行的上限；请按乡镇或村分成几个文件。"


def test_a_row_of_units_under_the_header_is_part_of_it(personas, tmp_path):
    book = claims_book([[1, "峪口村", "ZQ-1", "张三", "借款", 1.5, None]])
    book.active.insert_rows(3)
    for letter, unit in (("F", "（万元）"), ("E", None)):
        book.active[f"{letter}3"] = unit
    found = survey(save(book, tmp_path), "claims").sheets[0]
    assert found.header_rows == (2, 3) and found.rows == 1
    amount = found.column(5)
    assert (amount.header, amount.key, amount.unit) == ("欠款金额/（万元）", "欠款金额", "万元")
    assert amount.suggestion.column == "金额(元)"


def test_the_countys_confirmed_words_are_suggested_and_recognise_the_header(personas, tmp_path):
    book = Workbook()
    book.active.append(["户主", "欠款事项", "欠多少"])
    book.active.append(["张三", "借款", 100])
    path = save(book, tmp_path)
    with pytest.raises(BadFile, match="没有可识别的栏目名称"):
        survey(path, "claims")
    found = survey(path, "claims", saved={"户主": "债务人", "欠多少": "金额(元)"}).sheets[0]
    assert [c.suggestion for c in found.columns] == [
        Suggestion("债务人", 1.0, "本县已确认"), Suggestion("形成原因", 0.68, "与“欠款事由”相近（75%）"),
        Suggestion("金额(元)", 1.0, "本县已确认")]
