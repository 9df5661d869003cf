"""Writes shared by every app: create, update and delete one record, validated,
locked and audited. Domain services call these and add their own rules."""
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

from .audit import acting_as


def _assign(instance: models.Model, data: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in data.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def record_create(model: type[models.Model], *, user, data: dict[str, Any], prepare=None) -> models.Model:
    instance = model(**data)
    if prepare:
        prepare(instance)
    instance.full_clean()
    with acting_as(user):
        instance.save()
    return instance


@transaction.atomic
def record_update(instance: models.Model, *, user, data: dict[str, Any], prepare=None) -> models.Model:
    """Apply `data` to the row, locked against a concurrent write, and save only if something changed."""
    locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    changed = _assign(locked, data)
    if prepare:
        prepare(locked)
    locked.full_clean()
    if changed:
        with acting_as(user):
            locked.save()
    return locked


@transaction.atomic
def record_delete(instance: models.Model, *, user, in_use_message: str) -> None:
    locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    try:
        with acting_as(user):
            locked.delete()
    except ProtectedError:
        raise ValidationError(in_use_message) from None
