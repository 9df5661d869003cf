"""Contract list filters and search."""
from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.idnumbers import id_number_search
from core.scoping import villages_for

from .models import Contract, ContractForm, ContractKind, ContractProblem, ContractState, ProblemCode, Resolution
from .selectors import WORK_STEPS, work_step


def _scoped_villages(request):
    return villages_for(request.user) if request else None


class ContractFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    state = django_filters.ChoiceFilter(label="清理状态", choices=ContractState.choices, empty_label="全部状态")
    kind = django_filters.ChoiceFilter(label="合同类型", choices=ContractKind.choices, empty_label="全部类型")
    form = django_filters.ChoiceFilter(label="签订形式", choices=ContractForm.choices, empty_label="全部形式")
    problem = django_filters.ChoiceFilter(label="问题", choices=ProblemCode.choices, empty_label="全部问题",
                                          method="filter_problem")
    # Bounded: a day count past some 2.9 million years overflows the date it is added to.
    expiring = django_filters.NumberFilter(
        label="到期天数内", method="filter_expiring", min_value=1, max_value=36500,
        error_messages={"min_value": "“到期天数内”至少为 1 天。", "max_value": "“到期天数内”最多 36500 天。",
                        "invalid": "“到期天数内”须为天数，如 90。"},
        widget=forms.NumberInput(attrs={"placeholder": "如 90", "min": 1, "max": 36500}))
    step = django_filters.ChoiceFilter(label="待办环节", empty_label="全部环节", method="filter_step",
                                       choices=[(key, label) for key, (label, _perm, _q) in WORK_STEPS.items()])

    class Meta:
        model = Contract
        fields = ["q", "village", "state", "kind", "form"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        condition = (Q(number__icontains=value) | Q(title__icontains=value)
                     | Q(counterparty__name__icontains=value))
        if (by_id := id_number_search(self.request.user, value, "counterparty__id_number")) is not None:
            condition |= by_id
        lowered = value.lower()
        if lowered.isascii() and lowered.isalpha():
            condition |= Q(search_keys__icontains=lowered) | Q(counterparty__search_keys__icontains=lowered)
        return queryset.filter(condition)

    def filter_problem(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=ContractProblem.objects.filter(code=value).exclude(
            status=ContractProblem.Status.DISMISSED).values("contract"))

    def filter_step(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(work_step(value, getattr(self.request, "user", None)))

    def filter_expiring(self, queryset, name, value):
        if not value:
            return queryset
        today = timezone.localdate()
        return queryset.filter(end_date__gte=today, end_date__lte=today + timedelta(days=int(value)))


class ResolutionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", field_name="title", lookup_expr="icontains")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    passed = django_filters.BooleanFilter(label="通过", widget=forms.Select(
        choices=[("", "全部"), ("true", "通过"), ("false", "未通过")]))

    class Meta:
        model = Resolution
        fields = ["q", "village", "passed"]
