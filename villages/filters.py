"""List filters and search for places, parties, parcels and assets."""
import re

import django_filters
from django import forms
from django.db.models import Q

from core.idnumbers import id_number_search
from core.scoping import villages_for
from places.models import Township, Village

from .models import Asset, AssetKind, Parcel, ParcelKind, Party

YES_NO = forms.Select(choices=[("", "全部"), ("true", "是"), ("false", "否")])
_LETTERS = re.compile(r"^[a-z]+$")
# The party filter's choice for every status but 正常 (the debtors a write-off may rest on).
NOT_NORMAL = "非正常"


def name_search(queryset, value: str, *, user=None, extra: tuple[str, ...] = ()):
    """Search by name, by pinyin (initials `zs` or full `zhangsan`), and, given the `user`, by ID number
    as far as that user may (core.idnumbers.id_number_search)."""
    value = (value or "").strip()
    if not value:
        return queryset
    condition = Q(name__icontains=value)
    for field in extra:
        condition |= Q(**{f"{field}__icontains": value})
    lowered = value.lower().replace(" ", "")
    if _LETTERS.match(lowered) and hasattr(queryset.model, "search_keys"):
        condition |= Q(search_keys__icontains=lowered)
    if user is not None and (by_id := id_number_search(user, value)) is not None:
        condition |= by_id
    return queryset.filter(condition)


def _scoped_villages(request):
    return villages_for(request.user) if request else Village.objects.none()


def _scoped_townships(request):
    if not request:
        return Township.objects.none()
    return Township.objects.filter(pk__in=villages_for(request.user).values("township")).order_by("sort_key", "name")


class VillageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    township = django_filters.ModelChoiceFilter(label="乡镇", queryset=_scoped_townships, empty_label="全部乡镇")

    class Meta:
        model = Village
        fields = ["q", "township"]

    def search(self, queryset, name, value):
        return name_search(queryset, value, extra=("collective_org", "township__name"))


class PartyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    kind = django_filters.ChoiceFilter(label="类型", choices=Party.Kind.choices, empty_label="全部类型")
    is_member = django_filters.BooleanFilter(label="本集体成员", widget=YES_NO)
    missing_id = django_filters.BooleanFilter(label="缺证件号", method="filter_missing_id", widget=YES_NO)
    status = django_filters.ChoiceFilter(label="状态", method="filter_status", empty_label="全部状态",
                                         choices=[(NOT_NORMAL, "非正常（全部）"), *Party.Status.choices])

    class Meta:
        model = Party
        fields = ["q", "village", "kind", "is_member", "status"]

    def search(self, queryset, name, value):
        return name_search(queryset, value, user=self.request.user, extra=("phone",))

    def filter_missing_id(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(id_number="") if value else queryset.exclude(id_number="")

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        if value == NOT_NORMAL:
            return queryset.exclude(status=Party.Status.NORMAL)
        return queryset.filter(status=value)


class ParcelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    kind = django_filters.ChoiceFilter(label="资源类型", choices=ParcelKind.choices, empty_label="全部类型")
    state = django_filters.ChoiceFilter(label="状态", choices=Parcel.State.choices, empty_label="全部状态")
    measured = django_filters.BooleanFilter(label="已实测", field_name="measured_area_mu", lookup_expr="isnull",
                                            exclude=True, widget=YES_NO)

    class Meta:
        model = Parcel
        fields = ["q", "village", "kind", "state"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(boundaries__icontains=value))


class AssetFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    kind = django_filters.ChoiceFilter(label="资产类别", choices=AssetKind.choices, empty_label="全部类别")
    state = django_filters.ChoiceFilter(label="状态", choices=Asset.State.choices, empty_label="全部状态")

    class Meta:
        model = Asset
        fields = ["q", "village", "kind", "state"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value) | Q(location__icontains=value))
