"""Validation of the reports' forms: the period, the settings, income, flags, plans and reviews."""
from datetime import date

from django import forms
from django.utils import timezone

from core.forms import MoneyField, PercentField, ScopedModelForm, style_fields

from .measures import Period
from .models import IncomeRecord, ReportSettings, RiskClass

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _PeriodChecks(forms.Form):
    """A start and an end date (fields `start`, `end`), both optional, the end not in the future."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if end and end > timezone.localdate():
            self.add_error("end", "截至日期不能晚于今天。")
        if start and end and start > end:
            self.add_error("start", "起始日期不能晚于截至日期。")
        return cleaned


class PeriodForm(_PeriodChecks):
    """`?from=…&to=…` on every dashboard; both optional."""

    start = forms.DateField(label="起", required=False, widget=DATE)
    end = forms.DateField(label="止", required=False, widget=DATE)

    def __init__(self, data=None, **kwargs):
        if data is not None:
            data = {"start": data.get("from", ""), "end": data.get("to", "")}
        super().__init__(data, **kwargs)
        style_fields(self)


    def period(self) -> Period:
        if not self.is_bound or not self.is_valid():
            return Period()
        end = self.cleaned_data.get("end")
        if end == timezone.localdate():
            end = None
        return Period(self.cleaned_data.get("start"), end)


def presets(today: date) -> list[tuple[str, str, str]]:
    """Common periods as (label, from, to) query values."""
    month_start = today.replace(day=1)
    return [("截至今日", "", ""), ("本年", f"{today.year}-01-01", ""), ("本月", f"{month_start:%Y-%m-%d}", ""),
            (f"{today.year - 1}年", f"{today.year - 1}-01-01", f"{today.year - 1}-12-31")]


class ReportSettingsForm(forms.ModelForm):
    income_yellow = MoneyField(label="村集体年收入低于（黄，元）")
    income_red = MoneyField(label="村集体年收入低于（红，元）")
    arrears_yellow = PercentField(label="欠款占比（黄，%）", help_text="未清收余额 ÷ 应清收，达到即为黄色")
    arrears_red = PercentField(label="欠款占比（红，%）")

    class Meta:
        model = ReportSettings
        exclude = ["county"]
        widgets = {"legacy_debt_before": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class IncomeRecordForm(ScopedModelForm):
    amount = MoneyField(label="金额(元)")

    class Meta:
        model = IncomeRecord
        fields = ["village", "kind", "received_on", "amount", "payer", "voucher_no", "note"]
        widgets = {"received_on": DATE}


class CadreRelativeForm(forms.Form):
    party = forms.ModelChoiceField(label="当事人", queryset=None, empty_label="请选择当事人")
    relation = forms.CharField(label="与村干部关系", max_length=100, help_text="如：村支书之弟、村主任配偶")
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = parties
        self.fields["party"].error_messages["invalid_choice"] = "所选当事人不属于该村。"
        style_fields(self)


TASK_ROWS = 5


class RiskCaseForm(forms.Form):
    """The plan (处方单): the problems, and up to five tasks with who answers for each and by when."""

    risk_class = forms.ChoiceField(label="类别", choices=RiskClass.choices)
    problems = forms.CharField(label="存在问题", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, TASK_ROWS + 1):
            self.fields[f"task_{n}"] = forms.CharField(label=f"整改任务 {n}", max_length=300, required=False)
            self.fields[f"responsible_{n}"] = forms.CharField(label="责任人", max_length=50, required=False)
            self.fields[f"due_{n}"] = forms.DateField(label="完成时限", required=False, widget=DATE)
        style_fields(self)

    def task_rows(self):
        return [(self[f"task_{n}"], self[f"responsible_{n}"], self[f"due_{n}"]) for n in range(1, TASK_ROWS + 1)]

    def clean(self):
        cleaned = super().clean()
        tasks = []
        for n in range(1, TASK_ROWS + 1):
            values = (cleaned.get(f"task_{n}"), cleaned.get(f"responsible_{n}"), cleaned.get(f"due_{n}"))
            if not any(values):
                continue
            if not all(values):
                self.add_error(f"task_{n}", "请同时填写任务、责任人和完成时限。")
                continue
            if values[2] < timezone.localdate():
                self.add_error(f"due_{n}", "完成时限不能早于今天。")
                continue
            tasks.append(values)
        if not tasks and not self.errors:
            raise forms.ValidationError("请至少列出一项整改任务。")
        cleaned["tasks"] = tasks
        return cleaned


class RiskTaskForm(forms.Form):
    task = forms.CharField(label="整改任务", max_length=300)
    responsible = forms.CharField(label="责任人", max_length=50)
    due_date = forms.DateField(label="完成时限", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class TaskDoneForm(forms.Form):
    done_on = forms.DateField(label="完成日期", widget=DATE)
    note = forms.CharField(label="完成情况", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class RiskReviewForm(forms.Form):
    reviewed_on = forms.DateField(label="复核日期", widget=DATE)
    findings = forms.CharField(label="复核意见", widget=forms.Textarea(attrs={"rows": 3}))
    passed = forms.TypedChoiceField(label="复核结论", coerce=lambda v: v == "yes",
                                    choices=[("yes", "整改到位，予以销号"), ("no", "未整改到位，继续整改")],
                                    widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class ProgressReportForm(_PeriodChecks):
    scope = forms.ChoiceField(label="报告范围")
    start = forms.DateField(label="统计起始日期", required=False, widget=DATE, help_text="留空为自开展以来")
    end = forms.DateField(label="统计截至日期", required=False, widget=DATE, help_text="留空为今天")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = choices
        style_fields(self)

