"""Contracts from a contracts ledger, with their parties, parcels, democratic-procedure placeholders,
problems and dispositions.

A new contract is recorded at the 清理状态 the ledger gives: at 已查找 or 调查中 the ledger's problems
are proposed (to be confirmed in the investigation) beside those the rules propose; from 已认定 on they
are confirmed, and 规范中 / 已规范 carry the disposition chosen. A contract already registered is
updated in its facts only; the ledger does not move its workflow (that is done on its page).

A row is matched by its 合同编号. A row without one, or with one not registered, that has the counterparty,
subject, area and start of a registered contract may be that contract under another number: the user says
which in the preview (planning.SameRecords); a row without a number equal to exactly one contract in every
fact is that contract (a re-import of a ledger that has only 序号). A new contract without a number gets one
(planning.Numbers) and keeps its row's 序号 in its note.
"""
import re
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from contracts import rules as problem_rules
from contracts.bulk import contracts_create, parcels_create, resolution_placeholder, resolution_placeholders_create
from contracts.models import Contract, ContractProblem, ContractState, Disposition, Resolution
from contracts.services import disposition_approval_reason, problems_refresh, rule_settings_for
from contracts.validation import parcels_area
from core import permissions as perms
from core.models import Role
from core.money import format_area
from villages.models import Asset, Parcel

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
    combined_keys,
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
    split_list,
    text,
    yes_no,
)

S = ContractState
EARLY = (S.FOUND, S.INVESTIGATING)
LATER = (S.DETERMINED, S.STANDARDISING, S.STANDARDISED)
PARCEL_KIND_NAMES = frozenset(K.PARCEL_KINDS.names) - {"其他"}
ASSET_KIND_NAMES = frozenset(K.ASSET_KINDS.names)
IMPORTED = "台账导入"
CHUNK = 2500
PROPOSED, CONFIRMED = ContractProblem.Status.PROPOSED, ContractProblem.Status.CONFIRMED

# Figures more likely written in the wrong unit (万元 read as 元, or the reverse) than real: the preview warns,
# nothing is changed. A year's fee under 1 元 a 亩 or over 100,000 元 a 亩 (farmland lets for tens to a couple of
# thousand 元 a 亩, a building site in town for tens of thousands); without an area, a year's fee or a total
# under 10 元; a total over 1 亿元 (no village contract comes near it).
FEE_PER_MU_MIN = Decimal("1")
FEE_PER_MU_MAX = Decimal("100000")
CONTRACT_AMOUNT_MIN = Decimal("10")
CONTRACT_AMOUNT_MAX = Decimal("100000000")


def read_problems(value) -> list[tuple[str, str]]:
    """(code, what the ledger says) for each listed problem; `其他：…` is P12 with its words."""
    found = []
    for item in split_list(value):
        head, sep, tail = item.replace("：", ":").partition(":")
        code = K.PROBLEMS.find(head)
        if code == "P12" or (code is None and sep and normalize(head) in ("其他", "其它")):
            found.append(("P12", tail.strip() or item))
            continue
        code = K.PROBLEMS.find(item)
        leading = re.match(r"^P\d{2}", normalize(item).upper())
        if code is None and leading and leading[0] in K.PROBLEMS.names:
            code = leading[0]      # `P01 未签书面合同`, as the pages label it
        if code is None:
            raise CellError(f"无法识别的问题 \"{item}\"（可填 P01–P12 或问题名称，如：未签书面合同、价格明显偏低）")
        found.append((code, item))
    codes = [c for c, _ in found if c != "P12"]
    if len(codes) != len(set(codes)):
        raise CellError("同一问题列了两次")
    return found


class _Related:
    def __init__(self, items):
        self.items = items

    def all(self):
        return self.items


class RuleView:
    """A contract not yet saved, as the pure rules read it (parcels, assets, schedule, attachments)."""

    def __init__(self, contract, parcels, assets):
        self._contract = contract
        self.parcels, self.assets = _Related(parcels), _Related(assets)
        self.instalments, self.attachments = _Related([]), _Related([])

    def __getattr__(self, name):
        return getattr(self._contract, name)


class Row:
    __slots__ = ("row", "village", "number", "existing", "party", "data", "parcels", "assets", "procedure",
                 "state", "problems", "disposition", "changes", "subject_changes", "new_problems", "obj",
                 "resolution", "party_raw", "written", "serial")

    def __init__(self, row, village, number):
        self.row, self.village, self.number = row, village, number
        self.written = number     # the number in the file ("" for none: one is made, or a record found)
        self.serial = ""          # the file's 序号
        self.existing = self.party = None
        self.data, self.changes = {}, {}
        self.parcels = self.assets = None
        self.procedure = self.state = self.disposition = None
        self.problems, self.new_problems = [], []
        self.subject_changes = False
        self.obj = self.resolution = self.party_raw = None


class ContractPlanner(Planner):
    kind = K.CONTRACTS

    def plan(self):
        rows = []
        id_numbers = set()
        self.conversions = Conversions.of(self.sheet)
        for done, (row, values) in enumerate(self.data_rows(), start=1):
            self.progress(done, f"已核对 {done:,} 行")
            parsed = self._parse(row, values)
            if parsed is not None:
                rows.append(parsed)
                raw_id = parsed.party_raw[1]
                if not is_blank(raw_id) and "*" not in text(raw_id):
                    try:
                        id_numbers.add(read_id_number(raw_id)[0])
                    except CellError:
                        pass
        for column, message in self.conversions.warnings():
            self.warn(None, column, message)
        village_ids = {r.village.pk for r in rows}
        self.parties = Parties(self, id_numbers, village_ids)
        self.numbers = Numbers()
        self.same = SameRecords(self, "合同", "合同编号")
        self._load_existing(village_ids)
        # A registered contract whose number the file lists is that row's, never another row's "same record".
        self.in_file = set()
        for r in rows:
            if r.number:
                self.in_file.add((r.village.pk, normalize(r.number)))
                self.numbers.take(r.village.pk, r.number)
        seen = {}
        self.rows = []
        for r in rows:
            if r.number and self.duplicate(seen, (r.village.pk, normalize(r.number)), r.row, "合同编号"):
                continue
            self._resolve(r)
            if not self.is_bad(r.row):
                self.rows.append(r)
        for r in self.rows:
            if not r.number:
                start = r.data.get("start_date")
                r.number = self.numbers.make(r.village, start.year if start not in (None, BAD) else self.today.year)
                self.warn(r.row, "合同编号", f"编号由系统生成：{r.number}")
        for r in self.rows:
            label = f"合同 {r.number} {getattr(r.party, 'name', '')}".strip()
            if r.existing is None:
                self.planned(r.row, CREATE, label)
            elif r.changes or r.subject_changes or r.new_problems or r.resolution is not None:
                more = "、".join(w for w, on in (("标的", r.subject_changes), ("问题", r.new_problems),
                                                 ("民主程序", r.resolution is not None)) if on)
                self.planned(r.row, UPDATE, label, r.existing, r.changes, f"另改{more}" if more else "")
            else:
                self.planned(r.row, SAME, label)

    # --- Reading one row ------------------------------------------------------------------------

    def _area(self, row, values, name):
        return self.read(row, values, name, self.conversions.area, name, row)

    def _money(self, row, values, name):
        return self.read(row, values, name, self.conversions.amount, name, row)

    def _parse(self, row, values):
        village = self.village(row, values)
        number = self.optional_text(row, values, "合同编号", 60) if self.has("合同编号") else ""
        r = Row(row, village, number)
        r.serial = serial_of(self.raw(values, "序号")) if self.has("序号") else ""
        d = r.data
        if self.has("合同名称"):
            d["title"] = self.optional_text(row, values, "合同名称", 200)
        d["kind"] = self.read(row, values, "合同类型", K.CONTRACT_KINDS.read) if self.has("合同类型") else None
        self.required_text(row, values, "承包方", 100)
        self.optional_text(row, values, "联系电话", 30)
        d["subject_kind"] = self.read(row, values, "标的类型", K.SUBJECT_KINDS.read)
        written = text(self.raw(values, "标的类型"))
        # `河滩地` is 其他: the ledger's word is kept (in the note, and on a parcel made from the row).
        d["subject_words"] = written if d["subject_kind"] == "其他" and normalize(written) not in K.OTHER else ""
        d["subject_name"] = self.optional_text(row, values, "标的名称", 100)
        d["codes"] = [c for c in split_list(self.raw(values, "地块编号")) if c] if self.has("地块编号") else None
        if self.has("面积(亩)"):
            d["area_mu"] = self.positive(row, "面积(亩)", self._area(row, values, "面积(亩)"))
        d["measured"] = self.positive(row, "实测面积(亩)", self._area(row, values, "实测面积(亩)"))
        if self.has("起始日期"):
            d["start_date"] = self.read(row, values, "起始日期", day)
        if self.has("终止日期"):
            d["end_date"] = self.read(row, values, "终止日期", day, open_end=True, end=True)
        start, end = d.get("start_date"), d.get("end_date")
        if start not in (None, BAD) and end not in (None, BAD) and end <= start:
            self.error(row, "终止日期", "终止日期须晚于起始日期")
        if self.has("年承包费(元)"):
            d["annual_fee"] = self._money(row, values, "年承包费(元)")
        if self.has("合同总额(元)"):
            d["total_amount"] = self._money(row, values, "合同总额(元)")
        d["form"] = self.read(row, values, "签订形式", K.CONTRACT_FORMS.read) if self.has("签订形式") else None
        if self.has("备注"):
            d["note"] = self.optional_text(row, values, "备注", 5000)
        if d["subject_words"]:
            self._keep_subject_words(row, d)
        self._magnitudes(row, d)
        if self.has("证件号码"):
            self.read(row, values, "证件号码", id_cell)
        r.procedure = self.read(row, values, "民主程序", yes_no) if self.has("民主程序") else None
        r.state = self.read(row, values, "清理状态", K.CONTRACT_STATES.read) if self.has("清理状态") else None
        r.problems = self.read(row, values, "存在问题", read_problems) if self.has("存在问题") else None
        r.disposition = self.read(row, values, "处置方式", K.DISPOSITIONS.read) if self.has("处置方式") else None
        if village is None or self.is_bad(row):
            return None
        r.party_raw = (text(self.raw(values, "承包方")), self.raw(values, "证件号码"),
                       text(self.raw(values, "联系电话")) if self.has("联系电话") else "")
        return r

    def _magnitudes(self, row, d):
        """A fee or a total that looks written in the wrong unit is named in the preview (and kept as read)."""
        fee, total, area_mu = (_ok(d.get(name)) for name in ("annual_fee", "total_amount", "area_mu"))
        if fee:
            wan = in_wan(self.conversions, "年承包费(元)", row)
            if area_mu:
                per_mu = fee / area_mu
                if not FEE_PER_MU_MIN <= per_mu <= FEE_PER_MU_MAX:
                    self.warn(row, "年承包费(元)",
                              magnitude("年承包费", fee, per_mu < FEE_PER_MU_MIN, wan, per_mu=per_mu))
            elif not CONTRACT_AMOUNT_MIN <= fee <= CONTRACT_AMOUNT_MAX:
                self.warn(row, "年承包费(元)", magnitude("年承包费", fee, fee < CONTRACT_AMOUNT_MIN, wan))
        if total:
            wan = in_wan(self.conversions, "合同总额(元)", row)
            if not CONTRACT_AMOUNT_MIN <= total <= CONTRACT_AMOUNT_MAX:
                self.warn(row, "合同总额(元)", magnitude("合同总额", total, total < CONTRACT_AMOUNT_MIN, wan))
            elif fee and total < fee:
                self.warn(row, "合同总额(元)", f"合同总额 {total:,.2f} 元小于年承包费 {fee:,.2f} 元，"
                                             "请核对单位是否为万元")

    def _keep_subject_words(self, row, d):
        words = d["subject_words"]
        if not self.has("备注"):
            self.warn(row, "标的类型", f"“{words}”记为“其他”")
            return
        tag = f"标的类型：{words}"
        if tag not in d["note"]:
            d["note"] = f"{d['note']}；{tag}"[:5000] if d["note"] else tag
        self.warn(row, "标的类型", f"“{words}”记为“其他”，原文记入备注")

    def _load_existing(self, village_ids):
        self.contracts, self.parcels_by_code, self.assets_by_name = {}, {}, defaultdict(list)
        self.by_party = defaultdict(list)
        ids = sorted(village_ids)
        for start in range(0, len(ids), 300):
            chunk = ids[start:start + 300]
            found = (Contract.objects.filter(village_id__in=chunk)
                     .select_related("counterparty", "resolution", "disposition", "village__township")
                     .prefetch_related("parcels", "assets", "problems"))
            for contract in found:
                self.contracts[(contract.village_id, normalize(contract.number))] = contract
                self.by_party[(contract.village_id, contract.counterparty_id)].append(contract)
                self.numbers.take(contract.village_id, contract.number)
            for parcel in Parcel.objects.filter(village_id__in=chunk):
                self.parcels_by_code[(parcel.village_id, normalize(parcel.code))] = parcel
            for asset in Asset.objects.filter(village_id__in=chunk):
                self.assets_by_name[(asset.village_id, normalize(asset.name))].append(asset)
        self.new_parcels, self.parcel_updates = {}, {}

    # --- Matching a row with what is registered ------------------------------------------------

    def _resolve(self, r: Row):
        row, village = r.row, r.village
        r.existing = existing = self.contracts.get((village.pk, normalize(r.number))) if r.number else None
        name, id_raw, phone = r.party_raw
        r.party = self.parties.resolve(row, village, name, id_raw, phone, "证件号码", "承包方")
        self._subject(r)
        if existing is None and r.party is not BAD and not self.is_bad(row):
            r.existing = existing = self._same_record(r)
        if self.is_bad(row):
            return
        if r.serial and not r.written:
            # A record the system numbers keeps its row's 序号; a row matched to a record keeps the record's note.
            r.data["note"] = with_serial(r.data["note"] if "note" in r.data else getattr(existing, "note", ""),
                                         r.serial)
        state = r.state or (existing.state if existing else S.FOUND)
        if existing is None:
            self._check_new_workflow(r, state)
        else:
            self._check_workflow_unchanged(r, existing)
        if self.is_bad(row):
            return
        if existing is None:
            self._area_from_parcels(r)
            return
        self._changes(r, existing)
        if r.written != existing.number and (r.changes or r.subject_changes or r.new_problems or r.resolution):
            written = f"台账编号 {r.written}" if r.written else "未填合同编号"
            self.warn(row, "合同编号", f"{written}，按已登记的合同 {existing.number} 更新")

    def _area_from_parcels(self, r: Row):
        """A new contract whose row names parcels but no area takes their total ledger area, as one registered
        on its page does (the low-price rule needs an area); the preview says so."""
        if r.parcels and r.data.get("area_mu") is None:
            total = parcels_area(r.parcels)
            r.data["area_mu"], r.data["area_from_parcels"] = total, True
            codes = "、".join(p.code for p in r.parcels)
            self.warn(r.row, "面积(亩)", f"未填面积，按地块 {codes} 的台账面积合计记为 {format_area(total)} 亩")

    # --- The same contract under another number -------------------------------------------------

    def _same_record(self, r: Row):
        """The registered contract a row without a registered number is (see SameRecords), or None."""
        if isinstance(r.party, PendingParty):
            return None
        pool = [c for c in self.by_party.get((r.village.pk, r.party.pk), [])
                if (c.village_id, normalize(c.number)) not in self.in_file]
        similar = [c for c in pool if self._similar(r, c)]
        exact = [c for c in similar if self._exact(r, c)]
        found = self.same.find(r.row, r.written, self._describe_row(r), similar, exact, self._describe)
        if found is not None:
            r.number = found.number
        return found

    def _same_subject(self, r: Row, contract):
        """True, False, or None when the row names no subject and the contract has one."""
        parcels, assets = list(contract.parcels.all()), list(contract.assets.all())
        if r.parcels:
            return all(p.pk for p in r.parcels) and {p.pk for p in r.parcels} == {p.pk for p in parcels}
        if r.assets:
            return {a.pk for a in r.assets} == {a.pk for a in assets}
        d = r.data
        if not d["subject_note"]:
            return None if (parcels or assets or contract.subject_note) else True
        if parcels or assets:
            return normalize(d["subject_name"]) == normalize("、".join(x.name for x in parcels or assets))
        return normalize(d["subject_note"]) == normalize(contract.subject_note)

    def _similar(self, r: Row, contract) -> bool:
        """The same counterparty (by the index), subject, area (when both have one) and start date (when
        the file has the column)."""
        d = r.data
        if self._same_subject(r, contract) is False:
            return False
        area_mu = _ok(d.get("area_mu"))
        if area_mu is not None and contract.area_mu is not None and area_mu != contract.area_mu:
            return False
        return "start_date" not in d or _ok(d["start_date"]) == contract.start_date

    def _exact(self, r: Row, contract) -> bool:
        d = r.data
        return (self._same_subject(r, contract) is True and _ok(d.get("area_mu")) == contract.area_mu
                and _ok(d.get("start_date")) == contract.start_date
                and _ok(d.get("annual_fee")) == contract.annual_fee)

    @staticmethod
    def _facts(name, start, area_mu) -> str:
        facts = [name]
        if start:
            facts.append(f"{start:%Y-%m-%d} 起")
        if area_mu is not None:
            facts.append(f"{area_mu:,.2f} 亩")
        return "，".join(facts)

    def _describe(self, contract) -> str:
        return self._facts(contract.counterparty.name, contract.start_date, contract.area_mu)

    def _describe_row(self, r: Row) -> str:
        d = r.data
        return self._facts(r.party.name, _ok(d.get("start_date")), _ok(d.get("area_mu")))

    def _subject(self, r: Row):
        """Parcels by 地块编号 (new ones made from the row), else an asset by name, else a note."""
        d, village, row = r.data, r.village, r.row
        kind, name, codes = d["subject_kind"], d["subject_name"], d["codes"]
        r.parcels, r.assets = [], []
        if codes:
            for code in codes:
                key = (village.pk, normalize(code))
                parcel = self.parcels_by_code.get(key) or self.new_parcels.get(key)
                if parcel is None:
                    if len(codes) > 1:
                        self.error(row, "地块编号", f"地块 {code} 不在本村台账中；列多个地块时，请先导入地块台账")
                        continue
                    if d.get("area_mu") in (None, BAD):
                        self.error(row, "面积(亩)", f"地块 {code} 不在本村台账中，新建地块须填写面积")
                        continue
                    parcel_kind = kind if kind in PARCEL_KIND_NAMES else "其他"
                    if kind not in PARCEL_KIND_NAMES and not d["subject_words"]:
                        self.warn(row, "标的类型", f"新建地块 {code} 没有地块类型，记为“其他”")
                    parcel = Parcel(village=village, code=code[:50], name=(name or code)[:100], kind=parcel_kind,
                                    ledger_area_mu=d["area_mu"], state=Parcel.State.LET,
                                    note=f"资源类型：{d['subject_words']}" if d["subject_words"] else "")
                    if d["measured"] not in (None, BAD):
                        parcel.measured_area_mu = d["measured"]
                    self.new_parcels[key] = parcel
                r.parcels.append(parcel)
            if len(r.parcels) == 1 and d["measured"] not in (None, BAD) and r.parcels[0].pk:
                parcel = r.parcels[0]
                if parcel.measured_area_mu != d["measured"]:
                    self.parcel_updates[parcel.pk] = (parcel, {"measured_area_mu": d["measured"]})
            d["subject_note"] = ""
            return
        if kind in ASSET_KIND_NAMES and name:
            assets = self.assets_by_name.get((village.pk, normalize(name)), [])
            if len(assets) == 1:
                r.assets = assets
                d["subject_note"] = ""
                return
        d["subject_note"] = (f"{kind}：{name}" if kind and name else kind or name or "")[:200]

    def _check_new_workflow(self, r: Row, state):
        row = r.row
        problems = r.problems or []
        if state in LATER and not self.rights.may(perms.CONTRACT_DETERMINE):
            self.error(row, "清理状态", f"“{state}”的合同须由乡镇专班或县农经中心导入（认定属乡镇的职责）")
        if r.disposition and state not in (S.STANDARDISING, S.STANDARDISED):
            self.error(row, "处置方式", "只有清理状态为规范中、已规范的合同才有处置方式")
        if state in (S.STANDARDISING, S.STANDARDISED):
            if not r.disposition:
                self.error(row, "处置方式", f"清理状态为“{state}”时须填写处置方式")
            if not problems:
                self.error(row, "存在问题", f"清理状态为“{state}”时须列出存在问题（合规合同无需处置）")

    def _check_workflow_unchanged(self, r: Row, existing):
        row = r.row
        if r.state and r.state != existing.state:
            self.error(row, "清理状态", f"系统中为“{existing.state}”，台账为“{r.state}”；"
                                    "台账导入不改变已登记合同的清理进度，请在合同页面办理")
        current = {p.code for p in existing.problems.all() if p.status != ContractProblem.Status.DISMISSED}
        for code, words in r.problems or []:
            if code == "P12" and "P12" in current:
                continue
            if code not in current:
                if existing.state in EARLY:
                    r.new_problems.append((code, words))
                else:
                    self.error(row, "存在问题", f"合同已认定，不能由台账增加问题 {code}，请在合同页面办理")
        kind = getattr(getattr(existing, "disposition", None), "kind", None)
        if r.disposition and r.disposition != kind:
            self.error(row, "处置方式", f"系统中为“{kind or '无'}”，台账为“{r.disposition}”；处置请在合同页面办理")

    def _changes(self, r: Row, existing):
        d = r.data
        wanted = {}
        for name in ("title", "kind", "form"):
            if d.get(name):
                wanted[name] = d[name]
        for name in ("area_mu", "start_date", "end_date", "annual_fee", "total_amount", "note"):
            if name in d:
                wanted[name] = d[name]
        if self.has("标的类型") or self.has("标的名称") or self.has("地块编号"):
            if not (r.parcels or r.assets):
                # With a parcel or an asset the subject is that record; a note kept beside it stays as it is.
                wanted["subject_note"] = d["subject_note"]
            if {p.pk for p in existing.parcels.all()} != {p.pk for p in r.parcels} or \
                    {a.pk for a in existing.assets.all()} != {a.pk for a in r.assets}:
                r.subject_changes = True
        if isinstance(r.party, PendingParty) or r.party.pk != existing.counterparty_id:
            wanted["counterparty"] = r.party
        r.changes = {k: v for k, v in wanted.items() if k == "counterparty" or getattr(existing, k) != v}
        if r.procedure is True and existing.resolution_id is None:
            r.resolution = "new"
        elif r.procedure is False and existing.resolution_id is not None:
            if existing.resolution.details_pending:
                r.changes["resolution"] = None
            else:
                self.error(r.row, "民主程序", "系统中已关联民主决策记录，台账不能取消，请在合同页面修改")
        touched = r.changes or r.subject_changes or r.resolution
        if touched and existing.state == S.STANDARDISED:
            self.error(r.row, "合同编号", "合同已规范，不能再由台账修改；如需变更，请通过补充协议等处置办理")
        elif touched and existing.state in (S.DETERMINED, S.STANDARDISING) and self.rights.user.role == Role.VILLAGE:
            self.error(r.row, "合同编号", "合同已由乡镇认定，村里不能再由台账修改合同内容")

    # --- Writing --------------------------------------------------------------------------------

    def write(self):
        """New contracts are written a chunk at a time (with the parties, parcels and placeholders they
        need first), so that memory holds one chunk of new records, not the whole county's."""
        from villages.services import parcel_update

        user, now = self.rights.user, timezone.now()
        self.new_parcels = {}       # the rows hold the new parcels they need; nothing else should
        for parcel, changes in self.parcel_updates.values():
            parcel_update(user=user, parcel=parcel, data=changes)
        self.outcome.count("地块", "修改", len(self.parcel_updates))
        creating = [r for r in self.rows if r.existing is None]
        for start in range(0, len(creating), CHUNK):
            chunk = creating[start:start + CHUNK]
            self._create(chunk, user, now)
            for r in chunk:
                r.obj = r.data = r.parcels = r.assets = r.resolution = r.problems = r.party_raw = None
            if self.report:
                self.report(start + len(chunk), len(creating), f"已写入 {start + len(chunk):,} 份合同")
        updating = [r for r in self.rows if r.existing is not None]
        with self.timed("parties"):
            self.parties.create([r.party for r in updating], self.audit)
            self.parties.update(user)
        self._placeholders(updating, user)
        self._updates(user)

    def _placeholders(self, rows, user):
        placeholders = []
        for r in rows:
            if (r.existing is None and r.procedure) or r.resolution == "new":
                r.resolution = resolution_placeholder(
                    user=user, village=r.village, title=f"{r.number} {r.data.get('title') or ''}".strip())
                placeholders.append(r.resolution)
        with self.timed("resolutions"):
            resolution_placeholders_create(user=user, resolutions=placeholders, audit=self.audit)
        self.outcome.count("民主决策记录（待补录）", "新建", len(placeholders))

    def _create(self, creating, user, now):
        with self.timed("parties"):
            self.parties.create([r.party for r in creating], self.audit)
        new_parcels = list({id(p): p for r in creating for p in r.parcels if p.pk is None}.values())
        with self.timed("parcels"):
            parcels_create(user=user, parcels=new_parcels, audit=self.audit)
        self.outcome.count("地块", "新建", len(new_parcels))
        self._placeholders(creating, user)
        for r in creating:
            d = r.data
            party = r.party.obj if isinstance(r.party, PendingParty) else r.party
            kind = d["kind"] or ("资产租赁" if r.assets else "资源发包")
            title = d.get("title") or f"{d['subject_name'] or d['subject_kind'] or ''}承包合同"
            if title == "承包合同":
                title = f"{r.number} 承包合同"
            r.obj = Contract(
                village=r.village, number=r.number, title=title[:200], kind=kind, counterparty=party,
                subject_note=d["subject_note"], area_mu=_ok(d.get("area_mu")),
                area_from_parcels=d.get("area_from_parcels", False), start_date=_ok(d.get("start_date")),
                end_date=_ok(d.get("end_date")), annual_fee=_ok(d.get("annual_fee")),
                total_amount=_ok(d.get("total_amount")), form=d["form"] or "书面合同",
                resolution=r.resolution if isinstance(r.resolution, Resolution) else None,
                state=r.state or S.FOUND, note=d.get("note", ""),
                search_keys=combined_keys(title[:200], party.name))
        with self.timed("rules"):
            problems, dispositions, extras = self._problems_and_dispositions(creating, user, now)
        contracts = [r.obj for r in creating]
        with self.timed("contracts"):
            contracts_create(user=user, contracts=contracts, parcels=[r.parcels for r in creating],
                             assets=[r.assets for r in creating], problems=problems, dispositions=dispositions,
                             extras=extras, audit=self.audit)
        self.outcome.count("合同", "新建", len(contracts))
        self.outcome.count("合同问题", "新建", len(problems))
        self.outcome.count("处置", "新建", len(dispositions))

    def _problems_and_dispositions(self, creating, user, now):
        """Problems of the ledger and of the rules, and dispositions, for contracts about to be inserted;
        with what each contract's audit entry lists of them."""
        today, rules_of = self.today, {}
        problems, dispositions, extras = [], [], []
        for r in creating:
            contract = r.obj
            county = r.village.township.county
            if county.pk not in rules_of:
                rules_of[county.pk] = rule_settings_for(county)
            rules = rules_of[county.pk]
            listed = r.problems or []
            if contract.state in EARLY:
                own = [ContractProblem(contract=contract, code=code, reason=f"台账登记：{words}", from_rule=False,
                                       status=PROPOSED) for code, words in listed]
                have = {code for code, _ in listed}
                view = RuleView(contract, r.parcels, r.assets)
                own += [ContractProblem(contract=contract, code=p.code, reason=p.reason, from_rule=True,
                                        status=PROPOSED)
                        for p in problem_rules.evaluate(view, rules, today) if p.code not in have]
            else:
                own = [ContractProblem(contract=contract, code=code, reason=f"台账登记：{words}", from_rule=False,
                                       status=CONFIRMED, decision_note=IMPORTED, decided_by=user, decided_at=now)
                       for code, words in listed]
                contract.is_compliant = not listed
            problems += own
            extra = {"problems": {"type": "m2m", "operation": "add",
                                  "objects": [f"{p.code}（{p.status}）" for p in own]}} if own else {}
            if r.parcels:
                extra["parcels"] = {"type": "m2m", "operation": "add", "objects": [str(p) for p in r.parcels]}
            if r.assets:
                extra["assets"] = {"type": "m2m", "operation": "add", "objects": [str(a) for a in r.assets]}
            if r.disposition:
                disposition = self._disposition(r, contract, rules, user, now)
                dispositions.append(disposition)
                extra["disposition"] = ["None", f"{disposition.kind}（{disposition.approval}）"]
            extras.append(extra)
        return problems, dispositions, extras

    def _disposition(self, r, contract, rules, user, now):
        reason = disposition_approval_reason(contract, r.disposition, rules)
        approval = Disposition.Approval.PENDING if reason else Disposition.Approval.NOT_NEEDED
        disposition = Disposition(contract=contract, kind=r.disposition, chosen_by=user, chosen_at=now,
                                  plan=f"{IMPORTED}：处置方式为{r.disposition}，方案详情待补录。",
                                  approval=approval, approval_reason=reason)
        if contract.state == S.STANDARDISED:
            if reason:
                disposition.approval, disposition.approved_by, disposition.approved_at = (
                    Disposition.Approval.APPROVED, user, now)
                disposition.approval_note = f"{IMPORTED}：台账记载已办结"
                contract.county_approved = True
            disposition.completed_by, disposition.completed_at = user, now
            disposition.completion_note = f"{IMPORTED}：台账记载已规范，办结凭证待补录。"
        return disposition

    def _updates(self, user):
        from core.services import record_update

        updated = 0
        for r in self.rows:
            existing = r.existing
            if existing is None or not (r.changes or r.subject_changes or r.new_problems or r.resolution):
                continue
            changes = dict(r.changes)
            if "counterparty" in changes and isinstance(changes["counterparty"], PendingParty):
                changes["counterparty"] = changes["counterparty"].obj
            if isinstance(r.resolution, Resolution):
                changes["resolution"] = r.resolution
            party = changes.get("counterparty", existing.counterparty)
            title = changes.get("title", existing.title)

            def prepare(contract, title=title, party=party):
                contract.search_keys = combined_keys(title, party.name)

            contract = record_update(existing, user=user, data=changes, prepare=prepare)
            if r.subject_changes:
                contract.parcels.set(r.parcels)
                contract.assets.set(r.assets)
            for code, words in r.new_problems:
                ContractProblem.objects.create(contract=contract, code=code, reason=f"台账登记：{words}",
                                               from_rule=False)
            problems_refresh(contract=contract, user=user)
            updated += 1
        self.outcome.count("合同", "修改", updated)


def _ok(value):
    return None if value is BAD else value
