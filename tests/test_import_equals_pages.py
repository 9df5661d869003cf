"""A record imported from a ledger is the record the pages make of the same facts: the same fields, the
same problems, and the same audit trail (the import lists in a contract's own entry what the pages record
as entries of their own). Each way is run on its own and undone, so both make the very same record."""
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from contracts.models import Contract
from core.models import AuditEntry
from debts.models import Claim
from ledgers import importer
from ledgers.importer import Rights
from ledgers.testing import workbook
from villages.factories import ParcelFactory, PartyFactory, make_resident_id

ID_ZHANG = make_resident_id(21)
CONTRACT_HEADER = ["序号", "乡镇", "村", "合同编号", "合同名称", "合同类型", "承包方", "证件号码", "联系电话",
                   "标的类型", "标的名称", "地块编号", "面积（亩）", "实测面积\n(亩)", "起始日期", "终止日期",
                   "年承包费（元）", "合同总额(元)", "签订形式", "民主程序", "清理状态", "存在问题", "处置方式", "备注"]
CLAIM_HEADER = ["乡镇", "村", "债权编号", "债务人", "证件号码", "形成原因", "关联合同编号", "发生日期", "到期日期",
                "金额(元)", "账内账外", "已清收金额(元)", "清收方式", "清收日期", "是否封存", "备注"]
NOT_FACTS = {"id", "created_at", "updated_at"}


class _Undo(Exception):
    pass


def made_and_undone(make, describe):
    """`describe(make())`, with everything `make` wrote rolled back afterwards."""
    found = {}
    try:
        with transaction.atomic():
            found.update(describe(make()))
            raise _Undo
    except _Undo:
        pass
    return found


def facts(obj) -> dict:
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in NOT_FACTS}


def created_entry(obj) -> AuditEntry:
    return AuditEntry.objects.get(content_type__model=obj._meta.model_name, object_id=obj.pk,
                                  action=AuditEntry.Action.CREATE)


def entry_shape(entry) -> dict:
    return {"actor": entry.actor_id, "actor_email": entry.actor_email, "object_repr": entry.object_repr,
            "village": entry.village_id, "township": entry.township_id, "county": entry.county_id,
            "record": entry.record, "additional_data": entry.additional_data, "cid": entry.cid}


def import_file(tmp_path, header, rows, kind, user):
    path = tmp_path / f"{kind}.xlsx"
    workbook(header, rows, title_rows=2, path=path)
    outcome = importer.commit(importer.parse(path, kind), kind, Rights.of(user))
    assert outcome.committed and outcome.create == 1, [str(e) for e in outcome.errors]


@pytest.fixture
def subject(personas):
    party = PartyFactory(village=personas.yukou, name="张三", id_number=ID_ZHANG, phone="")
    parcel = ParcelFactory(village=personas.yukou, code="YK-JD-100", name="前坪", kind="机动地",
                           ledger_area_mu=Decimal("12.50"))
    return party, parcel


# --- Contracts ------------------------------------------------------------------------------------


def describe_contract(contract) -> dict:
    """The contract's facts, subjects and problems, and what its audit trail says of its creation."""
    entry = created_entry(contract)
    changes = dict(entry.changes)
    # The import lists the links and the problems in the contract's own entry...
    parcels, problems = changes.pop("parcels", None), changes.pop("problems", None)
    if parcels is None:
        # ...the pages record the links as an entry of their own,
        parcels = AuditEntry.objects.get(content_type__model="contract", object_id=contract.pk,
                                         action=AuditEntry.Action.UPDATE).changes["parcels"]
    if problems is None:
        # and each problem as an entry of its own.
        listed = [e.changes for e in AuditEntry.objects.filter(
            record=f"contract:{contract.pk}", content_type__model="contractproblem", action=AuditEntry.Action.CREATE)]
        problems = {"type": "m2m", "operation": "add",
                    "objects": [f"{c['code'][1]}（{c['status'][1]}）" for c in listed]}
    problems["objects"] = sorted(problems["objects"])
    return {
        "facts": facts(contract),
        "parcels": sorted(contract.parcels.values_list("pk", flat=True)),
        "assets": sorted(contract.assets.values_list("pk", flat=True)),
        "problems": sorted(contract.problems.values_list("code", "reason", "from_rule", "status", "decision_note",
                                                         "decided_by", "decided_at")),
        "created": changes, "entry": entry_shape(entry), "parcel links": parcels, "problem entries": problems,
    }


def test_an_imported_contract_is_the_contract_the_pages_register(personas, subject, client_for, tmp_path):
    party, parcel = subject
    row = [1, "峪口镇", "峪口村", "YK-100", "前坪机动地承包合同", "资源发包", "张三", ID_ZHANG, "", "机动地", "前坪",
           "YK-JD-100", "12.5", None, "2015-03-01", "2035-02-28", "12,000", None, "书面合同", "否", "已查找", "",
           "", "村里的老合同"]

    def imported():
        import_file(tmp_path, CONTRACT_HEADER, [row], "contracts", personas.cadre)
        return Contract.objects.get(number="YK-100")

    def registered():
        response = client_for(personas.cadre).post(reverse("contracts:contract-create"), {
            "village": personas.yukou.pk, "number": "YK-100", "title": "前坪机动地承包合同", "kind": "资源发包",
            "counterparty": party.pk, "parcels": [parcel.pk], "subject_note": "", "area_mu": "12.5",
            "start_date": "2015-03-01", "end_date": "2035-02-28", "annual_fee": "12,000", "total_amount": "",
            "form": "书面合同", "signer": "集体经济组织", "source": "账簿", "note": "村里的老合同"})
        assert response.status_code == 302, response.context["form"].errors
        return Contract.objects.get(number="YK-100")

    from_ledger = made_and_undone(imported, describe_contract)
    from_pages = made_and_undone(registered, describe_contract)
    assert from_ledger["facts"]["annual_fee"] == Decimal("12000.00") and from_ledger["parcels"] == [parcel.pk]
    assert from_ledger["problems"], "the rules propose problems for an unpriced-review 20-year contract"
    for part in from_pages:
        assert from_ledger[part] == from_pages[part], part


# --- Claims ---------------------------------------------------------------------------------------


def describe_claim(claim) -> dict:
    entry = created_entry(claim)
    return {"facts": facts(claim), "created": entry.changes, "entry": entry_shape(entry),
            "entries": list(claim.entries.values_list("kind", "amount")),
            "events": list(claim.events.values_list("kind", "happened_on", "note"))}


def test_an_imported_claim_is_the_claim_the_pages_register(personas, subject, client_for, tmp_path):
    party, _ = subject
    row = ["峪口镇", "峪口村", "ZQ-100", "张三", ID_ZHANG, "借款", "", "2016-05-01", "2017-05-01", "8,000.50", "账外",
           "", "", "", "否", "借给村民修房"]

    def imported():
        import_file(tmp_path, CLAIM_HEADER, [row], "claims", personas.cadre)
        return Claim.objects.get(number="ZQ-100")

    def registered():
        response = client_for(personas.cadre).post(reverse("debts:claim-create"), {
            "village": personas.yukou.pk, "number": "ZQ-100", "debtor": party.pk, "origin": "借款",
            "origin_note": "", "contract": "", "principal": "8,000.50", "occurred_on": "2016-05-01",
            "due_date": "2017-05-01", "note": "借给村民修房"})
        assert response.status_code == 302, response.context["form"].errors
        return Claim.objects.get(number="ZQ-100")

    from_ledger = made_and_undone(imported, describe_claim)
    from_pages = made_and_undone(registered, describe_claim)
    assert from_ledger["facts"]["clock_from"] == date(2017, 5, 1) and not from_ledger["facts"]["in_book"]
    for part in from_pages:
        assert from_ledger[part] == from_pages[part], part
