"""Validation of contract, workflow, schedule, attachment and resolution forms. Writes happen in services."""
from decimal import Decimal

from django import forms

from core.bounds import query_int
from core.forms import MoneyField, PercentField, ScopedModelForm, VersionField, style_fields
from core.submissions import OnceFormMixin
from villages.forms import pick_label
from villages.selectors import asset_list, parcel_list, party_list

from .models import (
    Attachment,
    Contract,
    DispositionKind,
    Investigation,
    Resolution,
    ResolutionEvidence,
    RuleSettings,
)
from .selectors import contract_list, resolution_list
from .services import EVIDENCE_KINDS, EVIDENCE_REQUIRED

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


AREA_HELP = "不填的，按所选地块的台账面积合计"


class ContractForm(ScopedModelForm):
    annual_fee = MoneyField(label="年承包费(元)", required=False)
    total_amount = MoneyField(label="合同总额(元)", required=False)
    version = VersionField()

    class Meta:
        model = Contract
        fields = ["village", "number", "title", "kind", "counterparty", "parcels", "assets", "subject_note",
                  "area_mu", "area_from_parcels", "signed_on", "start_date", "end_date", "annual_fee",
                  "total_amount", "form", "resolution", "signer", "signer_authorised", "has_price_review",
                  "outsider_township_approved", "occupied_after_expiry", "is_new_resource", "source", "note"]
        # `area_from_parcels`: set by the page's script while it fills the area from the parcels picked.
        widgets = {"signed_on": DATE, "start_date": DATE, "end_date": DATE, "area_from_parcels": forms.HiddenInput,
                   "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["counterparty"].queryset = party_list(user)
        self.fields["counterparty"].error_messages["invalid_choice"] = "所选承包方不在您的管理范围内。"
        self.fields["parcels"].queryset = parcel_list(user)
        self.fields["assets"].queryset = asset_list(user)
        self.fields["resolution"].queryset = resolution_list(user)
        self.fields["resolution"].empty_label = "（无民主决策记录）"
        self.fields["area_mu"].help_text = AREA_HELP
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # The village of a registered contract does not change.
            self.fields["village"].disabled = True

    def clean_area_mu(self):
        # Stored with two decimals: "12.5" typed here is the 12.50 a ledger import records, in the audit too.
        area = self.cleaned_data.get("area_mu")
        return area.quantize(Decimal("0.01")) if area is not None else None

    def clean(self):
        cleaned = super().clean()
        village, resolution = cleaned.get("village"), cleaned.get("resolution")
        if village and resolution and resolution.village_id != village.pk:
            self.add_error("resolution", "所选决议不是本村的决议。")
        return cleaned

    def chosen(self, name):
        """(id, label, ledger area or None) of what is picked, to redraw the pickers after an error."""
        field = self[name]
        values = field.value() or []
        if not isinstance(values, (list, tuple)):
            values = [values]
        ids = [pk for v in values if (pk := query_int(v)) is not None]
        objects = self.fields[name].queryset.filter(pk__in=ids)
        return [(o.pk, pick_label(o), getattr(o, "ledger_area_mu", None)) for o in objects]


class InvestigationForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Investigation
        fields = ["investigated_on", "investigators", "parcel_check", "history", "parties_heard", "findings"]
        widgets = {"investigated_on": DATE, **{f: forms.Textarea(attrs={"rows": 3})
                                               for f in ("parcel_check", "history", "parties_heard", "findings")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class MeasurementForm(forms.Form):
    parcel = forms.ModelChoiceField(label="地块", queryset=None)
    measured_area_mu = forms.DecimalField(label="实测面积(亩)", max_digits=12, decimal_places=2, min_value=0.01)
    measured_on = forms.DateField(label="实测日期", widget=DATE)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parcel"].queryset = contract.parcels.all()
        style_fields(self)


class DeterminationForm(forms.Form):
    """One confirm/dismiss choice and reason per proposed problem, the facts, and any P12."""

    facts = forms.CharField(label="认定事实", widget=forms.Textarea(attrs={"rows": 4}))
    legal_basis = forms.CharField(label="认定依据", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    proposed_handling = forms.CharField(label="处理意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    other_problems = forms.CharField(label="其他问题（P12，每行一条）", required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    version = VersionField()

    def __init__(self, *args, problems, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems = list(problems)
        for problem in self.problems:
            self.fields[f"decision_{problem.pk}"] = forms.ChoiceField(
                label=problem.get_code_display(), choices=[("confirm", "确认"), ("dismiss", "排除")],
                widget=forms.RadioSelect, initial="confirm")
            self.fields[f"reason_{problem.pk}"] = forms.CharField(label="理由", required=False)
        style_fields(self)

    def problem_rows(self):
        return [(p, self[f"decision_{p.pk}"], self[f"reason_{p.pk}"]) for p in self.problems]

    def clean(self):
        cleaned = super().clean()
        for problem in self.problems:
            if cleaned.get(f"decision_{problem.pk}") == "dismiss" and not cleaned.get(f"reason_{problem.pk}"):
                self.add_error(f"reason_{problem.pk}", "排除须说明理由。")
        return cleaned

    def decisions(self) -> dict[int, tuple[bool, str]]:
        return {p.pk: (self.cleaned_data[f"decision_{p.pk}"] == "confirm", self.cleaned_data[f"reason_{p.pk}"])
                for p in self.problems}


ESCALATE_TO = ["检察院", "律师团队", "审计部门", "纪检监察", "县农经中心", "其他"]


class DispositionChooseForm(forms.Form):
    kind = forms.ChoiceField(label="处置方式", choices=DispositionKind.choices, widget=forms.RadioSelect)
    plan = forms.CharField(label="处置方案", widget=forms.Textarea(attrs={"rows": 3}))
    escalated_to = forms.ChoiceField(label="提级至（提级处置时填）", required=False,
                                     choices=[("", "—")] + [(x, x) for x in ESCALATE_TO])
    escalation_reason = forms.CharField(label="提级原因（提级处置时填）", required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(label="审批意见", choices=[("approve", "批准"), ("reject", "驳回")],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label="意见说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


EVIDENCE_FIELDS = {
    DispositionKind.REVISE: ["agreement_date", "annual_fee", "end_date", "has_price_review", "override_reason"],
    DispositionKind.TERMINATE: ["termination_date"],
    DispositionKind.COURT: ["court_name", "case_number", "court_result", "judgment_date"],
    DispositionKind.ESCALATE: ["escalation_notes", "escalation_outcome"],
    DispositionKind.RELET: ["bidding_date", "bidding_method", "bidders", "winning_bid", "new_contract"],
}


class CompletionForm(forms.Form):
    """The evidence each kind of disposition needs; only the fields of the chosen kind are shown."""

    agreement_date = forms.DateField(label="补充协议签订日期", widget=DATE)
    annual_fee = MoneyField(label="修订后年承包费(元)（不变则留空）", required=False)
    end_date = forms.DateField(label="修订后终止日期（不变则留空）", required=False, widget=DATE)
    has_price_review = forms.BooleanField(label="补充协议增加了调价条款", required=False)
    override_reason = forms.CharField(
        label="问题仍存在时的办结理由", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="修订后，已确认的问题按认定规则仍然存在的，须写明仍予办结的理由；否则请继续修订。")
    termination_date = forms.DateField(label="终止日期", widget=DATE)
    court_name = forms.CharField(label="受理法院", max_length=100)
    case_number = forms.CharField(label="案号", max_length=100)
    court_result = forms.CharField(label="裁判结果", max_length=200)
    judgment_date = forms.DateField(label="裁判日期", widget=DATE)
    escalation_notes = forms.CharField(label="办理情况", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    escalation_outcome = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 2}))
    bidding_date = forms.DateField(label="竞价/招标日期", widget=DATE)
    bidding_method = forms.ChoiceField(label="发包方式", choices=[("公开竞价", "公开竞价"), ("公开招标", "公开招标"),
                                                              ("协商发包", "协商发包（经民主决策）")])
    bidders = forms.IntegerField(label="参与竞价人数", min_value=1)
    winning_bid = MoneyField(label="成交年承包费(元)")
    new_contract = forms.ModelChoiceField(label="重新发包后的新合同", queryset=None)
    completion_note = forms.CharField(label="完成情况说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(
        label="证据文件", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
    version = VersionField()

    def __init__(self, *args, contract, user, **kwargs):
        super().__init__(*args, **kwargs)
        kind = contract.disposition.kind
        keep = set(EVIDENCE_FIELDS[kind]) | {"completion_note", "version", "evidence"}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        # The paper the kind rests on is uploaded here, with the rest of the completion.
        attachment = EVIDENCE_KINDS[kind]
        evidence = self.fields["evidence"]
        if attachment is None:
            del self.fields["evidence"]
        else:
            has_it = contract.attachments.filter(kind=attachment).exists()
            evidence.label = f"{attachment}（PDF、JPG、PNG）"
            evidence.required = kind in EVIDENCE_REQUIRED and not has_it
            evidence.error_messages["required"] = f"请上传{attachment}。"
            evidence.help_text = ("已上传过，可不再上传；再上传的作为另一份附件保存。" if has_it
                                  else "上传后作为合同附件保存，附件类别为“" + attachment + "”。")
        if "new_contract" in self.fields:
            self.fields["new_contract"].queryset = (contract_list(user).filter(village=contract.village)
                                                    .exclude(pk=contract.pk))
        style_fields(self)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=Attachment.Kind.choices)
    file = forms.FileField(label="文件（PDF、JPG、PNG）")
    note = forms.CharField(label="说明", required=False, max_length=200,
                           widget=forms.TextInput(attrs={"placeholder": "说明（可不填）"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
        style_fields(self)


class ResolutionEvidenceForm(AttachmentForm):
    kind = forms.ChoiceField(label="类别", choices=ResolutionEvidence.Kind.choices)


class InstalmentForm(forms.Form):
    due_date = forms.DateField(label="应付日期", widget=DATE)
    amount = MoneyField(label="应付金额(元)")
    note = forms.CharField(label="说明", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class PaymentForm(OnceFormMixin, forms.Form):
    amount = MoneyField(label="收款金额(元)")
    paid_on = forms.DateField(label="收款日期", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class ResolutionForm(ScopedModelForm):
    class Meta:
        model = Resolution
        fields = ["village", "subject", "title", "content", "proposed_on", "discussed_on", "reviewed_on",
                  "resolved_on", "resolution_published_on", "result_published_on", "meeting", "members_expected",
                  "members_present", "votes_for", "votes_against", "votes_abstain", "notice_from", "notice_to",
                  "note", "corrects"]
        widgets = {**{f: DATE for f in ("proposed_on", "discussed_on", "reviewed_on", "resolved_on",
                                        "resolution_published_on", "result_published_on", "notice_from",
                                        "notice_to")},
                   "content": forms.Textarea(attrs={"rows": 3}), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a placeholder from a ledger import may lack the date; a resolution entered here has one.
        self.fields["resolved_on"].required = True
        self.fields["corrects"].queryset = resolution_list(self.user)
        self.fields["corrects"].empty_label = "（不是更正决议）"
        self.resting_on = self.instance.resting_on_it() if self.instance.pk else []
        if self.resting_on:
            # What rests on a resolution keeps it as it was: the fields are shown, not sent (the service
            # refuses a change all the same).
            for name in Resolution.LOCKED_FIELDS:
                self.fields[name].disabled = True
            for name in Resolution.FILLED_ONCE_FIELDS:
                if getattr(self.instance, name) is not None:
                    self.fields[name].disabled = True


class RuleSettingsForm(forms.ModelForm):
    reserve_land_floor = MoneyField(label="机动地年承包费下限(元/亩)")
    wasteland_floor = MoneyField(label="四荒地年承包费下限(元/亩)")
    county_approval_amount = MoneyField(label="须县级审批的合同金额(元)")
    area_tolerance = PercentField(label="面积允许误差(%)")

    class Meta:
        model = RuleSettings
        exclude = ["county"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


