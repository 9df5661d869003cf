"""The import pages (upload → preview → commit), large files as background jobs, the templates, and the
`import_ledger` command: the happy path, the outsider's 404 and the read-only user's 403."""
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from contracts.models import Contract
from core.models import Job
from core.submissions import new_key
from fixtures.posting import form_key, post_once
from ledgers.models import LedgerImport
from ledgers.testing import workbook

HEADER = ["序号", "乡镇", "村", "合同编号", "承包方", "年承包费(元)", "起始日期", "终止日期"]
ROWS = [[1, "峪口镇", "峪口村", "HT-1", "张三", "1.2万", "2015.3.1", "至今"],
        [2, "峪口镇", "峪口村", "HT-2", "李四", "3,000", "2016/1/1", "2026/1/1"]]

pytestmark = pytest.mark.usefixtures("jobs_run_here")


def upload(client, content, kind="contracts"):
    return client.post(reverse("ledgers:import"), {"kind": kind, "file": SimpleUploadedFile("合同台账.xlsx", content)})


def test_upload_preview_and_commit(personas, client_for):
    client = client_for(personas.cadre)
    assert "导入台账" in client.get(reverse("ledgers:import")).content.decode()
    response = upload(client, workbook(HEADER, ROWS, title_rows=2))
    ledger_import = LedgerImport.objects.get()
    assert response.status_code == 302 and response["Location"] == ledger_import.get_absolute_url()
    assert ledger_import.state == "待导入" and ledger_import.header_row == 3
    assert ledger_import.path.startswith("ledgers/") and "合同台账" not in ledger_import.path
    page = client.get(ledger_import.get_absolute_url()).content.decode()
    assert "确认导入" in page and "将新建" in page
    assert Contract.objects.count() == 0
    commit = reverse("ledgers:import-commit", args=[ledger_import.pk])
    key = form_key(client, ledger_import.get_absolute_url(), action=commit)
    response = client.post(commit, {"submission_key": key})
    assert response.status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.state == "已导入" and ledger_import.committed_by == personas.cadre
    assert Contract.objects.count() == 2
    # A second click does nothing.
    client.post(commit, {"submission_key": key})
    assert Contract.objects.count() == 2


def test_the_preview_lists_errors_and_offers_no_commit(personas, client_for):
    client = client_for(personas.cadre)
    rows = [row[:] for row in ROWS]
    rows[1][5] = "一千二"
    upload(client, workbook(HEADER + ["经办人"], [r + ["王"] for r in rows], title_rows=2))
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == "有错误"
    page = client.get(ledger_import.get_absolute_url()).content.decode()
    assert '「年承包费(元)」无法识别的金额 &quot;一千二&quot;：第 5 行' in page
    assert "以下列不是合同台账的列，已跳过：经办人" in page
    assert "确认导入" not in page
    client.post(reverse("ledgers:import-commit", args=[ledger_import.pk]), {"submission_key": new_key()})
    assert Contract.objects.count() == 0


def test_an_outsider_cannot_see_or_commit_an_import(personas, client_for):
    upload(client_for(personas.cadre), workbook(HEADER, ROWS))
    ledger_import = LedgerImport.objects.get()
    outsider = client_for(personas.outsider)
    assert outsider.get(ledger_import.get_absolute_url()).status_code == 404
    assert outsider.post(reverse("ledgers:import-commit", args=[ledger_import.pk])).status_code == 404
    assert Contract.objects.count() == 0


def test_the_inspector_may_not_import(personas, client_for):
    upload(client_for(personas.cadre), workbook(HEADER, ROWS))
    ledger_import = LedgerImport.objects.get()
    inspector = client_for(personas.inspector)
    assert inspector.get(reverse("ledgers:import")).status_code == 403
    assert upload(inspector, workbook(HEADER, ROWS)).status_code == 403
    assert inspector.get(ledger_import.get_absolute_url()).status_code == 200
    assert inspector.post(reverse("ledgers:import-commit", args=[ledger_import.pk])).status_code == 403
    assert Contract.objects.count() == 0 and LedgerImport.objects.count() == 1


def test_a_village_accountant_is_offered_no_places_ledger(personas, client_for):
    client = client_for(personas.accountant)
    form = client.get(reverse("ledgers:import")).context["form"]
    assert [key for key, _ in form.fields["kind"].choices] == ["parcels", "contracts", "claims", "debts"]
    response = upload(client, workbook(["县", "乡镇", "村"], [["方山县", "峪口镇", "新村"]]), kind="places")
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    assert "places" in [k for k, _ in client_for(personas.county_office).get(
        reverse("ledgers:import")).context["form"].fields["kind"].choices]


def test_a_large_file_is_previewed_and_committed_by_background_jobs(personas, client_for, settings, jobs_run_here):
    settings.LEDGER_INLINE_ROWS = 3
    rows = [[n, "峪口镇", "峪口村", f"HT-{n}", f"村民{n}", 1000 + n, "2016-1-1", ""] for n in range(1, 11)]
    client = client_for(personas.cadre)
    response = upload(client, workbook(HEADER, rows))
    ledger_import = LedgerImport.objects.get()
    job = Job.objects.get(kind="ledger-preview")
    assert response["Location"] == reverse("core:job-detail", args=[job.pk])
    ledger_import.refresh_from_db()
    assert job.state == "已完成" and ledger_import.state == "待导入" and ledger_import.counts["create"] == 10
    assert "查看预览" in client.get(reverse("core:job-detail", args=[job.pk])).content.decode()
    response = post_once(client, reverse("ledgers:import-commit", args=[ledger_import.pk]),
                         page=ledger_import.get_absolute_url())
    job = Job.objects.get(kind="ledger-commit")
    assert response["Location"] == reverse("core:job-detail", args=[job.pk])
    ledger_import.refresh_from_db()
    assert job.state == "已完成" and ledger_import.state == "已导入" and Contract.objects.count() == 10


def test_each_template_has_headers_an_example_and_drop_down_lists(personas, client_for, tmp_path):
    from ledgers import importer
    from ledgers.kinds import KINDS

    client = client_for(personas.accountant)
    for key, kind in KINDS.items():
        response = client.get(reverse("ledgers:template") + f"?kind={key}")
        assert response.status_code == 200
        path = tmp_path / f"{key}.xlsx"
        path.write_bytes(response.content)
        book = load_workbook(path)
        sheet = book.worksheets[0]
        assert [c.value for c in sheet[2]] == ["序号", *kind.names]
        assert sheet["A3"].value == "示例"
        coded = [c for c in kind.columns if c.choices]
        assert len(sheet.data_validations.dataValidation) == len(coded)
        assert book["选项"].sheet_state == "hidden" and book["填写说明"]["A2"].value == kind.names[0]
        # The example row is not data: the template imports as an empty ledger.
        assert importer.parse(path, key).rows == []
    assert client.get(reverse("ledgers:template") + "?kind=nothing").status_code == 404


def test_the_command_previews_then_commits(personas, tmp_path):
    path = tmp_path / "合同台账.xlsx"
    workbook(HEADER, ROWS + [[3, "积翠镇", "积翠村", "JC-1", "王五", "800", "", ""]], path=path, title_rows=1)
    out = StringIO()
    call_command("import_ledger", str(path), "--kind", "contracts", stdout=out)
    assert "读取 3 行：新建 3，修改 0，不变 0，错误 0" in out.getvalue() and Contract.objects.count() == 0
    out = StringIO()
    call_command("import_ledger", str(path), "--kind", "contracts", "--commit", stdout=out)
    assert "已导入" in out.getvalue() and Contract.objects.count() == 3


def test_the_command_fails_on_errors_and_on_bad_files(personas, tmp_path):
    path = tmp_path / "合同台账.xlsx"
    workbook(HEADER, [ROWS[0][:5] + ["一千二", "", ""]], path=path)
    out = StringIO()
    with pytest.raises(CommandError, match="有 1 处错误"):
        call_command("import_ledger", str(path), "--kind", "contracts", "--commit", stdout=out)
    assert '第 2 行 「年承包费(元)」: 无法识别的金额 "一千二"' in out.getvalue()
    assert Contract.objects.count() == 0
    (tmp_path / "a.xls").write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="没有找到表头"):
        call_command("import_ledger", str(tmp_path / "a.xls"), "--kind", "contracts")


def test_the_preview_names_hidden_rows_and_columns(personas, client_for):
    client = client_for(personas.cadre)
    upload(client, workbook(HEADER, ROWS, hidden_rows=(3,), hidden_columns=("E",)))
    page = client.get(LedgerImport.objects.get().get_absolute_url()).content.decode()
    assert "提示（不影响导入）" in page and "确认导入" in page
    assert "工作表“台账”的 E 列「承包方」是隐藏的列，已照常读取。" in page
    assert "工作表“台账”的第 3 行是隐藏的行，已照常读取" in page
