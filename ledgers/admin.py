"""Ledger uploads, listed read-only; the county's confirmed header mappings, which an administrator may
review and correct (each change audited)."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.audit import acting_as

from .models import ColumnMapping, LedgerImport

admin.site.register(LedgerImport, ReadOnlyAdmin)


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["county", "kind", "header_key", "column", "updated_by", "updated_at"]
    list_filter = ["county", "kind"]
    search_fields = ["header_key", "column"]
    fields = ["county", "kind", "header_key", "column", "values"]

    def has_add_permission(self, request):
        return False      # a mapping is confirmed on an import, from a real file's header

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        with acting_as(request.user):
            super().save_model(request, obj, form, change)
