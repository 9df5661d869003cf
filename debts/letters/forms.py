"""Validation of the letter pages' forms and the letter list's filters. Writes happen in `services`."""

import hashlib
import json

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from core.forms import MoneyField, style_fields
from core.scoping import villages_for
from core.submissions import OnceFormMixin
from debts.models import ClaimOrigin, DisputeTask, Letter, LetterKind
from debts.selectors import AGE_BANDS
from places.models import Village

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def normalise_number(text: str) -> str:
    """A letter number as a scanner or a hurried hand gives it: spaces dropped, full-width dashes made plain."""
    text = "".join((text or "").split())
    for dash in ("－", "—", "–", "‐", "−"):
        text = text.replace(dash, "-")
    return text[:80]


# --- List filters ------------------------------------------------------------------------


def _scoped_villages(request):
    return villages_for(request.user) if request else None


class LetterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="search")
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    kind = django_filters.ChoiceFilter(label="类型", choices=LetterKind.choices, empty_label="全部类型")
    state = django_filters.ChoiceFilter(label="状态", choices=Letter.State.choices, empty_label="全部状态")
    job = django_filters.NumberFilter(label="生成批次", widget=forms.HiddenInput)

    class Meta:
        model = Letter
        fields = ["q", "village", "kind", "state", "job"]

    def search(self, queryset, name, value):
        value = normalise_number(value)
        if not value:
            return queryset
        condition = Q(number__icontains=value) | Q(debtor__name__icontains=value)
        lowered = value.lower()
        if lowered.isascii() and lowered.isalpha():
            condition |= Q(debtor__search_keys__icontains=lowered)
        return queryset.filter(condition)


class DisputeFilter(django_filters.FilterSet):
    village = django_filters.ModelChoiceFilter(label="村", queryset=_scoped_villages, empty_label="全部村")
    open = django_filters.ChoiceFilter(label="办理情况", empty_label="全部", method="filter_open",
                                       choices=[("open", "待核实"), ("closed", "已办结")])

    class Meta:
        model = DisputeTask
        fields = ["village", "open"]

    def filter_open(self, queryset, name, value):
        if value == "open":
            return queryset.filter(closed_on__isnull=True)
        if value == "closed":
            return queryset.filter(closed_on__isnull=False)
        return queryset


# --- Issuing ---------------------------------------------------------------------------------


class LetterKindForm(forms.Form):
    """The one choice behind the “出具函件” button on a claim's page."""

    kind = forms.ChoiceField(label="函件类型", choices=LetterKind.choices)


class BatchForm(OnceFormMixin, forms.Form):
    villages = forms.ModelMultipleChoiceField(
        label="村", queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个村。", "invalid_choice": "所选村不在您的管理范围内。"})
    kind = forms.ChoiceField(label="函件类型", choices=LetterKind.choices, widget=forms.RadioSelect,
                             initial=LetterKind.RECONCILIATION)
    min_balance = MoneyField(label="余额不低于(元)", required=False, help_text="不填则不限金额；一户多笔按合计计算。")
    origins = forms.MultipleChoiceField(
        label="形成原因", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[c for c in ClaimOrigin.choices if c[0] != ClaimOrigin.TAX_ERA],
        help_text="不选则包括全部原因。三提五统、农业税尾欠等已封存的债权一律不出具函件。")
    age = forms.ChoiceField(label="账龄", required=False, choices=[("", "全部账龄"), *AGE_BANDS])
    as_of = forms.DateField(label="截至日期", widget=DATE, initial=timezone.localdate,
                            help_text="函件列明截至此日的欠款，回复期限为其后 30 天。")
    include_recent = forms.BooleanField(
        label="近期已收到同类函件的债务人也出具", required=False,
        help_text="不勾选时，近期（见下方预览）已收到同类函件且未作废的债务人不再出具，以免重复。")
    # The conditions the preview was shown for: a batch is issued only for what the user has seen.
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = villages_for(user).order_by(*Village._meta.ordering)
        self.fields["villages"].queryset = villages
        # Every village in scope is ticked until the user narrows the batch.
        self.fields["villages"].initial = [v.pk for v in villages]
        if user.scope_level in ("county", "province", "all"):
            self.fields["villages"].label_from_instance = lambda village: village.full_name
        style_fields(self)

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate():
            raise forms.ValidationError("截至日期不能晚于今天。")
        return as_of

    def conditions(self) -> str:
        """A short fingerprint of what the batch selects (not whether the recent ones are included)."""
        data = self.cleaned_data
        text = json.dumps([sorted(v.pk for v in data["villages"]), data["kind"], str(data["min_balance"]),
                           sorted(data["origins"]), data["age"], data["as_of"].isoformat()])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=300,
                             widget=forms.TextInput(attrs={"placeholder": "如：重复出具、金额有误、债务人已结清"}),
                             error_messages={"required": "请写明作废原因（如：重复出具、金额有误）。"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


# --- Delivery and receipts ------------------------------------------------------------------


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label="送达日期", widget=DATE, initial=timezone.localdate)
    delivery = forms.ChoiceField(label="送达方式", choices=Letter.Delivery.choices, widget=forms.RadioSelect,
                                 initial=Letter.Delivery.IN_PERSON)
    delivered_by = forms.CharField(label="送达人", required=False, max_length=50,
                                   help_text="不填则记为当前登录人。")
    photo = forms.FileField(label="送达照片（可选）", required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf",
                                                                    "capture": "environment"}),
                            help_text="签收单或留置现场照片，JPG、PNG 或 PDF。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class AnswerForm(forms.Form):
    result = forms.ChoiceField(label="回执结果", widget=forms.RadioSelect, choices=[
        (Letter.State.CONFIRMED, "确认无误"), (Letter.State.DISPUTED, "有异议"), (Letter.State.RETURNED, "退回")])
    answered_on = forms.DateField(label="回执日期", widget=DATE, initial=timezone.localdate)
    disputed_amount = MoneyField(label="有异议的金额(元)", required=False, help_text="仅“有异议”时填写。")
    reason = forms.CharField(label="异议理由或退回原因", required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def clean(self):
        data = super().clean()
        if data.get("result") == Letter.State.DISPUTED:
            if data.get("disputed_amount") is None and "disputed_amount" not in self.errors:
                self.add_error("disputed_amount", "请填写有异议的金额。")
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "请写明异议理由。")
        return data


class DeskLookupForm(forms.Form):
    number = forms.CharField(label="函件编号", max_length=120, error_messages={"required": "请输入或扫描函件编号。"})

    def clean_number(self):
        number = normalise_number(self.cleaned_data["number"])
        if not number:
            raise forms.ValidationError("请输入或扫描函件编号。")
        return number


class DeskDeliveryForm(forms.Form):
    """At the desk the delivery is one button: its way of delivery; the day defaults to today."""

    delivery = forms.ChoiceField(choices=Letter.Delivery.choices)
    on = forms.DateField(required=False)

    def clean_on(self):
        return self.cleaned_data.get("on") or timezone.localdate()


class DeskAnswerForm(forms.Form):
    result = forms.ChoiceField(choices=AnswerForm.base_fields["result"].choices)
    on = forms.DateField(required=False)
    disputed_amount = MoneyField(required=False)
    reason = forms.CharField(required=False, max_length=1000)

    def clean_on(self):
        return self.cleaned_data.get("on") or timezone.localdate()


class DisputeCloseForm(forms.Form):
    outcome = forms.CharField(label="核实结果", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="如：经核对账目，异议成立，已按程序调整账务；或异议不成立，已向债务人说明。")
    closed_on = forms.DateField(label="办结日期", widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def clean_closed_on(self):
        closed_on = self.cleaned_data["closed_on"]
        if closed_on > timezone.localdate():
            raise forms.ValidationError("办结日期不能晚于今天。")
        return closed_on
