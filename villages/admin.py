"""Counties and townships are set up once by the administrator; everything else has its own pages."""
from django.contrib import admin

from .models import County, Township


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "county", "code"]
    list_filter = ["county"]
