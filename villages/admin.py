"""Counties and townships are set up here by the administrator; the other records are listed
read-only, since they are changed through the application's pages."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin
from places.models import County, Group, Township, Village

from .models import Asset, Parcel, Party


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "code"]
    list_filter = ["county"]


@admin.register(Village)
class VillageAdmin(ReadOnlyAdmin):
    list_display = ["name", "township", "collective_org", "households", "population", "expected_contracts"]
    list_filter = ["township"]
    search_fields = ["name"]


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "village", "leader"]
    list_filter = ["village__township"]


@admin.register(Party)
class PartyAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "id_number_masked", "village", "is_member"]
    list_filter = ["kind", "is_member", "village__township"]
    search_fields = ["name"]
    exclude = ["id_number"]


@admin.register(Parcel)
class ParcelAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "village", "ledger_area_mu", "measured_area_mu", "state"]
    list_filter = ["kind", "state", "village__township"]
    search_fields = ["code", "name"]


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "village", "book_value", "state"]
    list_filter = ["kind", "state", "village__township"]
    search_fields = ["code", "name"]
