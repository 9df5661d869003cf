"""What every ledger kind's planner shares: who imports (rights), what was found (issues, outcome),
places and parties matched by name and number. Rows are written through the bulk services (core/bulk.py
and each app's bulk.py), which hold the same rules and write the same audit entries as the pages."""
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.core.exceptions import ValidationError

from core import permissions as perms
from core.bulk import BulkAudit, bulk_insert
from core.idnumbers import mask_id_number, normalize_credit_code, normalize_resident_id
from core.pinyin import search_keys
from core.scoping import villages_for
from places.models import Village
from villages.models import Party

from . import kinds as K
from .reading import (
    EXAMPLE_TYPED_OVER,
    UNCOMPUTED_REASON,
    CellError,
    Sheet,
    is_blank,
    normalize,
    text,
    typed_over,
)

MAX_LISTED = 1000   # errors and warnings kept for the preview page (all are counted)


# --- Who imports ---------------------------------------------------------------------------------


KIND_PERMISSIONS = {
    "places": (perms.PLACES_IMPORT,),
    "parcels": (perms.PARCEL_CHANGE,),
    "contracts": (perms.CONTRACT_EDIT, perms.PARTY_CHANGE, perms.PARCEL_CHANGE),
    "claims": (perms.CLAIM_EDIT, perms.PARTY_CHANGE),
    "debts": (perms.CLAIM_EDIT, perms.PARTY_CHANGE),
}


@dataclass
class Rights:
    """What an import may touch: the villages in scope and the rights of the person importing.
    The command runs with administrator rights (every village, every right) in the name of an account."""

    user: object
    perms: frozenset
    village_ids: frozenset | None       # None: every village
    county_id: int | None               # the county whose places may be imported; None: any

    @classmethod
    def of(cls, user) -> "Rights":
        everything = user.scope_level == "all"
        ids = None if everything else frozenset(villages_for(user).values_list("pk", flat=True))
        return cls(user, perms.permissions_of(user), ids, None if everything else user.county_id)

    @classmethod
    def administrator(cls, user) -> "Rights":
        every = frozenset().union(*perms.ROLE_PERMISSIONS.values())
        return cls(user, every, None, None)

    def may(self, perm: str) -> bool:
        return perm in self.perms

    def may_import(self, kind: str) -> bool:
        return self.may(perms.LEDGER_IMPORT) and all(self.may(p) for p in KIND_PERMISSIONS[kind])

    def covers(self, village_id) -> bool:
        return self.village_ids is None or village_id in self.village_ids


# --- What a preview or a commit found --------------------------------------------------------------


@dataclass
class Issue:
    row: int | None
    column: str | None
    reason: str

    def __str__(self):
        where = f"第 {self.row} 行" if self.row else "文件"
        if self.column:
            return f"{where} 「{self.column}」: {self.reason}"
        return f"{where}: {self.reason}"


@dataclass
class Outcome:
    kind: str
    sheet: str = ""
    header_row: int | None = None
    unknown: list[str] = field(default_factory=list)
    rows: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    records: dict = field(default_factory=dict)      # "当事人" → {"新建": 3, "修改": 1}
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    committed: bool = False
    timings: dict = field(default_factory=dict)

    def count(self, what: str, action: str, n: int = 1) -> None:
        if n:
            self.records.setdefault(what, {}).setdefault(action, 0)
            self.records[what][action] += n

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def summary(self) -> dict:
        return {"rows": self.rows, "create": self.create, "update": self.update, "unchanged": self.unchanged,
                "records": self.records, "sheet": self.sheet, "header_row": self.header_row}


# --- Shared machinery -------------------------------------------------------------------------------

BAD = object()   # a value that could not be read (its error is already recorded)


def _suffixless(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class Places:
    """Villages by township and village name, tolerant of a missing 镇/乡/村."""

    TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡")

    def __init__(self, rights: Rights):
        villages = Village.objects.select_related("township__county")
        if rights.county_id is not None:
            villages = villages.filter(township__county_id=rights.county_id)
        self.exact, self.loose = {}, defaultdict(list)
        for village in villages:
            t, v = normalize(village.township.name), normalize(village.name)
            self.exact[(t, v)] = village
            self.loose[(_suffixless(t, self.TOWNSHIP_SUFFIXES), _suffixless(v, ("村",)))].append(village)
        self.rights = rights
        self.found = {}

    def find(self, township: str, village: str):
        """(village, None) or (None, reason)."""
        key = (township, village)
        if key not in self.found:
            self.found[key] = self._find(township, village)
        return self.found[key]

    def _find(self, township: str, village: str):
        t, v = normalize(township), normalize(village)
        found = self.exact.get((t, v))
        if found is None:
            candidates = self.loose.get((_suffixless(t, self.TOWNSHIP_SUFFIXES), _suffixless(v, ("村",))), [])
            if len(candidates) > 1:
                return None, f"“{township}{village}”对应多个村，请写全乡镇和村的名称"
            found = candidates[0] if candidates else None
        if found is None:
            return None, f"系统中没有“{township}{village}”（请先导入村组台账或登记该村）"
        if not self.rights.covers(found.pk):
            return None, f"“{township}{village}”不在您的管理范围内"
        return found, None


def read_id_number(value) -> tuple[str, str] | None:
    """(normalized number, party kind) for a 身份证号 or 统一社会信用代码; raises CellError."""
    raw = text(value)
    try:
        return normalize_resident_id(raw), Party.Kind.PERSON
    except ValidationError as resident_error:
        compact = normalize(raw).upper()
        if len(compact) == 18 and not compact[:17].isdigit():
            try:
                return normalize_credit_code(raw), Party.Kind.ORG
            except ValidationError as error:
                raise CellError(f"{error.messages[0]} \"{raw}\"") from None
        raise CellError(f"{resident_error.messages[0]} \"{raw}\"") from None


_ORG_WORDS = ("公司", "合作社", "厂", "委员会", "集团", "中心", "协会", "学校", "医院", "银行", "信用社", "商店",
              "超市", "经营部", "事务所", "站", "局", "政府", "村委", "场")


def looks_like_org(name: str) -> bool:
    return len(name) > 4 and any(word in name for word in _ORG_WORDS)


class PendingParty:
    """A party the import will create."""

    def __init__(self, village, name, id_number, kind, phone):
        self.village, self.name, self.id_number, self.kind, self.phone = village, name, id_number, kind, phone
        self.obj = None


class Parties:
    """Parties matched by ID number (anywhere), else by name within the village; new ones created once."""

    def __init__(self, planner, id_numbers: set[str], village_ids: set[int]):
        self.planner = planner
        self.by_id = {}
        ids = sorted(id_numbers)
        for start in range(0, len(ids), 900):
            for party in Party.objects.filter(id_number__in=ids[start:start + 900]).select_related("village"):
                self.by_id[party.id_number] = party
        self.by_name = defaultdict(list)
        vids = sorted(village_ids)
        for start in range(0, len(vids), 500):
            for party in Party.objects.filter(village_id__in=vids[start:start + 500]).select_related("village"):
                self.by_name[(party.village_id, normalize(party.name))].append(party)
        self.pending: dict = {}
        self.updates: dict[int, tuple[Party, dict]] = {}

    def resolve(self, row: int, village, name: str, id_value, phone: str, id_column: str, name_column: str):
        """The party of a row (existing `Party` or `PendingParty`), or BAD."""
        planner = self.planner
        id_number = kind = None
        masked = ""
        if not is_blank(id_value):
            raw = normalize(id_value).upper()
            if "*" in raw:
                masked = raw
            else:
                try:
                    id_number, kind = read_id_number(id_value)
                except CellError as error:
                    planner.error(row, id_column, str(error))
                    return BAD
        namesakes = self.by_name.get((village.pk, normalize(name)), [])
        if masked:
            fits = [p for p in namesakes if p.id_number and mask_id_number(p.id_number) == masked]
            if len(fits) != 1:
                planner.error(row, id_column, f"证件号码已打码，本村没有与之相符的“{name}” \"{masked}\"")
                return BAD
            return fits[0]
        if id_number:
            party = self.by_id.get(id_number)
            if party is None:
                blank = [p for p in namesakes if not p.id_number]
                if len(blank) == 1:
                    party = blank[0]
                    self._change(party, "id_number", id_number)
                    self.by_id[id_number] = party
            if party is not None:
                if normalize(party.name) != normalize(name):
                    planner.warn(row, name_column, f"证件号码 {mask_id_number(id_number)} 已登记为“{party.name}”，"
                                                   f"本行写作“{name}”，以已登记的为准")
                if phone and phone != party.phone:
                    self._change(party, "phone", phone)
                return party
            key = ("id", id_number)
        else:
            if len(namesakes) == 1:
                party = namesakes[0]
                if phone and phone != party.phone:
                    self._change(party, "phone", phone)
                return party
            if len(namesakes) > 1:
                planner.error(row, name_column, f"本村有 {len(namesakes)} 个名为“{name}”的当事人，请填写证件号码区分")
                return BAD
            key = ("name", village.pk, normalize(name))
        pending = self.pending.get(key)
        if pending is None:
            kind = kind or (Party.Kind.ORG if looks_like_org(name) else Party.Kind.PERSON)
            pending = self.pending[key] = PendingParty(village, name, id_number or "", kind, phone)
        return pending

    def _change(self, party, name: str, value) -> None:
        if not self.planner.rights.covers(party.village_id):
            return
        self.updates.setdefault(party.pk, (party, {}))[1][name] = value

    def write(self, audit, user) -> None:
        """Create the new parties (in bulk) and apply the changes to known ones (one by one, audited)."""
        self.create(self.pending.values(), audit)
        self.update(user)

    def create(self, pendings, audit) -> None:
        """Create those of the given new parties not created yet (in bulk, audited)."""
        objs = []
        for pending in pendings:
            if not isinstance(pending, PendingParty) or pending.obj is not None:
                continue
            pending.obj = Party(kind=pending.kind, name=pending.name[:100], id_number=pending.id_number,
                                phone=pending.phone[:30], village=pending.village,
                                search_keys=cached_keys(pending.name))
            objs.append(pending.obj)
        bulk_insert(Party, objs, audit)
        self.planner.outcome.count("当事人", "新建", len(objs))

    def update(self, user) -> None:
        from villages.services import party_update

        for party, changes in self.updates.values():
            party_update(user=user, party=party, data=changes)
        self.planner.outcome.count("当事人", "修改", len(self.updates))


_KEYS_CACHE: dict[str, str] = {}


def cached_keys(text_: str) -> str:
    """Pinyin search keys, computed once per distinct text (ledgers repeat titles and names a lot)."""
    keys = _KEYS_CACHE.get(text_)
    if keys is None:
        if len(_KEYS_CACHE) > 200_000:
            _KEYS_CACHE.clear()
        keys = _KEYS_CACHE[text_] = search_keys(text_)
    return keys


def combined_keys(first: str, second: str) -> str:
    """`search_keys(f"{first} {second}")`, from the cached keys of each part."""
    a_initials, a_full = cached_keys(first).split(" ", 1)
    b_initials, b_full = cached_keys(second).split(" ", 1)
    return f"{a_initials}{b_initials} {a_full}{b_full}"


class Planner:
    """Plans the rows of one kind of ledger, then writes the plan."""

    kind: K.Kind
    record_name = ""

    def __init__(self, sheet: Sheet, rights: Rights, today: date, report=None):
        self.sheet, self.rights, self.today, self.report = sheet, rights, today, report
        # Set by `commit` when it loaded the sheet itself: rows may then be let go once read.
        self.owns_sheet = False
        self.index = {name: i for i, name in enumerate(sheet.columns)}
        self.outcome = Outcome(kind=self.kind.key, sheet=sheet.name, header_row=sheet.header_row,
                               unknown=list(sheet.unknown), rows=len(sheet.rows))
        self.audit = BulkAudit(rights.user)
        self._bad_rows = set()
        self.timings: dict[str, float] = {}
        for note in sheet.notes:
            self.warn(None, None, note)
        # A formula saved without its result reads as blank: its own error, and no other for the same cell
        # (a "请填写" there would only mislead).
        self._uncomputed = set()
        for row, column in sheet.uncomputed:
            self.error(row, column, UNCOMPUTED_REASON)
            self._uncomputed.add((row, column))

    def data_rows(self):
        """The rows to read: an example row typed over with a real record (its 示例 mark left in place), then
        the sheet's; each let go once read when the sheet is the planner's own."""
        examples = typed_over(self.sheet, self.kind.example)
        self.outcome.rows += len(examples)
        for row, values in examples:
            self.warn(row, None, EXAMPLE_TYPED_OVER)
            yield row, values
        sheet_rows = self.sheet.rows
        for index, item in enumerate(sheet_rows):
            if self.owns_sheet:
                sheet_rows[index] = None      # the raw values are not needed again
            yield item

    @contextmanager
    def timed(self, name: str):
        """Where the time goes (printed by the benchmark)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0) + time.perf_counter() - started

    # Errors and values

    def error(self, row, column, reason) -> None:
        self._bad_rows.add(row)
        if (row, column) in self._uncomputed:
            return
        self.outcome.error_count += 1
        if len(self.outcome.errors) < MAX_LISTED:
            self.outcome.errors.append(Issue(row, column, reason))

    def warn(self, row, column, reason) -> None:
        self.outcome.warning_count += 1
        if len(self.outcome.warnings) < MAX_LISTED:
            self.outcome.warnings.append(Issue(row, column, reason))

    def is_bad(self, row) -> bool:
        return row in self._bad_rows

    def has(self, name: str) -> bool:
        return name in self.index

    def raw(self, values, name: str):
        i = self.index.get(name)
        return values[i] if i is not None else None

    def read(self, row, values, name: str, parse, *args, **kwargs):
        try:
            return parse(self.raw(values, name), *args, **kwargs)
        except CellError as error:
            self.error(row, name, str(error))
            return BAD

    def required_text(self, row, values, name: str, max_length: int) -> str:
        value = text(self.raw(values, name))
        if is_blank(value):
            self.error(row, name, "请填写")
            return ""
        if len(value) > max_length:
            self.error(row, name, f"不能超过 {max_length} 个字")
        return value

    def optional_text(self, row, values, name: str, max_length: int) -> str:
        value = text(self.raw(values, name))
        if is_blank(value):
            return ""
        if len(value) > max_length:
            self.error(row, name, f"不能超过 {max_length} 个字")
        return value

    def positive(self, row, name, value):
        if value is not BAD and value is not None and value <= 0:
            self.error(row, name, "必须大于0")
            return BAD
        return value

    @cached_property
    def places(self) -> Places:
        return Places(self.rights)

    def village(self, row, values):
        township, village = text(self.raw(values, "乡镇")), text(self.raw(values, "村"))
        if is_blank(township) or is_blank(village):
            self.error(row, "乡镇" if is_blank(township) else "村", "请填写")
            return None
        found, reason = self.places.find(township, village)
        if found is None:
            self.error(row, "村", reason)
        return found

    def duplicate(self, seen: dict, key, row, column) -> bool:
        if key in seen:
            self.error(row, column, f"与第 {seen[key]} 行重复")
            return True
        seen[key] = row
        return False

    def progress(self, done: int, message: str) -> None:
        if self.report and done % 2000 == 0:
            self.report(done, max(len(self.sheet.rows), 1), message)

    def diff(self, obj, data: dict) -> dict:
        return {name: value for name, value in data.items() if getattr(obj, name) != value}

    def plan(self):
        raise NotImplementedError

    def finish(self) -> None:
        """Errors and warnings in the order of the rows (each row's in the order they were found)."""
        self.outcome.errors.sort(key=lambda issue: issue.row or 0)
        self.outcome.warnings.sort(key=lambda issue: issue.row or 0)

    def write(self):
        raise NotImplementedError


