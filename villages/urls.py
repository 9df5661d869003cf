from django.urls import path

from . import views

app_name = "villages"

urlpatterns = [
    path("villages/", views.VillageListView.as_view(), name="village-list"),
    path("villages/new/", views.VillageCreateView.as_view(), name="village-create"),
    path("villages/<int:pk>/", views.VillageDetailView.as_view(), name="village-detail"),
    path("villages/<int:pk>/edit/", views.VillageUpdateView.as_view(), name="village-update"),
    path("villages/<int:village_pk>/groups/new/", views.GroupCreateView.as_view(), name="group-create"),
    path("groups/<int:pk>/edit/", views.GroupUpdateView.as_view(), name="group-update"),
    path("groups/options/", views.group_options, name="group-options"),
    path("parties/", views.PartyListView.as_view(), name="party-list"),
    path("parties/new/", views.PartyCreateView.as_view(), name="party-create"),
    path("parties/new/dialog/", views.PartyQuickCreateView.as_view(), name="party-quick-create"),
    path("parties/<int:pk>/", views.PartyDetailView.as_view(), name="party-detail"),
    path("parties/<int:pk>/edit/", views.PartyUpdateView.as_view(), name="party-update"),
    path("parties/<int:pk>/delete/", views.PartyDeleteView.as_view(), name="party-delete"),
    path("parcels/", views.ParcelListView.as_view(), name="parcel-list"),
    path("parcels/new/", views.ParcelCreateView.as_view(), name="parcel-create"),
    path("parcels/new/dialog/", views.ParcelQuickCreateView.as_view(), name="parcel-quick-create"),
    path("parcels/<int:pk>/", views.ParcelDetailView.as_view(), name="parcel-detail"),
    path("parcels/<int:pk>/edit/", views.ParcelUpdateView.as_view(), name="parcel-update"),
    path("parcels/<int:pk>/delete/", views.ParcelDeleteView.as_view(), name="parcel-delete"),
    path("assets/", views.AssetListView.as_view(), name="asset-list"),
    path("assets/new/", views.AssetCreateView.as_view(), name="asset-create"),
    path("assets/<int:pk>/", views.AssetDetailView.as_view(), name="asset-detail"),
    path("assets/<int:pk>/edit/", views.AssetUpdateView.as_view(), name="asset-update"),
    path("assets/<int:pk>/delete/", views.AssetDeleteView.as_view(), name="asset-delete"),
]
