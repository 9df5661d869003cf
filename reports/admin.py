"""The reports' own records, listed read-only for administrators."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import CadreRelative, IncomeRecord, ReportSettings, RiskCase, RiskReview, RiskTask


@admin.register(ReportSettings)
class ReportSettingsAdmin(ReadOnlyAdmin):
    list_display = ["county", "weight_clearing", "income_red"]


@admin.register(IncomeRecord)
class IncomeRecordAdmin(ReadOnlyAdmin):
    list_display = ["village", "kind", "received_on", "amount"]
    list_filter = ["kind"]


@admin.register(CadreRelative)
class CadreRelativeAdmin(ReadOnlyAdmin):
    list_display = ["party", "relation", "flagged_by", "flagged_at"]


class RiskTaskInline(admin.TabularInline):
    model = RiskTask
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RiskReviewInline(RiskTaskInline):
    model = RiskReview


@admin.register(RiskCase)
class RiskCaseAdmin(ReadOnlyAdmin):
    list_display = ["village", "risk_class", "level", "opened_on", "closed_on"]
    list_filter = ["risk_class", "level"]
    inlines = [RiskTaskInline, RiskReviewInline]
