"""Income record list filters."""
import django_filters
from django import forms

from core.scoping import villages_for

from .models import IncomeKind, IncomeRecord


def _scoped_villages(request):
    return villages_for(request.user) if request else None


class IncomeFilter(django_filters.FilterSet):
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    kind = django_filters.ChoiceFilter(label="收入类别", choices=IncomeKind.choices, empty_label="全部类别")
    start = django_filters.DateFilter(label="起", field_name="received_on", lookup_expr="gte",
                                  widget=forms.DateInput(attrs={"type": "date"}))
    end = django_filters.DateFilter(label="止", field_name="received_on", lookup_expr="lte",
                                widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = IncomeRecord
        fields = ["village", "kind"]
