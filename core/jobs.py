"""Background jobs: create one, run it in a Celery task, report progress, keep its result files.

A runner is a function `runner(job, report)` registered for a job kind with
`@job_runner(kind)` in the app that owns the work (imported from its
`AppConfig.ready`, so every process knows every kind); it calls
`report(done, total, message)` as it goes and `job_add_file` for what it
makes. With no broker, Celery runs the task eagerly and the job is finished by
the time its page opens. A failed job can be restarted; runners are written
so that a second run resumes rather than repeats.

A runner with much to do may fan it out (`job_fan_out`): chunk tasks that run
on whatever workers are connected, then a task that joins their work and
finishes the job (`job_finish`). The runner returns what `job_fan_out` gives,
and the job stays running, its page counting the chunks done, until then.
"""
import logging
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from .files import private_storage
from .models import Job, User
from .permissions import has_perm
from .scoping import made_within_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runner:
    kind: str
    run: Callable
    # Who besides the job's creator may run a failed job again; None: nobody else.
    restart_permission: str | None = None


_runners: dict[str, Runner] = {}


def job_runner(kind: str, *, restart_permission: str | None = None):
    """Register `fn(job, report)` as the runner of jobs of `kind`."""

    def register(fn: Callable) -> Callable:
        known = _runners.get(kind)
        # The same function seen twice (a module imported under two paths in a test run) is harmless;
        # two different functions for one kind would run whichever was imported last.
        if known and _name(known.run) != _name(fn):
            raise ImproperlyConfigured(f"Job kind {kind!r} has two runners: {_name(known.run)} and {_name(fn)}")
        _runners[kind] = Runner(kind, fn, restart_permission)
        return fn

    return register


def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def runner_for(kind: str) -> Runner | None:
    return _runners.get(kind)


def job_kinds() -> list[str]:
    return sorted(_runners)


class JobError(Exception):
    """A failure whose message is meant for the user (in Chinese); anything else shows a generic message."""


def jobs_for(user):
    """The jobs a user may see: those made within the user's scope."""
    return made_within_scope(Job.objects.all(), user)


def stale_after() -> timedelta:
    """A job "running" without any progress report for this long lost its worker and may be taken up again."""
    return timedelta(seconds=settings.JOB_STALE_SECONDS)


def is_stale(job: Job, now=None) -> bool:
    beat = job.heartbeat_at or job.started_at
    return job.state == Job.State.RUNNING and beat is not None and beat < (now or timezone.now()) - stale_after()


@transaction.atomic
def job_create(*, user: User, kind: str, title: str, params: dict, enqueue: bool = True) -> Job:
    """Create a job; unless `enqueue` is false (the caller runs it itself), send it to a worker after commit."""
    if kind not in _runners:
        raise ValueError(f"No runner for job kind {kind!r}")
    job = Job.objects.create(kind=kind, title=title, params=params, created_by=user, county_id=user.county_id,
                             township_id=user.township_id, village_id=user.village_id)
    if enqueue:
        _enqueue(job)
    return job


def _enqueue(job: Job) -> None:
    from .tasks import run_job

    # Sent only once the job row is committed, so the worker always finds it.
    transaction.on_commit(lambda: run_job.delay(job.pk))


def may_restart(user: User, job: Job) -> bool:
    """Whether the user may run this job again: its creator, or whoever holds its kind's restart permission.

    Scope is checked apart, by fetching the job through `jobs_for`."""
    if job.created_by_id == user.pk:
        return True
    runner = runner_for(job.kind)
    return bool(runner and runner.restart_permission and has_perm(user, runner.restart_permission))


@transaction.atomic
def job_restart(*, user: User, job: Job) -> Job:
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.state != Job.State.FAILED and not is_stale(locked):
        raise JobError("只有失败或长时间无进展的任务可以重新运行。")
    locked.state, locked.error, locked.message = Job.State.QUEUED, "", "重新排队"
    locked.save(update_fields=["state", "error", "message"])
    _enqueue(locked)
    return locked


def _update(job_id: int, **fields) -> None:
    Job.objects.filter(pk=job_id).update(**fields)


def job_add_file(job: Job, name: str, content: bytes) -> dict:
    """Store a result file under the private folder and list it on the job."""
    path = private_storage().save(f"jobs/{job.pk}/{name}", ContentFile(content))
    return _list_file(job, {"name": name, "path": path, "size": len(content)})


def _list_file(job: Job, entry: dict) -> dict:
    """List a stored file on the job (under a row lock), replacing one of the same name."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        locked.files = [f for f in locked.files if f["name"] != entry["name"]] + [entry]
        locked.save(update_fields=["files"])
    job.files = locked.files
    return entry


class FannedOut:
    """What a runner returns when its job goes on in chunk tasks and is finished by their join."""


def job_fan_out(job: Job, chunks: list, join) -> FannedOut:
    """Run the Celery signatures `chunks` as a group on whatever workers are connected, then `join`
    once they have all finished. With no broker they run here, one after another, and `join` with them.

    The chunk tasks should be idempotent and acknowledged late, so that a chunk whose worker dies is run
    again on another; `join` should finish the job with `job_finish` and, given the job finished
    already, do nothing.
    """
    _update(job.pk, done=0, total=len(chunks), progress=0, heartbeat_at=timezone.now())
    _send(chunks, join)
    return FannedOut()


# Whether the job being run spreads its chunks over the workers (see `run`).
_over_workers: ContextVar[bool] = ContextVar("over_workers", default=False)


def _send(chunks: list, join) -> None:
    from celery import chord, current_app

    if current_app.conf.task_always_eager or not _over_workers.get():
        _run_here(chunks, join)
    elif chunks:
        chord(chunks)(join)
    else:
        join.apply_async()


def workers_connected(timeout: float = 1.0) -> bool:
    """Whether a Celery worker answers on the broker (never, with no broker): a command that would wait for
    workers does the work itself rather than wait for none."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        return False
    try:
        return bool(current_app.control.ping(timeout=timeout, limit=1))
    except Exception:  # a broker that cannot be reached has no workers either
        log.warning("Could not ask the broker for workers", exc_info=True)
        return False


def _run_here(chunks: list, join) -> None:
    """The chunks and their join in this process, in order; a chunk that fails stops the run."""
    for chunk in chunks:
        chunk.apply(throw=True)
    join.apply(throw=True)


def job_chunk_done(job_id: int, done: int, total: int, message: str = "") -> None:
    """A chunk of a fanned-out job has finished, `done` of `total` now: progress and heartbeat. Chunks finish
    in any order and a retried one may report twice, so the count never goes back."""
    _update(job_id, done=Greatest(F("done"), done), total=total, heartbeat_at=timezone.now(),
            progress=Greatest(F("progress"), min(int(done * 100 / total) if total else 0, 99)),
            message=message[:200])


def job_finish(job_id: int, counts: dict) -> None:
    _update(job_id, state=Job.State.DONE, progress=100, counts=counts, finished_at=timezone.now(), message="完成")


def job_fail(job_id: int, error: str = "") -> None:
    """Mark a running job failed; without `error`, the generic message that offers to run it again. A job
    already finished stays as it is (a chunk delivered again after its batch was joined, say)."""
    Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(
        state=Job.State.FAILED, finished_at=timezone.now(), error=error or GENERIC_ERROR)


GENERIC_ERROR = "生成过程中出错，已生成的部分已保存。请点“重新运行”继续；如一再失败，请联系系统管理员。"


def job_add_path(job: Job, name: str, path) -> dict:
    """Move a result file already written (a batch's PDF, say, too big to hold in memory) into the job's
    folder and list it; a file of the same name is replaced."""
    storage = private_storage()
    relative = f"jobs/{job.pk}/{name}"
    target = storage.path(relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.replace(path, target)
    return _list_file(job, {"name": name, "path": relative, "size": os.path.getsize(target)})


def run(job_id: int, *, over_workers: bool | None = None) -> None:
    """Run one job to its end: what the Celery task calls.

    A job that fans out sends its chunks to the workers when it runs on one itself, or when the caller
    asks (`over_workers`: a command a cadre runs on a server with workers); run anywhere else (a test, a
    maintenance call) it does the whole job here. With no broker everything runs here in any case.
    """
    if over_workers is None:
        from celery import current_task

        over_workers = bool(current_task) and not current_task.request.is_eager
    token = _over_workers.set(over_workers)
    try:
        _run(job_id)
    finally:
        _over_workers.reset(token)


def _run(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    # Take the job atomically: a second delivery of the same task (or a second
    # caller) finds it running and leaves it alone, unless its runner died long ago.
    now = timezone.now()
    taken = Job.objects.filter(pk=job_id).filter(
        Q(state=Job.State.QUEUED) | Q(state=Job.State.RUNNING, heartbeat_at__lt=now - stale_after())
    ).update(state=Job.State.RUNNING, started_at=now, heartbeat_at=now, attempts=job.attempts + 1, error="")
    if not taken:
        return
    job.refresh_from_db()

    def report(done: int, total: int, message: str = "") -> None:
        progress = int(done * 100 / total) if total else 0
        _update(job.pk, done=done, total=total, progress=min(progress, 99), message=message[:200],
                heartbeat_at=timezone.now())

    runner = runner_for(job.kind)
    if runner is None:
        log.error("job %s has kind %r, which no runner is registered for", job.pk, job.kind)
        _update(job.pk, state=Job.State.FAILED, finished_at=timezone.now(),
                error=f"系统已不再支持此类任务（{job.kind}），无法运行。请回到原页面重新发起。")
        return
    try:
        counts = runner.run(job, report) or {}
    except JobError as error:
        log.warning("job %s failed: %s", job.pk, error)
        _update(job.pk, state=Job.State.FAILED, error=str(error), finished_at=timezone.now())
        return
    except Exception:
        log.exception("job %s failed", job.pk)
        job_fail(job.pk)
        return
    if isinstance(counts, FannedOut):
        return      # its chunks' join finishes it
    _update(job.pk, state=Job.State.DONE, progress=100, counts=counts, finished_at=timezone.now(),
            message="完成")

