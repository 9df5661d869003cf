"""Files that cannot be imported get a clear Chinese message on the upload page and change nothing."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts.models import Contract
from core.files import private_storage
from ledgers.models import LedgerImport
from ledgers.testing import encrypted, old_xls, workbook, zip_bomb

HEADER = ["乡镇", "村", "合同编号", "承包方", "年承包费(元)"]
GOOD = workbook(HEADER, [["峪口镇", "峪口村", "HT-1", "张三", "1,000"]])

pytestmark = pytest.mark.usefixtures("jobs_run_here")


def upload(client, content: bytes, name: str = "台账.xlsx", kind: str = "contracts"):
    return client.post(reverse("ledgers:import"), {"kind": kind, "file": SimpleUploadedFile(name, content)})


def stored_files() -> list:
    storage = private_storage()
    return storage.listdir("ledgers")[1] if storage.exists("ledgers") else []


def refused(client, content, name="台账.xlsx") -> str:
    response = upload(client, content, name)
    assert response.status_code == 200
    assert LedgerImport.objects.count() == 0 and Contract.objects.count() == 0
    assert stored_files() == []
    return response.context["form"].errors["file"][0]


@pytest.fixture
def client(personas, client_for):
    return client_for(personas.cadre)


def test_a_pdf_renamed_to_xlsx_is_not_a_workbook(client):
    assert "这是 PDF 文件，不是表格文件" in refused(client, b"%PDF-1.4\n%%EOF\n")


def test_a_word_document_is_not_a_workbook(client, tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "a.docx", "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    assert "这是 Word 文档（.docx），不是表格文件" in refused(client, (tmp_path / "a.docx").read_bytes())


def test_an_old_xls_is_told_to_save_as_xlsx(client):
    message = refused(client, old_xls(GOOD), "台账.xls")
    assert "旧版 Excel 文件（.xls）" in message and "另存为" in message and ".xlsx" in message


def test_a_password_protected_workbook_is_refused(client):
    assert "设置了打开密码" in refused(client, encrypted(GOOD))


def test_an_empty_file_is_refused(client):
    response = upload(client, b"")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert LedgerImport.objects.count() == 0


def test_a_damaged_workbook_is_refused(client):
    assert "已损坏" in refused(client, GOOD[: len(GOOD) // 2])


def test_an_oversized_file_is_refused_before_it_is_read(client, settings):
    settings.LEDGER_MAX_MB = 1
    assert "文件太大" in refused(client, b"PK\x03\x04" + b"0" * (1024 * 1024 + 10))


def test_a_zip_bomb_is_refused_from_its_directory(client, settings, tmp_path):
    settings.LEDGER_MAX_MB = 1
    zip_bomb(tmp_path / "bomb.xlsx", 60)
    content = (tmp_path / "bomb.xlsx").read_bytes()
    assert len(content) < 1024 * 1024
    assert "压缩炸弹" in refused(client, content)


def test_a_sheet_without_a_recognisable_header_is_refused(client):
    response = upload(client, workbook(["姓名", "年龄"], [["张三", 30]], title_rows=1))
    detail = LedgerImport.objects.get()
    assert response.status_code == 302 and detail.state == LedgerImport.State.FAILED
    assert detail.errors == ["没有找到表头：工作表“台账”前 15 行中没有可识别的栏目名称。"]
    assert Contract.objects.count() == 0
    page = client.get(detail.get_absolute_url()).content.decode()
    assert "没有找到表头" in page and "确认导入" not in page


def test_a_header_missing_a_required_column_asks_for_it(client):
    response = upload(client, workbook(["乡镇", "村", "合同编号", "年承包费(元)"], [["峪口镇", "峪口村", "HT-1", 1]]))
    detail = LedgerImport.objects.get()
    assert detail.state == LedgerImport.State.MAPPING
    assert response.url == reverse("ledgers:import-mapping", args=[detail.pk])
    page = client.get(response.url).content.decode()
    assert "工作表“台账”没有“承包方”一栏" in page
    assert Contract.objects.count() == 0


def test_a_sheet_over_the_row_limit_is_refused(client, settings):
    settings.LEDGER_MAX_ROWS = 5
    upload(client, workbook(HEADER, [["峪口镇", "峪口村", f"HT-{n}", "张三", 1] for n in range(6)]))
    detail = LedgerImport.objects.get()
    assert detail.state == LedgerImport.State.FAILED
    assert "超过每个文件 5 行的上限" in detail.errors[0]


def test_a_workbook_with_a_header_and_no_rows_cannot_be_committed(client):
    upload(client, workbook(HEADER, []))
    detail = LedgerImport.objects.get()
    assert detail.state == LedgerImport.State.ERRORS
    assert "表格中没有数据行。" in detail.errors[0]
