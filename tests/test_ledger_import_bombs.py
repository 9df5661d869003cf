"""Ledgers that would take the server down: zip bombs refused from their directory, part by part; a bomb that
gets past the checks stopped by the reader process's memory ceiling; every way a read can fail ending in 无法读取
with the reason in Chinese, never 读取中; and a long commit that keeps its job's heartbeat."""
import sys
import threading
import time
import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from core.files import private_storage
from core.models import Job
from ledgers import importer, reader, services
from ledgers.models import LedgerImport
from ledgers.plan_contracts import ContractPlanner
from ledgers.testing import strings_bomb, workbook

HEADER = ["乡镇", "村", "合同编号", "承包方", "年承包费(元)"]
ROWS = [["峪口镇", "峪口村", "HT-1", "张三", "1,000"], ["峪口镇", "峪口村", "HT-2", "李四", "2,000"]]

pytestmark = pytest.mark.usefixtures("jobs_run_here")


@pytest.fixture
def client(personas, client_for):
    return client_for(personas.cadre)


def upload(client, content: bytes):
    return client.post(reverse("ledgers:import"),
                       {"kind": "contracts", "file": SimpleUploadedFile("台账.xlsx", content)})


def refusal(client, content: bytes) -> str:
    response = upload(client, content)
    assert response.status_code == 200
    assert LedgerImport.objects.count() == 0
    assert not private_storage().exists("ledgers") or private_storage().listdir("ledgers")[1] == []
    return response.context["form"].errors["file"][0]


def padded(content: bytes, part: str, megabytes: float) -> bytes:
    """The workbook with `part` grown to `megabytes` MB by whitespace after its root element (still valid XML)."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                data += b"\n" * int(megabytes * 1024 * 1024 - len(data))
            target.writestr(info, data)
    return out.getvalue()


# --- Refused from the zip directory ----------------------------------------------------------------


def test_a_shared_strings_bomb_is_refused_from_its_directory(client, settings, tmp_path):
    settings.LEDGER_MAX_STRINGS_MB = 2
    strings_bomb(tmp_path / "bomb.xlsx", 6)
    content = (tmp_path / "bomb.xlsx").read_bytes()
    with zipfile.ZipFile(BytesIO(content)) as archive:
        strings = archive.getinfo("xl/sharedStrings.xml")
    # Inside the file-size, total and compression-ratio limits: only the part's own size gives it away.
    assert strings.file_size > 6 * 1024 * 1024 and strings.file_size < 100 * strings.compress_size
    message = refusal(client, content)
    assert "共享字符串表（xl/sharedStrings.xml）解压后有 6 MB，超过 2 MB 的上限" in message
    assert "压缩炸弹" in message


@pytest.mark.parametrize("part, setting, words", [
    ("xl/worksheets/sheet1.xml", "LEDGER_MAX_SHEET_MB", "工作表（xl/worksheets/sheet1.xml）"),
    ("xl/styles.xml", "LEDGER_MAX_PART_MB", "部件（xl/styles.xml）"),
    ("xl/theme/theme1.xml", "LEDGER_MAX_PART_MB", "部件（xl/theme/theme1.xml）"),
])
def test_every_part_is_bounded_by_its_unpacked_size(client, settings, part, setting, words):
    setattr(settings, setting, 1)
    message = refusal(client, padded(workbook(HEADER, ROWS), part, 1.5))
    assert f"{words}解压后有 2 MB，超过 1 MB 的上限" in message and "压缩炸弹" in message


def test_the_whole_is_bounded_too(client, settings):
    settings.LEDGER_MAX_UNPACKED_MB = 2
    content = padded(padded(workbook(HEADER, ROWS), "xl/worksheets/sheet1.xml", 1.5), "xl/styles.xml", 1.5)
    assert "解压后有 3 MB，超过 2 MB 的上限" in refusal(client, content)


def test_a_part_disguised_as_a_sheet_is_bounded_as_shared_strings_when_the_content_types_say_so(client, settings,
                                                                                                tmp_path):
    settings.LEDGER_MAX_STRINGS_MB = 2
    strings_bomb(tmp_path / "bomb.xlsx", 3)
    out = BytesIO()
    with zipfile.ZipFile(tmp_path / "bomb.xlsx") as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info).replace(b"sharedStrings.xml", b"worksheets/strings.xml")
            target.writestr(info.filename.replace("sharedStrings.xml", "worksheets/strings.xml"), data)
    assert "共享字符串表（xl/worksheets/strings.xml）" in refusal(client, out.getvalue())


# --- Read in a process of its own, under a ceiling ---------------------------------------------------


def test_a_small_upload_is_read_by_the_preview_job_not_by_the_web_process(client, monkeypatch):
    def in_this_process(*args, **kwargs):
        raise AssertionError("the web process read the upload")

    monkeypatch.setattr(importer, "read_sheet", in_this_process)
    response = upload(client, workbook(HEADER, ROWS))
    ledger_import = LedgerImport.objects.get()
    assert response.status_code == 302 and ledger_import.state == "待导入" and ledger_import.counts["rows"] == 2
    assert ledger_import.job.kind == "ledger-preview" and ledger_import.job.state == "已完成"


def test_a_bomb_that_gets_past_the_checks_stops_at_the_readers_memory_ceiling(client, settings, tmp_path):
    # The checks let 40 MB of shared strings through; the reader may hold 80 MB in all (it needs some 36).
    settings.LEDGER_MAX_STRINGS_MB = settings.LEDGER_MAX_UNPACKED_MB = 100
    settings.LEDGER_READ_MEMORY_MB = 80
    strings_bomb(tmp_path / "bomb.xlsx", 40)
    response = upload(client, (tmp_path / "bomb.xlsx").read_bytes())
    assert response.status_code == 302
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == "无法读取"
    assert ledger_import.errors[0].startswith("文件解压后过大或结构异常，无法读取（读取时超出了 80 MB 的内存上限）")
    assert ledger_import.job.state == "失败" and ledger_import.job.error == ledger_import.errors[0]
    page = client.get(ledger_import.get_absolute_url()).content.decode()
    assert "文件解压后过大或结构异常" in page and "确认导入" not in page


def test_the_same_file_is_read_within_a_sensible_ceiling(client, settings, tmp_path):
    settings.LEDGER_MAX_STRINGS_MB = settings.LEDGER_MAX_UNPACKED_MB = 100
    strings_bomb(tmp_path / "bomb.xlsx", 40)
    upload(client, (tmp_path / "bomb.xlsx").read_bytes())
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == "待导入" and ledger_import.counts["rows"] == 1


@pytest.mark.parametrize("program, words", [
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "文件解压后过大或结构异常，无法读取"),
    ("raise RuntimeError('boom')", "文件解压后过大或结构异常，无法读取"),
    ("import time; time.sleep(30)", "读取超过 1 秒仍未完成，已停止"),
])
def test_a_reader_killed_crashing_or_too_slow_fails_the_import_with_a_chinese_message(client, settings, monkeypatch,
                                                                                      program, words):
    settings.LEDGER_READ_SECONDS = 1
    monkeypatch.setattr(reader, "command", lambda: [sys.executable, "-c", program])
    started = time.monotonic()
    response = upload(client, workbook(HEADER, ROWS))
    assert response.status_code == 302 and time.monotonic() - started < 20
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == "无法读取" and words in ledger_import.errors[0]
    assert ledger_import.job.state == "失败" and words in ledger_import.job.error


def test_a_failure_after_the_read_fails_the_import_too(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(importer, "preview", broken)
    response = upload(client, workbook(HEADER, ROWS))
    assert response.status_code == 302
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.state == "无法读取" and ledger_import.errors == [services.READ_FAILED]
    assert ledger_import.job.state == "失败" and ledger_import.job.error == services.READ_FAILED


def test_an_import_whose_worker_died_is_not_left_reading(client, personas, settings):
    response = upload(client, workbook(HEADER, ROWS))
    ledger_import = LedgerImport.objects.get()
    # As a worker killed mid-read leaves them: the job running without a heartbeat, the import reading.
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_SECONDS + 60)
    Job.objects.filter(pk=ledger_import.job_id).update(state=Job.State.RUNNING, heartbeat_at=long_ago)
    LedgerImport.objects.filter(pk=ledger_import.pk).update(state=LedgerImport.State.READING)
    assert response.status_code == 302
    page = client.get(ledger_import.get_absolute_url()).content.decode()
    ledger_import.refresh_from_db()
    assert ledger_import.state == "无法读取" and ledger_import.errors == [services.INTERRUPTED]
    assert "读取中断" in page


# --- A long commit keeps its job alive ----------------------------------------------------------------


def heartbeats(kind: str, seconds: float) -> list:
    """The heartbeat of the job of that kind as another connection sees it, twice, `seconds` apart."""
    seen = []

    def look():
        try:
            for _ in range(2):
                seen.append(Job.objects.get(kind=kind).heartbeat_at)
                time.sleep(seconds)
        finally:
            connections.close_all()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    return seen


def finished(job: Job, timeout: float = 60) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if job.state in (Job.State.DONE, Job.State.FAILED) or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phase", ["plan", "write"])
def test_a_long_commit_beats_its_jobs_heartbeat_all_along(personas, settings, monkeypatch, task_worker, phase):
    if phase == "write" and connection.vendor == "sqlite":
        pytest.skip("SQLite lets one connection write at a time: a beat (or a restart) waits for the commit's writes")
    settings.LEDGER_HEARTBEAT_SECONDS = 0.05
    settings.LEDGER_INLINE_ROWS = 1
    rows = [["峪口镇", "峪口村", f"HT-{n}", f"村民{n}", 1000 + n] for n in range(5)]
    ledger_import = services.ledger_upload(user=personas.cadre, kind="contracts",
                                           upload=SimpleUploadedFile("台账.xlsx", workbook(HEADER, rows)))
    assert finished(ledger_import.job).state == Job.State.DONE
    ledger_import.refresh_from_db()
    assert ledger_import.state == "待导入"
    seen = []
    slow = getattr(ContractPlanner, phase)

    def slowly(planner):
        result = slow(planner)
        # A long database phase: the commit's transaction is open, and holds the rows it wrote.
        seen.extend(heartbeats("ledger-commit", 0.6))
        return result

    monkeypatch.setattr(ContractPlanner, phase, slowly)
    ledger_import = services.ledger_commit_start(user=personas.cadre, ledger_import=ledger_import)
    job = finished(Job.objects.get(kind="ledger-commit"))
    assert job.state == Job.State.DONE, job.error
    assert len(seen) == 2 and seen[1] > seen[0]
    ledger_import.refresh_from_db()
    assert ledger_import.state == "已导入" and Contract.objects.count() == 5
