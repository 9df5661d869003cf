"""The audit trail: recording who acted, and reading the trail back for people.

Writing is django-auditlog's job (models register themselves); services wrap
their writes in `acting_as(user)` so that the entry names the user even when
the write happens outside a request (a Celery task, an import, a command).
"""
import contextlib
from dataclasses import dataclass, field
from datetime import datetime

from auditlog.context import auditlog_value, set_actor
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from .idnumbers import mask_id_number
from .models import AuditEntry
from .permissions import ID_NUMBER_VIEW, has_perm
from .scoping import made_within_scope

# Fields whose values are personal data: masked in the trail for roles that
# may not read them.
SENSITIVE_FIELDS = frozenset({"id_number"})
ACTION_LABELS = {
    AuditEntry.Action.CREATE: "新建",
    AuditEntry.Action.UPDATE: "修改",
    AuditEntry.Action.DELETE: "删除",
    AuditEntry.Action.ACCESS: "查看",
}
EMPTY = "（空）"


def register_audited(model, *, exclude: tuple[str, ...] = (), m2m: tuple[str, ...] = ()) -> None:
    """Put a model under the audit trail: its own columns (and the named many-to-many
    links), without the key and derived fields."""
    skip = {"id", *exclude}
    auditlog.register(model, include_fields=[f.name for f in model._meta.concrete_fields if f.name not in skip],
                      m2m_fields=set(m2m))


@contextlib.contextmanager
def acting_as(user):
    """Attribute every audit entry written inside the block to `user`.

    Nesting is safe: the outer actor is restored when an inner block ends.
    """
    previous = auditlog_value.get(None)
    with set_actor(user):
        yield
    if previous is not None:
        auditlog_value.set(previous)


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class TrailEntry:
    when: datetime
    who: str
    action: str
    object_label: str
    object_repr: str
    changes: list[Change] = field(default_factory=list)
    remote_addr: str = ""


def _display(model, field_name: str, raw, *, mask: bool) -> str:
    if raw is None or raw == "None" or raw == "":
        return EMPTY
    value = str(raw)
    if mask and field_name in SENSITIVE_FIELDS:
        return mask_id_number(value)
    try:
        model_field = model._meta.get_field(field_name) if model else None
    except Exception:
        model_field = None
    if model_field is not None and model_field.concrete:
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(model_field, models.BooleanField):
            return {"True": "是", "False": "否"}.get(value, value)
    return value


def _label(model, field_name: str) -> str:
    try:
        return str(model._meta.get_field(field_name).verbose_name)
    except Exception:
        return field_name


def to_trail(entries, user) -> list[TrailEntry]:
    """Turn audit rows into what a page shows: labels, display values, masking."""
    mask = not has_perm(user, ID_NUMBER_VIEW)
    trail = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = []
        for name, pair in (entry.changes_dict or {}).items():
            if isinstance(pair, dict) and pair.get("type") == "m2m":
                verb = {"add": "增加", "delete": "移除", "clear": "清空"}.get(pair.get("operation"), "")
                changes.append(Change(_label(model, name), EMPTY, f"{verb}：{'、'.join(pair.get('objects', []))}"))
                continue
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append(Change(_label(model, name), _display(model, name, old, mask=mask),
                                  _display(model, name, new, mask=mask)))
        trail.append(TrailEntry(
            when=entry.timestamp,
            who=str(entry.actor) if entry.actor_id else "系统",
            action=ACTION_LABELS.get(entry.action, str(entry.action)),
            object_label=str(model._meta.verbose_name) if model else "",
            object_repr=entry.object_repr,
            changes=changes,
            remote_addr=entry.remote_addr or "",
        ))
    return trail


def record_key(obj) -> str:
    """The key that ties the audit entries of a record's parts to the record."""
    return f"{obj._meta.model_name}:{obj.pk}"


def history_for(obj, user) -> list[TrailEntry]:
    """The trail of one record and of its parts, newest first (the caller has already checked scope)."""
    entries = (
        AuditEntry.objects.filter(Q(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
                                  | Q(record=record_key(obj)))
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )
    return to_trail(entries, user)


def audit_entries_for(user):
    """Every audit row in the user's scope, newest first.

    Rows about a township or county themselves carry no village; they are
    shown to users whose scope covers them.
    """
    return made_within_scope(
        AuditEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk"), user)

