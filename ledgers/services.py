"""The life of an uploaded ledger: stored privately, previewed, committed (inline, or as a job when large).

The file is saved under a random name in private storage; what its preview read is kept beside it
(compressed JSON of the raw cell values), so that the commit plans the rows again against the
database without reading the workbook a second time.
"""
import gzip
import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.files import private_storage
from core.jobs import JobError, job_create
from core.scoping import made_within_scope

from . import importer
from .models import LedgerImport
from .planning import Issue
from .reading import BadFile, Sheet, check_file

FOLDER = "ledgers"


def imports_for(user):
    """The imports a user may see: those made within the user's scope (as jobs are)."""
    return made_within_scope(LedgerImport.objects.all(), user)


def kinds_for(user) -> list[tuple[str, str]]:
    rights = importer.Rights.of(user)
    return [(key, kind.label) for key, kind in importer.K.KINDS.items() if rights.may_import(key)]


def _path(name: str) -> Path:
    return Path(private_storage().path(name))


def estimated_rows(path: Path) -> int:
    """Rows the first sheet says it has (from its dimension), for choosing between inline and a job."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return 0
    try:
        declared = [sheet.max_row for sheet in book.worksheets if isinstance(sheet.max_row, int)]
    finally:
        book.close()
    # A sheet that does not say its size is judged by the file's (about 150 bytes a row, compressed).
    return max(declared) if declared else path.stat().st_size // 150


def ledger_upload(*, user, kind: str, upload) -> LedgerImport:
    """Check and store an upload, then preview it here or in a background job. A bad file is refused
    with a ValidationError and nothing is kept."""
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
    ledger_import = LedgerImport.objects.create(
        kind=kind, original_name=(upload.name or "台账.xlsx")[:200], path=name, size=path.stat().st_size,
        sha256=digest.hexdigest(), created_by=user, county_id=user.county_id, township_id=user.township_id,
        village_id=user.village_id)
    if estimated_rows(path) > settings.LEDGER_INLINE_ROWS:
        job = job_create(user=user, kind="ledger-preview", title=f"读取{importer.K.KINDS[kind].label}台账",
                         params={"import": ledger_import.pk})
        LedgerImport.objects.filter(pk=ledger_import.pk).update(job=job)
        ledger_import.job = job
    else:
        ledger_preview(ledger_import=ledger_import)
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
    """Read the stored file, keep what was read, and plan it: rows to create and update, and every error."""
    try:
        sheet = importer.parse(_path(ledger_import.path), ledger_import.kind, report=report)
    except BadFile as error:
        _fail(ledger_import, str(error))
        return ledger_import
    parsed = private_storage().get_available_name(f"{ledger_import.path.removesuffix('.xlsx')}.jsonl.gz")
    with gzip.open(_path(parsed), "wb", compresslevel=3) as handle:
        sheet.dump(handle)
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


def run_preview_job(job, report) -> dict:
    ledger_import = LedgerImport.objects.get(pk=job.params["import"])
    ledger_preview(ledger_import=ledger_import, report=report)
    if ledger_import.state == LedgerImport.State.FAILED:
        raise JobError(ledger_import.errors[0])
    return {"rows": ledger_import.counts.get("rows", 0), "url": ledger_import.get_absolute_url(),
            "url_label": "查看预览"}


def run_commit_job(job, report) -> dict:
    ledger_import = LedgerImport.objects.get(pk=job.params["import"])
    ledger_import = ledger_commit(user=job.created_by, ledger_import=ledger_import, report=report)
    return {"rows": ledger_import.counts.get("rows", 0), "url": ledger_import.get_absolute_url(),
            "url_label": "查看导入结果"}
