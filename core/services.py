"""Writes shared by every app: the guard every write passes (the role's right, the
user's scope, the row locked at the version the user saw), and create, update and
delete of one record, validated, locked and audited. Domain services call these
and add their own rules."""
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

from .audit import acting_as
from .permissions import has_perm
from .scoping import scoped, villages_for

NOT_ALLOWED = "您的角色无权进行此操作。"
OUT_OF_SCOPE = "该村不在您的管理范围内。"


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


def require_perm(user, *perms: str, message: str = NOT_ALLOWED) -> None:
    """Refuse (403) a user whose role has none of `perms`."""
    if not any(has_perm(user, perm) for perm in perms):
        raise PermissionDenied(message)


def require_village_in_scope(user, village, message: str = OUT_OF_SCOPE) -> None:
    """Refuse a write into a village outside the user's scope (the pages have answered 404 before this;
    a service called from elsewhere is held to the same scope)."""
    village_id = getattr(village, "pk", village)
    if village_id is None or not villages_for(user).filter(pk=village_id).exists():
        raise PermissionDenied(message)


def require_township_in_scope(user, township, message: str = "该乡镇不在您的管理范围内。") -> None:
    """Refuse a write placing something under a township the user's scope does not cover (the same
    townships the place forms offer)."""
    level = getattr(user, "scope_level", "none") if getattr(user, "is_authenticated", False) else "none"
    covered = (level == "all"
               or (level == "county" and township.county_id == user.county_id)
               or (level == "township" and township.pk == user.township_id))
    if not covered:
        raise PermissionDenied(message)


def require_in_scope(user, instance: models.Model, path: str = "village", message: str = OUT_OF_SCOPE) -> None:
    """Refuse a write to a record outside the user's scope, asked with the filter the pages read through."""
    model = type(instance)
    if not scoped(model._default_manager.filter(pk=instance.pk), user, path).exists():
        raise PermissionDenied(message)


def lock_for_write(model: type[models.Model], record, *, user, perm: str | tuple[str, ...] | None = None,
                   message: str = NOT_ALLOWED, path: str = "village", out_of_scope: str = OUT_OF_SCOPE,
                   expected_version: int | None = None) -> models.Model:
    """The guard of a write to an existing record, inside the caller's transaction: the role's right (403),
    the record in the user's scope (reached from the model through `path`), the row locked, and the
    version the user saw still the current one.

    The right is asked first, so a refused role never waits on a lock.
    """
    if perm:
        require_perm(user, *((perm,) if isinstance(perm, str) else perm), message=message)
    locked = lock_for_change(model, getattr(record, "pk", record), expected_version)
    require_in_scope(user, locked, path, out_of_scope)
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
