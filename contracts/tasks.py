"""Thin Celery tasks of the contracts app."""
from celery import shared_task

from . import services


@shared_task(name="contracts.tasks.parcels_follow_contracts")
def parcels_follow_contracts() -> int:
    """Daily: a parcel whose contract ended goes back to 闲置, one whose contract began is 已发包."""
    return services.parcels_follow_all()
