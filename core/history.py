"""Records as they stood at a moment, read back from the audit trail.

A document printed today about something decided last week must show the facts the decision was made on,
not today's: the 合同认定书 of a contract revised since shows the fee it was determined on. Every audited
change keeps the value before it, so undoing, newest first, the changes recorded after the moment gives the
row as it stood then. Only the audited columns are turned back (not many-to-many links); a row created
after the moment is returned as it is now. A link changed since keeps its present target: the trail names the
record it pointed to by its text, not its key.
"""
import copy

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError

from .models import AuditEntry

_UNKNOWN = object()


def _old_value(field, raw):
    """The stored value the trail's text stands for. A link is kept in the trail as the linked record's text
    (AUDITLOG_USE_FK_STRING_REPRESENTATION), which names no key: `_UNKNOWN`, and the link is left as it is."""
    if raw is None or raw == "None":
        return None
    target = field.target_field if field.is_relation else field
    try:
        return target.to_python(raw)
    except (ValidationError, TypeError, ValueError):
        return _UNKNOWN if field.is_relation else raw


def states_at(instances, moment) -> dict:
    """{pk: a copy of each of `instances` (all of one model) with its audited columns as at `moment`}, in one
    query. The instances themselves are left untouched."""
    instances = [i for i in instances if i is not None]
    if not instances:
        return {}
    model = type(instances[0])
    by_pk = {str(i.pk): copy.copy(i) for i in instances}
    entries = (AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                         object_pk__in=list(by_pk), timestamp__gt=moment)
               .exclude(action=AuditEntry.Action.CREATE).order_by("-timestamp", "-pk"))
    for entry in entries:
        record = by_pk[entry.object_pk]
        for name, change in (entry.changes_dict or {}).items():
            if not isinstance(change, list | tuple) or len(change) != 2:
                continue  # a many-to-many change
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if not field.concrete or field.many_to_many:
                continue
            value = _old_value(field, change[0])
            if value is _UNKNOWN:
                continue
            setattr(record, field.attname, value)
            if field.is_relation:
                record._state.fields_cache.pop(field.name, None)
    return {instance.pk: by_pk[str(instance.pk)] for instance in instances}


def state_at(instance, moment):
    """A copy of `instance` with its audited columns as they stood at `moment`."""
    return states_at([instance], moment)[instance.pk]
