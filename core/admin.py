from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .audit import to_trail
from .models import AuditEntry, Job, SubmissionKey, User

# django-auditlog registers its own admin for the entry model; replace it with
# a strictly read-only one.
if admin.site.is_registered(AuditEntry):
    admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The trail as the administrator may read it: the changes as the application's pages show them, ID
    numbers masked (the raw JSON of the changes is never shown, nor searched)."""

    list_display = ["timestamp", "actor", "action", "content_type", "object_repr", "remote_addr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor__username"]
    fields = ["timestamp", "actor", "action", "content_type", "object_id", "object_repr", "remote_addr",
              "changes_masked"]
    readonly_fields = fields

    @admin.display(description="变更内容")
    def changes_masked(self, entry):
        from django.contrib.auth.models import AnonymousUser
        from django.utils.html import format_html, format_html_join

        # The administrator role does not see ID numbers (core.permissions); an anonymous reader is masked
        # whatever role the admin account has.
        [read] = to_trail([entry], AnonymousUser())
        return format_html("<div><strong>{}</strong></div>{}", read.summary,
                           format_html_join("\n", "<div>{}：{} → {}</div>",
                                            ((c.label, c.old, c.new) for c in read.changes)))
    date_hierarchy = "timestamp"
    list_select_related = ["actor", "content_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "real_name", "role", "province", "county", "township", "village", "is_active",
                    "last_login"]
    list_filter = ["role", "is_active", "township"]
    search_fields = ["username", "real_name", "phone"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("角色与管理范围", {"fields": ["real_name", "phone", "role", "province", "county", "township", "village"]}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        ("角色与管理范围", {"fields": ["real_name", "role", "province", "county", "township", "village"]}),
    )

    def has_delete_permission(self, request, obj=None):
        # People leave; their names stay on the audit trail. Deactivate instead.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists a model for administrators. Changes go through the application's pages and services,
    which check scope, rules and state and write the audit trail."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "title", "created_by", "state", "progress"]
    list_filter = ["state", "kind"]


@admin.register(SubmissionKey)
class SubmissionKeyAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "label", "url"]
    search_fields = ["label", "user__username"]
    list_select_related = ["user"]
