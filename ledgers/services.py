"""The life of an uploaded ledger: stored privately, previewed by a job, committed (inline, or as a job
when large).

The file is saved under a random name in private storage once its zip directory passed the checks
(reading.check_file). It is read by the `ledger-preview` job whatever its size, and never by the web
process itself: the job reads it in a process of its own under a memory ceiling (ledgers/reader.py).
With no broker the job runs here, at once, as Celery would run it eagerly. What the preview read is
kept beside the file (compressed JSON of the raw cell values), so that the commit plans the rows again
against the database without reading the workbook a second time.

However a job ends, its import is not left 读取中: a file that cannot be read, a reader that runs out
of memory or time, and any failure of this code end as 无法读取 with the reason in Chinese; a job whose
worker died without a word is settled when the import's page is next opened (`ledger_import_settle`).
"""
import gzip
import hashlib
import logging
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.utils import timezone

from core import jobs
from core.files import private_storage
from core.jobs import JobError, job_create, job_runner
from core.models import Job
from core.permissions import CLAIM_MANAGE
from core.scoping import made_within_scope

from . import importer
from .models import LedgerImport
from .planning import Issue
from .reading import BadFile, Sheet, check_file

log = logging.getLogger(__name__)

FOLDER = "ledgers"
READ_FAILED = ("读取文件时出错，未导入任何数据。请在 Excel 中打开后另存为 .xlsx 再上传；"
               "如一再失败，请联系系统管理员。")
INTERRUPTED = ("读取中断：读取这份台账的后台进程已退出或长时间没有进展，未导入任何数据。"
               "请重新上传；数据很多时请按乡镇或村分成几个文件。")


def imports_for(user):
    """The imports a user may see: those made within the user's scope (as jobs are)."""
    return made_within_scope(LedgerImport.objects.all(), user)


def kinds_for(user) -> list[tuple[str, str]]:
    rights = importer.Rights.of(user)
    return [(key, kind.label) for key, kind in importer.K.KINDS.items() if rights.may_import(key)]


def _path(name: str) -> Path:
    return Path(private_storage().path(name))


def ledger_upload(*, user, kind: str, upload) -> LedgerImport:
    """Check and store an upload, then hand it to the `ledger-preview` job. A bad file (by its size and its
    zip directory: nothing is unpacked here) is refused with a ValidationError and nothing is kept."""
    if kind not in importer.K.KINDS:
        raise ValidationError({"kind": "请选择台账类型。"})
    if not importer.Rights.of(user).may_import(kind):
        raise PermissionDenied(f"您的角色不能导入{importer.K.KINDS[kind].label}台账。")
    if upload.size > settings.LEDGER_MAX_MB * 1024 * 1024:
        raise ValidationError(f"文件太大（{upload.size / 1024 / 1024:.1f} MB），台账文件不能超过 "
                              f"{settings.LEDGER_MAX_MB} MB；请按乡镇或村分成几个文件。")
    storage = private_storage()
    name = storage.save(f"{FOLDER}/{uuid.uuid4().hex}.xlsx", upload)
    path = _path(name)
    try:
        check_file(path)
    except BadFile as error:
        storage.delete(name)
        raise ValidationError(str(error)) from None
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    with transaction.atomic():
        ledger_import = LedgerImport.objects.create(
            kind=kind, original_name=(upload.name or "台账.xlsx")[:200], path=name, size=path.stat().st_size,
            sha256=digest.hexdigest(), created_by=user, county_id=user.county_id, township_id=user.township_id,
            village_id=user.village_id)
        job = job_create(user=user, kind="ledger-preview", title=f"读取{importer.K.KINDS[kind].label}台账",
                         params={"import": ledger_import.pk}, enqueue=not eager)
        LedgerImport.objects.filter(pk=ledger_import.pk).update(job=job)
    if eager:
        # No broker: the job runs here and now, as Celery would run it eagerly (and as the page expects).
        jobs.run(job.pk)
    ledger_import.refresh_from_db()
    return ledger_import


def _store_outcome(ledger_import: LedgerImport, outcome, state: str) -> None:
    ledger_import.state = state
    ledger_import.sheet = outcome.sheet[:100]
    ledger_import.header_row = outcome.header_row
    ledger_import.counts = outcome.summary()
    ledger_import.errors = [str(e) for e in outcome.errors]
    ledger_import.error_count = outcome.error_count
    ledger_import.warnings = [str(w) for w in outcome.warnings]
    ledger_import.warning_count = outcome.warning_count
    ledger_import.unknown_columns = outcome.unknown
    ledger_import.save()


def _fail(ledger_import: LedgerImport, message: str) -> None:
    ledger_import.state = LedgerImport.State.FAILED
    ledger_import.errors, ledger_import.error_count = [message], 1
    ledger_import.save(update_fields=["state", "errors", "error_count"])


def ledger_preview(*, ledger_import: LedgerImport, report=None) -> LedgerImport:
    """Read the stored file (in a reader process under a memory ceiling), keep what was read, and plan it:
    rows to create and update, and every error. Never leaves the import 读取中: a file that cannot be read
    fails with the reason, anything else with READ_FAILED (and is raised again, for the job to fail)."""
    LedgerImport.objects.filter(pk=ledger_import.pk).update(state=LedgerImport.State.READING)
    try:
        return _preview(ledger_import, report)
    except BadFile as error:
        _fail(ledger_import, str(error))
        return ledger_import
    except BaseException:
        log.exception("preview of ledger import %s failed", ledger_import.pk)
        try:
            _fail(ledger_import, READ_FAILED)
        except Exception:
            log.exception("ledger import %s could not be marked failed", ledger_import.pk)
        raise


def _preview(ledger_import: LedgerImport, report) -> LedgerImport:
    path = _path(ledger_import.path)
    # Again, in the job: the limits may have been lowered since the upload, or the job restarted.
    check_file(path)
    parsed = private_storage().get_available_name(f"{ledger_import.path.removesuffix('.xlsx')}.jsonl.gz")
    sheet = importer.parse_apart(path, ledger_import.kind, _path(parsed), report=report)
    ledger_import.parsed_path = parsed
    outcome = importer.preview(sheet, ledger_import.kind, importer.Rights.of(ledger_import.created_by),
                               report=report, release=True)
    state = LedgerImport.State.READY if outcome.ok else LedgerImport.State.ERRORS
    if outcome.rows == 0:
        outcome.error_count = 1
        outcome.errors.append(Issue(None, None, "表格中没有数据行。"))
        state = LedgerImport.State.ERRORS
    _store_outcome(ledger_import, outcome, state)
    return ledger_import


def load_sheet(ledger_import: LedgerImport) -> Sheet:
    with gzip.open(_path(ledger_import.parsed_path), "rb") as handle:
        return Sheet.load(handle)


def ledger_commit_start(*, user, ledger_import: LedgerImport) -> LedgerImport:
    """The user's "确认导入": commit here, or hand a large file to a background job."""
    rights = importer.Rights.of(user)
    if not rights.may_import(ledger_import.kind):
        raise PermissionDenied(f"您的角色不能导入{ledger_import.get_kind_display()}台账。")
    if ledger_import.state != LedgerImport.State.READY:
        raise ValidationError(f"该台账当前为“{ledger_import.state}”，不能导入。")
    if ledger_import.counts.get("rows", 0) > settings.LEDGER_INLINE_ROWS:
        with transaction.atomic():
            locked = LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
            if locked.state != LedgerImport.State.READY:
                raise ValidationError(f"该台账当前为“{locked.state}”，不能导入。")
            locked.state = LedgerImport.State.COMMITTING
            locked.save(update_fields=["state"])
            job = job_create(user=user, kind="ledger-commit", title=f"导入{ledger_import.get_kind_display()}台账",
                             params={"import": ledger_import.pk})
            LedgerImport.objects.filter(pk=locked.pk).update(job=job)
        locked.refresh_from_db()
        return locked
    return ledger_commit(user=user, ledger_import=ledger_import)


def ledger_commit(*, user, ledger_import: LedgerImport, report=None) -> LedgerImport:
    """Write the previewed rows in one transaction, planning them again first; if any row now has an
    error, nothing is written and the import shows the errors."""
    rights = importer.Rights.of(user)
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
        if locked.state not in (LedgerImport.State.READY, LedgerImport.State.COMMITTING):
            raise ValidationError(f"该台账当前为“{locked.state}”，不能导入。")
        try:
            outcome = importer.commit(lambda: load_sheet(locked), locked.kind, rights, report=report)
        except importer.ImportRefused as refused:
            _store_outcome(locked, refused.outcome, LedgerImport.State.ERRORS)
            return locked
        _store_outcome(locked, outcome, LedgerImport.State.DONE)
        locked.timings = outcome.timings
        locked.committed_at, locked.committed_by = timezone.now(), user
        locked.save(update_fields=["committed_at", "committed_by"])
    return locked


def ledger_import_settle(*, ledger_import: LedgerImport) -> LedgerImport:
    """An import whose job died without a word (its worker killed or restarted) is not left 读取中 or 导入中
    forever: once the job has failed or gone stale, a reading import fails with the reason, and a committing
    one (written in one transaction, so nothing of it was) is ready to be committed again."""
    job = ledger_import.job
    if ledger_import.state not in (LedgerImport.State.READING, LedgerImport.State.COMMITTING) or job is None:
        return ledger_import
    if job.state != Job.State.FAILED and not jobs.is_stale(job):
        return ledger_import
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
        if locked.state == LedgerImport.State.READING:
            failed = job.state == Job.State.FAILED and job.error
            locked.state = LedgerImport.State.FAILED
            locked.errors, locked.error_count = [job.error if failed else INTERRUPTED], 1
            locked.save(update_fields=["state", "errors", "error_count"])
        elif locked.state == LedgerImport.State.COMMITTING:
            locked.state = LedgerImport.State.READY
            locked.save(update_fields=["state"])
    return locked


class Heartbeat:
    """A job's progress and heartbeat, written by a thread of its own through its own database connection.

    The commit plans and writes in one transaction: progress reported in it would reach nobody until the
    commit ended (and on PostgreSQL would lock the job's row against everyone), so a commit outlasting
    JOB_STALE_SECONDS looked dead, and `job_restart` or a redelivered task would start it again while it
    still ran. Here `report` only notes the progress; the thread writes it (at most once a second) and
    beats at least every LEDGER_HEARTBEAT_SECONDS, through long database phases too. SQLite lets one
    connection write at a time: there a beat waits for the commit's writing to end, as would anything
    else that tried to take the job over."""

    def __init__(self, report, message: str):
        self._report = report
        self.latest = (0, 1, message)
        self.interval = settings.LEDGER_HEARTBEAT_SECONDS
        self._news, self._stopped = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-heartbeat", daemon=True)

    def report(self, done: int, total: int, message: str = "") -> None:
        self.latest = (done, total, message)
        self._news.set()

    def _run(self) -> None:
        try:
            while not self._stopped.is_set():
                self._news.wait(self.interval)
                self._news.clear()
                if self._stopped.is_set():
                    break
                try:
                    self._report(*self.latest)
                except Exception:
                    log.warning("heartbeat of a ledger job not written", exc_info=True)
                self._stopped.wait(min(self.interval, 1))
        finally:
            connections.close_all()     # this thread's own connections

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopped.set()
        self._news.set()
        self._thread.join()


@job_runner("ledger-preview", restart_permission=CLAIM_MANAGE)
def run_preview_job(job, report) -> dict:
    ledger_import = LedgerImport.objects.get(pk=job.params["import"])
    try:
        with Heartbeat(report, "正在读取文件") as heartbeat:
            ledger_preview(ledger_import=ledger_import, report=heartbeat.report)
    except Exception as error:
        # ledger_preview has failed the import with the reason; the job says the same.
        raise JobError(READ_FAILED) from error
    if ledger_import.state == LedgerImport.State.FAILED:
        raise JobError(ledger_import.errors[0])
    return {"rows": ledger_import.counts.get("rows", 0), "url": ledger_import.get_absolute_url(),
            "url_label": "查看预览"}


@job_runner("ledger-commit", restart_permission=CLAIM_MANAGE)
def run_commit_job(job, report) -> dict:
    ledger_import = LedgerImport.objects.get(pk=job.params["import"])
    with Heartbeat(report, "正在核对并写入") as heartbeat:
        ledger_import = ledger_commit(user=job.created_by, ledger_import=ledger_import, report=heartbeat.report)
    return {"rows": ledger_import.counts.get("rows", 0), "url": ledger_import.get_absolute_url(),
            "url_label": "查看导入结果"}
