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
import json
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
from core.jobs import JobError, job_add_file, job_create, job_runner
from core.models import Job
from core.permissions import CLAIM_MANAGE, LEDGER_IMPORT
from core.scoping import made_within_scope, villages_for
from places.models import Village

from . import confirm, formats, importer
from .mapping import remember, saved_mapping, saved_values
from .models import LedgerImport
from .planning import Issue
from .reader import read_mapped_isolated, survey_isolated
from .reading import BadFile, Sheet
from .survey import place_json

log = logging.getLogger(__name__)

FOLDER = "ledgers"
READ_FAILED = ("读取文件时出错，未导入任何数据。请在 Excel 中打开后另存为 .xlsx 再上传；"
               "如一再失败，请联系系统管理员。")
INTERRUPTED = ("读取中断：读取这份台账的后台进程已退出或长时间没有进展，未导入任何数据。"
               "请重新上传；数据很多时请按乡镇或村分成几个文件。")


def imports_for(user):
    """The imports a user may see: those made within the user's scope (as jobs are)."""
    return made_within_scope(LedgerImport.objects.all(), user)


def imports_waiting(user):
    """The user's own uploads that wait for them to decide: the columns to confirm, or the preview to import."""
    return imports_for(user).filter(created_by=user, state__in=[LedgerImport.State.MAPPING,
                                                                LedgerImport.State.READY])


def kinds_for(user) -> list[tuple[str, str]]:
    rights = importer.Rights.of(user)
    return [(key, kind.label) for key, kind in importer.K.KINDS.items() if rights.may_import(key)]


def _path(name: str) -> Path:
    return Path(private_storage().path(name))


def ledger_upload(*, user, kind: str, upload) -> LedgerImport:
    """Check and store an upload, then hand it to the `ledger-preview` job. A file that is no ledger (by its
    size, its content and, for an .xlsx, its zip directory: nothing is unpacked here) is refused with a
    ValidationError and nothing is kept."""
    if kind not in importer.K.KINDS:
        raise ValidationError({"kind": "请选择台账类型。"})
    if not importer.Rights.of(user).may_import(kind):
        raise PermissionDenied(f"您的角色不能导入{importer.K.KINDS[kind].label}台账。")
    if upload.size > settings.LEDGER_MAX_MB * 1024 * 1024:
        raise ValidationError(f"文件太大（{upload.size / 1024 / 1024:.1f} MB），台账文件不能超过 "
                              f"{settings.LEDGER_MAX_MB} MB；请按乡镇或村分成几个文件。")
    storage = private_storage()
    name = storage.save(f"{FOLDER}/{uuid.uuid4().hex}.upload", upload)
    path = _path(name)
    original = (upload.name or "台账.xlsx")[:200]
    try:
        fmt = formats.detect(path, original)
    except BadFile as error:
        storage.delete(name)
        raise ValidationError(str(error)) from None
    # Under the format's own extension: openpyxl opens a workbook only by its name.
    named = storage.get_available_name(f"{name.rsplit('.', 1)[0]}.{fmt}")
    path = path.rename(_path(named))
    name = named
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    with transaction.atomic():
        ledger_import = LedgerImport.objects.create(
            kind=kind, original_name=original, path=name, size=path.stat().st_size, fmt=fmt,
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


def villages_choosable(user) -> dict:
    """The villages a sheet may be said to be in: those in the user's scope, by id."""
    return {v.pk: v for v in villages_for(user).select_related("township").order_by(*Village._meta.ordering)}


def _county(ledger_import: LedgerImport):
    return ledger_import.county or (ledger_import.township.county if ledger_import.township_id else None)


def _known(ledger_import: LedgerImport) -> dict:
    county = _county(ledger_import)
    return saved_values(county, ledger_import.kind) if county else {}


def ledger_map(*, user, ledger_import: LedgerImport, mapping: dict) -> LedgerImport:
    """The user's confirmed mapping (confirm.py's JSON): checked (a ValidationError names the sheet and the
    column), remembered for the county, and read again by the `ledger-preview` job. Coded values no list knows
    must each be mapped first (ValidationError listing them)."""
    rights = importer.Rights.of(user)
    if not rights.may_import(ledger_import.kind):
        raise PermissionDenied(f"您的角色不能导入{ledger_import.get_kind_display()}台账。")
    if ledger_import.state not in (LedgerImport.State.MAPPING, LedgerImport.State.READY,
                                   LedgerImport.State.ERRORS):
        raise ValidationError(f"该台账当前为“{ledger_import.state}”，不能修改栏目对照。")
    villages = villages_choosable(user)
    path = _path(ledger_import.path)
    mapping = confirm.checked(ledger_import.survey, path, {**mapping, "auto": False}, ledger_import.kind, villages)
    left = confirm.unknowns(ledger_import.survey, mapping, ledger_import.kind, _known(ledger_import))
    if left:
        raise ValidationError("请为以下代码选择对应项：" + "；".join(f"“{u.field}”中的“{u.value}”" for u in left))
    county = _county(ledger_import)
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
        if locked.state != ledger_import.state:
            raise ValidationError(f"该台账当前为“{locked.state}”，不能修改栏目对照。")
        if county is not None:
            remember(county=county, kind=locked.kind, user=user,
                     mapping=confirm.remembered(locked.survey, mapping), values=mapping.get("values") or None)
        locked.mapping = {**mapping, "confirmed_by": user.pk}
        locked.state = LedgerImport.State.READING
        locked.decisions = {}
        locked.save(update_fields=["mapping", "state", "decisions"])
        # Saved before the job is made: a job run at once (by a test's runner) must not be overwritten.
        job = job_create(user=user, kind="ledger-preview", title=f"读取{locked.get_kind_display()}台账",
                         params={"import": locked.pk}, enqueue=not eager)
        LedgerImport.objects.filter(pk=locked.pk).update(job=job)
    if eager:
        jobs.run(job.pk)
    locked.refresh_from_db()
    return locked


def ledger_decide(*, user, ledger_import: LedgerImport, decisions: dict) -> LedgerImport:
    """The user's answer to "same record?" for the rows the preview found ({row: existing pk, or 0: a new
    record}), then the rows planned again (in the `ledger-preview` job, from what was read)."""
    if not importer.Rights.of(user).may_import(ledger_import.kind):
        raise PermissionDenied(f"您的角色不能导入{ledger_import.get_kind_display()}台账。")
    offered = {str(m["row"]): {int(c["pk"]) for c in m.get("candidates", [m])} for m in ledger_import.matches}
    chosen = {}
    for row, answer in decisions.items():
        if str(row) not in offered:
            raise ValidationError("所选的行不在待确认之列，请刷新页面。")
        answer = int(answer)
        if answer and answer not in offered[str(row)]:
            raise ValidationError("所选的记录不在候选之列，请刷新页面。")
        chosen[str(row)] = answer
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    with transaction.atomic():
        locked = LedgerImport.objects.select_for_update().get(pk=ledger_import.pk)
        if locked.state not in (LedgerImport.State.READY, LedgerImport.State.ERRORS):
            raise ValidationError(f"该台账当前为“{locked.state}”，不能确认。")
        locked.decisions = {**locked.decisions, **chosen}
        locked.state = LedgerImport.State.READING
        locked.save(update_fields=["decisions", "state"])
        job = job_create(user=user, kind="ledger-preview", title=f"核对{locked.get_kind_display()}台账",
                         params={"import": locked.pk}, enqueue=not eager)
        LedgerImport.objects.filter(pk=locked.pk).update(job=job)
    if eager:
        jobs.run(job.pk)
    locked.refresh_from_db()
    return locked


def _store_outcome(ledger_import: LedgerImport, outcome, state: str) -> None:
    ledger_import.state = state
    ledger_import.sheet = outcome.sheet[:100]
    ledger_import.header_row = outcome.header_row
    ledger_import.counts = outcome.summary()
    ledger_import.errors = [str(e) for e in outcome.errors]
    ledger_import.problems = [e.as_dict() for e in outcome.errors]
    ledger_import.error_count = outcome.error_count
    ledger_import.warnings = [str(w) for w in outcome.warnings]
    ledger_import.warning_count = outcome.warning_count
    ledger_import.unknown_columns = outcome.unknown
    ledger_import.matches = list(getattr(outcome, "matches", []) or [])
    if ledger_import.path:
        if not ledger_import.listing_path:
            base = ledger_import.path.rsplit(".", 1)[0]
            ledger_import.listing_path = private_storage().get_available_name(f"{base}.rows.json.gz")
        with gzip.open(_path(ledger_import.listing_path), "wt", compresslevel=3, encoding="utf-8") as handle:
            json.dump(outcome.listing, handle, ensure_ascii=False)
    ledger_import.save()


def listing(ledger_import: LedgerImport) -> list:
    """The rows the preview (or the import) creates or changes: [where, 新建/修改, record, changes]."""
    if not ledger_import.listing_path:
        return []
    try:
        with gzip.open(_path(ledger_import.listing_path), "rt", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return []


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
    """Survey the file (once), then, with a mapping confirmed or sure enough to need nobody, read its sheets
    by it and plan them. A mapping in doubt stops at 待确认栏目 for the user."""
    path = _path(ledger_import.path)
    base = ledger_import.path.rsplit(".", 1)[0]
    if not ledger_import.survey:
        county = _county(ledger_import)
        saved = saved_mapping(county, ledger_import.kind) if county else {}
        villages = [place_json(v) for v in villages_for(ledger_import.created_by).select_related("township")]
        target = _path(private_storage().get_available_name(f"{base}.survey.json.gz"))
        parsed = ledger_import.parsed_path or private_storage().get_available_name(f"{base}.jsonl.gz")
        try:
            # A mapping sure enough to need nobody is read at once, in the same pass (reader.survey_isolated).
            surveyed = survey_isolated(
                path, ledger_import.kind, target, fmt=ledger_import.fmt, original_name=ledger_import.original_name,
                saved=saved, villages=villages, report=report, read_to=_path(parsed),
                own_village=ledger_import.created_by.village_id, known=_known(ledger_import))
        finally:
            target.unlink(missing_ok=True)
        taken = surveyed.pop("mapping", None)
        ledger_import.survey = surveyed
        if taken is not None:
            ledger_import.mapping, ledger_import.parsed_path = taken, parsed
            ledger_import.save(update_fields=["survey", "mapping", "parsed_path"])
            with gzip.open(_path(parsed), "rb") as handle:
                return _plan(ledger_import, Sheet.load(handle), report)
        ledger_import.save(update_fields=["survey"])
    if not ledger_import.mapping:
        mapping = confirm.proposed(ledger_import.survey, ledger_import.created_by)
        ledger_import.mapping = mapping
        if confirm.doubts(ledger_import.survey, mapping, ledger_import.kind, _known(ledger_import)):
            ledger_import.state = LedgerImport.State.MAPPING
            ledger_import.save(update_fields=["mapping", "state"])
            return ledger_import
        ledger_import.save(update_fields=["mapping"])
    villages = {v.pk: v for v in villages_for(ledger_import.created_by).select_related("township")}
    chosen = confirm.reader_request(ledger_import.survey, ledger_import.mapping, villages)
    parsed = ledger_import.parsed_path or private_storage().get_available_name(f"{base}.jsonl.gz")
    sheet = read_mapped_isolated(path, ledger_import.survey, chosen, _path(parsed),
                                 words=confirm.words(ledger_import.mapping, _known(ledger_import)), report=report)
    ledger_import.parsed_path = parsed
    return _plan(ledger_import, sheet, report)


def _plan(ledger_import: LedgerImport, sheet: Sheet, report) -> LedgerImport:
    outcome = importer.preview(sheet, ledger_import.kind, importer.Rights.of(ledger_import.created_by),
                               report=report, release=True, decisions=_decisions(ledger_import))
    state = LedgerImport.State.READY if outcome.ok else LedgerImport.State.ERRORS
    if outcome.rows == 0:
        outcome.error_count = 1
        outcome.errors.append(Issue(None, None, "表格中没有数据行。"))
        state = LedgerImport.State.ERRORS
    _store_outcome(ledger_import, outcome, state)
    return ledger_import


def _decisions(ledger_import: LedgerImport) -> dict:
    return {int(row): int(pk) for row, pk in (ledger_import.decisions or {}).items()}


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
            outcome = importer.commit(lambda: load_sheet(locked), locked.kind, rights, report=report,
                                      decisions=_decisions(locked))
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


@job_runner("ledger-markup", restart_permission=LEDGER_IMPORT)
def run_markup_job(job, report) -> dict:
    """The file of a large import given back with its errors marked (ledgers/markup.py), as the job's file."""
    from .markup import MarkupError, download_name, marked_workbook

    ledger_import = LedgerImport.objects.get(pk=job.params["import"])
    report(0, 1, "正在标注错误")
    try:
        content = marked_workbook(ledger_import)
    except MarkupError as error:
        raise JobError(str(error)) from None
    job_add_file(job, download_name(ledger_import), content)
    return {"errors": ledger_import.error_count, "url": ledger_import.get_absolute_url(), "url_label": "返回预览"}


def ledger_markup_start(*, user, ledger_import: LedgerImport):
    """A job marking a large file's errors (its page offers the file when done)."""
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    job = job_create(user=user, kind="ledger-markup", title=f"标注{ledger_import.get_kind_display()}台账的错误",
                     params={"import": ledger_import.pk}, enqueue=not eager)
    if eager:
        jobs.run(job.pk)
    return job
