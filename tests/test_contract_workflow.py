"""The contract workflow 查找 → 调查 → 认定 → 规范 (DOMAIN.md §5–§6) at the service
level: what each state and role may do, the evidence each disposition needs,
the audit trail, concurrent saves, and the payment schedule."""
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from contracts import services
from contracts.factories import ContractFactory, ResolutionFactory
from contracts.models import (
    Attachment,
    Contract,
    ContractProblem,
    Determination,
    Disposition,
    Instalment,
    Investigation,
    Resolution,
)
from contracts.services import (
    attachment_add,
    contract_determine,
    contract_register,
    contract_start_investigation,
    contract_update,
    current_proposals,
    disposition_choose,
    disposition_complete,
    disposition_decide,
    instalment_add,
    instalment_record_payment,
    investigation_save,
    parcel_record_measurement,
    resolution_create,
    schedule_generate_annual,
)
from core.models import AuditEntry
from core.services import ConcurrentChange
from fixtures.personas import build_personas
from villages.factories import AssetFactory, ParcelFactory, PartyFactory

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REPORT = {"investigated_on": date(2026, 5, 12), "investigators": "高志强、薛文斌",
          "parcel_check": "实地踏勘，四至清楚。", "findings": "合同真实，承包费偏低。"}
PROPOSED, CONFIRMED, DISMISSED = (ContractProblem.Status.PROPOSED, ContractProblem.Status.CONFIRMED,
                                  ContractProblem.Status.DISMISSED)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path, monkeypatch):
    """Uploaded evidence goes to a temporary private folder (see test_attachments)."""
    root = tmp_path / "private"
    settings.STORAGES = {**settings.STORAGES,
                         "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": root, "base_url": None}}}
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", storages["private"])
    return root


# --- Building contracts and moving them along ----------------------------------------


def attach(contract, kind, user):
    return attachment_add(user=user, contract=contract, upload=SimpleUploadedFile("扫描件.pdf", PDF), kind=kind)


def compliant_contract(personas, **fields):
    contract = ContractFactory(village=personas.yukou, **fields)
    attach(contract, Attachment.Kind.TEXT, personas.accountant)
    return contract


def problem_contract(personas, **fields):
    """200 元/亩 for 机动地: the rules propose P03 and nothing else."""
    return compliant_contract(personas, **{"annual_fee": Decimal("2000.00"), **fields})


def reload(contract):
    return Contract.objects.get(pk=contract.pk)


def investigated(contract, user):
    contract_start_investigation(user=user, contract=contract)
    investigation_save(user=user, contract=contract, data=REPORT)
    return reload(contract)


def pending_problems(contract):
    return list(contract.problems.filter(status=PROPOSED))


def determined(contract, user, *, other_problems=()):
    """Determine, confirming every proposed problem."""
    decisions = {p.pk: (True, "") for p in pending_problems(contract)}
    return contract_determine(user=user, contract=contract, decisions=decisions, facts="经调查，合同属实。",
                              other_problems=other_problems)


def standardising(personas, kind, contract=None, escalation=None):
    contract = contract or problem_contract(personas)
    determined(investigated(contract, personas.cadre), personas.cadre)
    disposition_choose(user=personas.cadre, contract=contract, kind=kind, plan="按方案办理。", escalation=escalation)
    return reload(contract)


# A supplementary agreement that raises the problem contract's fee to 360 元/亩: its P03 is cured.
CURED = {"agreement_date": date(2026, 6, 1), "annual_fee": Decimal("3600.00")}

ESCALATION = {"escalated_to": "县人民检察院", "escalation_reason": "村干部涉嫌私自低价发包。"}


def snapshot(contract):
    """Everything a refused action must leave as it was."""
    contract = reload(contract)
    return {
        "contract": (contract.state, contract.version, contract.is_compliant, contract.county_approved,
                     contract.title, contract.annual_fee),
        "audit rows": AuditEntry.objects.count(),
        "problems": sorted(contract.problems.values_list("code", "status", "decision_note")),
        "investigation": Investigation.objects.filter(contract=contract).values().first(),
        "determination": Determination.objects.filter(contract=contract).exists(),
        "disposition": Disposition.objects.filter(contract=contract).values().first(),
        "parcels": sorted(contract.parcels.values_list("code", "state", "measured_area_mu")),
        "instalments": sorted(Instalment.objects.filter(contract=contract).values_list("due_date", "paid_amount")),
        "attachments": Attachment.objects.filter(contract=contract).count(),
        "contracts": Contract.objects.count(),
        "resolutions": Resolution.objects.count(),
    }


def messages_of(error):
    return " ".join(error.messages) if isinstance(error, ValidationError) else str(error)


def assert_refused(action, contract, error, message):
    before = snapshot(contract)
    with pytest.raises(error) as caught:
        action()
    assert message in messages_of(caught.value)
    assert snapshot(contract) == before


# --- The compliant path -----------------------------------------------------------------


def test_a_registered_compliant_contract_is_determined_compliant_and_ends_there(personas):
    parcel = ParcelFactory(village=personas.yukou, kind="机动地", ledger_area_mu=Decimal("10.00"))
    contract = contract_register(user=personas.accountant, parcels=[parcel], data={
        "village": personas.yukou, "number": "YK-2020-07", "title": "前坪机动地承包合同",
        "counterparty": PartyFactory(village=personas.yukou), "area_mu": Decimal("10.00"),
        "start_date": date(2020, 3, 1), "end_date": date(2030, 3, 1), "annual_fee": Decimal("3500.00"),
        "form": "书面合同", "resolution": ResolutionFactory(village=personas.yukou)})
    assert contract.state == "已查找"
    assert [p.code for p in pending_problems(contract)] == ["P01"]

    attach(contract, Attachment.Kind.TEXT, personas.accountant)
    assert pending_problems(contract) == []
    contract = investigated(contract, personas.accountant)
    assert contract.state == "调查中"
    contract = contract_determine(user=personas.cadre, contract=contract, decisions={}, facts="合同手续齐全。")

    contract = reload(contract)
    assert (contract.state, contract.is_compliant) == ("已认定", True)
    assert contract.determination.determined_by == personas.cadre
    assert_refused(lambda: disposition_choose(user=personas.cadre, contract=contract, kind="完善修订", plan="无"),
                   contract, ValidationError, "合同认定合规，无需处置")


# --- Determination -------------------------------------------------------------------


def test_dismissing_a_proposed_problem_without_a_reason_is_refused(personas):
    contract = investigated(problem_contract(personas), personas.cadre)
    [p03] = pending_problems(contract)
    assert_refused(lambda: contract_determine(user=personas.cadre, contract=contract, decisions={p03.pk: (False, " ")},
                                              facts="属实。"),
                   contract, ValidationError, "排除 P03 须说明理由")


def test_a_problem_dismissed_with_a_reason_leaves_the_contract_compliant(personas):
    contract = investigated(problem_contract(personas), personas.cadre)
    [p03] = pending_problems(contract)
    contract_determine(user=personas.cadre, contract=contract, facts="属实。",
                       decisions={p03.pk: (False, "荒坡地，县里定价文件允许。")})
    p03.refresh_from_db()
    assert (p03.status, p03.decision_note, p03.decided_by) == (DISMISSED, "荒坡地，县里定价文件允许。", personas.cadre)
    assert reload(contract).is_compliant is True


def test_every_proposed_problem_must_be_decided(personas):
    contract = investigated(problem_contract(personas), personas.cadre)
    assert_refused(lambda: contract_determine(user=personas.cadre, contract=contract, decisions={}, facts="属实。"),
                   contract, ValidationError, "以下问题尚未确认或排除：P03")


def test_a_confirmed_problem_makes_the_contract_a_problem_contract(personas):
    contract = determined(investigated(problem_contract(personas), personas.cadre), personas.cadre)
    assert (contract.state, contract.is_compliant) == ("已认定", False)
    assert list(contract.problems.values_list("code", "status")) == [("P03", CONFIRMED)]


def test_a_problem_added_in_words_is_confirmed(personas):
    contract = investigated(compliant_contract(personas), personas.cadre)
    contract = determined(contract, personas.cadre, other_problems=["承包方擅自在地上建房。", "  "])
    [p12] = contract.problems.all()
    assert (p12.code, p12.status, p12.from_rule, p12.reason) == ("P12", CONFIRMED, False, "承包方擅自在地上建房。")
    assert p12.decided_by == personas.cadre
    assert contract.is_compliant is False


# --- Refused by state ----------------------------------------------------------------


def test_an_investigation_cannot_start_twice(personas):
    contract = problem_contract(personas)
    contract_start_investigation(user=personas.accountant, contract=contract)
    assert_refused(lambda: contract_start_investigation(user=personas.accountant, contract=contract), contract,
                   ValidationError, "合同当前为“调查中”，不能开始调查")


def test_no_report_is_written_before_the_investigation_starts(personas):
    contract = problem_contract(personas)
    assert_refused(lambda: investigation_save(user=personas.accountant, contract=contract, data=REPORT), contract,
                   ValidationError, "不能填写调查报告")


def test_a_contract_just_found_cannot_be_determined(personas):
    contract = problem_contract(personas)
    assert_refused(lambda: determined(contract, personas.cadre), contract, ValidationError,
                   "合同当前为“已查找”，不能认定（须为：调查中）")


def test_a_contract_cannot_be_determined_without_an_investigation_report(personas):
    contract = problem_contract(personas)
    contract_start_investigation(user=personas.cadre, contract=contract)
    assert_refused(lambda: determined(contract, personas.cadre), contract, ValidationError, "请先完成调查报告")


def test_a_determination_needs_its_facts(personas):
    contract = investigated(problem_contract(personas), personas.cadre)
    assert_refused(lambda: contract_determine(user=personas.cadre, contract=contract, decisions={}, facts="  "),
                   contract, ValidationError, "请填写认定事实")


def test_a_disposition_cannot_be_chosen_before_determination(personas):
    contract = investigated(problem_contract(personas), personas.cadre)
    assert_refused(lambda: disposition_choose(user=personas.cadre, contract=contract, kind="完善修订", plan="补签"),
                   contract, ValidationError, "合同当前为“调查中”，不能确定处置方式")


def test_a_disposition_cannot_be_completed_from_determined(personas):
    contract = determined(investigated(problem_contract(personas), personas.cadre), personas.cadre)
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract,
                                                data={"agreement_date": date(2026, 6, 1)}),
                   contract, ValidationError, "合同当前为“已认定”，不能完成处置")


def test_a_disposition_needs_a_known_kind_and_a_plan(personas):
    contract = determined(investigated(problem_contract(personas), personas.cadre), personas.cadre)
    assert_refused(lambda: disposition_choose(user=personas.cadre, contract=contract, kind="协商", plan="补签"),
                   contract, ValidationError, "请选择处置方式")
    assert_refused(lambda: disposition_choose(user=personas.cadre, contract=contract, kind="完善修订", plan=" "),
                   contract, ValidationError, "请填写处置方案")


def test_a_disposition_awaiting_the_county_cannot_be_chosen_again(personas):
    contract = standardising(personas, "司法诉讼")
    assert_refused(lambda: disposition_choose(user=personas.cadre, contract=contract, kind="完善修订", plan="补签"),
                   contract, ValidationError, "合同当前为“规范中”，不能确定处置方式")


def test_a_disposition_that_needs_no_approval_cannot_be_approved(personas):
    contract = standardising(personas, "完善修订")
    assert_refused(lambda: disposition_decide(user=personas.county_office, contract=contract, approve=True, note=""),
                   contract, ValidationError, "该处置当前为“无需审批”，无需审批")


def test_a_standardised_contract_cannot_be_completed_again_or_edited(personas):
    contract = standardising(personas, "完善修订")
    attach(contract, Attachment.Kind.AGREEMENT, personas.cadre)
    disposition_complete(user=personas.cadre, contract=contract, data=CURED)
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract,
                                                data={"agreement_date": date(2026, 6, 2)}),
                   contract, ValidationError, "合同当前为“已规范”，不能完成处置")
    assert_refused(lambda: contract_update(user=personas.county_office, contract=contract, data={"title": "改"}),
                   contract, ValidationError, "合同已规范，不能再修改")


def test_the_village_cannot_edit_a_contract_the_township_determined(personas):
    contract = determined(investigated(problem_contract(personas), personas.cadre), personas.cadre)
    assert_refused(lambda: contract_update(user=personas.accountant, contract=contract, data={"title": "改"}),
                   contract, PermissionDenied, "村里不能再修改合同内容")


def test_a_measurement_is_recorded_only_during_the_investigation(personas):
    contract = problem_contract(personas)
    [parcel] = contract.parcels.all()
    record = lambda: parcel_record_measurement(user=personas.accountant, contract=contract, parcel=parcel,  # noqa: E731
                                               measured_area_mu=Decimal("12.00"), measured_on=date(2026, 5, 12))
    assert_refused(record, contract, ValidationError, "不能登记实测面积")


def test_a_measurement_is_refused_once_the_contract_moved_on_though_the_page_was_opened_before(personas):
    contract = investigated(problem_contract(personas), personas.cadre)
    [parcel] = contract.parcels.all()
    opened = reload(contract)
    determined(contract, personas.cadre)
    assert_refused(lambda: parcel_record_measurement(user=personas.accountant, contract=opened, parcel=parcel,
                                                     measured_area_mu=Decimal("12.00"),
                                                     measured_on=date(2026, 5, 12)),
                   contract, ValidationError, "合同当前为“已认定”，不能登记实测面积")


def test_a_measurement_during_the_investigation_proposes_an_area_mismatch(personas):
    contract = investigated(problem_contract(personas), personas.cadre)
    [parcel] = contract.parcels.all()
    other = ParcelFactory(village=personas.yukou)
    with pytest.raises(ValidationError, match="该地块不是本合同的标的"):
        parcel_record_measurement(user=personas.accountant, contract=contract, parcel=other,
                                  measured_area_mu=Decimal("12.00"), measured_on=date(2026, 5, 12))
    parcel_record_measurement(user=personas.accountant, contract=contract, parcel=parcel,
                              measured_area_mu=Decimal("12.00"), measured_on=date(2026, 5, 12))
    parcel.refresh_from_db()
    assert parcel.measured_area_mu == Decimal("12.00")
    assert {p.code for p in pending_problems(contract)} == {"P03", "P08"}


# --- Refused by role -----------------------------------------------------------------


def ready_for(personas, step):
    """A problem contract at the point where `step` is allowed to the right person."""
    contract = problem_contract(personas)
    if step in ("register", "update", "start", "schedule", "attach", "resolution"):
        return contract
    contract_start_investigation(user=personas.cadre, contract=contract)
    if step == "report":
        return contract
    investigation_save(user=personas.cadre, contract=contract, data=REPORT)
    if step == "determine":
        return contract
    determined(contract, personas.cadre)
    if step == "choose":
        return contract
    disposition_choose(user=personas.cadre, contract=contract, kind="司法诉讼" if step == "decide" else "完善修订",
                       plan="按方案办理。")
    attach(contract, Attachment.Kind.AGREEMENT, personas.cadre)
    return contract


STEPS = {
    "register": lambda user, c: contract_register(user=user, data={
        "village": c.village, "number": "YK-NEW-1", "title": "口头承包鱼塘", "counterparty": c.counterparty,
        "form": "口头协议"}),
    "update": lambda user, c: contract_update(user=user, contract=c, data={"title": "改名"}),
    "start": lambda user, c: contract_start_investigation(user=user, contract=c),
    "report": lambda user, c: investigation_save(user=user, contract=c, data=REPORT),
    "determine": lambda user, c: determined(c, user),
    "choose": lambda user, c: disposition_choose(user=user, contract=c, kind="完善修订", plan="补签协议。"),
    "decide": lambda user, c: disposition_decide(user=user, contract=c, approve=True, note="同意"),
    "complete": lambda user, c: disposition_complete(user=user, contract=c, data=CURED),
    "schedule": lambda user, c: schedule_generate_annual(user=user, contract=c),
    "attach": lambda user, c: attach(c, Attachment.Kind.PHOTO, user),
    "resolution": lambda user, c: resolution_create(user=user, data={
        "village": c.village, "title": "发包方案", "resolved_on": date(2026, 1, 5),
        "members_expected": 45, "members_present": 30, "votes_for": 16}),
}


@pytest.mark.parametrize("who", ["inspector", "collector"])
@pytest.mark.parametrize("step", STEPS)
def test_read_only_roles_cannot_take_any_step(personas, who, step):
    contract = ready_for(personas, step)
    message = "只有" if step in ("determine", "choose", "decide", "complete") else "您的角色"
    assert_refused(lambda: STEPS[step](getattr(personas, who), contract), contract, PermissionDenied, message)


@pytest.mark.parametrize("who", ["accountant", "admin"])
@pytest.mark.parametrize("step", ["determine", "choose", "decide", "complete"])
def test_neither_the_village_nor_the_administrator_makes_workflow_decisions(personas, who, step):
    contract = ready_for(personas, step)
    assert_refused(lambda: STEPS[step](getattr(personas, who), contract), contract, PermissionDenied, "只有")


def test_the_township_cannot_approve_what_needs_the_county(personas):
    contract = ready_for(personas, "decide")
    assert_refused(lambda: STEPS["decide"](personas.cadre, contract), contract, PermissionDenied,
                   "只有县农经中心可以审批")


@pytest.mark.parametrize("who", ["accountant", "cadre", "county_office"])
def test_the_village_the_township_and_the_county_may_investigate(personas, who):
    contract = investigated(problem_contract(personas), getattr(personas, who))
    assert contract.state == "调查中"
    assert contract.investigation.updated_by == getattr(personas, who)


@pytest.mark.parametrize("step", ["determine", "choose", "complete"])
def test_the_county_office_may_do_what_the_township_does(personas, step):
    contract = ready_for(personas, step)
    STEPS[step](personas.county_office, contract)
    assert reload(contract).state == {"determine": "已认定", "choose": "规范中", "complete": "已规范"}[step]


# --- Dispositions ---------------------------------------------------------------------


def test_a_revision_needs_the_supplementary_agreement_and_its_date_then_applies_the_new_terms(personas):
    contract = standardising(personas, "完善修订")
    revised = {"agreement_date": date(2026, 6, 1), "annual_fee": Decimal("3600.00"), "has_price_review": True}
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract, data=revised),
                   contract, ValidationError, "请上传补充协议")
    attach(contract, Attachment.Kind.AGREEMENT, personas.cadre)
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract,
                                                data={**revised, "agreement_date": None}),
                   contract, ValidationError, "请填写此项")

    disposition = disposition_complete(user=personas.cadre, contract=contract, data=revised)

    contract = reload(contract)
    assert contract.state == "已规范"
    assert (contract.annual_fee, contract.has_price_review) == (Decimal("3600.00"), True)
    assert contract.end_date == date(2030, 3, 1)
    assert (disposition.agreement_date, disposition.completed_by) == (date(2026, 6, 1), personas.cadre)


def test_termination_needs_the_notice_and_recovers_every_parcel_and_asset(personas):
    parcels = [ParcelFactory(village=personas.yukou, kind="机动地", ledger_area_mu=Decimal("6.40"),
                             measured_area_mu=Decimal("6.37"), state="已发包"),
               ParcelFactory(village=personas.yukou, kind="机动地", ledger_area_mu=Decimal("3.68"), state="被占用")]
    contract = problem_contract(personas, parcels=parcels)
    shed = AssetFactory(village=personas.yukou, kind="设施", state="已出租")
    contract.assets.add(shed)
    contract = standardising(personas, "终止撤销", contract=contract)
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract,
                                                data={"termination_date": date(2026, 5, 30)}),
                   contract, ValidationError, "请上传终止通知")
    attach(contract, Attachment.Kind.TERMINATION, personas.cadre)
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract, data={}),
                   contract, ValidationError, "请填写此项")

    disposition = disposition_complete(user=personas.cadre, contract=contract,
                                       data={"termination_date": date(2026, 5, 30)})

    assert disposition.land_recovered_mu == Decimal("10.05")
    assert set(contract.parcels.values_list("state", flat=True)) == {"已收回"}
    shed.refresh_from_db()
    assert shed.state == "已收回"
    recovered = AuditEntry.objects.filter(content_type__model="parcel", object_id__in=[p.pk for p in parcels],
                                          action=AuditEntry.Action.UPDATE)
    assert {(e.actor, e.changes_dict["state"][1]) for e in recovered} == {(personas.cadre, "已收回")}


def test_a_court_case_always_waits_for_the_county_then_needs_the_judgment(personas):
    contract = standardising(personas, "司法诉讼")
    disposition = contract.disposition
    assert (disposition.approval, disposition.approval_reason) == ("待县审批", "拟提起诉讼")
    judgment = {"court_name": "方山县人民法院", "case_number": "(2026)晋1128民初123号",
                "court_result": "判决解除合同，返还土地", "judgment_date": date(2026, 9, 1)}
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract, data=judgment),
                   contract, ValidationError, "该处置须县级审批，当前为“待县审批”，不能完成")

    disposition_decide(user=personas.county_office, contract=contract, approve=True, note="同意起诉。")
    contract = reload(contract)
    assert contract.county_approved is True
    assert (contract.disposition.approval, contract.disposition.approved_by) == ("县已批准", personas.county_office)
    for missing in judgment:
        assert_refused(lambda missing=missing: disposition_complete(user=personas.cadre, contract=contract,
                                                                    data={**judgment, missing: ""}),
                       contract, ValidationError, "请填写此项")

    disposition = disposition_complete(user=personas.cadre, contract=contract, data=judgment)
    assert reload(contract).state == "已规范"
    assert (disposition.court_name, disposition.case_number) == ("方山县人民法院", "(2026)晋1128民初123号")
    assert disposition.judgment_date == date(2026, 9, 1)


@pytest.mark.parametrize(("total", "approval"), [
    (Decimal("5000000.00"), "待县审批"),
    (Decimal("4999999.99"), "无需审批"),
])
def test_a_contract_of_five_million_or_more_needs_county_approval(personas, total, approval):
    contract = standardising(personas, "完善修订", contract=problem_contract(personas, total_amount=total))
    assert contract.disposition.approval == approval
    assert ("合同金额达 5,000,000 元" in contract.disposition.approval_reason) is (approval == "待县审批")


def test_after_the_county_rejects_the_township_chooses_again(personas):
    contract = standardising(personas, "司法诉讼")
    assert_refused(lambda: disposition_decide(user=personas.county_office, contract=contract, approve=False,
                                              note=" "),
                   contract, ValidationError, "驳回须写明理由")
    disposition_decide(user=personas.county_office, contract=contract, approve=False, note="先协商补签。")
    assert reload(contract).disposition.approval == "县已驳回"
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract, data={}),
                   contract, ValidationError, "当前为“县已驳回”，不能完成")

    disposition = disposition_choose(user=personas.cadre, contract=contract, kind="完善修订", plan="协商补签。")
    assert (disposition.kind, disposition.approval, disposition.approval_note) == ("完善修订", "无需审批", "")
    assert disposition.approved_by is None
    attach(contract, Attachment.Kind.AGREEMENT, personas.cadre)
    disposition_complete(user=personas.cadre, contract=contract, data={**CURED, "agreement_date": date(2026, 7, 1)})
    assert reload(contract).state == "已规范"


def test_a_disposition_chosen_again_keeps_nothing_of_the_rejected_escalation(personas):
    contract = problem_contract(personas, total_amount=Decimal("6000000.00"))
    contract = standardising(personas, "提级处置", contract=contract, escalation=ESCALATION)
    disposition_decide(user=personas.county_office, contract=contract, approve=False, note="由乡镇自行纠正。")
    disposition = disposition_choose(user=personas.cadre, contract=contract, kind="完善修订", plan="补签。")
    disposition.refresh_from_db()
    assert (disposition.escalated_to, disposition.escalation_reason) == ("", "")


def test_an_escalation_needs_where_and_why_and_only_the_county_closes_it(personas):
    contract = determined(investigated(problem_contract(personas), personas.cadre), personas.cadre)
    assert_refused(lambda: disposition_choose(user=personas.cadre, contract=contract, kind="提级处置", plan="移交",
                                              escalation={"escalated_to": "县纪委监委", "escalation_reason": ""}),
                   contract, ValidationError, "提级处置须写明提级至何处及原因")
    disposition = disposition_choose(user=personas.cadre, contract=contract, kind="提级处置", plan="移交",
                                     escalation=ESCALATION)
    assert (disposition.escalated_to, disposition.approval) == ("县人民检察院", "无需审批")

    outcome = {"escalation_notes": "检察院已立案。", "escalation_outcome": "追回少缴承包费 12,000 元。"}
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract, data=outcome),
                   contract, PermissionDenied, "提级处置由县农经中心办结")
    assert_refused(lambda: disposition_complete(user=personas.county_office, contract=contract,
                                                data={"escalation_outcome": ""}),
                   contract, ValidationError, "请填写此项")

    disposition = disposition_complete(user=personas.county_office, contract=contract, data=outcome)
    assert reload(contract).state == "已规范"
    assert (disposition.escalation_outcome, disposition.completed_by) == ("追回少缴承包费 12,000 元。",
                                                                           personas.county_office)


def test_reletting_needs_the_bidding_record_and_a_new_contract_of_the_same_village(personas):
    contract = standardising(personas, "重新发包")
    new = ContractFactory(village=personas.yukou, annual_fee=Decimal("4200.00"))
    bidding = {"bidding_date": date(2026, 8, 8), "bidding_method": "公开竞价", "bidders": 4,
               "winning_bid": Decimal("4200.00"), "new_contract": new}
    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract,
                                                data={**bidding, "bidding_method": ""}),
                   contract, ValidationError, "请填写此项")
    elsewhere = ContractFactory(village=personas.tuwu)
    for wrong in (elsewhere, contract):
        assert_refused(lambda wrong=wrong: disposition_complete(user=personas.cadre, contract=contract,
                                                                data={**bidding, "new_contract": wrong}),
                       contract, ValidationError, "新合同须是本村另一份合同")

    disposition = disposition_complete(user=personas.cadre, contract=contract, data=bidding)

    new.refresh_from_db()
    assert (new.relet_from, new.is_new_resource) == (reload(contract), True)
    assert (disposition.new_contract, disposition.winning_bid, disposition.bidders) == (new, Decimal("4200.00"), 4)
    assert reload(contract).state == "已规范"
    entry = AuditEntry.objects.filter(content_type__model="contract", object_id=new.pk).latest("pk")
    assert entry.actor == personas.cadre


# --- The audit trail ------------------------------------------------------------------


def contract_changes(contract, field):
    entries = AuditEntry.objects.filter(content_type__model="contract", object_id=contract.pk,
                                        action=AuditEntry.Action.UPDATE).order_by("pk")
    return [(e.actor, e.changes_dict[field]) for e in entries if field in (e.changes_dict or {})]


def test_every_transition_is_audited_with_who_made_it(personas):
    contract = problem_contract(personas)
    contract_start_investigation(user=personas.accountant, contract=contract)
    investigation_save(user=personas.accountant, contract=contract, data=REPORT)
    determined(contract, personas.cadre)
    disposition_choose(user=personas.cadre, contract=contract, kind="司法诉讼", plan="起诉。")
    disposition_decide(user=personas.county_office, contract=contract, approve=True, note="同意。")
    disposition_complete(user=personas.cadre, contract=contract, data={
        "court_name": "方山县人民法院", "case_number": "(2026)晋1128民初9号", "court_result": "调解结案",
        "judgment_date": date(2026, 9, 1)})

    assert contract_changes(contract, "state") == [
        (personas.accountant, ["已查找", "调查中"]),
        (personas.cadre, ["调查中", "已认定"]),
        (personas.cadre, ["已认定", "规范中"]),
        (personas.cadre, ["规范中", "已规范"]),
    ]
    assert contract_changes(contract, "county_approved") == [(personas.county_office, ["False", "True"])]
    for model, actor in (("investigation", personas.accountant), ("determination", personas.cadre)):
        entry = AuditEntry.objects.get(content_type__model=model, action=AuditEntry.Action.CREATE)
        assert entry.actor == actor
    dispositions = AuditEntry.objects.filter(content_type__model="disposition").order_by("pk")
    assert [e.actor for e in dispositions] == [personas.cadre, personas.county_office, personas.cadre]
    assert {e.village_id for e in dispositions} == {personas.yukou.pk}


# --- Concurrent saves -------------------------------------------------------------------


def test_a_save_based_on_an_old_version_is_refused_and_changes_nothing(personas):
    contract = problem_contract(personas)
    shown = reload(contract).version
    contract_update(user=personas.accountant, contract=contract, data={"title": "前坪机动地承包合同（续）"},
                    expected_version=shown)
    assert_refused(lambda: contract_update(user=personas.cadre, contract=contract, data={"title": "后坪"},
                                           expected_version=shown),
                   contract, ConcurrentChange, "该记录已被他人修改")
    assert reload(contract).title == "前坪机动地承包合同（续）"


def test_a_transition_based_on_an_old_version_is_refused(personas):
    contract = problem_contract(personas)
    shown = reload(contract).version
    contract_update(user=personas.accountant, contract=contract, data={"note": "补记"}, expected_version=shown)
    assert_refused(lambda: contract_start_investigation(user=personas.cadre, contract=contract,
                                                        expected_version=shown),
                   contract, ConcurrentChange, "本次保存未生效")


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_the_same_version_at_once_one_saves_and_the_other_is_told(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises whole transactions")
    personas = build_personas()
    contract = ContractFactory(village=personas.yukou)
    version = contract.version
    first_holds_the_row = threading.Event()
    first = threading.Lock()
    may_edit = services._may_edit

    def slow_may_edit(user, locked):
        # The first save pauses while holding the row, so the second one starts meanwhile.
        if first.acquire(blocking=False):
            first_holds_the_row.set()
            time.sleep(0.5)
        may_edit(user, locked)

    monkeypatch.setattr(services, "_may_edit", slow_may_edit)
    outcome = {}

    def save(user, title):
        try:
            contract_update(user=user, contract=contract, data={"title": title}, expected_version=version)
            outcome[title] = "saved"
        except ConcurrentChange:
            outcome[title] = "refused"
        except Exception as error:  # anything else fails the test with its name
            outcome[title] = repr(error)
        finally:
            connection.close()

    accountant = threading.Thread(target=save, args=(personas.accountant, "甲"))
    accountant.start()
    assert first_holds_the_row.wait(10)
    cadre = threading.Thread(target=save, args=(personas.cadre, "乙"))
    cadre.start()
    accountant.join(20)
    cadre.join(20)

    assert outcome == {"甲": "saved", "乙": "refused"}
    contract.refresh_from_db()
    assert (contract.title, contract.version) == ("甲", version + 1)


# --- Payment schedule --------------------------------------------------------------------


def test_an_annual_schedule_has_one_instalment_of_the_fee_each_contract_year(personas):
    contract = problem_contract(personas, annual_fee=Decimal("3500.00"))
    created = schedule_generate_annual(user=personas.accountant, contract=contract)
    assert [(i.due_date, i.amount) for i in created] == [(date(year, 3, 1), Decimal("3500.00"))
                                                         for year in range(2020, 2030)]
    assert all(isinstance(i.amount, Decimal) for i in Instalment.objects.filter(contract=contract))
    assert sum(i.amount for i in Instalment.objects.filter(contract=contract)) == Decimal("35000.00")
    assert reload(contract).version == contract.version + 1


def test_a_schedule_starting_on_29_february_falls_due_on_28_february_in_other_years(personas):
    contract = problem_contract(personas, start_date=date(2024, 2, 29), end_date=date(2027, 2, 28))
    created = schedule_generate_annual(user=personas.accountant, contract=contract)
    assert [i.due_date for i in created] == [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28)]


def test_a_schedule_is_generated_only_once(personas):
    contract = problem_contract(personas)
    schedule_generate_annual(user=personas.accountant, contract=contract)
    assert_refused(lambda: schedule_generate_annual(user=personas.accountant, contract=contract), contract,
                   ValidationError, "该合同已有付款计划")


def test_a_payment_over_what_is_outstanding_is_refused(personas):
    contract = problem_contract(personas)
    instalment = instalment_add(user=personas.accountant, contract=contract, due_date=date(2024, 3, 1),
                                amount=Decimal("3500.00"))
    instalment_record_payment(user=personas.accountant, instalment=instalment, amount=Decimal("1000.00"),
                              paid_on=date(2024, 3, 5))
    for amount in (Decimal("2500.01"), Decimal("0.00"), Decimal("-1.00")):
        assert_refused(lambda amount=amount: instalment_record_payment(
                           user=personas.accountant, instalment=instalment, amount=amount, paid_on=date(2024, 4, 1)),
                       contract, ValidationError, "收款")
    instalment_record_payment(user=personas.accountant, instalment=instalment, amount=Decimal("2500.00"),
                              paid_on=date(2024, 4, 1))
    instalment.refresh_from_db()
    assert (instalment.paid_amount, instalment.outstanding) == (Decimal("3500.00"), Decimal("0.00"))


def test_the_refusal_names_what_is_still_owed(personas):
    contract = problem_contract(personas)
    instalment = instalment_add(user=personas.accountant, contract=contract, due_date=date(2024, 3, 1),
                                amount=Decimal("3500.00"))
    with pytest.raises(ValidationError) as refused:
        instalment_record_payment(user=personas.accountant, instalment=instalment, amount=Decimal("3500.01"),
                                  paid_on=date(2024, 3, 5))
    assert refused.value.message_dict == {"amount": ["本期尚欠 3,500.00 元，收款不能超过欠款。"]}


def test_paying_an_overdue_instalment_withdraws_the_arrears_problem(personas):
    contract = problem_contract(personas)
    instalment = instalment_add(user=personas.accountant, contract=contract, due_date=date(2024, 3, 1),
                                amount=Decimal("3500.00"))
    [p05] = contract.problems.filter(code="P05")
    assert "合计 3,500.00 元" in p05.reason
    instalment_record_payment(user=personas.accountant, instalment=instalment, amount=Decimal("3500.00"),
                              paid_on=date(2026, 5, 20))
    assert not contract.problems.filter(code="P05").exists()
    assert "P05" not in {p.code for p in current_proposals(contract, today=date(2026, 6, 1))}


# --- Rules run again when a revision completes -------------------------------------------------------


def long_lease(personas):
    """Thirty years of 机动地 at a fair fee, with a price review: the rules propose P04 and nothing else."""
    return compliant_contract(personas, start_date=date(2010, 3, 1), end_date=date(2040, 2, 28),
                              has_price_review=True)


def test_a_revision_that_leaves_a_confirmed_problem_in_place_is_refused_without_a_reason(personas):
    contract = standardising(personas, "完善修订", contract=long_lease(personas))
    assert set(contract.problems.filter(status=CONFIRMED).values_list("code", flat=True)) == {"P04"}
    attach(contract, Attachment.Kind.AGREEMENT, personas.cadre)
    raised_fee = {"agreement_date": date(2026, 6, 1), "annual_fee": Decimal("4000.00")}

    assert_refused(lambda: disposition_complete(user=personas.cadre, contract=contract, data=raised_fee),
                   contract, ValidationError, "已确认的问题仍然存在：P04")

    reason = "承包方已同意到期后按二十年重签，县里已备案"
    disposition = disposition_complete(user=personas.cadre, contract=contract,
                                       data={**raised_fee, "override_reason": reason})
    assert reload(contract).state == "已规范"
    assert "修订后仍存在：P04" in disposition.completion_note
    assert "承包方已同意到期后按二十年重签" in disposition.completion_note


def test_a_revision_that_cures_the_confirmed_problem_completes(personas):
    contract = standardising(personas, "完善修订", contract=long_lease(personas))
    attach(contract, Attachment.Kind.AGREEMENT, personas.cadre)

    disposition_complete(user=personas.cadre, contract=contract,
                         data={"agreement_date": date(2026, 6, 1), "end_date": date(2030, 2, 28)})

    contract = reload(contract)
    assert contract.state == "已规范" and contract.end_date == date(2030, 2, 28)
