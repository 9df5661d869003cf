"""The audit trail: recording who acted, and reading the trail back for people.

Writing is django-auditlog's job (models register themselves); services wrap
their writes in `acting_as(user)` so that the entry names the user even when
the write happens outside a request (a Celery task, an import, a command).
"""
import contextlib
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from auditlog.context import auditlog_value, set_actor
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

from .idnumbers import mask_id_number
from .models import AuditEntry
from .money import format_yuan
from .permissions import ID_NUMBER_VIEW, has_perm
from .scoping import made_within_scope

# Fields whose values are personal data: masked in the trail for roles that
# may not read them.
SENSITIVE_FIELDS = frozenset({"id_number"})
# Kept in the trail but never shown, whatever the model: keys, checksums, sort and search keys, tokens and
# bookkeeping columns (an older entry may still carry a column the model no longer audits).
INTERNAL_FIELDS = frozenset({
    "id", "pk", "object_id", "object_pk", "content_type", "record", "sha256", "checksum", "hash", "token",
    "search_keys", "sort_key", "name_key", "pinyin", "version", "created_at", "updated_at",
})
ACTION_LABELS = {
    AuditEntry.Action.CREATE: "新建",
    AuditEntry.Action.UPDATE: "修改",
    AuditEntry.Action.DELETE: "删除",
    AuditEntry.Action.ACCESS: "查看",
}
EMPTY = "（空）"
# What a column is called when its model no longer names it (a column since removed, or one a model left
# with Django's English default): never the code name.
FALLBACK_LABELS = {
    "created_by": "录入人", "updated_by": "修改人", "note": "备注", "name": "名称", "number": "编号",
    "title": "名称", "kind": "类别", "state": "状态", "status": "状态", "amount": "金额(元)",
}
OTHER_LABEL = "其他内容"
# A label's unit in brackets, written after the value in a summary: "年承包费(元)" → "年承包费 3,000.00 元".
_UNIT = re.compile(r"^(?P<name>.+?)[(（](?P<unit>元|亩|元/亩|年|月|天|㎡|字节)[)）]$")
# How many changes a summary spells out, and how long a value it quotes.
SUMMARY_CHANGES = 3
SUMMARY_VALUE = 24


@dataclass(frozen=True)
class Presentation:
    """How a model's entries are read: the columns never shown, and the few that tell a new or removed
    record apart (a contract's counterparty, fee and area)."""

    hidden: frozenset[str] = frozenset()
    summary: tuple[str, ...] = ()


_PRESENTATIONS: dict[type, Presentation] = {}


def register_audited(model, *, exclude: tuple[str, ...] = (), m2m: tuple[str, ...] = (),
                     hidden: tuple[str, ...] = (), summary: tuple[str, ...] = ()) -> None:
    """Put a model under the audit trail: its own columns (and the named many-to-many
    links), without the key and derived fields.

    `hidden` columns are recorded but never shown (checksums, file types, numbering internals);
    `summary` names the two or three columns whose values a new or deleted record is summed up by.
    """
    skip = {"id", *exclude}
    names = {f.name for f in model._meta.concrete_fields} | {f.name for f in model._meta.many_to_many}
    unknown = [name for name in (*hidden, *summary) if name not in names]
    if unknown:
        raise ImproperlyConfigured(f"{model.__name__} has no field {', '.join(unknown)} to hide or summarise by.")
    auditlog.register(model, include_fields=[f.name for f in model._meta.concrete_fields if f.name not in skip],
                      m2m_fields=set(m2m))
    _PRESENTATIONS[model] = Presentation(hidden=frozenset(hidden), summary=tuple(summary))


def presentation_of(model) -> Presentation:
    return _PRESENTATIONS.get(model, Presentation())


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
    # A many-to-many change ("增加：…") rather than a value replaced by another.
    link: bool = False

    @property
    def name(self) -> str:
        return _split_unit(self.label)[0]

    @property
    def unit(self) -> str:
        return _split_unit(self.label)[1]


@dataclass
class TrailEntry:
    when: datetime
    who: str
    action: str
    object_label: str
    object_repr: str
    changes: list[Change] = field(default_factory=list)
    remote_addr: str = ""
    # For a new or removed record: its telling values, as "张三", "年承包费 3,000.00 元".
    facts: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        """The action, the kind of record and the record: 新建合同 YK-001 前坪机动地承包合同."""
        return f"{self.action}{self.object_label} {self.object_repr}".strip()

    def _segments(self) -> list[tuple[str, str]]:
        """The summary as (kind, text) pieces, kind "old" and "new" for the values a change replaced."""
        pieces = [("text", self.headline)]
        if self.action == ACTION_LABELS[AuditEntry.Action.UPDATE]:
            shown = self.changes[:SUMMARY_CHANGES]
            for number, change in enumerate(shown):
                pieces.append(("text", "：" if number == 0 else "；"))
                if change.link:
                    pieces.append(("text", f"{change.name}{_short(change.new)}"))
                    continue
                pieces += [("text", f"{change.name} "), ("old", _short(change.old)), ("text", " → "),
                           ("new", _short(change.new))]
                if change.unit:
                    pieces.append(("text", f" {change.unit}"))
            if len(self.changes) > len(shown):
                pieces.append(("text", f" 等 {len(self.changes)} 项"))
        elif self.facts:
            pieces.append(("text", f"（{'，'.join(self.facts)}）"))
        return pieces

    @property
    def summary(self) -> str:
        """One line that says what happened: "修改合同 YK-001 前坪机动地承包合同：年承包费 2,059.30 → 3,000.00 元"."""
        return "".join(text for _, text in self._segments())

    @property
    def summary_html(self) -> str:
        """The summary with the replaced values struck through and the new ones marked."""
        tags = {"old": "<del>{}</del>", "new": "<ins>{}</ins>", "text": "{}"}
        return format_html_join("", "{}", ((format_html(tags[kind], text),) for kind, text in self._segments()))

    @property
    def folded(self) -> bool:
        """Whether the details say more than the summary: every change of a new or removed record, or
        changes the summary leaves out or shortens."""
        if self.action != ACTION_LABELS[AuditEntry.Action.UPDATE]:
            return bool(self.changes)
        return len(self.changes) > SUMMARY_CHANGES or any(
            _short(c.old) != c.old or _short(c.new) != c.new for c in self.changes)


def _split_unit(label: str) -> tuple[str, str]:
    found = _UNIT.match(label)
    return (found["name"], found["unit"]) if found else (label, "")


def _short(text: str) -> str:
    return text if len(text) <= SUMMARY_VALUE else text[:SUMMARY_VALUE - 1] + "…"


def _model_field(model, field_name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return None


def _local_time(text: str) -> str | None:
    """auditlog writes a moment as naive UTC text with microseconds; people read it in local time, to
    the minute."""
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _json_text(text: str) -> str:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, list) and all(not isinstance(item, list | dict) for item in value):
        return "、".join(str(item) for item in value) or EMPTY
    if isinstance(value, dict) and all(not isinstance(item, list | dict) for item in value.values()):
        return "、".join(f"{key}：{item}" for key, item in value.items()) or EMPTY
    return json.dumps(value, ensure_ascii=False)


def _display(model, field_name: str, raw, *, mask: bool) -> str:
    if raw is None or raw == "None" or raw == "":
        return EMPTY
    value = str(raw)
    if mask and field_name in SENSITIVE_FIELDS:
        return mask_id_number(value)
    model_field = _model_field(model, field_name)
    if model_field is None or not model_field.concrete:
        return value
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return {"True": "是", "False": "否"}.get(value, value)
    if isinstance(model_field, models.DateTimeField):
        return _local_time(value) or value
    if isinstance(model_field, models.DecimalField) and model_field.decimal_places == 2:
        try:
            return format_yuan(Decimal(value))
        except (InvalidOperation, ValueError):
            return value
    if isinstance(model_field, models.JSONField):
        return _json_text(value)
    # A foreign key is recorded as the related record's text (AUDITLOG_USE_FK_STRING_REPRESENTATION).
    return value


def _label(model, field_name: str) -> str:
    model_field = _model_field(model, field_name)
    if model_field is not None:
        if model_field.auto_created and not model_field.concrete:
            # The parts a bulk entry lists beside the record ("problems", "disposition").
            return str(model_field.related_model._meta.verbose_name)
        label = str(model_field.verbose_name)
        if label != field_name.replace("_", " "):
            return label
    return FALLBACK_LABELS.get(field_name, OTHER_LABEL)


def _hidden(model, field_name: str) -> bool:
    return field_name in INTERNAL_FIELDS or field_name in presentation_of(model).hidden


def _fact(model, field_name: str, change: Change) -> str | None:
    """One telling value of a new or removed record: a choice or a related record by itself, a yes
    by its label, anything else with its label and unit."""
    value = change.old if change.old != EMPTY else change.new
    if value == EMPTY:
        return None
    model_field = _model_field(model, field_name)
    if isinstance(model_field, models.BooleanField):
        return change.name if value == "是" else None
    if model_field is not None and (model_field.choices or model_field.is_relation):
        return _short(value)
    return f"{change.name} {_short(value)}{' ' + change.unit if change.unit else ''}"


@functools.cache
def _field_order(model) -> dict[str, int]:
    if model is None:
        return {}
    return {f.name: number for number, f in enumerate([*model._meta.concrete_fields, *model._meta.many_to_many])}


def _changes(model, changes_dict: dict, *, mask: bool, keep_empty: bool) -> dict[str, Change]:
    """The shown changes of one entry, in the order of the model's fields (parts a bulk entry lists last)."""
    order = _field_order(model)
    changes = {}
    for name, pair in sorted((changes_dict or {}).items(), key=lambda item: order.get(item[0], len(order))):
        if _hidden(model, name):
            continue
        if isinstance(pair, dict) and pair.get("type") == "m2m":
            verb = {"add": "增加", "delete": "移除", "clear": "清空"}.get(pair.get("operation"), "")
            changes[name] = Change(_label(model, name), EMPTY, f"{verb}：{'、'.join(pair.get('objects', []))}",
                                   link=True)
            continue
        old, new = (list(pair) + [None, None])[:2] if isinstance(pair, list | tuple) else (None, pair)
        change = Change(_label(model, name), _display(model, name, old, mask=mask),
                        _display(model, name, new, mask=mask))
        if keep_empty or change.old != EMPTY or change.new != EMPTY:
            changes[name] = change
    return changes


def to_trail(entries, user) -> list[TrailEntry]:
    """Turn audit rows into what a page shows: labels, display values, masking, local times and a summary
    line; internal columns left out."""
    mask = not has_perm(user, ID_NUMBER_VIEW)
    trail = []
    for entry in entries:
        model = entry.content_type.model_class()
        # A new or removed record lists only the values it had; a change lists what it emptied, too.
        updated = entry.action == AuditEntry.Action.UPDATE
        changes = _changes(model, entry.changes_dict, mask=mask, keep_empty=updated)
        facts = [] if updated else [
            fact for name in presentation_of(model).summary
            if name in changes and (fact := _fact(model, name, changes[name])) is not None]
        trail.append(TrailEntry(
            when=timezone.localtime(entry.timestamp),
            who=str(entry.actor) if entry.actor_id else "系统",
            action=ACTION_LABELS.get(entry.action, str(entry.action)),
            object_label=str(model._meta.verbose_name) if model else "",
            object_repr=entry.object_repr,
            changes=list(changes.values()),
            remote_addr=entry.remote_addr or "",
            facts=facts,
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

