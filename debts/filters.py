"""Claim and debt list filters."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.idnumbers import id_number_search
from core.scoping import villages_for

from .limitation import ClockState, state_filter
from .models import Claim, ClaimOrigin, Debt, DebtOrigin, MediationCase
from .selectors import AGE_BANDS, age_band_filter, lapsing_soon, mediation_due


def _scoped_villages(request):
    return villages_for(request.user) if request else None


STATUS_CHOICES = [("未清收", "未清收"), ("部分清收", "部分清收"), ("已结清", "已结清"), ("已封存", "已封存")]
BOOK_CHOICES = [("true", "账内"), ("false", "账外")]
YES_NO = [("true", "是"), ("false", "否")]


def _search(queryset, value, party: str, user):
    value = (value or "").strip()
    if not value:
        return queryset
    condition = Q(number__icontains=value) | Q(**{f"{party}__name__icontains": value}) | Q(
        origin_note__icontains=value)
    lowered = value.lower()
    if lowered.isascii() and lowered.isalpha():
        condition |= Q(**{f"{party}__search_keys__icontains": lowered})
    if (by_id := id_number_search(user, value, f"{party}__id_number")) is not None:
        condition |= by_id
    return queryset.filter(condition)


class ClaimFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    origin = django_filters.ChoiceFilter(label="形成原因", choices=ClaimOrigin.choices, empty_label="全部原因")
    status = django_filters.ChoiceFilter(label="清收状态", choices=STATUS_CHOICES, empty_label="全部状态")
    age = django_filters.ChoiceFilter(label="账龄", choices=AGE_BANDS, empty_label="全部账龄", method="filter_age")
    sealed = django_filters.ChoiceFilter(label="封存", choices=YES_NO, empty_label="全部", method="filter_sealed")
    in_book = django_filters.ChoiceFilter(label="账内外", choices=BOOK_CHOICES, empty_label="全部",
                                          method="filter_book")
    limitation = django_filters.ChoiceFilter(
        label="诉讼时效", empty_label="全部", method="filter_limitation", choices=ClockState.choices)
    lapse_within = django_filters.NumberFilter(
        label="时效届满天数内", method="filter_lapse_within", min_value=1, max_value=3650,
        error_messages={"min_value": "“时效届满天数内”至少为 1 天。", "max_value": "“时效届满天数内”最多 3650 天。",
                        "invalid": "“时效届满天数内”须为天数，如 30。"},
        widget=forms.NumberInput(attrs={"placeholder": "如 30", "min": 1, "max": 3650}))

    class Meta:
        model = Claim
        fields = ["q", "village", "origin", "status"]

    def search(self, queryset, name, value):
        return _search(queryset, value, "debtor", getattr(self.request, "user", None))

    def filter_age(self, queryset, name, value):
        return queryset.filter(age_band_filter(value, timezone.localdate())) if value else queryset

    def filter_sealed(self, queryset, name, value):
        return queryset.filter(sealed=value == "true") if value else queryset

    def filter_book(self, queryset, name, value):
        return queryset.filter(in_book=value == "true") if value else queryset

    def filter_limitation(self, queryset, name, value):
        if not value:
            return queryset
        # Open claims only: a cleared or sealed claim is not collected, so its clock no longer matters.
        return queryset.filter(state_filter(value, timezone.localdate()), sealed=False, balance__gt=0)

    def filter_lapse_within(self, queryset, name, value):
        if value is None:
            return queryset
        return lapsing_soon(queryset, int(value), timezone.localdate())


class DebtFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    origin = django_filters.ChoiceFilter(label="形成原因", choices=DebtOrigin.choices, empty_label="全部原因")
    open = django_filters.ChoiceFilter(label="化解状态", empty_label="全部", method="filter_open",
                                       choices=[("open", "未化解完"), ("done", "已化解")])
    in_book = django_filters.ChoiceFilter(label="账内外", choices=BOOK_CHOICES, empty_label="全部",
                                          method="filter_book")

    class Meta:
        model = Debt
        fields = ["q", "village", "origin"]

    def search(self, queryset, name, value):
        return _search(queryset, value, "creditor", getattr(self.request, "user", None))

    def filter_open(self, queryset, name, value):
        if value == "open":
            return queryset.filter(balance__gt=0)
        if value == "done":
            return queryset.filter(balance__lte=0)
        return queryset

    def filter_book(self, queryset, name, value):
        return queryset.filter(in_book=value == "true") if value else queryset





class MediationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    state = django_filters.ChoiceFilter(label="状态", choices=MediationCase.State.choices, empty_label="全部状态")
    due_within = django_filters.NumberFilter(
        label="分期到期天数内", method="filter_due_within", min_value=0, max_value=365,
        error_messages={"min_value": "“分期到期天数内”不能为负数。", "max_value": "“分期到期天数内”最多 365 天。",
                        "invalid": "“分期到期天数内”须为天数，如 7。"},
        widget=forms.NumberInput(attrs={"placeholder": "如 7", "min": 0, "max": 365}))

    class Meta:
        model = MediationCase
        fields = ["q", "village", "state"]

    def filter_due_within(self, queryset, name, value):
        """Cases being performed with an instalment due within so many days, or overdue, not yet met."""
        if value is None:
            return queryset
        return mediation_due(queryset, int(value), timezone.localdate())

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(mediator__icontains=value)
                               | Q(parties__name__icontains=value)).distinct()
