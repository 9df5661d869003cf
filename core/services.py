"""Writes shared by every app: create, update and delete one record, validated,
locked and audited. Domain services call these and add their own rules."""
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

from .audit import acting_as


class ConcurrentChange(ValidationError):
    """Someone else saved the record after this user opened it."""


def lock_for_change(model: type[models.Model], pk, expected_version: int | None = None) -> models.Model:
    """Lock a row for this transaction and check that nobody changed it since the user loaded it.

    Records that carry a `version` are bumped by the caller's save; a form
    that posts the version it was shown gets its save refused, not merged,
    when the row moved on in between.
    """
    locked = model._default_manager.select_for_update().get(pk=pk)
    if expected_version is not None and locked.version != int(expected_version):
        raise ConcurrentChange(
            "该记录已被他人修改（可能是同时打开了同一页面），本次保存未生效。请刷新页面，核对后重新操作。")
    return locked


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
def record_update(instance: models.Model, *, user, data: dict[str, Any], prepare=None,
                  expected_version: int | None = None) -> models.Model:
    """Apply `data` to the row, locked against a concurrent write, and save only if something changed."""
    locked = lock_for_change(type(instance), instance.pk, expected_version)
    changed = _assign(locked, data)
    if prepare:
        prepare(locked)
    locked.full_clean()
    if changed:
        if hasattr(locked, "version"):
            locked.version += 1
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
