"""Every read of contracts and resolutions, scoped to the user."""
from django.db.models import Count, Prefetch, Q, QuerySet

from core.scoping import scoped

from .models import Contract, ContractProblem, Resolution, ResolutionEvidence


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
