"""Every read of contracts and resolutions, scoped to the user."""
from django.db.models import Count, Prefetch, Q, QuerySet

from core import permissions as perms
from core.scoping import scoped

from .models import (
    Contract,
    ContractProblem,
    ContractState,
    Disposition,
    DispositionKind,
    Resolution,
    ResolutionEvidence,
)


def contract_list(user) -> QuerySet[Contract]:
    return scoped(
        Contract.objects.select_related("village__township", "counterparty")
        .prefetch_related(Prefetch("problems", queryset=ContractProblem.objects.exclude(
            status=ContractProblem.Status.DISMISSED).order_by("code"))),
        user,
    ).order_by("village__township__name", "village__name", "number")


def contract_detail(user) -> QuerySet[Contract]:
    return scoped(
        Contract.objects.select_related(
            "village__township__county", "counterparty__group", "resolution", "investigation__updated_by",
            "determination__determined_by", "disposition__chosen_by", "disposition__approved_by",
            "disposition__completed_by", "disposition__new_contract", "relet_from")
        .prefetch_related("parcels", "assets", "instalments", "attachments__uploaded_by",
                          Prefetch("problems", queryset=ContractProblem.objects.select_related("decided_by"))),
        user,
    )


def resolution_list(user) -> QuerySet[Resolution]:
    return scoped(Resolution.objects.select_related("village__township")
                  .annotate(contract_count=Count("contracts")), user).order_by("-resolved_on", "-id")


def resolution_detail(user) -> QuerySet[Resolution]:
    return resolution_list(user).prefetch_related(
        Prefetch("evidence", queryset=ResolutionEvidence.objects.select_related("uploaded_by")))


def resolution_evidence_list(user) -> QuerySet[ResolutionEvidence]:
    return scoped(ResolutionEvidence.objects.select_related("resolution"), user, "resolution__village")


def state_counts(user) -> dict[str, int]:
    """How many contracts in scope stand at each state (for the list page's tabs)."""
    rows = scoped(Contract.objects.all(), user).order_by().values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def awaiting_county(user) -> QuerySet[Contract]:
    return contract_list(user).filter(Q(disposition__approval="待县审批")
                                      | Q(disposition__kind="提级处置", state="规范中"))


# The steps of the workflow (查找 → 认定 → 规范) at which a contract waits for someone, with the right that takes
# it on: the contract list filters by them (`?step=`) and the to-do page counts them (reports.todo), so that a
# count is the length of the list it links to.
_S, _A = ContractState, Disposition.Approval
WORK_STEPS: dict[str, tuple[str, str, Q]] = {
    "investigate": ("待开始调查", perms.CONTRACT_INVESTIGATE, Q(state=_S.FOUND)),
    "report": ("待填写调查报告", perms.CONTRACT_INVESTIGATE, Q(state=_S.INVESTIGATING, investigation__isnull=True)),
    "determine": ("待认定", perms.CONTRACT_DETERMINE, Q(state=_S.INVESTIGATING, investigation__isnull=False)),
    # A problem contract without a disposition, or one whose disposition the county turned down.
    "dispose": ("待确定处置方式", perms.CONTRACT_DETERMINE,
                Q(state=_S.DETERMINED, is_compliant=False)
                | Q(state=_S.STANDARDISING, disposition__approval=_A.REJECTED)),
    "approve": ("待县级审批", perms.CONTRACT_APPROVE, Q(state=_S.STANDARDISING, disposition__approval=_A.PENDING)),
    "complete": ("待完成处置", perms.CONTRACT_DETERMINE,
                 Q(state=_S.STANDARDISING, disposition__approval__in=[_A.NOT_NEEDED, _A.APPROVED])),
}


def work_step(step: str, user) -> Q:
    """The contracts waiting at `step` for this user: an escalated case (提级处置) is settled and completed by the
    county (contracts.services.disposition_complete), never by the township."""
    condition = WORK_STEPS[step][2]
    if step == "complete" and not perms.has_perm(user, perms.CONTRACT_APPROVE):
        condition &= ~Q(disposition__kind=DispositionKind.ESCALATE)
    return condition


def work_counts(user, steps) -> dict[str, int]:
    """How many contracts in the user's scope wait at each of `steps`: one query."""
    if not steps:
        return {}
    return scoped(Contract.objects.all(), user).order_by().aggregate(
        **{step: Count("pk", filter=work_step(step, user)) for step in steps})
