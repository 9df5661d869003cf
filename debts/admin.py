"""Every claim and debt model, listed read-only for administrators: money moves only through the ledger services."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    Claim,
    ClaimEvent,
    Debt,
    DiscountRule,
    DisputeTask,
    Entry,
    LegalAction,
    Letter,
    LetterItem,
    LetterSequence,
    MediationCase,
    MediationInstalment,
    Receipt,
    ReceiptSequence,
    ResolutionCover,
)


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["number", "village", "debtor", "origin", "principal", "due_date", "sealed"]
    list_filter = ["origin", "sealed", "in_book", "village__township"]
    search_fields = ["number", "debtor__name"]
    list_select_related = ["village", "debtor"]


@admin.register(Debt)
class DebtAdmin(ReadOnlyAdmin):
    list_display = ["number", "village", "creditor", "origin", "principal", "interest"]
    list_filter = ["origin", "village__township"]
    search_fields = ["number", "creditor__name"]
    list_select_related = ["village", "creditor"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["entered_on", "kind", "amount", "claim", "debt", "voucher_no", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["claim", "debt", "created_by"]


for model in (ClaimEvent, MediationCase, MediationInstalment, LegalAction, ResolutionCover, DiscountRule):
    admin.site.register(model, ReadOnlyAdmin)


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "debtor", "total", "state", "as_of"]
    list_filter = ["kind", "state", "village__township"]
    search_fields = ["number", "debtor__name"]
    list_select_related = ["debtor"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "village", "entry", "issued_on", "created_by"]
    list_select_related = ["village", "entry", "created_by"]
    search_fields = ["number"]


for model in (LetterItem, LetterSequence, ReceiptSequence, DisputeTask):
    admin.site.register(model, ReadOnlyAdmin)
