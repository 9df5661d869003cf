"""Thin Celery tasks of the debts app."""
from celery import shared_task

from . import services


@shared_task(name="debts.tasks.check_mediation_cases")
def check_mediation_cases() -> dict:
    """Daily: a missed mediation instalment makes the whole balance due."""
    return services.mediation_check_all()


# A letter batch's chunks and their join (debts/letters/jobs.py). Acknowledged only once done, and sent back
# to the queue when the worker process running one dies: another worker renders the chunk again, which
# changes no number and leaves one file.
CHUNK_TASK = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="debts.tasks.render_letter_chunk", **CHUNK_TASK)
def render_letter_chunk(job_id: int, index: int) -> int:
    from celery import current_task

    from .letters.jobs import letters_chunk_render

    # A worker renders chunk after chunk: what the first leaves loaded is kept out of the collector's way.
    return letters_chunk_render(job_id=job_id, index=index, freeze=not current_task.request.is_eager)


@shared_task(name="debts.tasks.join_letter_batch", bind=True, max_retries=120, **CHUNK_TASK)
def join_letter_batch(self, job_id: int) -> dict | None:
    from .letters.jobs import ChunksMissing, letters_batch_join

    try:
        return letters_batch_join(job_id=job_id)
    except ChunksMissing as waiting:
        raise self.retry(countdown=5, exc=waiting) from None
