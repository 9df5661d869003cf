"""Thin Celery tasks of the debts app."""
from celery import shared_task

from . import services


@shared_task(name="debts.tasks.check_mediation_cases")
def check_mediation_cases() -> dict:
    """Daily: a missed mediation instalment makes the whole balance due."""
    return services.mediation_check_all()
