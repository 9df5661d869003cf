"""The upload given back with its errors marked: each cell the preview could not read filled red with a comment
giving the reason, a first sheet 错误清单 listing every error, the rest of the workbook as it was uploaded."""
import csv
import io
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment

from ledgers.markup import AUTHOR, LIST_SHEET, RED_FILL, mark
from ledgers.models import LedgerImport

pytestmark = pytest.mark.usefixtures("jobs_run_here")

TITLE = "峪口镇峪口村农村集体经济合同清理台账"


def upload(client, content: bytes, name: str = "峪口镇合同台账.xlsx", kind: str = "contracts"):
    return client.post(reverse("ledgers:import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def messy_book() -> bytes:
    """Two village sheets as a township keeps them: a merged title row, the header, a 合计 row. 峪口村 has a row
    with an amount written in words and a date that does not exist; 土屋村 keeps the period in one cell, one
    of them unreadable."""
    book = Workbook()
    yukou = book.active
    yukou.title = "峪口村"
    yukou.append([TITLE])
    yukou.merge_cells("A1:G1")
    yukou.append(["序号", "合同编号", "承包方", "起始日期", "终止日期", "承包费（元/年）", "合同类型"])
    yukou.append([1, "YK-001", "张三", "2015.3.1", "2035.2.28", "3,750.00", "资源发包"])
    yukou.append([2, "YK-002", "李四", "2016.13.45", "2025.12.31", "一千二", "资源发包"])
    yukou.append([None, "合计", None, None, None, "=SUM(F3:F4)"])
    tuwu = book.create_sheet("土屋村")
    tuwu.append(["峪口镇土屋村农村集体经济合同清理台账"])
    tuwu.append(["序号", "合同编号", "承包方", "承包期限", "承包费（元/年）", "合同类型"])
    tuwu.append([1, "TW-001", "王五", "2018.5.1-2028.4.30", 1200, "资源发包"])
    tuwu.append([2, "TW-002", "赵六", "长期有效", 800, "资源发包"])
    return saved(book)


def filename(response) -> str:
    return unquote(response["Content-Disposition"].split("''", 1)[1])


def download(client, ledger_import):
    return client.get(reverse("ledgers:import-errors", args=[ledger_import.pk]))


def opened(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.content))


def is_red(cell) -> bool:
    return cell.fill == RED_FILL


def marked(sheet) -> dict[str, str]:
    """Every marked cell of a sheet: coordinate → comment."""
    found = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.comment is not None or is_red(cell):
                assert cell.comment is not None and is_red(cell), cell.coordinate
                assert cell.comment.author == AUTHOR
                found[cell.coordinate] = cell.comment.text
    return found


def listed(book) -> list[tuple]:
    """The rows of 错误清单 below its title, subtitle and header."""
    sheet = book[LIST_SHEET]
    assert [c.value for c in sheet[3]] == ["工作表", "行", "栏目", "原因", "标注位置"]
    return [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=4)]


@pytest.fixture
def cadre(personas, client_for):
    return client_for(personas.cadre)


@pytest.fixture
def with_errors(cadre):
    upload(cadre, messy_book())
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == LedgerImport.State.ERRORS, (ledger_import.state, ledger_import.errors)
    return ledger_import


def test_each_error_cell_of_an_uploaded_workbook_is_red_with_its_reason(cadre, with_errors):
    response = download(cadre, with_errors)
    assert filename(response) == "峪口镇合同台账_错误标注.xlsx"
    book = opened(response)
    assert book.sheetnames == [LIST_SHEET, "峪口村", "土屋村"]
    assert book.active.title == LIST_SHEET
    assert [s.title for s in book.worksheets if s.sheet_view.tabSelected] == [LIST_SHEET]

    yukou, tuwu = book["峪口村"], book["土屋村"]
    assert marked(yukou) == {"D4": '日期不存在 "2016.13.45"', "F4": '无法识别的金额 "一千二"'}
    # The period's one cell carries the error of the start date it fills, named.
    assert marked(tuwu) == {"D4": '「起始日期」无法识别的日期 "长期有效"'}

    # Everything else is as uploaded: the title, its merge, the values, the formula of the 合计 row.
    assert yukou["A1"].value == TITLE and "A1:G1" in {str(r) for r in yukou.merged_cells.ranges}
    assert [c.value for c in yukou[4]] == [2, "YK-002", "李四", "2016.13.45", "2025.12.31", "一千二", "资源发包"]
    assert yukou["F5"].value == "=SUM(F3:F4)"
    assert tuwu["D4"].value == "长期有效"

    assert listed(book) == [
        ("峪口村", 4, "起始日期", '日期不存在 "2016.13.45"', "D4"),
        ("峪口村", 4, "年承包费(元)", '无法识别的金额 "一千二"', "F4"),
        ("土屋村", 4, "起始日期", '无法识别的日期 "长期有效"', "D4"),
    ]
    assert book[LIST_SHEET]["E4"].hyperlink.location == "'峪口村'!D4"
    assert book[LIST_SHEET]["A2"].value.startswith("共 3 处错误；")


def test_a_marked_file_uploaded_again_is_marked_afresh(cadre, with_errors):
    first = download(cadre, with_errors).content
    upload(cadre, first, name="峪口镇合同台账_错误标注.xlsx")
    again = LedgerImport.objects.exclude(pk=with_errors.pk).get()
    assert again.state == LedgerImport.State.ERRORS, (again.state, again.errors)
    assert again.problems == with_errors.problems

    book = opened(download(cadre, again))
    assert book.sheetnames == [LIST_SHEET, "峪口村", "土屋村"]
    assert marked(book["峪口村"]) == {"D4": '日期不存在 "2016.13.45"', "F4": '无法识别的金额 "一千二"'}
    assert len(listed(book)) == 3


def test_a_csv_comes_back_as_a_workbook_of_its_values_with_the_cell_marked(cadre):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["乡镇", "村", "合同编号", "承包方", "承包期限", "承包费（元/年）", "说明"])
    writer.writerow(["峪口镇", "峪口村", "YK-101", "赵六", "2010.1.1-2030.12.31", "12,345.00", "=1+2"])
    writer.writerow(["峪口镇", "峪口村", "YK-102", "钱七", "2011.1.1-2031.12.31", "一千二", "-"])
    upload(cadre, text.getvalue().encode("gbk"), name="合同台账.csv")
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.fmt == "csv" and ledger_import.state == LedgerImport.State.ERRORS

    response = download(cadre, ledger_import)
    assert filename(response) == "合同台账_错误标注.xlsx"
    book = opened(response)
    assert book.sheetnames == [LIST_SHEET, "合同台账"]
    sheet = book["合同台账"]
    assert [c.value for c in sheet[2]] == ["峪口镇", "峪口村", "YK-101", "赵六", "2010.1.1-2030.12.31", "12,345.00",
                                           "=1+2"]
    # What was typed stays text: never a formula.
    assert sheet["G2"].data_type == "s" and sheet["G3"].value == "-"
    assert marked(sheet) == {"F3": '无法识别的金额 "一千二"'}
    assert listed(book) == [("合同台账", 3, "年承包费(元)", '无法识别的金额 "一千二"', "F3")]


def test_the_preview_links_the_marked_file_for_those_who_may_import(personas, cadre, client_for, with_errors):
    url = reverse("ledgers:import-errors", args=[with_errors.pk])
    assert url in cadre.get(with_errors.get_absolute_url()).content.decode()
    inspector_page = client_for(personas.inspector).get(with_errors.get_absolute_url())
    assert inspector_page.status_code == 200 and url not in inspector_page.content.decode()


def test_outsider_cannot_see_the_marked_file(personas, client_for, with_errors):
    assert download(client_for(personas.outsider), with_errors).status_code == 404


def test_inspector_cannot_download_the_marked_file(personas, client_for, with_errors):
    assert download(client_for(personas.inspector), with_errors).status_code == 403


def test_an_import_without_errors_has_no_marked_file(cadre):
    book = Workbook()
    book.active.title = "峪口村"
    book.active.append(["合同编号", "承包方", "起始日期", "年承包费(元)"])
    book.active.append(["YK-301", "周八", "2020.1.1", 500])
    upload(cadre, saved(book))
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == LedgerImport.State.READY, ledger_import.errors
    assert download(cadre, ledger_import).status_code == 404
    assert reverse("ledgers:import-errors", args=[ledger_import.pk]) not in \
        cadre.get(ledger_import.get_absolute_url()).content.decode()


def test_a_missing_file_is_said_on_the_page(cadre, with_errors, settings):
    from core.files import private_storage

    private_storage().delete(with_errors.path)
    response = download(cadre, with_errors)
    assert response.status_code == 302 and response.url == with_errors.get_absolute_url()
    assert "原上传文件已不在服务器上" in cadre.get(response.url).content.decode()


# --- mark(): where an error goes, on a file of its own ---------------------------------------------------


def parcels_book(tmp_path):
    """A parcels sheet: the 四至 in four columns, a 地块编号 merged over two rows, a cell with the township's own
    comment, and marks of an earlier download."""
    book = Workbook()
    sheet = book.active
    sheet.title = "峪口村"
    sheet.append(["峪口村地块台账"])
    sheet.append(["序号", "地块编号", "面积（亩）", "东至", "南至", "西至", "北至"])
    sheet.append([1, "DK-1", 3.5, "路", "渠", "张三", "山"])
    sheet.append([None, None, 2, None, "河", None, None])
    sheet.merge_cells("B3:B4")
    sheet["C3"].comment = Comment("村会计：待复核", "王会计")
    sheet["A1"].comment = Comment("旧的错误", AUTHOR)
    sheet["A1"].fill = RED_FILL
    path = tmp_path / "parcels.xlsx"
    book.save(path)
    return path


PARCELS = {"sheets": [{"name": "峪口村", "skip": False, "village": 1,
                       "columns": {"0": "", "1": "地块编号", "2": "面积(亩)", "3": "东至", "4": "南至", "5": "西至",
                                   "6": "北至"}}]}


def test_four_sides_a_merged_cell_a_field_without_column_and_a_file_error(tmp_path):
    problems = [
        {"sheet": "", "row": 3, "column": "四至", "reason": "过长"},
        {"sheet": "", "row": 4, "column": "地块编号", "reason": "重复"},
        {"sheet": "", "row": 4, "column": "村", "reason": "不在您的管辖范围内"},
        {"sheet": "", "row": 3, "column": "面积(亩)", "reason": "面积过大"},
        {"sheet": "", "row": None, "column": "", "reason": "表格中没有数据行。"},
    ]
    content = mark(parcels_book(tmp_path), fmt="xlsx", mapping=PARCELS, problems=problems, kind="parcels",
                   error_count=7, original_name="地块.xlsx")
    book = load_workbook(io.BytesIO(content))
    assert marked(book["峪口村"]) == {
        "D3": "「四至」过长", "E3": "「四至」过长", "F3": "「四至」过长", "G3": "「四至」过长",
        # The merged 地块编号 shows in its first row, which says the row it means.
        "B3": "第 4 行：重复",
        # No column holds 村: the row's first filled cell from the first mapped column.
        "C4": "「村」不在您的管辖范围内",
        # The township's own comment is kept below ours.
        "C3": "面积过大\n——原批注：村会计：待复核",
    }
    # The marks of an earlier download are gone.
    assert book["峪口村"]["A1"].comment is None and not is_red(book["峪口村"]["A1"])
    assert listed(book)[-1] == ("峪口村", None, None, "表格中没有数据行。", None)
    assert book[LIST_SHEET]["A2"].value.startswith("共 7 处错误，以下列出前 5 处；")


def test_an_old_xls_comes_back_as_a_workbook_with_its_merged_title(cadre):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("峪口村")
    sheet.write_merge(0, 0, 0, 4, TITLE)
    for column, header in enumerate(["合同编号", "承包方", "起始日期", "终止日期", "年承包费(元)"]):
        sheet.write(1, column, header)
    for column, value in enumerate(["YK-201", "孙七", "2019.4.1", "2029.3.31", "一千二"]):
        sheet.write(2, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    upload(cadre, buffer.getvalue(), name="台账.xls")
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.fmt == "xls" and ledger_import.state == LedgerImport.State.ERRORS, ledger_import.errors

    book = opened(download(cadre, ledger_import))
    assert book.sheetnames == [LIST_SHEET, "峪口村"]
    rebuilt = book["峪口村"]
    assert rebuilt["A1"].value == TITLE and "A1:E1" in {str(r) for r in rebuilt.merged_cells.ranges}
    assert [c.value for c in rebuilt[3]] == ["YK-201", "孙七", "2019.4.1", "2029.3.31", "一千二"]
    assert marked(rebuilt) == {"E3": '无法识别的金额 "一千二"'}


def test_a_large_files_marked_copy_is_made_by_a_job_and_offered_on_its_page(cadre, with_errors, settings):
    from core.models import Job

    settings.LEDGER_INLINE_ROWS = 1
    response = download(cadre, with_errors)
    job = Job.objects.get(kind="ledger-markup")
    assert response.status_code == 302 and response.url == reverse("core:job-detail", args=[job.pk])
    assert job.state == Job.State.DONE and job.params == {"import": with_errors.pk}
    assert [f["name"] for f in job.files] == ["峪口镇合同台账_错误标注.xlsx"]
    served = cadre.get(reverse("core:job-file", args=[job.pk, 0]))
    assert served.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(served.streaming_content)))
    assert book.sheetnames[0] == "错误清单"
    assert is_red(book["峪口村"]["F4"])
