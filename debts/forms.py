"""Validation of claim, debt, entry and case forms. Writes happen in services."""
import re
import unicodedata
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts.models import Resolution
from contracts.selectors import contract_list
from core import permissions as perms
from core.bounds import check_date, query_int
from core.forms import MoneyField, ScopedModelForm, VersionField, style_fields
from core.models import User
from core.money import format_yuan, parse_amount
from core.scoping import villages_for
from core.submissions import OnceFormMixin
from villages.selectors import party_list

from .models import (
    DISCOUNTABLE_ORIGINS,
    PENALTY_ORIGINS,
    Claim,
    ClaimEntryKind,
    Debt,
    DebtEntryKind,
    DiscountRule,
    Entry,
    LegalAction,
    check_discount_tiers,
)
from .selectors import EVENT_KINDS_BY_HAND

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClaimForm(ScopedModelForm):
    principal = MoneyField(label="金额(元)")
    version = VersionField()

    class Meta:
        model = Claim
        fields = ["village", "number", "debtor", "origin", "origin_note", "contract", "penalty_of", "principal",
                  "occurred_on", "due_date", "in_book", "note"]
        widgets = {"occurred_on": DATE, "due_date": DATE, "note": forms.Textarea(attrs={"rows": 2}),
                   "penalty_of": forms.HiddenInput}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # Set from the arrears' page ("登记违约金、滞纳金"), which passes the claim it accrued on.
        self.fields["penalty_of"].queryset = Claim.objects.filter(
            village__in=villages_for(user)).exclude(origin__in=PENALTY_ORIGINS)
        self.fields["penalty_of"].error_messages["invalid_choice"] = "所涉欠款不在您的管理范围内。"
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
        value = query_int(self[name].value())
        obj = self.fields[name].queryset.filter(pk=value).first() if value is not None else None
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


def _voucher_confirmation():
    # Hidden until the voucher number is found on another entry; then shown as a checkbox to tick.
    return forms.BooleanField(label="凭证号重复，确认仍要登记", required=False, widget=forms.HiddenInput)


def _repeated_voucher(owner, voucher_no: str) -> Entry | None:
    """Another standing entry of this claim or debt under the same voucher number.

    A reversal carries its original's number, and an entry once reversed is undone: re-entering a corrected
    entry under the voucher of one reversed is the normal way to put a mistake right, not a repeat.
    """
    owner_field = "claim" if isinstance(owner, Claim) else "debt"
    return (Entry.objects.filter(**{owner_field: owner}, voucher_no=voucher_no, reverses__isnull=True,
                                 reversed_by__isnull=True).order_by("-entered_on", "-pk").first())


def confirm_voucher(form, owners) -> None:
    """Refuse the form until its user ticks the confirmation when the voucher number already stands on an
    entry of one of `owners` (a claim, a debt): the same voucher twice is most often the same payment twice."""
    voucher_no = (form.cleaned_data.get("voucher_no") or "").strip()
    if not voucher_no:
        return
    for owner in owners:
        used = _repeated_voucher(owner, voucher_no)
        if used is None:
            continue
        form.fields["voucher_confirmed"].widget = forms.CheckboxInput(attrs={"class": "form-check-input"})
        if not form.cleaned_data.get("voucher_confirmed"):
            what = "债权" if isinstance(owner, Claim) else "债务"
            form.add_error("voucher_confirmed",
                           f"凭证号 {voucher_no} 已用于本笔{what}（{owner.number}）的另一条分录"
                           f"（{used.entered_on:%Y-%m-%d}，{used.kind} {format_yuan(used.amount)} 元），确认仍要登记？")
        return


NOT_COVERING = "所选决议未获通过，或没有列明本笔款项，不能作为依据。"


def covering_resolutions(owner):
    """The passed resolutions of the owner's village that name this claim or debt: the only ones an entry
    that needs a vote may rest on."""
    field = "covers__claim" if isinstance(owner, Claim) else "covers__debt"
    return Resolution.objects.filter(village=owner.village, passed=True, **{field: owner}).order_by("-resolved_on")


class EntryForm(OnceFormMixin, forms.Form):
    kind = forms.ChoiceField(label="类型")
    amount = MoneyField(label="金额(元)")
    entered_on = forms.DateField(label="业务日期", widget=DATE, initial=timezone.localdate)
    voucher_no = forms.CharField(label="凭证号", required=False, max_length=50)
    voucher_confirmed = _voucher_confirmation()
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
        self.fields["resolution"].queryset = covering_resolutions(owner)
        self.fields["resolution"].empty_label = "（无）"
        self.fields["resolution"].help_text = ("只列出表决通过、并在决议页列明了本笔款项的决议。"
                                               "提前缴清的折扣减免请在债权页“按折扣结清”办理。")
        self.fields["resolution"].error_messages["invalid_choice"] = NOT_COVERING
        if isinstance(owner, Claim) and owner.debtor.status_flagged:
            # The usual ground for a write-off (DOMAIN.md §8), shown, never enforced: the vote decides.
            self.fields["kind"].help_text = f"债务人状态：{owner.debtor.status_summary}。核销、减免仍须经民主决策。"
        self.owner = owner
        style_fields(self)

    def clean(self):
        cleaned = super().clean()
        confirm_voucher(self, [self.owner])
        return cleaned


class OffsetForm(OnceFormMixin, forms.Form):
    claim = forms.ModelChoiceField(label="抵顶的债权", queryset=Claim.objects.none())
    amount = MoneyField(label="抵顶金额(元)")
    entered_on = forms.DateField(label="业务日期", widget=DATE, initial=timezone.localdate)
    resolution = forms.ModelChoiceField(label="民主决策", queryset=Resolution.objects.none())
    voucher_no = forms.CharField(label="凭证号", required=False, max_length=50)
    voucher_confirmed = _voucher_confirmation()
    note = forms.CharField(label="摘要", required=False, max_length=300)

    def __init__(self, *args, debt, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claim"].queryset = Claim.objects.filter(village=debt.village, debtor=debt.creditor,
                                                             sealed=False).select_related("debtor")
        self.fields["resolution"].queryset = covering_resolutions(debt)
        self.fields["resolution"].help_text = "只列出表决通过、并列明了本笔债务的决议；决议也须列明所抵顶的债权。"
        self.fields["resolution"].error_messages["invalid_choice"] = NOT_COVERING
        self.debt = debt
        style_fields(self)

    def clean(self):
        cleaned = super().clean()
        # Both sides get an entry under the voucher: a repeat on either is worth the question.
        confirm_voucher(self, [self.debt, *([cleaned["claim"]] if cleaned.get("claim") else [])])
        return cleaned


class ReverseForm(OnceFormMixin, forms.Form):
    reason = forms.CharField(label="冲正原因", max_length=200)
    entered_on = forms.DateField(label="冲正日期", widget=DATE, initial=timezone.localdate)

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


class BulkCollectorForm(forms.Form):
    """One collector for the claims ticked on the list: those who may take cash in every one of their villages."""

    collector = forms.ModelChoiceField(label="清收责任人", queryset=User.objects.none(),
                                       error_messages={"required": "请选择清收责任人。"})

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        villages = set(villages)
        candidates = [u.pk for u in User.objects.filter(is_active=True).select_related("village", "township")
                      if perms.has_perm(u, perms.LEDGER_CASH)
                      and villages <= set(villages_for(u).values_list("pk", flat=True))]
        self.fields["collector"].queryset = User.objects.filter(pk__in=candidates).order_by("real_name")
        style_fields(self)


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="事项", choices=[(k.value, k.label) for k in EVENT_KINDS_BY_HAND])
    happened_on = forms.DateField(label="日期", widget=DATE, initial=timezone.localdate)
    note = forms.CharField(label="说明", required=False, max_length=300,
                           help_text="催收通知送达债务人、或债务人书面确认欠款之日起，诉讼时效重新计算；"
                                     "时效届满后再送达催收不能使时效重新计算，债务人书面确认的除外。")

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
    # The column is a small integer, and the days are added to each instalment's date.
    grace_days = forms.IntegerField(label="宽限天数", min_value=0, max_value=365, initial=0,
                                    error_messages={"max_value": "“宽限天数”最多 365 天。",
                                                    "min_value": "“宽限天数”不能为负数。"})
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
                due = check_date(date(int(match[1]), int(match[2]), int(match[3])), f"第 {number} 行的日期")
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
    closed_on = forms.DateField(label="结案日期", widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)



class ResolutionCoverForm(forms.Form):
    """Name a claim or a debt of the resolution's village in its subject (one of the two)."""

    claim = forms.ModelChoiceField(label="债权", required=False, queryset=Claim.objects.none())
    debt = forms.ModelChoiceField(label="债务", required=False, queryset=Debt.objects.none())
    amount = MoneyField(label="决议金额(元)", required=False, help_text="留空即为全部余额")

    def __init__(self, *args, resolution, **kwargs):
        super().__init__(*args, **kwargs)
        named = resolution.covers.all() if resolution.pk else []
        self.fields["claim"].queryset = (Claim.objects.filter(village_id=resolution.village_id, sealed=False)
                                         .exclude(pk__in=[c.claim_id for c in named if c.claim_id])
                                         .select_related("debtor").order_by("number"))
        self.fields["debt"].queryset = (Debt.objects.filter(village_id=resolution.village_id)
                                        .exclude(pk__in=[c.debt_id for c in named if c.debt_id])
                                        .select_related("creditor").order_by("number"))
        self.fields["claim"].empty_label = self.fields["debt"].empty_label = "（不选）"
        self.fields["claim"].error_messages["invalid_choice"] = "所选债权不是本村的，或已列明、已封存。"
        self.fields["debt"].error_messages["invalid_choice"] = "所选债务不是本村的，或已列明。"
        style_fields(self)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("claim")) == bool(cleaned.get("debt")):
            raise ValidationError("请选择一笔债权或一笔债务（只选一项）。")
        return cleaned


# --- Early-payment discounts ---------------------------------------------------------------------

_TIER_SEPARATORS = re.compile(r"[,、;\n]+")
# Days and percent apart by a colon, by 天(内)(减免), or by a space: never run together ("1030").
_TIER = re.compile(r"^(\d+)(?:\s*天内?\s*(?:减免)?\s*|\s*:\s*|\s+)(\d+)\s*%?$")


def parse_discount_tiers(text: str) -> list[list[int]]:
    """`10:30, 20:20, 30:10` (or `10天内30%、20天内20%`) as [[10, 30], [20, 20], [30, 10]], held to the
    rule's limits (debts.models.check_discount_tiers); anything else a Chinese message naming the step."""
    # Full-width digits, colons and percent signs as a Chinese input method types them.
    items = [item.strip() for item in _TIER_SEPARATORS.split(unicodedata.normalize("NFKC", text or ""))
             if item.strip()]
    tiers = []
    for number, item in enumerate(items, start=1):
        match = _TIER.match(item)
        if not match:
            raise ValidationError(f"第 {number} 档“{item}”无法识别：请写成“天数:减免比例”，天数和比例都是整数，"
                                  "如 10:30（送达后10天内减免30%）。")
        tiers.append([int(match[1]), int(match[2])])
    try:
        return [list(step) for step in check_discount_tiers(tiers)]
    except ValidationError as error:
        raise ValidationError(error.message_dict["tiers"]) from None


class DiscountRuleForm(forms.Form):
    tiers = forms.CharField(label="折扣档次", max_length=200,
                            help_text="每档写“送达后天数:减免比例”，用逗号隔开，越早缴清减免越多，最多5档；"
                                      "如 10:30, 20:20, 30:10 即送达后10天内减免30%、20天内20%、30天内10%。",
                            widget=forms.TextInput(attrs={"placeholder": "10:30, 20:20, 30:10"}))
    origins = forms.MultipleChoiceField(
        label="适用的形成原因", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(o.value, o.label) for o in DISCOUNTABLE_ORIGINS],
        help_text="不选即为除税费尾欠、违约金、滞纳金以外的全部；违约金、滞纳金须明确勾选；税费尾欠一律不适用。")
    valid_from = forms.DateField(label="活动开始日期", widget=DATE)
    valid_to = forms.DateField(label="活动结束日期", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origins"].error_messages["invalid_choice"] = "形成原因“%(value)s”不能列入折扣规则。"
        style_fields(self)
        self.fields["origins"].widget.attrs["class"] = "form-check-input"

    def clean_tiers(self):
        return parse_discount_tiers(self.cleaned_data["tiers"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", "活动结束日期不能早于开始日期。")
        return cleaned


class DiscountDateForm(forms.Form):
    """The payment date a claim page works a discount out for (`?paid_on=`): today unless chosen."""

    paid_on = forms.DateField(label="付款日期", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def day(self) -> date:
        return self.cleaned_data["paid_on"] if self.is_bound and self.is_valid() else timezone.localdate()


class DiscountSettleForm(OnceFormMixin, forms.Form):
    """按折扣结清 from the claim's page: the rule, the day paid and the cash the page showed."""

    rule = forms.ModelChoiceField(label="折扣规则", queryset=DiscountRule.objects.none(), widget=forms.HiddenInput)
    # Both as the page worked them out (the date chosen above the card): what is recorded is what was shown.
    paid_on = forms.DateField(label="付款日期", widget=forms.HiddenInput)
    cash = MoneyField(label="应收现金(元)", widget=forms.HiddenInput)
    voucher_no = forms.CharField(label="凭证号", required=False, max_length=50)

    def __init__(self, *args, claim, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = DiscountRule.objects.filter(resolution__village_id=claim.village_id)
        self.fields["rule"].error_messages["invalid_choice"] = "所选折扣规则不是本村的，或已撤销。"
        style_fields(self)
