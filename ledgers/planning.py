"""What every ledger kind's planner shares: who imports (rights), what was found (issues, outcome),
places and parties matched by name and number. Rows are written through the bulk services (core/bulk.py
and each app's bulk.py), which hold the same rules and write the same audit entries as the pages."""
import re
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
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
    EXAMPLE_MARKS,
    EXAMPLE_TYPED_OVER,
    UNCOMPUTED_REASON,
    WAN,
    CellError,
    Sheet,
    is_blank,
    normalize,
    text,
    typed_over,
    where,
)

MAX_LISTED = 1000   # errors and warnings kept for the preview page (all are counted)
LISTED_ROWS = 60_000    # rows that create or change a record, listed on the preview (a file holds at most 60,000)
CREATE, UPDATE, SAME = "新建", "修改", "不变"


def _change_text(obj, name: str, value) -> str:
    """`年承包费(元)：3,000.00 → 3,600.00`: a field of `obj` as it is and as the row makes it."""
    try:
        label = str(obj._meta.get_field(name).verbose_name)
    except Exception:
        label = name
    return f"{label}：{_shown_value(getattr(obj, name, None))} → {_shown_value(value)}"


def _shown_value(value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


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
    """What a row (its row in `sheet`, when the file has several), or the file, has wrong or worth a word.
    `column` is the kind's column; `at` the row's number in the planned Sheet (for sorting)."""

    row: int | None
    column: str | None
    reason: str
    sheet: str = ""
    at: int = 0

    @property
    def where(self) -> str:
        if not self.row:
            return f"工作表“{self.sheet}”" if self.sheet else "文件"
        return f"工作表“{self.sheet}”第 {self.row} 行" if self.sheet else f"第 {self.row} 行"

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column or "", "reason": self.reason}

    def __str__(self):
        where = self.where
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
    # The rows that create or change a record, for the preview's list: [where, 新建/修改, record, changes].
    listing: list = field(default_factory=list)
    # Rows that may be records already registered under another number (or none), for the page to ask about:
    # {"row", "where" (第 12 行), "description" (the row's record, in a few words), "pk" and "number" (of the first
    # candidate), "candidates": [{"pk", "number", "description"}], "decided" (an answer no longer fitting)}.
    # Answered by `decisions` {row: pk, or 0: a new record}.
    matches: list[dict] = field(default_factory=list)

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


# --- Names with a remark in brackets ------------------------------------------------------------------

# The words that make a bracketed remark after a name a note on the party, not part of its name:
# "王福堂（已故，其子王二虎代还）" is 王福堂 with a note, "某某有限公司（原某某厂）" keeps its brackets.
ANNOTATION_WORDS = ("已故", "去世", "死亡", "病故", "迁出", "外出", "下落不明", "失联", "注销", "吊销", "代还", "代缴",
                    "继承")
_DEATH_WORDS = ("已故", "去世", "死亡", "病故")
# A part of the remark that names who answers for a dead party's debts (Party.heirs).
_HEIR_WORDS = ("代还", "代缴", "继承", "其子", "其女", "其妻", "其夫", "儿子", "女儿", "之子", "之女", "配偶")
_REMARK_PARTS = re.compile(r"[，,；;。]")
_LEADING_DEATH = re.compile(r"^已?(故|去世|死亡|病故)[，,、\s]*")
ANNOTATION_NOTE = "台账注记："


@dataclass(frozen=True)
class Annotation:
    """What a name's bracketed remark says: its words as written, and the standing (Party.Status) and heirs
    they amount to, if any."""

    text: str
    status: str = ""
    heirs: str = ""

    def status_for(self, kind: str) -> str:
        """The status for a party of `kind` (a person does not get an organisation's 注销, nor the reverse)."""
        if self.status in Party.PERSON_STATUSES and kind != Party.Kind.PERSON:
            return ""
        if self.status in Party.ORG_STATUSES and kind != Party.Kind.ORG:
            return ""
        return self.status

    @property
    def note(self) -> str:
        return f"{ANNOTATION_NOTE}{self.text}"


def _trailing_brackets(name: str) -> tuple[str, str] | None:
    """(what stands before, what is inside) of a bracketed part ending `name`, nested brackets included."""
    if not name.endswith(("）", ")")):
        return None
    depth = 0
    for index in range(len(name) - 1, -1, -1):
        char = name[index]
        if char in "）)":
            depth += 1
        elif char in "（(":
            depth -= 1
            if depth == 0:
                return name[:index].strip(), name[index + 1:-1].strip()
    return None


def split_annotation(written: str) -> tuple[str, Annotation | None]:
    """The name and its remark: `王福堂（已故，其子王二虎代还）` → 王福堂 and an Annotation (已故 with heirs
    `其子王二虎代还`). Only a remark holding one of ANNOTATION_WORDS is split off; several in a row are joined."""
    name, remarks = written.strip(), []
    while True:
        found = _trailing_brackets(name)
        if found is None or not found[0] or not any(word in found[1] for word in ANNOTATION_WORDS):
            break
        name = found[0]
        remarks.insert(0, found[1])
    if not remarks:
        return written.strip(), None
    remark = "，".join(remarks)
    parts = [p.strip() for p in _REMARK_PARTS.split(remark) if p.strip()]
    heirs = "；".join(_LEADING_DEATH.sub("", p) for p in parts if any(word in p for word in _HEIR_WORDS))
    status = ""
    if any(word in remark for word in _DEATH_WORDS) or "继承人" in remark:
        # Dead, with heirs named (继承人, 其子…代还): 已故（有继承人）. Dead and nobody named is not yet 无继承人 — that
        # status opens the way to a write-off, and the file does not say there are none: a note only, and the
        # preview asks for the status to be set on the party's page. `继承其父…` alone is the party inheriting.
        status = Party.Status.DECEASED_WITH_HEIRS if heirs else ""
    elif "下落不明" in remark or "失联" in remark:
        status = Party.Status.WHEREABOUTS_UNKNOWN
    elif "迁出" in remark:
        status = Party.Status.MOVED_AWAY
    elif "吊销" in remark:
        status = Party.Status.REVOKED
    elif "注销" in remark:
        status = Party.Status.DEREGISTERED
    # 外出 (away for work, reachable) and 代还 alone (someone pays for a living debtor) are notes only.
    return name, Annotation(remark, status, heirs if status == Party.Status.DECEASED_WITH_HEIRS else "")


def _with_note(note: str, addition: str) -> str:
    if not addition or addition in note:
        return note
    return f"{note}；{addition}" if note else addition


class PendingParty:
    """A party the import will create (with what the ledger's remark after its name says)."""

    def __init__(self, village, name, id_number, kind, phone):
        self.village, self.name, self.id_number, self.kind, self.phone = village, name, id_number, kind, phone
        self.note = self.status = self.heirs = self.status_note = ""
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
        """The party of a row (existing `Party` or `PendingParty`), or BAD. A remark in brackets after the name
        (`王福堂（已故，其子王二虎代还）`) is split off: the party is matched by the name alone, and the remark
        goes to the party's note (and, for a new party, to its status and heirs)."""
        written = name
        name, annotation = split_annotation(written)
        party = self._resolve(row, village, name, id_value, phone, id_column, name_column)
        if annotation is not None and party is not BAD:
            self._annotate(row, party, written, name, annotation, name_column)
        return party

    def _resolve(self, row: int, village, name: str, id_value, phone: str, id_column: str, name_column: str):
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

    def _change(self, party, name: str, value) -> bool:
        if not self.planner.rights.covers(party.village_id):
            return False
        self.updates.setdefault(party.pk, (party, {}))[1][name] = value
        return True

    def _annotate(self, row, party, written: str, name: str, annotation: Annotation, name_column: str) -> None:
        """Keep the remark of a row's name on its party, and say once for the row what was done with it. A new
        party takes the status the remark amounts to; a registered one keeps its own (changed on its page)."""
        said = f"“{written}”读作 {name}"
        if isinstance(party, PendingParty):
            party.note = _with_note(party.note, annotation.note)
            status = annotation.status_for(party.kind)
            if status and not party.status:
                party.status, party.heirs, party.status_note = status, annotation.heirs, annotation.note
            said += "，注记已存入备注"
            if party.status:
                said += f"，状态记为“{party.status}”"
                if party.heirs:
                    said += f"，继承人：{party.heirs}"
            elif any(word in annotation.text for word in _DEATH_WORDS):
                said += "；台账注明已故但未写继承人，状态未改，请核实后在当事人页面登记“已故（有/无继承人）”"
            self.planner.warn(row, name_column, said)
            return
        pending = self.updates.get(party.pk, (party, {}))[1]
        note = pending.get("note", party.note)
        if annotation.note in note or self._change(party, "note", _with_note(note, annotation.note)):
            said += "，注记已存入备注"
        else:
            said += "，该当事人不在您的管理范围内，注记未存入"
        status = annotation.status_for(party.kind)
        if status and status != party.status:
            said += f"；台账所注为“{status}”，系统中为“{party.status}”，当事人状态请在当事人页面修改"
        self.planner.warn(row, name_column, said)

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
                                phone=pending.phone[:30], village=pending.village, note=pending.note,
                                status=pending.status or Party.Status.NORMAL, heirs=pending.heirs,
                                status_note=pending.status_note, search_keys=cached_keys(pending.name))
            objs.append(pending.obj)
        bulk_insert(Party, objs, audit)
        self.planner.outcome.count("当事人", "新建", len(objs))

    def update(self, user) -> None:
        from villages.services import party_update

        for party, changes in self.updates.values():
            party_update(user=user, party=party, data=changes)
        self.planner.outcome.count("当事人", "修改", len(self.updates))


# --- Records under another number, numbers made for rows without one, figures in the wrong unit ---------


class SameRecords:
    """Rows without a number, or with one not registered in their village, that may be a record registered
    under another number. The user answers in the preview (`decisions`: {row: the record's pk, or 0 for a new
    record}); a row without a number that matches exactly one record on every fact is that record without
    asking (a re-import of a file without numbers). A record is one row's at most."""

    LISTED = 5      # candidates named in a row's error

    def __init__(self, planner, noun: str, column: str):
        self.planner, self.noun, self.column = planner, noun, column
        self.decisions = getattr(planner, "decisions", None) or {}
        self.claimed: dict[int, int] = {}     # record pk → the row that is it

    def find(self, row, number: str, record: str, similar: list, exact: list, describe):
        """The registered record the row is, or None for a new record. `similar`: the records it may be;
        `exact`: those equal to it on every fact; `describe(record)`: a few words on a record. An unanswered
        question is the row's error (the preview offers the choice, see Outcome.matches)."""
        similar = [c for c in similar if c.pk not in self.claimed]
        exact = [c for c in exact if c.pk not in self.claimed]
        decision = self.decisions.get(row)
        if decision == 0:
            return None
        if decision is not None:
            chosen = next((c for c in similar if c.pk == decision), None)
            if chosen is not None:
                return self._claim(chosen, row)
            if decision in self.claimed:
                other = self.planner.row_text(self.claimed[decision])
                reason = f"所选的已登记{self.noun}已由{other}对应，不能两行对应同一份"
            else:
                reason = f"所选的已登记{self.noun}与本行已不相符，请重新选择"
            self.planner.error(row, self.column, reason)
            if similar:
                self._offer(row, record, similar, describe, decided=decision)
            return None
        if not similar:
            return None
        if not number and len(exact) == 1:
            return self._claim(exact[0], row)
        listed = "、".join(f"{c.number}（{describe(c)}）" for c in similar[:self.LISTED])
        more = f" 等 {len(similar)} 份" if len(similar) > self.LISTED else ""
        self.planner.error(row, self.column, f"可能与已登记的{self.noun} {listed}{more}是同一份：请在预览中选择"
                                             f"“是同一份”或“另建新{self.noun}”")
        self._offer(row, record, similar, describe)
        return None

    def _claim(self, found, row):
        self.claimed[found.pk] = row
        return found

    def _offer(self, row, record: str, similar: list, describe, decided=None) -> None:
        candidates = [{"pk": c.pk, "number": c.number, "description": describe(c)} for c in similar]
        match = {"row": row, "where": self.planner.row_text(row), "description": record, "pk": candidates[0]["pk"],
                 "number": candidates[0]["number"], "candidates": candidates}
        if decided is not None:
            match["decided"] = decided
        self.planner.outcome.matches.append(match)


class Numbers:
    """Numbers for new records whose row has none: the village's name without 村, a tag for the kind, the
    year and a sequence after the highest number of that form in the village (`峪口-2015-003`,
    `峪口-ZQ-2016-001`), never one the database or the file already uses. `take` every number in use first."""

    def __init__(self, tag: str = ""):
        self.tag = tag
        self.taken: dict[int, set[str]] = defaultdict(set)
        self.last: dict[tuple, int] = {}

    def take(self, village_id, number: str) -> None:
        if number:
            self.taken[village_id].add(normalize(number))

    def make(self, village, year: int) -> str:
        short = _suffixless(village.name, ("村",))[:40]
        prefix = f"{short}-{self.tag}-{year}-" if self.tag else f"{short}-{year}-"
        key, taken = (village.pk, prefix), self.taken[village.pk]
        if key not in self.last:
            form = re.compile(re.escape(normalize(prefix)) + r"(\d+)$")
            self.last[key] = max((int(m[1]) for m in map(form.match, taken) if m), default=0)
        while True:
            self.last[key] += 1
            number = f"{prefix}{self.last[key]:03d}"
            if normalize(number) not in taken:
                taken.add(normalize(number))
                return number


SERIAL_NOTE = "台账序号 "
_SERIAL_TAG = re.compile(r"；?台账序号 [^；]*")


def serial_of(value) -> str:
    """The file's 序号 of a row, as text ("" for none, or for the 示例 mark)."""
    serial = text(value)
    return "" if is_blank(serial) or normalize(serial) in EXAMPLE_MARKS else serial[:20]


def with_serial(note: str, serial: str) -> str:
    """The note with `台账序号 12` (the row's 序号 in the file) in place of any earlier one: what ties a record
    numbered by the system to its row in the ledger."""
    kept = _SERIAL_TAG.sub("", note or "").strip("；")
    tag = f"{SERIAL_NOTE}{serial}"
    return (f"{kept}；{tag}" if kept else tag)[-5000:]


def in_wan(conversions, column: str, row) -> bool:
    """Whether the figures of `column` on `row`'s sheet are written in 万元 (and were converted)."""
    name, _ = where(conversions.parts, row)
    units = conversions.sheet_units.get(name, conversions.units) if name else conversions.units
    return units.get(column, ("元", ""))[0] == WAN


def magnitude(label: str, amount, small: bool, wan: bool, per_mu=None) -> str:
    """What the preview says of a figure too small or too large to be real in the unit it was read in."""
    figure = f"{label} {amount:,.2f} 元" + (f"（每亩 {per_mu:,.2f} 元）" if per_mu is not None else "")
    if small:
        return figure + ("偏小，请核对金额和单位（该列已按万元换算为元）" if wan else "偏小，请核对单位是否为万元")
    return figure + ("偏大，请核对单位是否为元（该列已按万元换算为元）" if wan else "偏大，请核对金额和单位")


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
        self.parts = list(sheet.parts)
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
            self.outcome.errors.append(self.issue(row, column, reason))

    def warn(self, row, column, reason) -> None:
        self.outcome.warning_count += 1
        if len(self.outcome.warnings) < MAX_LISTED:
            self.outcome.warnings.append(self.issue(row, column, reason))

    def issue(self, row, column, reason) -> Issue:
        sheet, at = where(self.parts, row)
        return Issue(at, column, reason, sheet=sheet, at=row or 0)

    def planned(self, row, action: str, label: str, obj=None, changes: dict | None = None,
                more: str = "") -> None:
        """Count a row as 新建, 修改 or 不变, and list it (the first LISTED_ROWS that create or change a record)
        with what changes: `修改` names each field changed, old → new (`changes` of `obj`), and `more`."""
        if action == CREATE:
            self.outcome.create += 1
        elif action == UPDATE:
            self.outcome.update += 1
        else:
            self.outcome.unchanged += 1
            return
        if len(self.outcome.listing) < LISTED_ROWS:
            said = [_change_text(obj, name, value) for name, value in (changes or {}).items()] if obj else []
            if more:
                said.append(more)
            self.outcome.listing.append([self.row_text(row), action, label, "；".join(said)[:300]])

    def row_text(self, row) -> str:
        """How a message names another row: `第 12 行`, or `工作表“峪口村”第 12 行` in a workbook of sheets."""
        return self.issue(row, None, "").where

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
            self.error(row, column, f"与{self.row_text(seen[key])}重复")
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
        self.outcome.errors.sort(key=lambda issue: issue.at)
        self.outcome.warnings.sort(key=lambda issue: issue.at)

    def write(self):
        raise NotImplementedError


