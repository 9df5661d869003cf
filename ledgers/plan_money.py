"""Claims and debts from their ledgers.

A row's 已清收金额 (已化解金额) becomes one ledger entry of the kind given in 清收方式 (化解方式),
dated 清收日期 (化解日期) or the import date, written by the debts ledger service. A corrected file
that shows more cleared than the ledger holds adds an entry for the difference; less is an error
(an entry is undone by a reversal on the claim's page, never by a file). Amounts (本金) are not
changed by a file either: that is an adjustment entry.

Records are matched by number; a row without one (or with one not registered) that has the party, amount,
origin and date of a registered record may be that record, as for contracts (plan_contracts); a new record
without a number gets one (`峪口-ZQ-2016-001`, `峪口-ZW-2018-001`).
"""
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from contracts.models import Contract
from core import permissions as perms
from core.services import record_update
from debts.bulk import claims_create, claims_seal, debts_create
from debts.limitation import store_clocks
from debts.models import Claim, ClaimEntryKind, ClaimOrigin, Debt, Entry
from debts.rules import needs_resolution
from debts.services import entry_record_from_ledger

from . import kinds as K
from .planning import (
    BAD,
    CREATE,
    SAME,
    UPDATE,
    Numbers,
    Parties,
    PendingParty,
    Planner,
    SameRecords,
    in_wan,
    magnitude,
    read_id_number,
    serial_of,
    with_serial,
)
from .reading import (
    CellError,
    Conversions,
    day,
    id_cell,
    is_blank,
    normalize,
    text,
    yes_no,
)

IMPORTED = "台账导入"

# Amounts more likely written in the wrong unit than real (a road built for 64 元 is 64 万元): the preview warns,
# nothing is changed. Below the floor of its origin (SMALL_AMOUNT for an origin not listed: a tax-era arrear
# of a few tens of 元 is real), or above LARGE_AMOUNT (one township reported 5,000 万 of debts in all).
SMALL_AMOUNTS = {"工程款": Decimal("1000"), "工程欠款": Decimal("1000"), "借款": Decimal("100")}
SMALL_AMOUNT = Decimal("10")
LARGE_AMOUNT = Decimal("50000000")


class MoneyRow:
    __slots__ = ("row", "village", "number", "existing", "party", "data", "cleared", "cleared_kind", "cleared_on",
                 "sealed", "changes", "entry", "seal", "obj", "on_account", "written", "serial")

    def __init__(self, row, village, number):
        self.row, self.village, self.number = row, village, number
        self.written = number     # the number in the file ("" for none: one is made, or a record found)
        self.serial = ""          # the file's 序号
        self.existing = self.party = self.obj = None
        self.data, self.changes = {}, {}
        self.cleared = self.cleared_kind = self.cleared_on = None
        self.sealed = None
        self.entry = None        # amount of the entry to record
        self.seal = False
        self.on_account = False  # 挂账: what the file shows as cleared was not collected


class _MoneyPlanner(Planner):
    model = Claim
    number_column = party_column = cleared_column = kind_column = date_column = entry_noun = ""
    origins = entry_kinds = None
    default_entry = ""
    noun = ""
    number_tag = ""           # in the numbers the system makes: 峪口-ZQ-2016-001

    def plan(self):
        rows, id_numbers = [], set()
        self.conversions = Conversions.of(self.sheet)
        for done, (row, values) in enumerate(self.data_rows(), start=1):
            self.progress(done, f"已核对 {done:,} 行")
            parsed = self._parse(row, values)
            if parsed is None:
                continue
            rows.append(parsed)
            raw_id = self.raw(values, "证件号码")
            if not is_blank(raw_id) and "*" not in text(raw_id):
                try:
                    id_numbers.add(read_id_number(raw_id)[0])
                except CellError:
                    pass
        for column, message in self.conversions.warnings():
            self.warn(None, column, message)
        village_ids = {r.village.pk for r, _ in rows}
        self.parties = Parties(self, id_numbers, village_ids)
        self.existing = {}
        self.by_party = defaultdict(list)
        self.numbers = Numbers(self.number_tag)
        self.same = SameRecords(self, self.noun, self.number_column)
        self.cleared_before = defaultdict(lambda: 0)
        self._load(sorted(village_ids))
        self.in_file = set()
        for r, _ in rows:
            if r.number:
                self.in_file.add((r.village.pk, normalize(r.number)))
                self.numbers.take(r.village.pk, r.number)
        seen, self.rows = {}, []
        for r, values in rows:
            if r.number and self.duplicate(seen, (r.village.pk, normalize(r.number)), r.row, self.number_column):
                continue
            self._resolve(r, values)
            if r.entry:
                self._check_entry(r)
            if self.is_bad(r.row):
                continue
            self.rows.append(r)
            if not r.number:
                on = r.data.get("occurred_on")
                r.number = self.numbers.make(r.village, on.year if on not in (None, BAD) else self.today.year)
                self.warn(r.row, self.number_column, f"编号由系统生成：{r.number}")
            label = f"{self.noun} {r.number} {getattr(r.party, 'name', '')}".strip()
            if r.existing is None:
                self.planned(r.row, CREATE, label)
            elif r.changes or r.entry or r.seal:
                more = [f"补记{self.entry_noun} {r.entry:,.2f} 元" if r.entry else "", "封存" if r.seal else ""]
                self.planned(r.row, UPDATE, label, r.existing, r.changes, "；".join(m for m in more if m))
                if r.written != r.existing.number:
                    written = f"台账编号 {r.written}" if r.written else f"未填{self.number_column}"
                    self.warn(r.row, self.number_column, f"{written}，按已登记的{self.noun} {r.existing.number} 更新")
            else:
                self.planned(r.row, SAME, label)

    def _load(self, village_ids):
        owner = "claim" if self.model is Claim else "debt"
        for start in range(0, len(village_ids), 300):
            chunk = village_ids[start:start + 300]
            for record in self.model.objects.filter(village_id__in=chunk).select_related(
                    self.party_field, "village__township"):
                self.existing[(record.village_id, normalize(record.number))] = record
                self.by_party[(record.village_id, getattr(record, f"{self.party_field}_id"))].append(record)
                self.numbers.take(record.village_id, record.number)
            for row in (Entry.objects.filter(**{f"{owner}__village_id__in": chunk}).values(owner)
                        .order_by().annotate(total=Sum("amount"))):
                self.cleared_before[row[owner]] = row["total"]

    def _parse(self, row, values):
        village = self.village(row, values)
        number = self.optional_text(row, values, self.number_column, 60) if self.has(self.number_column) else ""
        r = MoneyRow(row, village, number)
        r.serial = serial_of(self.raw(values, "序号")) if self.has("序号") else ""
        self.required_text(row, values, self.party_column, 100)
        d = r.data
        origin_raw = self.raw(values, "形成原因")
        if is_blank(origin_raw):
            self.error(row, "形成原因", "请填写")
        else:
            written = text(origin_raw)
            origin, note = self._origin(written)
            if origin is None:
                origin, note = "其他", text(origin_raw)
                self.warn(row, "形成原因", f"“{text(origin_raw)}”不在形成原因列表中，记为“其他”并保留原文")
            elif not note and normalize(written) != normalize(origin):
                note = written
            d["origin"], d["origin_note"] = origin, note[:200]
        if self.has("发生日期"):
            d["occurred_on"] = self.read(row, values, "发生日期", day)
        principal = self._money(row, values, "金额(元)")
        if principal is None:
            self.error(row, "金额(元)", "请填写")
        elif principal is not BAD and principal <= 0:
            self.error(row, "金额(元)", "必须大于0")
        r.data["principal"] = principal
        if principal not in (None, BAD) and principal > 0 and d.get("origin"):
            self._magnitude(row, principal, d["origin"])
        if self.has("备注"):
            d["note"] = self.optional_text(row, values, "备注", 5000)
        r.cleared = self._money(row, values, self.cleared_column) if self.has(self.cleared_column) else None
        if normalize(self.raw(values, self.kind_column)) in K.NOT_COLLECTED:
            self._on_account(r, text(self.raw(values, self.kind_column)))
        else:
            r.cleared_kind = self.read(row, values, self.kind_column, self.entry_kinds.read)
        r.cleared_on = self.read(row, values, self.date_column, day)
        if self.has("证件号码"):
            self.read(row, values, "证件号码", id_cell)
        self._parse_more(r, row, values)
        if village is None or self.is_bad(row):
            return None
        if r.cleared and r.cleared > principal:
            self.error(row, self.cleared_column, f"大于{self.noun}金额")
        if self.is_bad(row):
            return None
        return r, values

    def _money(self, row, values, name):
        return self.read(row, values, name, self.conversions.amount, name, row)

    def _magnitude(self, row, principal, origin) -> None:
        small = principal < SMALL_AMOUNTS.get(origin, SMALL_AMOUNT)
        if small or principal > LARGE_AMOUNT:
            self.warn(row, "金额(元)", magnitude("金额", principal, small, in_wan(self.conversions, "金额(元)", row)))

    def _on_account(self, r, word: str) -> None:
        """挂账: the amount stands on the books, nothing came in; the row records no entry."""
        what = "收回" if self.model is Claim else "偿还"
        column = self.cleared_column.removesuffix("(元)")
        shown = f"，{column} {r.cleared:,.2f} 元" if r.cleared not in (None, BAD) and r.cleared else ""
        self.warn(r.row, self.kind_column, f"“{word}”表示未{what}{shown}不登记为{self.entry_noun}")
        r.on_account, r.cleared = True, None

    def _check_entry(self, r) -> None:
        """The entry the row will record (the whole amount, or what a corrected file adds): its kind and date."""
        row = r.row
        if not r.cleared_kind:
            r.cleared_kind = self.default_entry
            self.warn(row, self.kind_column, f"未填写，按“{self.default_entry}”登记")
        if needs_resolution(r.cleared_kind, r.entry or Decimal("0")):
            self.error(row, self.kind_column, f"“{r.cleared_kind}”须经民主决策，不能由台账导入，"
                                              f"请导入后在{self.noun}页面办理")
        elif not self.rights.may(perms.LEDGER_CASH if r.cleared_kind == ClaimEntryKind.CASH
                                 else perms.LEDGER_ENTRY):
            self.error(row, self.kind_column, f"您的角色不能登记“{r.cleared_kind}”")
        if r.cleared_on and r.cleared_on > self.today:
            self.error(row, self.date_column, "日期不能晚于今天")
        elif r.cleared_on is None:
            self.warn(row, self.date_column, "未填写，按导入当日登记；诉讼时效不因此重新计算")

    def _parse_more(self, r, row, values):
        pass

    def _origin(self, written: str) -> tuple[str | None, str]:
        """The origin, and the note in brackets after it as written (`承包费拖欠（第3年承包费（2016-03-01 到期））`)."""
        opening = min((i for i in (written.find("（"), written.find("(")) if i > 0), default=-1)
        if opening > 0 and written.endswith(("）", ")")):
            origin = self.origins.find(written[:opening])
            if origin is not None:
                return origin, written[opening + 1:-1].strip()
        return self.origins.find(written), ""

    def _resolve(self, r, values):
        name = text(self.raw(values, self.party_column))
        r.party = self.parties.resolve(r.row, r.village, name, self.raw(values, "证件号码"), "", "证件号码",
                                       self.party_column)
        existing = r.existing = self.existing.get((r.village.pk, normalize(r.number))) if r.number else None
        if existing is None and r.party is not BAD and not self.is_bad(r.row):
            existing = r.existing = self._same_record(r)
        if self.is_bad(r.row):
            return
        if r.serial and not r.written:
            # A record the system numbers keeps its row's 序号; a row matched to a record keeps the record's note.
            r.data["note"] = with_serial(r.data["note"] if "note" in r.data else getattr(existing, "note", ""),
                                         r.serial)
        cleared = r.cleared or 0
        if existing is None:
            r.entry = cleared or None
            return
        if existing.principal != r.data["principal"]:
            self.error(r.row, "金额(元)", f"系统中为 {existing.principal:,.2f} 元；金额不能由台账修改，"
                                          f"请在{self.noun}页面登记“账务调整”")
        before = self.cleared_before.get(existing.pk, 0)
        if self.has(self.cleared_column) and not r.on_account and cleared != before:
            if cleared < before:
                self.error(r.row, self.cleared_column, f"系统中已登记 {before:,.2f} 元，台账金额更少；"
                                                       f"冲正请在{self.noun}页面办理")
            else:
                r.entry = cleared - before
        data = {k: v for k, v in r.data.items() if k != "principal"}
        if isinstance(r.party, PendingParty) or r.party.pk != getattr(existing, f"{self.party_field}_id"):
            data[self.party_field] = r.party
        r.changes = {k: v for k, v in data.items()
                     if k == self.party_field or getattr(existing, k) != v}

    # --- The same record under another number ---------------------------------------------------

    def _same_record(self, r):
        """The registered record a row without a registered number is (see SameRecords), or None: the same
        party, principal and origin, and the same date it arose (when both have one; exactly, to be taken
        without asking)."""
        if isinstance(r.party, PendingParty):
            return None
        d = r.data
        on = d.get("occurred_on")
        similar = [c for c in self.by_party.get((r.village.pk, r.party.pk), [])
                   if (c.village_id, normalize(c.number)) not in self.in_file and c.principal == d["principal"]
                   and c.origin == d.get("origin") and (on is None or c.occurred_on is None or on == c.occurred_on)]
        exact = [c for c in similar if c.occurred_on == on and c.origin_note == d.get("origin_note", "")]
        found = self.same.find(r.row, r.written, self._describe(r.party.name, d["principal"], on), similar, exact,
                               lambda c: self._describe(getattr(c, self.party_field).name, c.principal,
                                                        c.occurred_on))
        if found is not None:
            r.number = found.number
        return found

    @staticmethod
    def _describe(name, principal, on) -> str:
        return "，".join([name, f"{principal:,.2f} 元", *([f"{on:%Y-%m-%d} 发生"] if on else [])])

    def write(self):
        user = self.rights.user
        self.parties.write(self.audit, user)
        new = []
        for r in self.rows:
            party = r.party.obj if isinstance(r.party, PendingParty) else r.party
            if r.existing is None:
                r.obj = self._new(r, party)
                new.append(r.obj)
            elif self.party_field in r.changes:
                r.changes[self.party_field] = party
        self._create_many(new, user)
        self.outcome.count(self.noun, "新建", len(new))
        updated = entries = 0
        sealing = []
        for r in self.rows:
            record = r.obj or r.existing
            if r.existing is not None and r.changes:
                record = self._update(r, user)
                updated += 1
            if r.entry:
                owner = {"claim": record} if self.model is Claim else {"debt": record}
                entry_record_from_ledger(user=user, kind=r.cleared_kind, amount=r.entry,
                                         entered_on=r.cleared_on,
                                         note=f"{IMPORTED}：{self.cleared_column.removesuffix('(元)')}", **owner)
                entries += 1
            if r.seal:
                sealing.append(record)
        if sealing:
            self._seal(sealing, user)
        self.outcome.count(self.noun, "修改", updated)
        self.outcome.count("清收分录" if self.model is Claim else "化解分录", "新建", entries)

    def _create_many(self, records, user):
        raise NotImplementedError

    def _update(self, r, user):
        return record_update(r.existing, user=user, data=r.changes)

    def _seal(self, records, user):
        pass


class ClaimPlanner(_MoneyPlanner):
    kind = K.CLAIMS
    model = Claim
    noun = "债权"
    number_column, party_column, party_field = "债权编号", "债务人", "debtor"
    number_tag = "ZQ"
    cleared_column, kind_column, date_column = "已清收金额(元)", "清收方式", "清收日期"
    entry_noun = "清收"
    origins, entry_kinds, default_entry = K.CLAIM_ORIGINS, K.CLAIM_ENTRY_KINDS, ClaimEntryKind.CASH

    def _load(self, village_ids):
        super()._load(village_ids)
        self.contracts = {}
        for start in range(0, len(village_ids), 300):
            for pk, village_id, number in Contract.objects.filter(
                    village_id__in=village_ids[start:start + 300]).values_list("pk", "village_id", "number"):
                self.contracts[(village_id, normalize(number))] = pk

    def _parse_more(self, r, row, values):
        d = r.data
        if self.has("到期日期"):
            d["due_date"] = self.read(row, values, "到期日期", day)
        if self.has("账内账外"):
            flag = self.read(row, values, "账内账外", K.BOOK_FLAGS.read, "账内")
            d["in_book"] = BAD if flag is BAD else flag == "账内"
        if self.has("是否封存"):
            r.sealed = self.read(row, values, "是否封存", yes_no)
            if r.sealed is True and not self.rights.may(perms.CLAIM_MANAGE):
                self.error(row, "是否封存", "封存须由乡镇专班或县农经中心办理")
        r.data["contract_number"] = self.optional_text(row, values, "关联合同编号", 60)

    def _resolve(self, r, values):
        number = r.data.pop("contract_number", "")
        r.data["contract_id"] = None
        if number:
            pk = self.contracts.get((r.village.pk, normalize(number)))
            if pk is None:
                self.error(r.row, "关联合同编号", f"本村没有编号为 {number} 的合同")
            r.data["contract_id"] = pk
        elif not self.has("关联合同编号"):
            r.data.pop("contract_id")
        super()._resolve(r, values)
        existing = r.existing
        origin = r.data.get("origin", existing.origin if existing is not None else None)
        tax_era = origin == ClaimOrigin.TAX_ERA
        if tax_era and r.entry and r.cleared is not None:
            self.error(r.row, self.cleared_column, "税费尾欠（三提五统、农业税）一律封存，不由村组织清收，不能登记清收")
        if existing is None:
            # A tax-era claim is sealed as it is created, whatever the file says.
            r.seal = bool(r.sealed) and not tax_era
            return
        if (r.sealed is True or tax_era) and not existing.sealed:
            r.seal = True
        elif r.sealed is False and existing.sealed:
            self.error(r.row, "是否封存", "系统中已封存；解封须由县农经中心在债权页面办理")
        if r.entry and (existing.sealed or r.seal) and r.cleared is not None:
            self.error(r.row, self.cleared_column, "已封存的债权不能登记清收")

    def _new(self, r, party):
        d = r.data
        return Claim(village=r.village, number=r.number, debtor=party, origin=d["origin"],
                     origin_note=d["origin_note"], contract_id=d.get("contract_id"), principal=d["principal"],
                     occurred_on=d.get("occurred_on"), due_date=d.get("due_date"), in_book=d.get("in_book", True),
                     note=d.get("note", ""))

    def _create_many(self, claims, user):
        claims_create(user=user, claims=claims, audit=self.audit)

    def _update(self, r, user):
        claim = record_update(r.existing, user=user, data=r.changes)
        store_clocks([claim])     # a new due date moves the limitation clock
        return claim

    def _seal(self, claims, user):
        claims_seal(user=user, claims=claims, reason="台账记载已封存", on=self.today, audit=self.audit)


class DebtPlanner(_MoneyPlanner):
    kind = K.DEBTS
    model = Debt
    noun = "债务"
    number_column, party_column, party_field = "债务编号", "债权人", "creditor"
    number_tag = "ZW"
    cleared_column, kind_column, date_column = "已化解金额(元)", "化解方式", "化解日期"
    entry_noun = "化解"
    origins, entry_kinds, default_entry = K.DEBT_ORIGINS, K.DEBT_ENTRY_KINDS, "偿还"

    def _new(self, r, party):
        d = r.data
        return Debt(village=r.village, number=r.number, creditor=party, origin=d["origin"],
                    origin_note=d["origin_note"], principal=d["principal"], occurred_on=d.get("occurred_on"),
                    note=d.get("note", ""))

    def _create_many(self, debts, user):
        debts_create(user=user, debts=debts, audit=self.audit)

