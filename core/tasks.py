"""Celery tasks of the core app. Tasks are thin: they call one function."""
from celery import shared_task
from django.core.management import call_command
from django.db import connection


@shared_task(name="core.tasks.ping")
def ping() -> dict:
    """Round trip through the broker and the database, for the status page and tests."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"pong": True, "database": connection.vendor}


@shared_task(name="core.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    call_command("clearsessions")


@shared_task(name="core.tasks.purge_submission_keys")
def purge_submission_keys() -> None:
    call_command("purge_submission_keys")


@shared_task(name="core.tasks.run_job")
def run_job(job_id: int) -> None:
    from .jobs import run

    run(job_id)
