"""Every read of places, parties, parcels and assets goes through here, scoped to the user."""
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.scoping import groups_for, scoped, villages_for
from places.models import Group, Village

from .models import Asset, Parcel, Party


def _count_per_village(model) -> Subquery:
    rows = (model.objects.filter(village=OuterRef("pk")).order_by().values("village")
            .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def village_list(user) -> QuerySet[Village]:
    return villages_for(user).annotate(
        group_count=_count_per_village(Group),
        party_count=_count_per_village(Party),
        parcel_count=_count_per_village(Parcel),
        asset_count=_count_per_village(Asset),
    ).order_by(*Village._meta.ordering)


def party_list(user) -> QuerySet[Party]:
    return scoped(Party.objects.select_related("village__township", "group"), user)


def parcel_list(user) -> QuerySet[Parcel]:
    return scoped(Parcel.objects.select_related("village__township", "group"), user)


def asset_list(user) -> QuerySet[Asset]:
    return scoped(Asset.objects.select_related("village__township", "group"), user)


def village_ledger_totals(village: Village) -> dict:
    """Parcel area by kind and asset book value for one village's detail page."""
    parcels = (Parcel.objects.filter(village=village).order_by().values("kind")
               .annotate(n=Count("pk"), ledger=Sum("ledger_area_mu"), measured=Sum("measured_area_mu"),
                         measured_n=Count("measured_area_mu"))
               .order_by("kind"))
    assets = Asset.objects.filter(village=village).aggregate(n=Count("pk"), value=Sum("book_value"))
    return {"parcels_by_kind": list(parcels), "assets": assets}


def scope_summary(user) -> dict:
    """Counts for the home page, from the database."""
    villages = villages_for(user)
    return {
        "townships": villages.values("township").distinct().count(),
        "villages": villages.count(),
        "groups": groups_for(user).count(),
        "parties": party_list(user).count(),
        "parcels": parcel_list(user).count(),
        "assets": asset_list(user).count(),
        "expected_contracts": villages.aggregate(n=Coalesce(Sum("expected_contracts"), 0))["n"],
        "parcel_area": parcel_list(user).aggregate(a=Sum("ledger_area_mu"))["a"],
    }
