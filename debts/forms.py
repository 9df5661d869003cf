"""Validation of claim, debt, entry and case forms. Writes happen in services."""
import re
from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from contracts.models import Resolution
from contracts.selectors import contract_list
from core import permissions as perms
from core.forms import MoneyField, ScopedModelForm, VersionField, style_fields
from core.models import User
from core.money import parse_amount
from core.scoping import villages_for
from villages.selectors import party_list

from .models import Claim, ClaimEntryKind, Debt, DebtEntryKind, LegalAction
from .selectors import EVENT_KINDS_BY_HAND

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClaimForm(ScopedModelForm):
    principal = MoneyField(label="金额(元)")
    version = VersionField()

    class Meta:
        model = Claim
        fields = ["village", "number", "debtor", "origin", "origin_note", "contract", "principal", "occurred_on",
                  "due_date", "in_book", "note"]
        widgets = {"occurred_on": DATE, "due_date": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["debtor"].queryset = party_list(user)
        self.fields["debtor"].error_messages["invalid_choice"] = "所选债务人不在您的管理范围内。"
        self.fields["contract"].queryset = contract_list(user)
        self.fields["contract"].empty_label = "（无关联合同）"
        if self.instance.pk:
            # Money moves only by entries; the village of a claim does not change.
            del self.fields["principal"]
            self.fields["village"].disabled = True
            self.fields["version"].initial = self.instance.version

    def chosen(self, name):
        value = self[name].value()
        obj = self.fields[name].queryset.filter(pk=value).first() if str(value or "").isdigit() else None
        return [(obj.pk, f"{obj.name}（{obj.village.name}）")] if obj else []


class DebtForm(ScopedModelForm):
    principal = MoneyField(label="本金(元)")
    interest = MoneyField(label="利息(元)", required=False)
    version = VersionField()

    class Meta:
        model = Debt
        fields = ["village", "number", "creditor", "origin", "origin_note", "principal", "interest", "occurred_on",
                  "due_date", "in_book", "note"]
        widgets = {"occurred_on": DATE, "due_date": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["creditor"].queryset = party_list(user)
        self.fields["creditor"].error_messages["invalid_choice"] = "所选债权人不在您的管理范围内。"
        if self.instance.pk:
            del self.fields["principal"]
            del self.fields["interest"]
            self.fields["village"].disabled = True
            self.fields["version"].initial = self.instance.version

    def clean_interest(self):
        return self.cleaned_data.get("interest") or 0

    chosen = ClaimForm.chosen


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label="类型")
    amount = MoneyField(label="金额(元)")
    entered_on = forms.DateField(label="业务日期", widget=DATE, initial=date.today)
    voucher_no = forms.CharField(label="凭证号", required=False, max_length=50)
    resolution = forms.ModelChoiceField(label="民主决策（核销、减免、抵扣、冲转须选）", required=False,
                                        queryset=Resolution.objects.none())
    note = forms.CharField(label="摘要", required=False, max_length=300)

    def __init__(self, *args, owner, user, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import ENTRY_PERMISSION

        kinds = ClaimEntryKind.choices if isinstance(owner, Claim) else [
            c for c in DebtEntryKind.choices if c[0] != DebtEntryKind.CLAIM_OFFSET]
        self.fields["kind"].choices = [c for c in kinds if perms.has_perm(user, ENTRY_PERMISSION[c[0]])
                                       and c[0] != ClaimEntryKind.CROSS_OFFSET]
        if isinstance(owner, Claim) and perms.has_perm(user, perms.LEDGER_RESOLVE):
            self.fields["kind"].choices.append((ClaimEntryKind.CROSS_OFFSET, "债权债务冲转（三方抵消）"))
        self.fields["resolution"].queryset = Resolution.objects.filter(village=owner.village).order_by(
            "-resolved_on")
        self.fields["resolution"].empty_label = "（无）"
        style_fields(self)


class OffsetForm(forms.Form):
    claim = forms.ModelChoiceField(label="抵顶的债权", queryset=Claim.objects.none())
    amount = MoneyField(label="抵顶金额(元)")
    entered_on = forms.DateField(label="业务日期", widget=DATE, initial=date.today)
    resolution = forms.ModelChoiceField(label="民主决策", queryset=Resolution.objects.none())
    voucher_no = forms.CharField(label="凭证号", required=False, max_length=50)
    note = forms.CharField(label="摘要", required=False, max_length=300)

    def __init__(self, *args, debt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = Claim.objects.filter(village=debt.village, debtor=debt.creditor,
                                                             sealed=False).select_related("debtor")
        self.fields["resolution"].queryset = Resolution.objects.filter(village=debt.village).order_by("-resolved_on")
        style_fields(self)


class ReverseForm(forms.Form):
    reason = forms.CharField(label="冲正原因", max_length=200)
    entered_on = forms.DateField(label="冲正日期", widget=DATE, initial=date.today)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class CollectorForm(forms.Form):
    collector = forms.ModelChoiceField(label="清收责任人", queryset=User.objects.none())

    def __init__(self, *args, claim, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = [u.pk for u in User.objects.filter(is_active=True).select_related("village", "township")
                      if perms.has_perm(u, perms.LEDGER_CASH)
                      and villages_for(u).filter(pk=claim.village_id).exists()]
        self.fields["collector"].queryset = User.objects.filter(pk__in=candidates).order_by("real_name")
        style_fields(self)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="事项", choices=[(k.value, k.label) for k in EVENT_KINDS_BY_HAND])
    happened_on = forms.DateField(label="日期", widget=DATE, initial=date.today)
    note = forms.CharField(label="说明", required=False, max_length=300,
                           help_text="送达催收通知或对账函经债务人确认后，诉讼时效重新计算三年。")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


_PLAN_LINE = re.compile(r"^\s*(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?\s+(.+?)\s*$")


class MediationForm(forms.Form):
    number = forms.CharField(label="调解案号", max_length=60)
    mediator = forms.CharField(label="调解人/调解组织", max_length=100)
    agreement_date = forms.DateField(label="调解协议日期", widget=DATE)
    claims = forms.ModelMultipleChoiceField(label="涉及债权", queryset=Claim.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)
    plan = forms.CharField(label="分期还款计划（每行：日期 金额）", widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="例如：2026-12-31 5000，下一行 2027-06-30 1.2万")
    grace_days = forms.IntegerField(label="宽限天数", min_value=0, initial=0)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, claim, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claims"].queryset = Claim.objects.filter(village=claim.village, debtor=claim.debtor,
                                                              sealed=False).order_by("number")
        self.fields["claims"].initial = [claim.pk]
        style_fields(self)

    def clean_plan(self):
        plan = []
        for number, line in enumerate(self.cleaned_data["plan"].splitlines(), start=1):
            if not line.strip():
                continue
            match = _PLAN_LINE.match(line)
            if not match:
                raise ValidationError(f"第 {number} 行“{line.strip()}”无法识别，请写成“2026-12-31 5000”。")
            try:
                due = date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                raise ValidationError(f"第 {number} 行的日期不存在。") from None
            try:
                amount = parse_amount(match[4])
            except ValidationError as error:
                raise ValidationError(f"第 {number} 行：{error.messages[0]}") from None
            plan.append((due, amount))
        if not plan:
            raise ValidationError("请至少填写一期。")
        return plan


class LegalActionForm(forms.ModelForm):
    claims = forms.ModelMultipleChoiceField(label="涉及债权", queryset=Claim.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = LegalAction
        fields = ["kind", "body", "filed_on", "case_number", "claims", "note"]
        widgets = {"filed_on": DATE, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, claim, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claims"].queryset = Claim.objects.filter(village=claim.village, debtor=claim.debtor).order_by(
            "number")
        self.fields["claims"].initial = [claim.pk]
        style_fields(self)


class LegalCloseForm(forms.Form):
    outcome = forms.CharField(label="结果", widget=forms.Textarea(attrs={"rows": 2}))
    closed_on = forms.DateField(label="结案日期", widget=DATE, initial=date.today)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

