"""Background jobs: create one, run it in a Celery task, report progress, keep its result files.

A runner is a function `runner(job, report)` registered for a job kind with
`@job_runner(kind)` in the app that owns the work (imported from its
`AppConfig.ready`, so every process knows every kind); it calls
`report(done, total, message)` as it goes and `job_add_file` for what it
makes. With no broker, Celery runs the task eagerly and the job is finished by
the time its page opens. A failed job can be restarted; runners are written
so that a second run resumes rather than repeats.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
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
    entry = {"name": name, "path": path, "size": len(content)}
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        locked.files = [f for f in locked.files if f["name"] != name] + [entry]
        locked.save(update_fields=["files"])
    job.files = locked.files
    return entry


def run(job_id: int) -> None:
    """Run one job to its end: what the Celery task calls."""
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
        _update(job.pk, state=Job.State.FAILED, finished_at=timezone.now(),
                error="生成过程中出错，已生成的部分已保存。请点“重新运行”继续；如一再失败，请联系系统管理员。")
        return
    _update(job.pk, state=Job.State.DONE, progress=100, counts=counts, finished_at=timezone.now(),
            message="完成")

