"""Every contract model, listed read-only for administrators."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    Attachment,
    Contract,
    ContractProblem,
    Determination,
    Disposition,
    Instalment,
    Investigation,
    Resolution,
    ResolutionEvidence,
    RuleSettings,
)


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "village", "counterparty", "kind", "form", "state", "annual_fee"]
    list_filter = ["state", "kind", "form", "village__township"]
    search_fields = ["number", "title", "counterparty__name"]
    list_select_related = ["village", "counterparty"]


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["resolved_on", "title", "village", "members_expected", "members_present", "votes_for", "passed"]
    list_filter = ["passed", "subject", "village__township"]


@admin.register(ContractProblem)
class ContractProblemAdmin(ReadOnlyAdmin):
    list_display = ["contract", "code", "status", "decided_by", "decided_at"]
    list_filter = ["code", "status"]


@admin.register(Disposition)
class DispositionAdmin(ReadOnlyAdmin):
    list_display = ["contract", "kind", "approval", "chosen_at", "completed_at"]
    list_filter = ["kind", "approval"]


for model in (Instalment, Investigation, Determination, Attachment, ResolutionEvidence, RuleSettings):
    admin.site.register(model, ReadOnlyAdmin)
