"""Writing many rows at once: inserts in batches, the model's own rules checked on every row, and a
"新建" audit entry per row written in bulk with the same content django-auditlog gives a row saved alone.

A service that creates one record saves it and lets django-auditlog write its entry; a service that creates
thousands (a ledger import) cannot afford a statement per record and per entry. The entries written here are
what `auditlog.diff.model_instance_diff(None, obj)` and `LogEntryManager.log_create` would have produced:
the same fields, the same text for each value, the same actor, places and correlation id.
"""
import json
import time
from datetime import UTC

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled, auditlog_value
from auditlog.diff import get_fields_in_model, get_mask_function
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.signals import pre_save
from django.utils import timezone

from places.models import VillageOwned

from .models import AuditEntry

BATCH = 1000

# How django-auditlog turns a field's value into the text it records (`auditlog.diff.get_field_value`).
_PLAIN, _DATETIME, _JSON, _RELATION = range(4)


# --- Inserting ------------------------------------------------------------------------------------


def _converter(field, conn):
    """How one field's Python value becomes a query parameter, picked once per field: plain values as
    they are, dates, times, decimals and JSON through the database's own adapters (as bulk_create does)."""
    ops = conn.ops
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else ops.adapt_json_value(value, field.encoder)
    if isinstance(field, models.DateTimeField):
        return lambda value: field.get_db_prep_save(value, conn)
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
    if isinstance(field, models.FileField):
        # A file field reads back as a FieldFile once looked at (by the model's checks, say): stored by its name.
        return lambda value: getattr(value, "name", value) or ""
    return None


class FastInsert:
    """Rows inserted with prepared INSERT statements in batches, converting each value by its field's type
    (as Django's bulk_create does) without building the statement anew for every object. `insert` runs
    `executemany` for tables whose new keys the caller does not need back (audit entries, links);
    `create` inserts model instances and sets their primary keys from `RETURNING`, in order."""

    def __init__(self, model, names: list[str] | None = None, *, ready: tuple[str, ...] = ()):
        """`ready` names columns whose values the caller passes already converted."""
        self.connection, self.model = connection, model
        if names is None:
            fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
        else:
            fields = [model._meta.get_field(name) for name in names]
        self.fields = fields
        self.convert = [None if field.name in ready else _converter(field, connection) for field in fields]
        # What `create` reads of an instance: the attribute, or the field itself when it fills its own value.
        self.sources = [(f.attname, f if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else None)
                        for f in fields]
        self.relations = [(f.name, f.attname) for f in fields if f.is_relation]
        self.columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
        self.sql = f"INSERT INTO {self.table} ({self.columns}) VALUES {self.marks}"

    def _row(self, values) -> list:
        return [value if convert is None or value is None else convert(value)
                for convert, value in zip(self.convert, values, strict=True)]

    @property
    def copying(self) -> bool:
        # PostgreSQL loads rows fastest through COPY (psycopg's copy protocol).
        return self.connection.vendor == "postgresql"

    def _copy(self, columns: str, rows) -> int:
        count = 0
        # psycopg's own cursor raises psycopg's errors: wrapped, a refused row is Django's IntegrityError as
        # it is on every other path, and the savepoint of `insert_checked` can explain it.
        with self.connection.cursor() as cursor, self.connection.wrap_database_errors:
            with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count

    def insert(self, rows) -> int:
        if self.copying:
            return self._copy(self.columns, (self._row(row) for row in rows))
        batch, count = [], 0
        with self.connection.cursor() as cursor:
            for row in rows:
                batch.append(self._row(row))
                if len(batch) >= BATCH * 2:
                    cursor.executemany(self.sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(self.sql, batch)
                count += len(batch)
        return count

    def insert_objects(self, objs) -> int:
        """Insert model instances whose new keys the caller does not need back."""
        if self.copying:
            return self._copy(self.columns, (self._values(obj) for obj in objs))
        count = 0
        with self.connection.cursor() as cursor:
            for start in range(0, len(objs), BATCH * 2):
                batch = [self._values(obj) for obj in objs[start:start + BATCH * 2]]
                cursor.executemany(self.sql, batch)
                count += len(batch)
        return count

    def create(self, objs: list) -> list:
        """Insert model instances (their `pre_save` values, as save() would store them) and give them their keys."""
        per_statement = max(1, min(100, 30000 // max(len(self.fields), 1)))
        pk = self.model._meta.pk
        if self.copying and objs:
            return self._copy_create(objs, pk)
        with self.connection.cursor() as cursor:
            for start in range(0, len(objs), per_statement):
                chunk = objs[start:start + per_statement]
                params = []
                for obj in chunk:
                    params.extend(self._values(obj))
                returning = self.connection.ops.quote_name(pk.column)
                sql = (f"INSERT INTO {self.table} ({self.columns}) VALUES "
                       + ", ".join([self.marks] * len(chunk)) + f" RETURNING {returning}")
                cursor.execute(sql, params)
                for obj, (key,) in zip(chunk, cursor.fetchall(), strict=True):
                    setattr(obj, pk.attname, key)
                    obj._state.adding, obj._state.db = False, self.connection.alias
        return objs

    def _values(self, obj) -> list:
        values, cache = obj.__dict__, obj._state.fields_cache
        for name, attname in self.relations:
            related = cache.get(name)
            if related is not None and values.get(attname) is None:
                if related.pk is None:
                    raise ValueError(f"{name} of {obj!r} is not saved")
                values[attname] = related.pk
        return self._row([values.get(attname) if auto is None else auto.pre_save(obj, True)
                          for attname, auto in self.sources])

    def _copy_create(self, objs: list, pk) -> list:
        """Keys taken from the table's own sequence first, then every row loaded by COPY with its key."""
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [self.model._meta.db_table, pk.column, len(objs)])
            keys = [key for (key,) in cursor.fetchall()]
        for obj, key in zip(objs, keys, strict=True):
            setattr(obj, pk.attname, key)
        self._copy(f"{quote(pk.column)}, {self.columns}", ([obj.pk, *self._values(obj)] for obj in objs))
        for obj in objs:
            obj._state.adding, obj._state.db = False, self.connection.alias
        return objs


# --- The model's own rules ----------------------------------------------------------------------------


def _known_relations(obj) -> list[str]:
    """Foreign keys that point at an instance the caller holds, already saved: `clean_fields` would look
    each of them up again (a query per row and relation) only to find what is in hand. One given before
    its row was saved takes its key now, as save() would."""
    known, values, cache = [], obj.__dict__, obj._state.fields_cache
    for field in obj._meta.concrete_fields:
        if not field.is_relation or (related := cache.get(field.name)) is None or related.pk is None:
            continue
        if values.get(field.attname) is None:
            values[field.attname] = related.pk
        if values[field.attname] == related.pk:
            known.append(field.name)
    return known


def validate_many(objs, *, exclude: tuple[str, ...] = ()) -> None:
    """`full_clean` of each new row, as the one-record services run it, but for the unique and check
    constraints, which `bulk_insert` leaves to the database and explains row by row only when one fails
    (a query per row and constraint would cost more than the insert)."""
    for obj in objs:
        skip = [*exclude, *_known_relations(obj)]
        errors = {}
        try:
            obj.clean_fields(exclude=skip)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            obj.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


class _Unexplained(Exception):
    pass


def _unsaved(chunk) -> None:
    pk = chunk[0]._meta.pk
    for obj in chunk:
        setattr(obj, pk.attname, None)
        obj._state.adding = True


def _explain(writer: FastInsert, chunk) -> None:
    """Find the row of a refused chunk that breaks a unique field or a constraint, and raise the model's own
    ValidationError for it: each row checked as `full_clean` checks it, then inserted alone, so that a row
    repeating an earlier one of the chunk is caught too. Everything inserted here is rolled back."""
    _unsaved(chunk)
    try:
        with transaction.atomic():
            for obj in chunk:
                obj.validate_unique()
                obj.validate_constraints()
                writer.create([obj])
            raise _Unexplained
    except _Unexplained:
        pass
    finally:
        _unsaved(chunk)


def bulk_insert(model, objs: list, audit: "BulkAudit | None" = None, *, extra=None,
                exclude: tuple[str, ...] = ()) -> list:
    """Insert new rows in batches and give the objects their keys; each row checked by the model's rules
    first (but for the fields in `exclude`), and audited as if it had been saved alone. `extra(obj)` adds
    to an entry what the service records with the row (its links, say)."""
    if not objs:
        return objs
    validate_many(objs, exclude=exclude)
    writer = FastInsert(model)
    for start in range(0, len(objs), BATCH):
        chunk = objs[start:start + BATCH]
        insert_checked(writer, chunk)
        if audit is not None:
            audit.created_many(chunk, extra)
    return objs


def audited(user, audit: "BulkAudit | None", write):
    """Run `write(audit)`; with no audit writer given, one of its own for `user`, flushed at the end."""
    own = audit is None
    audit = audit or BulkAudit(user)
    result = write(audit)
    if own:
        audit.flush()
    return result


def insert_checked(writer: FastInsert, chunk: list) -> list:
    """`writer.create(chunk)` in a savepoint: a row refused by a constraint becomes the model's own
    ValidationError, not a bare IntegrityError."""
    try:
        with transaction.atomic():
            return writer.create(chunk)
    except IntegrityError:
        _explain(writer, chunk)
        raise


# --- The audit entries -----------------------------------------------------------------------------


def _audited_fields(model) -> list[tuple]:
    """What django-auditlog records of a new row of the model: its field selection (`model_instance_diff`),
    each with how its value is written, and its masking."""
    registered = auditlog.get_model_fields(model)
    include, exclude = registered["include_fields"], registered["exclude_fields"]
    masked = set(registered["mask_fields"])
    mask = get_mask_function(registered.get("mask_callable")) if masked else None
    fields = []
    for field in get_fields_in_model(model()):
        if (include and field.name not in include) or (exclude and field.name in exclude):
            continue
        if isinstance(field, models.DateTimeField):
            how = _DATETIME
        elif isinstance(field, models.JSONField):
            how = _JSON
        elif field.is_relation and (field.many_to_one or field.one_to_one):
            how = _RELATION
        else:
            how = _PLAIN
        fields.append((field, how, mask if field.name in masked else None))
    return fields


def _text(obj, field, how):
    """The value as `get_field_value` gives it; None where auditlog's diff would leave the field out."""
    if how == _PLAIN:
        value = obj.__dict__.get(field.attname, None) if field.attname in obj.__dict__ else getattr(obj, field.name)
        if value is None:
            return None
        shown = value if type(value) is str else str(value)
        return None if shown == "None" else shown
    if how == _RELATION:
        if getattr(obj, field.attname) is None:
            return None
        shown = str(getattr(obj, field.name))
        return None if shown == "None" else shown
    if how == _DATETIME:
        # Compared as a datetime with the text "None", so even an empty one is recorded ("None" → "None").
        value = field.to_python(getattr(obj, field.name))
        if value is not None and settings.USE_TZ and not timezone.is_naive(value):
            value = timezone.make_naive(value, timezone=UTC)
        return str(value)
    value = json.dumps(field.to_python(getattr(obj, field.name)), sort_keys=True, cls=field.encoder)
    return None if value == "None" else value


AUDIT_COLUMNS = ["content_type", "object_pk", "object_id", "object_repr", "action", "changes_text", "changes",
                 "actor", "actor_email", "cid", "remote_addr", "remote_port", "timestamp", "additional_data",
                 "village", "township", "county", "record"]


class BulkAudit:
    """The "新建" entries of rows inserted in bulk, kept and written in batches (`flush` writes the rest).

    Each entry is the one django-auditlog writes when a row is saved alone inside `acting_as(user)`: the
    actor and their e-mail, the remote address the audit context holds, the correlation id, the places of
    `get_additional_data`, and a timestamp taken when the row is recorded as created.
    """

    def __init__(self, user):
        self.user = user
        self.actor = user.pk if user is not None else None
        self.actor_email = getattr(user, "email", None) if user is not None else None
        self.pending: list[list] = []
        self.models = {}
        self.places = {}
        self.writer = None
        self.seconds = 0.0
        self.stamp_field = AuditEntry._meta.get_field("timestamp")

    def _context(self) -> tuple:
        """(remote address, remote port) from the audit context, as auditlog's pre_save hook copies them:
        only while that hook is connected (a context left behind by a finished request no longer counts)."""
        context = auditlog_value.get(None) or {}
        duid = context.get("signal_duid")
        if duid is None or not any(key[0] == duid for key, *_ in pre_save.receivers):
            return None, None
        return context.get("remote_addr"), context.get("remote_port")

    def _model(self, model):
        found = self.models.get(model)
        if found is None:
            if not auditlog.contains(model):
                found = self.models[model] = (None, None)
            else:
                found = self.models[model] = (ContentType.objects.get_for_model(model).pk, _audited_fields(model))
        return found

    def created(self, obj, extra: dict | None = None) -> None:
        """Record the creation of one row (already inserted, with its key)."""
        started = time.perf_counter()
        if not auditlog_disabled.get():
            self._created(obj, extra, self._stamp(), self._context(), get_cid())
        self.seconds += time.perf_counter() - started

    def created_many(self, objs, extra=None) -> None:
        """Record the creation of rows inserted together; `extra(obj)` adds to each entry."""
        started = time.perf_counter()
        if not auditlog_disabled.get():
            stamp, context, cid = self._stamp(), self._context(), get_cid()
            for obj in objs:
                self._created(obj, extra(obj) if extra else None, stamp, context, cid)
        self.seconds += time.perf_counter() - started

    def _stamp(self):
        return self.stamp_field.get_db_prep_save(timezone.now(), connection)

    def _created(self, obj, extra, stamp, context, cid) -> None:
        content_type, fields = self._model(type(obj))
        if content_type is None:
            return
        changes = {}
        for field, how, mask in fields:
            shown = _text(obj, field, how)
            if shown is not None:
                changes[field.name] = ["None", shown] if mask is None else [mask("None"), mask(shown)]
        if extra:
            changes.update(extra)
        place, place_json = self._place(obj)
        pk = obj.pk
        self.pending.append([
            content_type, str(pk), pk if isinstance(pk, int) else None, str(obj), AuditEntry.Action.CREATE, "",
            json.dumps(changes, ensure_ascii=False), self.actor, self.actor_email, cid, context[0], context[1],
            stamp, place_json, place.get("village_id"), place.get("township_id"), place.get("county_id"),
            place.get("record", "")])
        if len(self.pending) >= BATCH * 2:
            self.flush()

    def _place(self, obj) -> tuple[dict, str | None]:
        """The places an entry is scoped by (and their JSON), computed once per village for the records
        whose places are their village's."""
        getter = getattr(obj, "get_additional_data", None)
        if not callable(getter):
            return {}, None
        village_owned = type(obj).get_additional_data is VillageOwned.get_additional_data
        if village_owned and obj.village_id in self.places:
            return self.places[obj.village_id]
        place = getter()
        found = (place or {}, None if place is None else json.dumps(place, ensure_ascii=False))
        if village_owned:
            self.places[obj.village_id] = found
        return found

    def flush(self) -> None:
        started = time.perf_counter()
        if self.pending:
            if self.writer is None:
                # Timestamp and JSON columns are passed already in the form the database stores.
                self.writer = FastInsert(AuditEntry, AUDIT_COLUMNS, ready=("timestamp", "changes", "additional_data"))
            self.writer.insert(self.pending)
            self.pending = []
        self.seconds += time.perf_counter() - started
