import os
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections
from django.test import Client

from config.celery import app as celery_app
from fixtures.personas import build_personas


def pytest_sessionstart(session):
    """Without a face for printed documents, a third of the suite would test empty boxes: stop at once,
    naming what to install."""
    from core.pdf import fonts

    try:
        fonts.require_face()
    except fonts.MissingFace as error:
        pytest.exit(str(error), returncode=3)
    _keep_one_local_day(session)


# Late in the local day the run goes back to that day's morning, the clock still running.
LATE_HOUR, MORNING_HOUR = 21, 9


def _keep_one_local_day(session):
    """Modules take their "today" when they are collected (TODAY = timezone.localdate()) and services take
    theirs when they run: a run started shortly before local midnight would see two days. Started late in
    the local day, the run is moved to that day's morning with the clock running, so the whole run keeps
    one date (the real servers and worker processes keep the same date: only the hour differs)."""
    from datetime import datetime, time

    import time_machine
    from django.utils import timezone

    now = timezone.localtime()
    if now.hour < LATE_HOUR:
        return
    morning = datetime.combine(now.date(), time(MORNING_HOUR), tzinfo=now.tzinfo)
    session.config._one_local_day = time_machine.travel(morning, tick=True)
    session.config._one_local_day.start()


def pytest_sessionfinish(session):
    travel = getattr(session.config, "_one_local_day", None)
    if travel is not None:
        travel.stop()


@pytest.fixture
def personas(db):
    return build_personas()


@pytest.fixture
def client_for():
    """`client_for(user)` is a test client logged in as that user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def jobs_run_here(request, monkeypatch):
    """Background jobs run in the request that starts them, whatever broker is configured (unless the test
    has a worker for them: the worker path has tests of its own)."""
    from core import jobs

    if "task_worker" not in request.fixturenames:
        monkeypatch.setattr(jobs, "_enqueue", lambda job: jobs.run(job.pk))


SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).resolve().parent.parent / "var" / "screenshots")


@pytest.fixture
def screenshot(request):
    """`screenshot(page, "name")` keeps the page as it looks, full length, as an artifact of the run:
    var/screenshots/<test>-<name>.png (or under SCREENSHOT_DIR)."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def private_files_in_a_temporary_folder(settings, tmp_path):
    """Uploaded and generated files of a test go to its own folder, never to var/private."""
    settings.PRIVATE_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def _close_worker_connections(sender=None, task=None, **kwargs):
    """Close the database connections the worker thread opened for a task, so
    that none is left open on the test database when it is dropped."""
    if task is not None and not task.request.is_eager:
        connections.close_all()


@pytest.fixture
def task_worker(transactional_db):
    """A Celery worker for the duration of one test.

    With a Redis broker configured: an embedded worker (solo pool, in a thread)
    consuming from it; it yields the worker. The test must use
    `django_db(transaction=True)`, because the worker thread has its own
    database connection and sees only committed rows.
    Without a broker (eager mode): tasks run in the caller; it yields None.
    """
    if celery_app.conf.task_always_eager:
        yield None
        return

    hijack = celery_app.conf.worker_hijack_root_logger
    # Leave the test run's logging (pytest's capture handlers) alone.
    celery_app.conf.worker_hijack_root_logger = False
    task_postrun.connect(_close_worker_connections, weak=False)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            concurrency=1,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_worker_connections)
        celery_app.conf.worker_hijack_root_logger = hijack
