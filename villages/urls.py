from django.urls import path

from . import views

app_name = "villages"


def _ledger(prefix, name, views_of):
    return [
        path(f"{prefix}/", views_of.list.as_view(), name=f"{name}-list"),
        path(f"{prefix}/new/", views_of.create.as_view(), name=f"{name}-create"),
        path(f"{prefix}/<int:pk>/", views_of.detail.as_view(), name=f"{name}-detail"),
        path(f"{prefix}/<int:pk>/edit/", views_of.update.as_view(), name=f"{name}-update"),
        path(f"{prefix}/<int:pk>/delete/", views_of.delete.as_view(), name=f"{name}-delete"),
    ]


urlpatterns = [
    path("villages/", views.VillageListView.as_view(), name="village-list"),
    path("villages/new/", views.VillageCreateView.as_view(), name="village-create"),
    path("villages/<int:pk>/", views.VillageDetailView.as_view(), name="village-detail"),
    path("villages/<int:pk>/edit/", views.VillageUpdateView.as_view(), name="village-update"),
    path("villages/<int:village_pk>/groups/new/", views.GroupCreateView.as_view(), name="group-create"),
    path("groups/<int:pk>/edit/", views.GroupUpdateView.as_view(), name="group-update"),
    path("groups/options/", views.group_options, name="group-options"),
    *_ledger("parties", "party", views.party_views),
    *_ledger("parcels", "parcel", views.parcel_views),
    *_ledger("assets", "asset", views.asset_views),
]
