"""Every write to contracts: registration, the workflow 查找 → 认定 → 规范, problems,
dispositions, schedule, attachments, resolutions and their evidence, and rule settings.

Each transition checks the state it starts from and the user's right, locks
the contract, checks the version the user saw, and is audited.
"""
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import permissions as perms
from core.audit import acting_as
from core.bounds import check_date
from core.files import check_upload
from core.models import Role
from core.money import cents
from core.services import (
    lock_for_change,
    lock_for_write,
    record_create,
    record_update,
    require_perm,
    require_village_in_scope,
)
from villages.models import Asset, Parcel

from . import rules as problem_rules
from .models import (
    Attachment,
    Contract,
    ContractProblem,
    ContractState,
    Determination,
    Disposition,
    DispositionKind,
    Instalment,
    Investigation,
    ProblemCode,
    Resolution,
    ResolutionEvidence,
    RuleSettings,
)
from .validation import check_subjects, contract_search_keys, fill_area

S = ContractState


# --- Helpers -------------------------------------------------------------------


def _lock(user, contract: Contract | int, expected_version: int | None = None) -> Contract:
    """Lock the contract for this transaction, refusing a user whose scope does not hold it
    (the pages answer 404 before this; services called from elsewhere are held to the same scope)."""
    return lock_for_write(Contract, contract, user=user, expected_version=expected_version,
                          out_of_scope="该合同不在您的管理范围内。")


def _require_state(contract: Contract, allowed: tuple[str, ...], action: str) -> None:
    if contract.state not in allowed:
        raise ValidationError(f"合同当前为“{contract.state}”，不能{action}（须为：{'、'.join(allowed)}）。")


def _save(contract: Contract, user) -> None:
    contract.version += 1
    contract.search_keys = contract_search_keys(contract.title, contract.counterparty.name)
    with acting_as(user):
        contract.save()


def rule_settings_for(county) -> RuleSettings:
    """The county's rule settings; the defaults, not yet saved, for a county that never changed them
    (reading them writes nothing: the first change saves the row)."""
    return RuleSettings.objects.filter(county=county).first() or RuleSettings(
        county=county, county_approval_amount=settings.COUNTY_APPROVAL_AMOUNT, area_tolerance=settings.AREA_TOLERANCE)


def _load_for_rules(contract_id: int) -> Contract:
    return (Contract.objects.select_related("counterparty", "resolution", "village__township")
            .prefetch_related("parcels", "assets", "instalments", "attachments")
            .get(pk=contract_id))


def current_proposals(contract: Contract, today: date | None = None) -> list[problem_rules.Proposal]:
    contract = _load_for_rules(contract.pk)
    return problem_rules.evaluate(contract, rule_settings_for(contract.village.township.county),
                                  today or timezone.localdate())


def rules_not_run(contract: Contract) -> list[str]:
    """The rules that could not run on the contract as it is, and what it lacks (`P03 未检查：合同未填面积`),
    shown beside the proposed problems while they are still proposed."""
    if contract.state not in (S.FOUND, S.INVESTIGATING):
        return []
    return problem_rules.not_run(contract, rule_settings_for(contract.village.township.county))


@dataclass
class _ProblemChanges:
    added: list[tuple[str, str]]                       # (code, reason) the rules propose anew
    reworded: list[tuple[ContractProblem, str]]        # proposals whose reason the data now words otherwise
    withdrawn: list[ContractProblem]                   # proposals the data no longer supports


def _problem_changes(contract: Contract, today: date | None) -> _ProblemChanges:
    """What bringing the rule-proposed problems up to date would change: new findings are proposed,
    proposals no longer supported by the data are withdrawn, what a person already decided is kept."""
    proposals = {p.code: p.reason for p in current_proposals(contract, today)}
    existing = {p.code: p for p in contract.problems.filter(from_rule=True)}
    # A problem already recorded by a person or a ledger import for that code stands; the rule adds no second one.
    recorded = set(contract.problems.filter(from_rule=False).values_list("code", flat=True))
    proposed = ContractProblem.Status.PROPOSED
    return _ProblemChanges(
        added=[(code, reason) for code, reason in proposals.items() if code not in existing and code not in recorded],
        reworded=[(row, proposals[code]) for code, row in existing.items()
                  if code in proposals and row.reason != proposals[code] and row.status == proposed],
        withdrawn=[row for code, row in existing.items() if code not in proposals and row.status == proposed],
    )


@transaction.atomic
def problems_refresh(*, contract: Contract, user, today: date | None = None) -> None:
    """Bring the rule-proposed problems up to date while the contract is not yet determined.

    It follows a write that was already guarded (a change to the contract, its schedule or its
    resolution, or an imported ledger row), and takes the contract's lock so that two of them do not
    propose the same problem twice.
    """
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.state not in (S.FOUND, S.INVESTIGATING):
        return
    changes = _problem_changes(locked, today)
    with acting_as(user):
        for code, reason in changes.added:
            ContractProblem.objects.create(contract=locked, code=code, reason=reason)
        for row, reason in changes.reworded:
            row.reason = reason
            row.save(update_fields=["reason"])
        for row in changes.withdrawn:
            row.delete()


@dataclass(frozen=True)
class PendingProblem:
    """A problem waiting for the township's decision, as the determination page lists it.

    `pk` is the problem's id, or its code for a problem the rules find now and that is recorded only
    when the determination is saved (the decision sent back names it by that code).
    """

    pk: int | str
    code: str
    reason: str

    def get_code_display(self) -> str:
        return ProblemCode(self.code).label


def problems_pending(*, contract: Contract, today: date | None = None) -> list[PendingProblem]:
    """The problems a determination of the contract decides, brought up to date in memory only:
    reading the determination page writes nothing."""
    rows = {row.pk: PendingProblem(row.pk, row.code, row.reason)
            for row in contract.problems.filter(status=ContractProblem.Status.PROPOSED)}
    if contract.state in (S.FOUND, S.INVESTIGATING):
        changes = _problem_changes(contract, today)
        for row, reason in changes.reworded:
            rows[row.pk] = PendingProblem(row.pk, row.code, reason)
        for row in changes.withdrawn:
            rows.pop(row.pk, None)
        rows.update({code: PendingProblem(code, code, reason) for code, reason in changes.added})
    return sorted(rows.values(), key=lambda p: (p.code, isinstance(p.pk, str), str(p.pk).zfill(12)))


# --- Parcels follow their contracts ------------------------------------------------


def in_force(today: date) -> Q:
    """Contracts in force on `today`: begun (or undated), not ended, not terminated."""
    return ((Q(start_date__lte=today) | Q(start_date__isnull=True))
            & (Q(end_date__gte=today) | Q(end_date__isnull=True))
            & ~Q(state=S.STANDARDISED, disposition__kind=DispositionKind.TERMINATE))


@transaction.atomic
def parcels_follow_contracts(parcels, *, user=None, today: date | None = None) -> int:
    """A parcel's state follows its contracts: 已发包 while one is in force; when none is any longer, 闲置 (or
    已收回 where a termination took it back, which `_recover_subjects` records with its day). 被占用 and 已收回
    stand until a contract lets the parcel again. Each change is saved with an audit entry (who, when: the
    day it was made). Returns how many parcels changed."""
    today = today or timezone.localdate()
    ids = sorted({p.pk for p in parcels})
    let = set(Contract.parcels.through.objects.filter(parcel_id__in=ids, contract__in=Contract.objects.filter(
        in_force(today))).values_list("parcel_id", flat=True))
    changed = 0
    for parcel in Parcel.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        if parcel.pk in let:
            state = Parcel.State.LET
        elif parcel.state == Parcel.State.LET:
            state = Parcel.State.IDLE
        else:
            continue
        if state != parcel.state:
            record_update(parcel, user=user, data={"state": state})
            changed += 1
    return changed


@transaction.atomic
def parcels_follow_all(today: date | None = None) -> int:
    """Daily: parcels whose last contract ended yesterday go back to 闲置; those whose contract began, 已发包."""
    today = today or timezone.localdate()
    touched = Parcel.objects.filter(Q(state=Parcel.State.LET) | Q(contracts__start_date=today)
                                    | Q(contracts__end_date=today - timedelta(days=1))).distinct()
    return parcels_follow_contracts(list(touched), today=today)


# --- Register and edit -----------------------------------------------------------


@transaction.atomic
def contract_register(*, user, data: dict[str, Any], parcels=(), assets=()) -> Contract:
    """查找: register a contract found in the books, the archive, or on a visit (oral ones too)."""
    require_perm(user, perms.CONTRACT_EDIT, message="您的角色不能登记合同。")
    require_village_in_scope(user, data["village"])
    check_subjects(data["village"], parcels, assets)
    contract = Contract(**data, state=S.FOUND)
    fill_area(contract, parcels)
    contract.search_keys = contract_search_keys(contract.title, contract.counterparty.name)
    contract.full_clean()
    with acting_as(user):
        contract.save()
        contract.parcels.set(parcels)
        contract.assets.set(assets)
    problems_refresh(contract=contract, user=user)
    parcels_follow_contracts(parcels, user=user)
    return contract


def _may_edit(user, contract: Contract) -> None:
    if contract.state == S.STANDARDISED:
        raise ValidationError("合同已规范，不能再修改；如需变更，请通过补充协议等处置办理。")
    if contract.state in (S.DETERMINED, S.STANDARDISING) and user.role == Role.VILLAGE:
        raise PermissionDenied("合同已由乡镇认定，村里不能再修改合同内容。")


@transaction.atomic
def contract_update(*, user, contract: Contract, data: dict[str, Any], parcels=None, assets=None,
                    expected_version: int | None = None) -> Contract:
    require_perm(user, perms.CONTRACT_EDIT, message="您的角色不能修改合同。")
    locked = _lock(user, contract, expected_version)
    _may_edit(user, locked)
    before = (locked.area_mu, locked.area_from_parcels)
    for name, value in data.items():
        setattr(locked, name, value)
    subjects = parcels if parcels is not None else locked.parcels.all()
    if parcels is not None or assets is not None:
        check_subjects(locked.village, subjects, assets if assets is not None else locked.assets.all())
    fill_area(locked, subjects, before=before)
    locked.full_clean()
    _save(locked, user)
    before = list(locked.parcels.all())
    with acting_as(user):
        if parcels is not None:
            locked.parcels.set(parcels)
        if assets is not None:
            locked.assets.set(assets)
    problems_refresh(contract=locked, user=user)
    # Dates or parcels changed: the parcels it had and has follow.
    parcels_follow_contracts([*before, *locked.parcels.all()], user=user)
    return locked


# --- 调查 -------------------------------------------------------------------------


@transaction.atomic
def contract_start_investigation(*, user, contract: Contract, expected_version: int | None = None) -> Contract:
    require_perm(user, perms.CONTRACT_INVESTIGATE, message="您的角色不能开展调查。")
    locked = _lock(user, contract, expected_version)
    _require_state(locked, (S.FOUND,), "开始调查")
    locked.state = S.INVESTIGATING
    _save(locked, user)
    return locked


@transaction.atomic
def investigation_save(*, user, contract: Contract, data: dict[str, Any],
                       expected_version: int | None = None) -> Investigation:
    """The written fact report; measured areas found on the ground go to the parcels."""
    require_perm(user, perms.CONTRACT_INVESTIGATE, message="您的角色不能填写调查报告。")
    locked = _lock(user, contract, expected_version)
    _require_state(locked, (S.INVESTIGATING,), "填写调查报告")
    report = Investigation.objects.filter(contract=locked).first() or Investigation(contract=locked)
    for name, value in data.items():
        setattr(report, name, value)
    report.updated_by = user
    report.full_clean()
    with acting_as(user):
        report.save()
    _save(locked, user)
    problems_refresh(contract=locked, user=user)
    return report


@transaction.atomic
def parcel_record_measurement(*, user, contract: Contract, parcel: Parcel, measured_area_mu: Decimal,
                              measured_on: date) -> Parcel:
    """The area measured during the investigation, written to the parcel (and so to P08)."""
    require_perm(user, perms.CONTRACT_INVESTIGATE, message="您的角色不能登记实测面积。")
    # The state is read from the locked row, not from the caller's copy, which may be stale.
    contract = _lock(user, contract)
    _require_state(contract, (S.INVESTIGATING,), "登记实测面积")
    if not contract.parcels.filter(pk=parcel.pk).exists():
        raise ValidationError("该地块不是本合同的标的。")
    updated = record_update(parcel, user=user, data={"measured_area_mu": measured_area_mu,
                                                      "measured_on": measured_on})
    problems_refresh(contract=contract, user=user)
    return updated


# --- 认定 -------------------------------------------------------------------------


@transaction.atomic
def contract_determine(*, user, contract: Contract, decisions: dict[int, tuple[bool, str]], facts: str,
                       legal_basis: str = "", proposed_handling: str = "", other_problems: list[str] = (),
                       expected_version: int | None = None) -> Contract:
    """The township confirms the facts and the problem list.

    `decisions` maps each proposed problem's id to (confirmed, reason); a
    dismissal needs a reason. `other_problems` are P12 texts. With no confirmed
    problem the contract is determined compliant (合规) and ends here.
    """
    require_perm(user, perms.CONTRACT_DETERMINE, message="只有乡镇专班（或县农经中心）可以认定合同。")
    locked = _lock(user, contract, expected_version)
    _require_state(locked, (S.INVESTIGATING,), "认定")
    if locked.resolution_id:
        # The determination comes to rest on the resolution (which it locks): no edit in between.
        resolution_lock_for_use(locked.resolution)
    if not facts.strip():
        raise ValidationError({"facts": "请填写认定事实。"})
    if not Investigation.objects.filter(contract=locked).exists():
        raise ValidationError("请先完成调查报告，再作认定。")
    problems_refresh(contract=locked, user=user)
    pending = list(locked.problems.filter(status=ContractProblem.Status.PROPOSED))
    # A problem the rules found when the page was read is recorded only now: its decision names its code.
    chosen = {p.pk: decisions[p.pk] if p.pk in decisions else decisions.get(p.code) for p in pending}
    undecided = [p.code for p in pending if chosen[p.pk] is None]
    if undecided:
        raise ValidationError(f"以下问题尚未确认或排除：{'、'.join(undecided)}。")
    now = timezone.now()
    errors = []
    with acting_as(user):
        for problem in pending:
            confirmed, reason = chosen[problem.pk]
            if not confirmed and not (reason or "").strip():
                errors.append(f"排除 {problem.code} 须说明理由。")
                continue
            problem.status = ContractProblem.Status.CONFIRMED if confirmed else ContractProblem.Status.DISMISSED
            problem.decision_note = (reason or "").strip()
            problem.decided_by, problem.decided_at = user, now
            problem.save()
        if errors:
            raise ValidationError(errors)
        for text in other_problems:
            if text.strip():
                ContractProblem.objects.create(
                    contract=locked, code=ProblemCode.P12, reason=text.strip(), from_rule=False,
                    status=ContractProblem.Status.CONFIRMED, decided_by=user, decided_at=now)
        Determination.objects.create(contract=locked, facts=facts.strip(), legal_basis=legal_basis.strip(),
                                     proposed_handling=proposed_handling.strip(), determined_by=user,
                                     determined_at=now)
    locked.state = S.DETERMINED
    locked.is_compliant = not locked.problems.filter(status=ContractProblem.Status.CONFIRMED).exists()
    _save(locked, user)
    return locked


# --- 规范 -------------------------------------------------------------------------


def disposition_approval_reason(contract: Contract, kind: str, rules: RuleSettings | None = None) -> str:
    """Why a disposition of this kind for this contract waits for the county ("" when it does not);
    also used by the ledger import for contracts it records as already being standardised."""
    return _approval_needed(contract, kind, rules or rule_settings_for(contract.village.township.county))


def _approval_needed(contract: Contract, kind: str, rules: RuleSettings) -> str:
    reasons = []
    if contract.amount_for_approval >= rules.county_approval_amount:
        reasons.append(f"合同金额达 {rules.county_approval_amount:,.0f} 元")
    if kind == DispositionKind.COURT:
        reasons.append("拟提起诉讼")
    return "；".join(reasons)


@transaction.atomic
def disposition_choose(*, user, contract: Contract, kind: str, plan: str, escalation: dict | None = None,
                       expected_version: int | None = None) -> Disposition:
    """Choose how a problem contract is put right. Large contracts and court cases wait for the county."""
    require_perm(user, perms.CONTRACT_DETERMINE, message="只有乡镇专班（或县农经中心）可以确定处置方式。")
    locked = _lock(user, contract, expected_version)
    existing = Disposition.objects.filter(contract=locked).first()
    rechoosing = existing is not None and existing.approval == Disposition.Approval.REJECTED
    if not rechoosing:
        _require_state(locked, (S.DETERMINED,), "确定处置方式")
        if locked.is_compliant:
            raise ValidationError("合同认定合规，无需处置。")
    if kind not in DispositionKind.values:
        raise ValidationError({"kind": "请选择处置方式。"})
    if not plan.strip():
        raise ValidationError({"plan": "请填写处置方案。"})
    disposition = existing or Disposition(contract=locked)
    for name in ("agreement_date", "termination_date", "court_name", "case_number", "court_result",
                 "judgment_date", "escalated_to", "escalation_reason", "escalation_notes", "escalation_outcome",
                 "bidding_date", "bidding_method", "bidders", "winning_bid", "new_contract", "approved_by",
                 "approved_at"):
        setattr(disposition, name, None if Disposition._meta.get_field(name).null else "")
    disposition.kind, disposition.plan = kind, plan.strip()
    disposition.chosen_by, disposition.chosen_at = user, timezone.now()
    disposition.approval_note = ""
    if kind == DispositionKind.ESCALATE:
        escalation = escalation or {}
        if not (escalation.get("escalated_to") and escalation.get("escalation_reason", "").strip()):
            raise ValidationError({"escalated_to": "提级处置须写明提级至何处及原因。"})
        disposition.escalated_to = escalation["escalated_to"]
        disposition.escalation_reason = escalation["escalation_reason"].strip()
    reason = _approval_needed(locked, kind, rule_settings_for(locked.village.township.county))
    disposition.approval = Disposition.Approval.PENDING if reason else Disposition.Approval.NOT_NEEDED
    disposition.approval_reason = reason
    with acting_as(user):
        disposition.save()
    locked.state = S.STANDARDISING
    locked.county_approved = False
    _save(locked, user)
    return disposition


@transaction.atomic
def disposition_decide(*, user, contract: Contract, approve: bool, note: str,
                       expected_version: int | None = None) -> Disposition:
    """The county approves or rejects a disposition that needs it."""
    require_perm(user, perms.CONTRACT_APPROVE, message="只有县农经中心可以审批。")
    locked = _lock(user, contract, expected_version)
    _require_state(locked, (S.STANDARDISING,), "审批处置")
    disposition = Disposition.objects.select_for_update().get(contract=locked)
    if disposition.approval != Disposition.Approval.PENDING:
        raise ValidationError(f"该处置当前为“{disposition.approval}”，无需审批。")
    if not approve and not note.strip():
        raise ValidationError({"note": "驳回须写明理由。"})
    disposition.approval = Disposition.Approval.APPROVED if approve else Disposition.Approval.REJECTED
    disposition.approved_by, disposition.approved_at = user, timezone.now()
    disposition.approval_note = note.strip()
    with acting_as(user):
        disposition.save()
    locked.county_approved = approve
    _save(locked, user)
    return disposition


# The attachment a completion keeps as its evidence (none for an escalation, settled by the county), and the
# kinds that cannot complete without one.
EVIDENCE_KINDS = {
    DispositionKind.REVISE: Attachment.Kind.AGREEMENT, DispositionKind.TERMINATE: Attachment.Kind.TERMINATION,
    DispositionKind.COURT: Attachment.Kind.JUDGMENT, DispositionKind.ESCALATE: None,
    DispositionKind.RELET: Attachment.Kind.BIDDING,
}
EVIDENCE_REQUIRED = (DispositionKind.REVISE, DispositionKind.TERMINATE)


def _has_attachment(contract: Contract, kind: str) -> bool:
    return Attachment.objects.filter(contract=contract, kind=kind).exists()


def _recover_subjects(contract: Contract, user, on) -> Decimal:
    """终止撤销: every parcel and asset of the contract goes back to the village (已收回) on the day the
    contract ended; a parcel already taken back keeps the day it was first recovered."""
    recovered = Decimal("0")
    for parcel in contract.parcels.select_for_update():
        recovered += parcel.measured_area_mu or parcel.ledger_area_mu
        if parcel.state != Parcel.State.RECOVERED:
            # Let again under another contract since, it keeps the day it was first taken back.
            record_update(parcel, user=user, data={"state": Parcel.State.RECOVERED,
                                                   "recovered_on": parcel.recovered_on or on})
    for asset in contract.assets.select_for_update():
        if asset.state != Asset.State.RECOVERED:
            record_update(asset, user=user, data={"state": Asset.State.RECOVERED})
    return recovered


@transaction.atomic
def disposition_complete(*, user, contract: Contract, data: dict[str, Any],
                         expected_version: int | None = None) -> Disposition:
    """规范 done: the disposition is complete, with the evidence its kind needs."""
    require_perm(user, perms.CONTRACT_DETERMINE, perms.CONTRACT_APPROVE,
                 message="只有乡镇专班或县农经中心可以完成处置。")
    locked = _lock(user, contract, expected_version)
    _require_state(locked, (S.STANDARDISING,), "完成处置")
    disposition = Disposition.objects.select_for_update().get(contract=locked)
    if disposition.kind == DispositionKind.ESCALATE:
        require_perm(user, perms.CONTRACT_APPROVE, message="提级处置由县农经中心办结。")
    else:
        require_perm(user, perms.CONTRACT_DETERMINE, message="只有乡镇专班（或县农经中心）可以完成处置。")
    if disposition.approval in (Disposition.Approval.PENDING, Disposition.Approval.REJECTED):
        raise ValidationError(f"该处置须县级审批，当前为“{disposition.approval}”，不能完成。")

    def need(*fields):
        missing = {f: "请填写此项。" for f in fields if data.get(f) in (None, "")}
        if missing:
            raise ValidationError(missing)

    kind = disposition.kind
    # The evidence may come with the completion itself (`evidence`, an upload): stored once all else passes.
    data = dict(data)
    evidence = data.pop("evidence", None)
    if kind == DispositionKind.REVISE:
        need("agreement_date")
        if evidence is None and not _has_attachment(locked, Attachment.Kind.AGREEMENT):
            raise ValidationError({"evidence": "请上传补充协议。"})
        disposition.agreement_date = data["agreement_date"]
        revised = {k: data[k] for k in ("annual_fee", "end_date", "has_price_review") if data.get(k) not in (None, "")}
        if revised:
            for name, value in revised.items():
                setattr(locked, name, value)
            locked.full_clean()
        if still := _confirmed_problems_still_found(locked, revised):
            listed = "；".join(f"{p.code} {p.reason}" for p in still)
            reason = (data.get("override_reason") or "").strip()
            if not reason:
                raise ValidationError({"override_reason": f"修订后，已确认的问题仍然存在：{listed}。"
                                                          "请继续修订，或写明仍予办结的理由。"})
            data = {**data, "completion_note": "\n".join(filter(None, [
                data.get("completion_note", "").strip(), f"修订后仍存在：{listed}。办结理由：{reason}"]))}
    elif kind == DispositionKind.TERMINATE:
        need("termination_date")
        if evidence is None and not _has_attachment(locked, Attachment.Kind.TERMINATION):
            raise ValidationError({"evidence": "请上传终止通知。"})
        disposition.termination_date = data["termination_date"]
        disposition.land_recovered_mu = _recover_subjects(locked, user, data["termination_date"])
    elif kind == DispositionKind.COURT:
        need("court_name", "case_number", "court_result", "judgment_date")
        for name in ("court_name", "case_number", "court_result", "judgment_date"):
            setattr(disposition, name, data[name])
    elif kind == DispositionKind.ESCALATE:
        need("escalation_outcome")
        disposition.escalation_notes = data.get("escalation_notes", "")
        disposition.escalation_outcome = data["escalation_outcome"]
    elif kind == DispositionKind.RELET:
        need("bidding_date", "bidding_method", "bidders", "winning_bid", "new_contract")
        new_contract = data["new_contract"]
        if new_contract.pk == locked.pk or new_contract.village_id != locked.village_id:
            raise ValidationError({"new_contract": "新合同须是本村另一份合同。"})
        if Disposition.objects.filter(new_contract=new_contract).exclude(pk=disposition.pk).exists():
            raise ValidationError({"new_contract": "该合同已作为其他合同的重新发包合同。"})
        for name in ("bidding_date", "bidding_method", "bidders", "winning_bid", "new_contract"):
            setattr(disposition, name, data[name])
        record_update(new_contract, user=user, data={"relet_from": locked, "is_new_resource": True})
    if evidence is not None and EVIDENCE_KINDS[kind]:
        _store_upload(Attachment(contract=locked, kind=EVIDENCE_KINDS[kind], note="完成处置时上传"), evidence,
                      user=user)
    disposition.completion_note = data.get("completion_note", "")
    disposition.completed_by, disposition.completed_at = user, timezone.now()
    with acting_as(user):
        disposition.save()
    locked.state = S.STANDARDISED
    _save(locked, user)
    # A revision may move the end date; a re-let lets the parcels under the new contract.
    parcels_follow_contracts([*locked.parcels.all(), *(disposition.new_contract.parcels.all()
                                                       if disposition.new_contract_id else [])], user=user)
    return disposition


def _confirmed_problems_still_found(contract: Contract, revised: dict) -> list[problem_rules.Proposal]:
    """The confirmed problems the rules still find once the revision's new terms are in."""
    confirmed = set(contract.problems.filter(status=ContractProblem.Status.CONFIRMED).values_list("code", flat=True))
    if not confirmed:
        return []
    loaded = _load_for_rules(contract.pk)
    for name, value in revised.items():
        setattr(loaded, name, value)
    proposals = problem_rules.evaluate(loaded, rule_settings_for(loaded.village.township.county),
                                       timezone.localdate())
    return [p for p in proposals if p.code in confirmed]


# --- Schedule -------------------------------------------------------------------


@transaction.atomic
def schedule_generate_annual(*, user, contract: Contract) -> list[Instalment]:
    """One instalment of the annual fee for each contract year, due at the start of that year."""
    require_perm(user, perms.CONTRACT_EDIT, message="您的角色不能编排付款计划。")
    locked = _lock(user, contract)
    _may_edit(user, locked)
    if not (locked.annual_fee and locked.start_date and locked.end_date):
        raise ValidationError("须先填写年承包费和起止日期，才能按年生成付款计划。")
    if locked.instalments.exists():
        raise ValidationError("该合同已有付款计划；请逐条增删。")
    # A contract stored before the date bounds (0001 to 9999) would get thousands of instalments, the last
    # of them past the calendar's end.
    check_date(locked.start_date, "起始日期")
    check_date(locked.end_date, "终止日期")
    dues, year = [], 0
    while (due := problem_rules.add_years(locked.start_date, year)) < locked.end_date:
        dues.append(due)
        year += 1
    with acting_as(user):
        created = [Instalment.objects.create(contract=locked, due_date=due, amount=locked.annual_fee,
                                             note=f"第{n}年承包费") for n, due in enumerate(dues, start=1)]
    _save(locked, user)
    problems_refresh(contract=locked, user=user)
    return created


@transaction.atomic
def instalment_add(*, user, contract: Contract, due_date: date, amount: Decimal, note: str = "") -> Instalment:
    require_perm(user, perms.CONTRACT_EDIT, message="您的角色不能编排付款计划。")
    locked = _lock(user, contract)
    _may_edit(user, locked)
    instalment = record_create(Instalment, user=user, data=dict(contract=locked, due_date=due_date, amount=amount,
                                                                 note=note))
    _save(locked, user)
    problems_refresh(contract=locked, user=user)
    return instalment


def _lock_instalment(instalment: Instalment, contract: Contract) -> Instalment:
    return Instalment.objects.select_for_update().get(pk=instalment.pk, contract=contract)


@transaction.atomic
def instalment_record_payment(*, user, instalment: Instalment, amount: Decimal, paid_on: date) -> Instalment:
    """A payment received against one instalment; more than is due is refused."""
    require_perm(user, perms.CONTRACT_EDIT, message="您的角色不能登记收款。")
    # The contract first, as every write to a schedule and the making of claims lock it: a payment and the
    # handing over of the same arrears to a claim are taken one after the other.
    contract = _lock(user, instalment.contract_id)
    locked = _lock_instalment(instalment, contract)
    if locked.is_claimed:
        raise ValidationError("该期欠款已转为债权，请在债权上登记收款。")
    if amount <= 0:
        raise ValidationError({"amount": "收款金额必须大于0。"})
    if locked.paid_amount + amount > locked.amount:
        raise ValidationError({"amount": f"本期尚欠 {locked.amount - locked.paid_amount:,.2f} 元，收款不能超过欠款。"})
    updated = record_update(locked, user=user, data={"paid_amount": locked.paid_amount + amount, "paid_on": paid_on})
    problems_refresh(contract=contract, user=user)
    return updated


@transaction.atomic
def instalment_delete(*, user, instalment: Instalment) -> None:
    require_perm(user, perms.CONTRACT_EDIT, message="您的角色不能编排付款计划。")
    contract = _lock(user, instalment.contract_id)
    locked = _lock_instalment(instalment, contract)
    _may_edit(user, contract)
    if locked.is_claimed:
        raise ValidationError("该期欠款已转为债权，不能删除。")
    if locked.paid_amount:
        raise ValidationError("该期已有收款，不能删除。")
    with acting_as(user):
        locked.delete()
    problems_refresh(contract=contract, user=user)


@transaction.atomic
def instalment_mark_claimed(*, user, instalment: Instalment | int, on: date) -> Instalment:
    """The instalment's arrears were handed over to a claim (by the service that made it, which checked
    the right to make claims): the schedule takes no more payments on it."""
    locked = lock_for_write(Instalment, instalment, user=user, path="contract__village",
                            out_of_scope="该合同不在您的管理范围内。")
    if locked.is_claimed:
        raise ValidationError("该期欠款已转为债权。")
    return record_update(locked, user=user, data={"claimed_on": on})


@transaction.atomic
def instalment_record_cleared_on_claim(*, user, instalment: Instalment | int, cleared: Decimal) -> Instalment:
    """What the claim made from the instalment has cleared, net of reversals, as the service that moved
    the claim's money (and checked the right to move it) counts it."""
    locked = lock_for_write(Instalment, instalment, user=user, path="contract__village",
                            out_of_scope="该合同不在您的管理范围内。")
    # Sums come back from SQLite with binary-float tails: the column holds cents.
    return record_update(locked, user=user, data={"cleared_on_claim": cents(cleared)})


# --- Attachments ------------------------------------------------------------------


@transaction.atomic
def attachment_add(*, user, contract: Contract, upload, kind: str, note: str = "") -> Attachment:
    require_perm(user, perms.CONTRACT_EDIT, message="您的角色不能上传附件。")
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": "请选择附件类别。"})
    locked = _lock(user, contract)
    attachment = _store_upload(Attachment(contract=locked, kind=kind, note=note), upload, user=user)
    problems_refresh(contract=locked, user=user)
    return attachment


def _store_upload(record: Attachment | ResolutionEvidence, upload, *, user) -> Attachment | ResolutionEvidence:
    """Check an uploaded file by its content, keep it privately and save its audited row (an attachment
    or a resolution's evidence); a refused file leaves nothing behind."""
    checked = check_upload(upload)
    record.original_name = upload.name[:200]
    record.content_type, record.size, record.sha256 = checked.content_type, checked.size, checked.sha256
    record.uploaded_by = user
    # The stored name is random: nothing about the file is guessable from its path.
    record.file.save(f"{uuid.uuid4().hex}{checked.extension}", upload, save=False)
    try:
        with acting_as(user):
            record.save()
    except Exception:
        record.file.delete(save=False)
        raise
    return record


# --- Resolutions and settings -----------------------------------------------------


@transaction.atomic
def resolution_create(*, user, data: dict[str, Any]) -> Resolution:
    require_perm(user, perms.RESOLUTION_CHANGE, message="您的角色不能登记民主决策记录。")
    require_village_in_scope(user, data["village"])
    corrects = data.get("corrects")
    if corrects is not None and corrects.village_id != data["village"].pk:
        raise ValidationError({"corrects": "更正的决议须是同一个村的决议。"})
    return record_create(Resolution, user=user, data={**data, "created_by": user})


def resolution_lock_for_use(resolution: Resolution) -> Resolution:
    """Lock a resolution's row before something comes to rest on it, so an edit cannot slip in between the
    check that it passed and the write that relies on it (resolution_update takes the same lock)."""
    return lock_for_change(Resolution, resolution.pk)


def _locked_changes(resolution: Resolution, data: dict[str, Any]) -> list[str]:
    changed = [name for name in Resolution.LOCKED_FIELDS
               if name in data and data[name] != getattr(resolution, name)]
    changed += [name for name in Resolution.FILLED_ONCE_FIELDS
                if name in data and getattr(resolution, name) is not None and data[name] != getattr(resolution, name)]
    return changed


@transaction.atomic
def resolution_update(*, user, resolution: Resolution, data: dict[str, Any]) -> Resolution:
    """Save a resolution's details; refused for what may no longer change once something rests on it."""
    # The same lock as resolution_lock_for_use takes.
    locked = lock_for_write(Resolution, resolution, user=user, perm=perms.RESOLUTION_CHANGE,
                            message="您的角色不能修改民主决策记录。", out_of_scope="该决议不在您的管理范围内。")
    resting = locked.resting_on_it()
    if resting and (changed := _locked_changes(locked, data)):
        labels = "、".join(str(Resolution._meta.get_field(name).verbose_name) for name in changed)
        raise ValidationError(
            f"本决议已是{'、'.join(resting)}的依据，已经锁定，不能再修改{labels}。"
            "如决议记录有误，请登记一份更正决议（在决议页点“登记更正决议”）。")
    # Saving the form is entering the details: a placeholder from a ledger import becomes a full record.
    updated = record_update(locked, user=user, data={**data, "details_pending": False})
    for contract in updated.contracts.filter(state__in=(S.FOUND, S.INVESTIGATING)):
        problems_refresh(contract=contract, user=user)
    return updated


@transaction.atomic
def resolution_evidence_add(*, user, resolution: Resolution, upload, kind: str,
                            note: str = "") -> ResolutionEvidence:
    """Minutes, a sign-in sheet, notice photos or ballots of the procedure. Evidence is only ever added,
    so it is taken even once the resolution is locked: it changes nothing that rests on the vote."""
    locked = lock_for_write(Resolution, resolution, user=user, perm=perms.RESOLUTION_CHANGE,
                            message="您的角色不能上传决议证明材料。", out_of_scope="该决议不在您的管理范围内。")
    if kind not in ResolutionEvidence.Kind.values:
        raise ValidationError({"kind": "请选择证明材料类别。"})
    return _store_upload(ResolutionEvidence(resolution=locked, kind=kind, note=note), upload, user=user)


@transaction.atomic
def rule_settings_update(*, user, county, data: dict[str, Any]) -> RuleSettings:
    require_perm(user, perms.RULES_CHANGE, message="只有县农经中心可以修改认定规则参数。")
    current = rule_settings_for(county)
    if current.pk is None:
        return record_create(RuleSettings, user=user, data={
            "county": county, "county_approval_amount": current.county_approval_amount,
            "area_tolerance": current.area_tolerance, **data})
    return record_update(current, user=user, data=data)
