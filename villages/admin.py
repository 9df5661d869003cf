"""Provinces, counties and townships are set up here by the administrator; the other records are listed
read-only, since they are changed through the application's pages."""
from django.contrib import admin

from core.admin import ReadOnlyAdmin
from places.models import County, Group, Province, Township, Village

from . import services
from .models import Asset, Parcel, Party


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "province", "code"]
    list_filter = ["province"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "code"]
    list_filter = ["county"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new township comes with its own unit (镇本级); the admin's instance becomes the saved row.
        saved = services.township_create(user=request.user, data={
            name: getattr(obj, name) for name in ("county", "name", "code")})
        obj.pk, obj._state = saved.pk, saved._state


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
    list_display = ["name", "kind", "id_number_masked", "village", "is_member", "status"]
    list_filter = ["kind", "is_member", "status", "village__township"]
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
