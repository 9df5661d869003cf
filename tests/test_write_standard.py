"""Every write is held to the role's right and the user's scope, locked and audited; reading a page
writes nothing; and a contract knows of its claims only the mark its instalments carry."""
import ast
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contracts import services as contract_services
from contracts.factories import ContractFactory
from contracts.models import Attachment, Contract, ContractProblem, ContractState, Instalment
from core.models import AuditEntry
from debts.models import Claim
from debts.services import claims_from_contract, entry_record, entry_reverse
from places.factories import GroupFactory
from places.models import Village
from villages import services as village_services
from villages.factories import AssetFactory, ParcelFactory, PartyFactory
from villages.models import Asset, Parcel, Party

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ledger(personas):
    group = GroupFactory(village=personas.yukou, name="一组")
    return dict(
        group=group,
        party=PartyFactory(village=personas.yukou, group=group, name="张三"),
        parcel=ParcelFactory(village=personas.yukou, code="YK-JD-001", name="前坪"),
        asset=AssetFactory(village=personas.yukou, code="YK-ZC-001", name="临街门面房"),
    )


@pytest.fixture
def contract_with_fees(personas):
    """Fees of 3,500.00 due each 1 March from 2020; the 2020 fee is paid."""
    contract = ContractFactory(village=personas.yukou, number="HT-2020-009")
    instalments = contract_services.schedule_generate_annual(user=personas.accountant, contract=contract)
    contract_services.instalment_record_payment(user=personas.accountant, instalment=instalments[0],
                                                amount=Decimal("3500.00"), paid_on=date(2020, 3, 1))
    return contract


# --- Places, parties, parcels and assets -----------------------------------------------------------


def village_writes(p, ledger):
    """Each write of the villages app, as a user of 峪口 would make it."""
    return {
        "village_update": lambda user: village_services.village_update(
            user=user, village=p.yukou, data={"note": "改"}),
        "group_create": lambda user: village_services.group_create(
            user=user, village=p.yukou, data={"name": "九组"}),
        "group_update": lambda user: village_services.group_update(
            user=user, group=ledger["group"], data={"leader": "某人"}),
        "party_create": lambda user: village_services.party_create(
            user=user, data={"kind": "person", "name": "新人", "village": p.yukou}),
        "party_update": lambda user: village_services.party_update(
            user=user, party=ledger["party"], data={"phone": "13900000000"}),
        "party_delete": lambda user: village_services.party_delete(user=user, party=ledger["party"]),
        "parcel_create": lambda user: village_services.parcel_create(user=user, data={
            "village": p.yukou, "code": "YK-JD-099", "name": "后坪", "kind": "机动地",
            "ledger_area_mu": Decimal("1.00")}),
        "parcel_update": lambda user: village_services.parcel_update(
            user=user, parcel=ledger["parcel"], data={"name": "前坪地"}),
        "parcel_delete": lambda user: village_services.parcel_delete(user=user, parcel=ledger["parcel"]),
        "asset_create": lambda user: village_services.asset_create(user=user, data={
            "village": p.yukou, "code": "YK-ZC-099", "name": "仓库", "kind": "房屋"}),
        "asset_update": lambda user: village_services.asset_update(
            user=user, asset=ledger["asset"], data={"name": "门面房"}),
        "asset_delete": lambda user: village_services.asset_delete(user=user, asset=ledger["asset"]),
    }


VILLAGE_WRITES = ["village_update", "group_create", "group_update", "party_create", "party_update", "party_delete",
                  "parcel_create", "parcel_update", "parcel_delete", "asset_create", "asset_update", "asset_delete"]


def ledger_state():
    return (list(Village.objects.values_list("note", flat=True).order_by("pk")),
            sorted(Party.objects.values_list("name", "phone")), sorted(Parcel.objects.values_list("code", "name")),
            sorted(Asset.objects.values_list("code", "name")), AuditEntry.objects.count())


@pytest.mark.parametrize("write", VILLAGE_WRITES)
def test_another_townships_cadre_cannot_write_to_a_village_outside_the_scope(personas, ledger, write):
    before = ledger_state()
    with pytest.raises(PermissionDenied):
        village_writes(personas, ledger)[write](personas.outsider)
    assert ledger_state() == before


@pytest.mark.parametrize("write", VILLAGE_WRITES)
@pytest.mark.parametrize("who", ["inspector", "collector"])
def test_a_role_without_the_right_cannot_write_to_the_village_ledger(personas, ledger, write, who):
    before = ledger_state()
    with pytest.raises(PermissionDenied):
        village_writes(personas, ledger)[write](getattr(personas, who))
    assert ledger_state() == before


def test_a_village_accountant_may_not_change_the_village_itself(personas, ledger):
    with pytest.raises(PermissionDenied, match="不能修改村信息"):
        village_services.village_update(user=personas.accountant, village=personas.yukou, data={"note": "改"})


@pytest.mark.parametrize("write", [w for w in VILLAGE_WRITES if w != "village_update"])
def test_the_village_accountant_keeps_every_ledger_write_of_the_village(personas, ledger, write):
    before = AuditEntry.objects.count()
    village_writes(personas, ledger)[write](personas.accountant)
    assert AuditEntry.objects.count() > before


def test_a_village_is_added_only_under_a_township_of_the_scope(personas):
    data = {"name": "新村", "code": "X01"}
    with pytest.raises(PermissionDenied):
        village_services.village_create(user=personas.cadre, data={**data, "township": personas.jicui_town})
    village = village_services.village_create(user=personas.cadre, data={**data, "township": personas.yukou_town})
    assert village.township == personas.yukou_town


def test_a_party_cannot_be_moved_to_a_village_outside_the_scope(personas, ledger):
    with pytest.raises(PermissionDenied):
        village_services.party_update(user=personas.accountant, party=ledger["party"],
                                      data={"village": personas.tuwu})
    assert Party.objects.get(pk=ledger["party"].pk).village == personas.yukou


def test_the_pages_answer_404_outside_the_scope_and_403_without_the_right(personas, ledger, client_for):
    url = reverse("villages:party-update", args=[ledger["party"].pk])
    data = {"kind": "person", "name": "李四", "village": personas.yukou.pk}
    assert client_for(personas.outsider).post(url, data).status_code == 404
    assert client_for(personas.inspector).post(url, data).status_code == 403
    assert Party.objects.get(pk=ledger["party"].pk).name == "张三"


# --- Contracts ------------------------------------------------------------------------------------


def test_writes_to_a_contracts_schedule_and_files_are_refused_outside_the_scope(personas, contract_with_fees):
    instalment = contract_with_fees.instalments.order_by("due_date")[1]
    before = AuditEntry.objects.count()
    for write in (
        lambda: contract_services.instalment_record_payment(user=personas.outsider, instalment=instalment,
                                                            amount=Decimal("1.00"), paid_on=date(2021, 3, 1)),
        lambda: contract_services.instalment_delete(user=personas.outsider, instalment=instalment),
        lambda: contract_services.attachment_add(user=personas.outsider, contract=contract_with_fees,
                                                 kind="合同文本", upload=SimpleUploadedFile("合同.pdf", PDF)),
    ):
        with pytest.raises(PermissionDenied):
            write()
    instalment.refresh_from_db()
    assert instalment.paid_amount == Decimal("0")
    assert not Attachment.objects.exists()
    assert AuditEntry.objects.count() == before


def test_the_payment_page_answers_404_outside_the_scope_and_403_without_the_right(personas, contract_with_fees,
                                                                                  client_for):
    instalment = contract_with_fees.instalments.order_by("due_date")[1]
    url = reverse("contracts:instalment-pay", args=[instalment.pk])
    data = {"amount": "100.00", "paid_on": "2021-03-02"}
    assert client_for(personas.outsider).post(url, data).status_code == 404
    assert client_for(personas.inspector).post(url, data).status_code == 403
    instalment.refresh_from_db()
    assert instalment.paid_amount == Decimal("0")


@pytest.fixture
def awaiting_determination(personas):
    contract = ContractFactory(village=personas.yukou, number="YK-009")
    contract = contract_services.contract_start_investigation(user=personas.accountant, contract=contract)
    contract_services.investigation_save(user=personas.accountant, contract=contract, data=dict(
        investigated_on=date(2026, 11, 20), investigators="薛文斌", parcel_check="四至清楚", findings="属实"))
    # A fee that fell due after the last write to the contract: only a fresh look at the rules finds it.
    Instalment.objects.create(contract=contract, due_date=timezone.localdate() - timedelta(days=3),
                              amount=Decimal("3500.00"))
    return Contract.objects.get(pk=contract.pk)


def test_reading_the_determination_page_writes_nothing(personas, awaiting_determination, client_for):
    contract = awaiting_determination
    audit_rows = AuditEntry.objects.count()
    problems = list(ContractProblem.objects.values_list("pk", "code", "reason", "status"))

    page = client_for(personas.cadre).get(reverse("contracts:contract-determine", args=[contract.pk]))

    assert page.status_code == 200
    assert "P05" in {p.code for p in page.context["form"].problems}
    assert AuditEntry.objects.count() == audit_rows
    assert list(ContractProblem.objects.values_list("pk", "code", "reason", "status")) == problems
    assert Contract.objects.get(pk=contract.pk).version == contract.version


def test_the_determination_page_lists_what_the_rules_would_record(personas, awaiting_determination, client_for):
    contract = awaiting_determination
    page = client_for(personas.cadre).get(reverse("contracts:contract-determine", args=[contract.pk]))
    shown = [(p.code, p.reason) for p in page.context["form"].problems]

    contract_services.problems_refresh(contract=contract, user=personas.cadre)

    assert shown == list(contract.problems.filter(status=ContractProblem.Status.PROPOSED)
                         .order_by("code").values_list("code", "reason"))


def test_a_problem_found_when_the_page_was_read_is_decided_with_the_determination(personas, awaiting_determination,
                                                                                 client_for):
    contract = awaiting_determination
    url = reverse("contracts:contract-determine", args=[contract.pk])
    cadre = client_for(personas.cadre)
    problems = cadre.get(url).context["form"].problems
    data = {"facts": "合同属实", "version": contract.version}
    for problem in problems:
        data[f"decision_{problem.pk}"] = "confirm"
        data[f"reason_{problem.pk}"] = ""

    response = cadre.post(url, data)

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.state == ContractState.DETERMINED
    assert {p.code for p in contract.problems.filter(status="已确认")} == {p.code for p in problems}


# --- The seam between a contract and its claims ---------------------------------------------------------


def test_making_claims_marks_each_instalment_handed_over(personas, contract_with_fees):
    on = date(2022, 6, 1)
    claims = claims_from_contract(user=personas.accountant, contract=contract_with_fees, today=on)

    marked = Instalment.objects.filter(contract=contract_with_fees, claimed_on__isnull=False).order_by("due_date")
    assert [(i.due_date, i.claimed_on) for i in marked] == [(date(2021, 3, 1), on), (date(2022, 3, 1), on)]
    assert [c.instalment_id for c in claims] == [i.pk for i in marked]
    assert not Instalment.objects.filter(contract=contract_with_fees, due_date=date(2020, 3, 1),
                                         claimed_on__isnull=False).exists()


def test_the_contract_reads_only_the_mark_to_refuse_a_payment(personas, contract_with_fees):
    instalment = contract_with_fees.instalments.order_by("due_date")[1]
    Instalment.objects.filter(pk=instalment.pk).update(claimed_on=date(2022, 6, 1))

    with pytest.raises(ValidationError, match="已转为债权"):
        contract_services.instalment_record_payment(user=personas.accountant, instalment=instalment,
                                                    amount=Decimal("100.00"), paid_on=date(2022, 6, 2))
    assert not Claim.objects.exists()


def test_what_the_claim_clears_is_carried_to_its_instalment(personas, contract_with_fees):
    [claim, _] = claims_from_contract(user=personas.accountant, contract=contract_with_fees, today=date(2022, 6, 1))
    entry = entry_record(user=personas.accountant, claim=claim, kind="现金收回", amount=Decimal("1000.00"),
                         entered_on=date(2022, 6, 2))
    assert Instalment.objects.get(pk=claim.instalment_id).cleared_on_claim == Decimal("1000.00")

    entry_reverse(user=personas.accountant, entry=entry, reason="银行退票")

    assert Instalment.objects.get(pk=claim.instalment_id).cleared_on_claim == Decimal("0.00")


def test_an_instalment_handed_over_to_a_claim_cannot_be_deleted(personas, contract_with_fees):
    [claim, _] = claims_from_contract(user=personas.accountant, contract=contract_with_fees, today=date(2022, 6, 1))
    with pytest.raises(ValidationError, match="已转为债权"):
        contract_services.instalment_delete(user=personas.accountant, instalment=claim.instalment)


def test_the_contract_page_shows_its_claims_in_a_panel_of_the_claims(personas, contract_with_fees, client_for):
    claims = claims_from_contract(user=personas.accountant, contract=contract_with_fees, today=date(2022, 6, 1))
    url = contract_with_fees.get_absolute_url()

    page = client_for(personas.accountant).get(url).content.decode()
    assert "逾期欠款转为债权清收" in page
    assert all(claim.number in page and claim.get_absolute_url() in page for claim in claims)
    assert "逾期欠款转为债权清收" not in client_for(personas.inspector).get(url).content.decode()


def test_contracts_import_nothing_of_the_claims():
    for path in (ROOT / "contracts").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module.split(".")[0] != "debts", path
            elif isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "debts" for a in node.names), path
