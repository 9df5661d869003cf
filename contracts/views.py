"""Contract and resolution pages. Thin: scope, validate, call one service, redirect."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import permissions as perms
from core.bounds import query_int
from core.files import private_file_response
from core.generic import (
    ObjectFormView,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
    require_valid,
    run_action,
)
from core.money import format_area
from core.pdf import pdf_response
from core.scoping import check_perm, scoped, selected_or_404, villages_for
from core.submissions import FIELD as SUBMISSION_FIELD
from core.submissions import submit_once
from places.models import County
from villages.forms import pick_label
from villages.selectors import asset_list, parcel_list, party_list

from . import documents, selectors, services
from .filters import ContractFilter, ResolutionFilter
from .forms import (
    ApprovalForm,
    AttachmentForm,
    CompletionForm,
    ContractForm,
    DeterminationForm,
    DispositionChooseForm,
    InstalmentForm,
    InvestigationForm,
    MeasurementForm,
    PaymentForm,
    ResolutionEvidenceForm,
    ResolutionForm,
    RuleSettingsForm,
)
from .models import Attachment, ContractProblem, ContractState, Instalment

S = ContractState


# --- Register, list, detail, edit ------------------------------------------------


class ContractListView(RecordListView):
    template_name = "contracts/contract_list.html"
    exporter = "contracts"
    filterset_class = ContractFilter

    def get_queryset(self):
        return selectors.contract_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = selectors.state_counts(self.request.user)
        context["state_tabs"] = [(state, counts.get(state, 0)) for state in S.values]
        context["total"] = sum(counts.values())
        return context


class ContractDetailView(RecordDetailView):
    template_name = "contracts/contract_detail.html"

    def get_queryset(self):
        return selectors.contract_detail(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.object
        problems = list(contract.problems.all())
        context.update(
            states=S.values,
            state_index=S.values.index(contract.state),
            problems=problems,
            confirmed=[p for p in problems if p.status == ContractProblem.Status.CONFIRMED],
            not_run=services.rules_not_run(contract),
            attachment_form=AttachmentForm(),
            instalment_form=InstalmentForm(),
            payment_form=PaymentForm(),
            measurement_form=MeasurementForm(contract=contract) if contract.state == S.INVESTIGATING else None,
            investigation=getattr(contract, "investigation", None),
            determination=getattr(contract, "determination", None),
            disposition=getattr(contract, "disposition", None),
            outstanding=sum((i.outstanding for i in contract.instalments.all()), 0),
        )
        return context


class _PickersMixin:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        for name in ("counterparty", "parcels", "assets"):
            context[f"{name}_chosen"] = form.chosen(name)
        return context


class ContractCreateView(_PickersMixin, RecordCreateView):
    template_name = "contracts/contract_form.html"
    form_class = ContractForm
    permission = perms.CONTRACT_EDIT
    success_message = "合同已登记（已查找）。系统已按规则提出可能存在的问题，调查认定时逐条确认。"

    def get_queryset(self):
        return selectors.contract_list(self.request.user)

    def get_initial(self):
        initial = super().get_initial()
        for name in ("village", "counterparty"):
            if (pk := query_int(self.request.GET.get(name))) is not None:
                initial[name] = pk
        return initial

    def write(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("parcels", "assets", "version")}
        contract = services.contract_register(user=self.request.user, data=data,
                                              parcels=form.cleaned_data["parcels"], assets=form.cleaned_data["assets"])
        self.success_message = _area_filled(self.success_message, form, contract)
        return contract


class ContractUpdateView(_PickersMixin, RecordUpdateView):
    template_name = "contracts/contract_form.html"
    form_class = ContractForm
    permission = perms.CONTRACT_EDIT
    success_message = "合同已保存。"

    def get_queryset(self):
        return selectors.contract_list(self.request.user)

    def write(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("parcels", "assets", "version", "village")}
        contract = services.contract_update(user=self.request.user, contract=self.object, data=data,
                                            parcels=form.cleaned_data["parcels"], assets=form.cleaned_data["assets"],
                                            expected_version=form.cleaned_data.get("version"))
        self.success_message = _area_filled(self.success_message, form, contract)
        return contract


def _area_filled(message: str, form, contract) -> str:
    """Says so when the area saved is not the one the page sent: filled, or kept to the parcels, by the server
    (a page without its script sends the area as it was)."""
    if contract.area_from_parcels and contract.area_mu != form.cleaned_data.get("area_mu"):
        return f"{message}合同面积已按所选地块的台账面积合计记为 {format_area(contract.area_mu)} 亩。"
    return message


# --- Pickers (htmx) ----------------------------------------------------------------


@login_required
@require_GET
def pick(request, what):
    """Suggestions while typing a party, parcel or asset name (htmx), within scope and the chosen village."""
    from villages.filters import name_search

    query = request.GET.get("q", "").strip()
    village = query_int(request.GET.get("village"))
    if what == "parties":
        qs = name_search(party_list(request.user), query, user=request.user)
        if village is not None:
            # The village's own people first, then the rest of the scope.
            qs = qs.annotate(home=Case(When(village_id=village, then=1), default=0)).order_by("-home", "name")
    elif what in ("parcels", "assets"):
        qs = (parcel_list if what == "parcels" else asset_list)(request.user)
        qs = qs.filter(Q(code__icontains=query) | Q(name__icontains=query)) if query else qs
        if village is not None:
            qs = qs.filter(village_id=village)
    else:
        raise Http404
    items = ([(obj.pk, pick_label(obj), getattr(obj, "ledger_area_mu", None)) for obj in qs[:12]]
             if query or what != "parties" else [])
    # A picker with a dialog for new records (`add=1`) offers it when nothing is found, to those who may add.
    can_add = request.GET.get("add") == "1" and perms.has_perm(
        request.user, {"parties": perms.PARTY_CHANGE, "parcels": perms.PARCEL_CHANGE}.get(what, ""))
    return render(request, "contracts/_pick_results.html", {"items": items, "what": what, "query": query,
                                                             "can_add": can_add})


# --- Workflow ------------------------------------------------------------------------


class _ContractAction(ObjectFormView):
    def get_queryset(self):
        return selectors.contract_detail(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.object, **kwargs)


@require_POST
@login_required
def contract_start_investigation(request, pk):
    contract = get_object_or_404(selectors.contract_list(request.user), pk=pk)
    check_perm(request.user, perms.CONTRACT_INVESTIGATE)
    return run_action(request, contract, lambda: services.contract_start_investigation(
        user=request.user, contract=contract, expected_version=request.POST.get("version")),
        "已开始调查。请实地核查地块、询问当事人，填写调查报告。")


class InvestigationView(_ContractAction):
    template_name = "contracts/action_form.html"
    extra_context = {"title": "调查报告",
                     "help": "实地核查地块的位置、四至和面积，询问承包方和知情人，写明合同沿革与调查结论。"}
    form_class = InvestigationForm
    permission = perms.CONTRACT_INVESTIGATE
    allowed_states = (S.INVESTIGATING,)
    success_message = "调查报告已保存。"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = getattr(self.object, "investigation", None)
        kwargs.setdefault("initial", {})["version"] = self.object.version
        return kwargs

    def act(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        services.investigation_save(user=self.request.user, contract=self.object, data=data,
                                    expected_version=form.cleaned_data.get("version"))


class MeasurementView(_ContractAction):
    template_name = "contracts/action_form.html"
    extra_context = {"title": "登记实测面积",
                     "help": "实测面积写入地块台账，并用于面积不符（P08）的检查。"}
    form_class = MeasurementForm
    permission = perms.CONTRACT_INVESTIGATE
    allowed_states = (S.INVESTIGATING,)
    success_message = "实测面积已登记。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.object}

    def act(self, form):
        services.parcel_record_measurement(user=self.request.user, contract=self.object, **form.cleaned_data)


class DetermineView(_ContractAction):
    template_name = "contracts/determine_form.html"
    form_class = DeterminationForm
    permission = perms.CONTRACT_DETERMINE
    allowed_states = (S.INVESTIGATING,)
    success_message = "合同已认定。"

    def get_form_kwargs(self):
        # The rules are run again, in memory: reading this page writes nothing; the determination records them.
        kwargs = super().get_form_kwargs()
        kwargs["problems"] = services.problems_pending(contract=self.object)
        kwargs.setdefault("initial", {})["version"] = self.object.version
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(not_run=services.rules_not_run(self.object), **kwargs)

    def act(self, form):
        data = form.cleaned_data
        services.contract_determine(
            user=self.request.user, contract=self.object, decisions=form.decisions(), facts=data["facts"],
            legal_basis=data["legal_basis"], proposed_handling=data["proposed_handling"],
            other_problems=data["other_problems"].splitlines(), expected_version=data.get("version"))


class DispositionChooseView(_ContractAction):
    template_name = "contracts/action_form.html"
    extra_context = {"title": "确定处置方式",
                     "help": "合同金额达到县级审批标准或拟提起诉讼的，确定后须经县农经中心审批；"
                             "提级处置由县农经中心办结。"}
    form_class = DispositionChooseForm
    permission = perms.CONTRACT_DETERMINE
    allowed_states = (S.DETERMINED, S.STANDARDISING)
    success_message = "处置方式已确定。"

    def get_initial(self):
        return {"version": self.object.version}

    def act(self, form):
        data = form.cleaned_data
        services.disposition_choose(
            user=self.request.user, contract=self.object, kind=data["kind"], plan=data["plan"],
            escalation={"escalated_to": data["escalated_to"], "escalation_reason": data["escalation_reason"]},
            expected_version=data.get("version"))


class DispositionApproveView(_ContractAction):
    template_name = "contracts/action_form.html"
    extra_context = {"title": "县级审批",
                     "help": "批准后乡镇方可完成处置；驳回须写明理由，乡镇可重新确定处置方式。"}
    form_class = ApprovalForm
    permission = perms.CONTRACT_APPROVE
    allowed_states = (S.STANDARDISING,)
    success_message = "审批意见已记录。"

    def get_initial(self):
        return {"version": self.object.version}

    def act(self, form):
        data = form.cleaned_data
        services.disposition_decide(user=self.request.user, contract=self.object,
                                    approve=data["decision"] == "approve", note=data["note"],
                                    expected_version=data.get("version"))


class DispositionCompleteView(_ContractAction):
    template_name = "contracts/action_form.html"
    extra_context = {"title": "完成处置", "multipart": True,
                     "help": "按处置方式提交证据：完善修订须上传补充协议，终止撤销须上传终止通知"
                             "（标的地块将标为“已收回”），重新发包须先登记新合同；证据文件在本页一并上传。"}
    form_class = CompletionForm
    # The service also requires the county for an escalation.
    permission = perms.CONTRACT_DETERMINE
    allowed_states = (S.STANDARDISING,)
    success_message = "处置已完成，合同已规范。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contract": self.object, "user": self.request.user}

    def get_initial(self):
        return {"version": self.object.version}

    def act(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        services.disposition_complete(user=self.request.user, contract=self.object, data=data,
                                      expected_version=form.cleaned_data.get("version"))


# --- Schedule, payments, attachments -----------------------------------------------------


def _contract_for_write(request, pk):
    contract = get_object_or_404(selectors.contract_list(request.user), pk=pk)
    check_perm(request.user, perms.CONTRACT_EDIT)
    return contract


@require_POST
@login_required
def schedule_generate(request, pk):
    contract = _contract_for_write(request, pk)
    return run_action(request, contract, lambda: services.schedule_generate_annual(
        user=request.user, contract=contract), "已按年生成付款计划。")


@require_POST
@login_required
def instalment_add(request, pk):
    contract = _contract_for_write(request, pk)
    form = InstalmentForm(request.POST)

    def act():
        require_valid(form)
        services.instalment_add(user=request.user, contract=contract, **form.cleaned_data)

    return run_action(request, contract, act, "已添加一期应付款。")


def _instalment_for_write(request, pk):
    instalment = get_object_or_404(scoped(Instalment.objects.select_related("contract"), request.user,
                                          "contract__village"), pk=pk)
    check_perm(request.user, perms.CONTRACT_EDIT)
    return instalment


@require_POST
@login_required
def instalment_pay(request, pk):
    instalment = _instalment_for_write(request, pk)
    form = PaymentForm(request.POST)
    contract_url = instalment.contract.get_absolute_url()

    def act() -> str:
        require_valid(form)
        data = {k: v for k, v in form.cleaned_data.items() if k != SUBMISSION_FIELD}
        services.instalment_record_payment(user=request.user, instalment=instalment, **data)
        return f"{contract_url}#instalment-{instalment.pk}"

    # One payment per page: the same form sent twice records the money once.
    return submit_once(request, label=f"合同 {instalment.contract.number} {instalment.due_date:%Y-%m-%d} 到期一期收款",
                       write=act, fallback=contract_url, success_message="收款已登记。",
                       repeated_message="这笔收款已经登记过了（同一次提交），未重复登记。")


@require_POST
@login_required
def instalment_delete(request, pk):
    instalment = _instalment_for_write(request, pk)
    return run_action(request, instalment.contract, lambda: services.instalment_delete(
        user=request.user, instalment=instalment), "已删除该期应付款。")


@require_POST
@login_required
def attachment_upload(request, pk):
    contract = _contract_for_write(request, pk)
    form = AttachmentForm(request.POST, request.FILES)

    def act():
        require_valid(form)
        services.attachment_add(user=request.user, contract=contract, upload=form.cleaned_data["file"],
                                kind=form.cleaned_data["kind"], note=form.cleaned_data["note"])

    return run_action(request, contract, act, "附件已上传。")


@require_GET
@login_required
def attachment_download(request, pk):
    """Files are served only here, to users whose scope holds the contract."""
    attachment = get_object_or_404(scoped(Attachment.objects.select_related("contract"), request.user,
                                          "contract__village"), pk=pk)
    return private_file_response(attachment.file.open("rb"), filename=attachment.original_name,
                                 content_type=attachment.content_type)


# --- Documents ----------------------------------------------------------------------------


@login_required
@require_POST
def documents_bundle(request):
    """Print many contracts' 认定书 or 调查报告 as one PDF (a job): a village's (`village`) or those ticked on the
    list (`contract`, repeated), all of them within the user's scope (else 404). Those who work on the
    contracts may print them; the inspector reads each document on its contract's page."""
    from .bundles import KINDS, bundle_start

    village, ticked = None, []
    if request.POST.get("village"):
        village = get_object_or_404(villages_for(request.user), pk=query_int(request.POST.get("village")) or 0)
    else:
        ticked = list(selected_or_404(selectors.contract_list(request.user), request.POST.getlist("contract"))
                      .values_list("pk", flat=True))
    check_perm(request.user, perms.DOCUMENTS_PRINT)
    back = village.get_absolute_url() if village else reverse("contracts:contract-list")
    try:
        job = bundle_start(user=request.user, kind=request.POST.get("kind", ""), village=village, contract_ids=ticked)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return HttpResponseRedirect(back)
    left_out = len(ticked) - len(job.params["contracts"]) if ticked else 0
    label = KINDS[job.params["kind"]][0]
    messages.success(request, "已开始生成，完成后在本页下载。" + (
        f"所选合同中有 {left_out} 份尚无{label}（尚未认定或尚未填写调查报告），未列入。" if left_out else ""))
    return HttpResponseRedirect(reverse("core:job-detail", args=[job.pk]))


@require_GET
@login_required
def determination_pdf(request, pk):
    contract = get_object_or_404(selectors.contract_list(request.user), pk=pk)
    if not hasattr(contract, "determination"):
        raise Http404("合同尚未认定，没有认定书。")
    return pdf_response(documents.determination_pdf(contract), f"合同认定书-{contract.number}.pdf")


@require_GET
@login_required
def investigation_pdf(request, pk):
    contract = get_object_or_404(selectors.contract_list(request.user), pk=pk)
    if not hasattr(contract, "investigation"):
        raise Http404("尚未填写调查报告。")
    return pdf_response(documents.investigation_pdf(contract), f"调查报告-{contract.number}.pdf")


# --- Resolutions -------------------------------------------------------------------------


class ResolutionListView(RecordListView):
    template_name = "contracts/resolution_list.html"
    exporter = "resolutions"
    filterset_class = ResolutionFilter

    def get_queryset(self):
        return selectors.resolution_list(self.request.user)


class ResolutionDetailView(RecordDetailView):
    template_name = "contracts/resolution_detail.html"

    def get_queryset(self):
        return selectors.resolution_detail(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contracts"] = self.object.contracts.select_related("counterparty").order_by("number")
        context["resting_on"] = self.object.resting_on_it()
        context["corrections"] = self.object.corrections.order_by("resolved_on", "pk")
        context["evidence_form"] = ResolutionEvidenceForm()
        return context


class ResolutionCreateView(RecordCreateView):
    template_name = "core/record_form.html"
    form_class = ResolutionForm
    permission = perms.RESOLUTION_CHANGE
    success_message = "民主决策记录已登记；是否通过由系统按到会和赞成人数计算。"
    extra_context = {"noun": "民主决策记录"}

    def get_queryset(self):
        return selectors.resolution_list(self.request.user)

    def get_initial(self):
        """`?corrects=<id>`: a correction starts from the resolution it corrects."""
        initial = super().get_initial()
        wanted = query_int(self.request.GET.get("corrects"))
        corrected = (selectors.resolution_list(self.request.user).filter(pk=wanted).first()
                     if wanted is not None else None)
        if corrected is not None:
            initial.update({name: getattr(corrected, name) for name in ResolutionForm.Meta.fields
                            if name not in ("corrects", "note")})
            initial.update(corrects=corrected, village=corrected.village_id, title=f"更正：{corrected.title}")
        return initial

    def write(self, form):
        return services.resolution_create(user=self.request.user, data=form.cleaned_data)


class ResolutionUpdateView(RecordUpdateView):
    template_name = "core/record_form.html"
    form_class = ResolutionForm
    permission = perms.RESOLUTION_CHANGE
    success_message = "民主决策记录已保存。"
    extra_context = {"noun": "民主决策记录"}

    def get_queryset(self):
        return selectors.resolution_list(self.request.user)

    def write(self, form):
        return services.resolution_update(user=self.request.user, resolution=self.object, data=form.cleaned_data)


@require_GET
@login_required
def resolution_notice_pdf(request, pk):
    resolution = get_object_or_404(selectors.resolution_list(request.user), pk=pk)
    if resolution.details_pending:
        messages.error(request, "该决议由台账导入、详情待补录，补录日期和表决情况后才能打印公示单。")
        return redirect(resolution)
    return pdf_response(documents.resolution_notice_pdf(resolution), f"公示-{resolution.title}.pdf")


@require_POST
@login_required
def resolution_evidence_upload(request, pk):
    """Evidence is taken even once the resolution is locked: it is only ever added."""
    resolution = get_object_or_404(selectors.resolution_list(request.user), pk=pk)
    check_perm(request.user, perms.RESOLUTION_CHANGE)
    form = ResolutionEvidenceForm(request.POST, request.FILES)

    def act():
        require_valid(form)
        services.resolution_evidence_add(user=request.user, resolution=resolution,
                                         upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"],
                                         note=form.cleaned_data["note"])

    return run_action(request, resolution, act, "证明材料已上传。", to=f"{resolution.get_absolute_url()}#evidence")


@require_GET
@login_required
def resolution_evidence_download(request, pk):
    """Files are served only here, to users whose scope holds the resolution."""
    evidence = get_object_or_404(selectors.resolution_evidence_list(request.user), pk=pk)
    return private_file_response(evidence.file.open("rb"), filename=evidence.original_name,
                                 content_type=evidence.content_type)


# --- Rule settings ---------------------------------------------------------------------------


class RuleSettingsView(ObjectFormView):
    """The county's thresholds for the problem rules; the county office edits them, others read them."""

    template_name = "contracts/rule_settings.html"
    form_class = RuleSettingsForm
    success_message = "认定规则参数已保存。新参数用于此后的规则检查。"

    def get_object(self, queryset=None):
        county = self.request.user.county
        if county is None and self.request.user.scope_level == "all":
            county = County.objects.order_by("pk").first()
        if county is None:
            raise Http404
        return services.rule_settings_for(county)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def post(self, request, *args, **kwargs):
        if not perms.has_perm(request.user, perms.RULES_CHANGE):
            raise PermissionDenied("只有县农经中心可以修改认定规则参数。")
        return super().post(request, *args, **kwargs)

    def get_success_url(self):
        return self.request.path

    def act(self, form):
        services.rule_settings_update(user=self.request.user, county=self.object.county, data=form.cleaned_data)
