"""Claim, debt, ledger, mediation and court pages, and the aging report. Thin: scope, validate, one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView, TemplateView

from contracts.selectors import contract_list, resolution_list
from core import permissions as perms
from core.bounds import query_int
from core.domain import limitation_years
from core.generic import (
    ObjectFormView,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
    require_valid,
    run_action,
)
from core.money import format_yuan
from core.scoping import ScopedMixin, check_perm, scope_q, selected_or_404
from core.submissions import FIELD as SUBMISSION_FIELD
from core.submissions import SubmittedOnceMixin, submit_once
from core.xlsx import Column, build_xlsx, xlsx_response

from . import selectors, services, votes
from .filters import ClaimFilter, DebtFilter, MediationFilter
from .forms import (
    BulkCollectorForm,
    ClaimForm,
    CollectorForm,
    DebtForm,
    DiscountDateForm,
    DiscountRuleForm,
    DiscountSettleForm,
    EntryForm,
    EventForm,
    LegalActionForm,
    LegalCloseForm,
    MediationForm,
    OffsetForm,
    ReasonForm,
    ResolutionCoverForm,
    ReverseForm,
)
from .limitation import clocks_for
from .models import Claim, ClaimOrigin, DiscountRule, Entry, Letter, ResolutionCover

# --- Claims -------------------------------------------------------------------------


class ClaimListView(RecordListView):
    template_name = "debts/claim_list.html"
    exporter = "claims"
    filterset_class = ClaimFilter

    def get_queryset(self):
        return selectors.with_age(selectors.claim_list(self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listed = context["filter"].qs
        context["totals"] = selectors.list_totals(listed, "principal", "cleared", "cash", "balance")
        # Sealed claims leave the collection figures: 应清收 is what remains once they are set aside.
        context["in_scope"] = selectors.list_totals(listed.filter(sealed=False), "principal", "balance")
        return context


class ClaimDetailView(RecordDetailView):
    template_name = "debts/claim_detail.html"

    def get_queryset(self):
        return selectors.claim_detail(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        claim = self.object
        entries = list(selectors.claim_entries(claim))
        letters = Letter.objects.filter(items__claim=claim).select_related("created_by").order_by("as_of", "pk")
        today = timezone.localdate()
        context.update(
            entries=entries,
            timeline=selectors.timeline(claim, entries, letters),
            clock=claim.clock,
            clock_state=claim.clock.state(today),
            clock_restarts=clocks_for([claim])[claim.pk].restarts,
            limitation_years=limitation_years(),
            event_form=EventForm(),
            reverse_form=ReverseForm(),
            **self._discounts(claim, today),
        )
        return context

    def _discounts(self, claim, today) -> dict:
        """按折扣结清: what each discount of the village gives this claim paid on the chosen day (`?paid_on=`,
        today by default). Worked out, never written: the form posts to `claim_discount_settle`."""
        if claim.sealed or claim.balance <= 0:
            return {"discounts": []}
        offers = selectors.discount_rules_for(claim)
        if not offers:
            return {"discounts": []}
        date_form = DiscountDateForm(self.request.GET if "paid_on" in self.request.GET else None,
                                     initial={"paid_on": today}, auto_id="id_discount_%s")
        paid_on = date_form.day()
        terms = [votes.discount_terms(claim, rule, paid_on) for rule in offers]
        may_settle = perms.has_perm(self.request.user, perms.LEDGER_RESOLVE) and paid_on <= today
        settle_forms = {t.rule.pk: DiscountSettleForm(claim=claim, auto_id=f"id_discount{t.rule.pk}_%s",
                                                      initial={"rule": t.rule.pk, "paid_on": paid_on, "cash": t.cash})
                        for t in terms if may_settle and not t.refusal}
        return {"discounts": [(t, settle_forms.get(t.rule.pk)) for t in terms], "discount_date_form": date_form,
                "discount_paid_on": paid_on, "discount_future": paid_on > today}


class _PartyPickerMixin:
    party_field = "debtor"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["party_chosen"] = context["form"].chosen(self.party_field)
        context["party_field"] = context["form"][self.party_field]
        return context


class ClaimCreateView(_PartyPickerMixin, RecordCreateView):
    template_name = "debts/claim_form.html"
    form_class = ClaimForm
    permission = perms.CLAIM_EDIT
    success_message = "债权已登记。"

    def get_queryset(self):
        return selectors.claim_list(self.request.user)

    def arrears(self):
        """The claim a penalty or late fee is being registered on (?penalty_of=), within the user's scope."""
        pk = query_int(self.request.GET.get("penalty_of") or self.request.POST.get("penalty_of"))
        return selectors.claim_list(self.request.user).filter(pk=pk).first() if pk else None

    def get_initial(self):
        initial = super().get_initial()
        if (arrears := self.arrears()) is not None:
            initial.update(village=arrears.village, debtor=arrears.debtor, contract=arrears.contract,
                           penalty_of=arrears, origin=ClaimOrigin.PENALTY, number=f"{arrears.number}-违约金",
                           in_book=arrears.in_book)
        return initial

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "arrears": self.arrears()}

    def write(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        return services.claim_create(user=self.request.user, data=data)


class ClaimUpdateView(_PartyPickerMixin, RecordUpdateView):
    template_name = "debts/claim_form.html"
    form_class = ClaimForm
    permission = perms.CLAIM_EDIT
    success_message = "债权已保存。"

    def get_queryset(self):
        return selectors.claim_list(self.request.user)

    def write(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "village")}
        return services.claim_update(user=self.request.user, claim=self.object, data=data,
                                     expected_version=form.cleaned_data.get("version"))


class _ClaimAction(ObjectFormView):
    template_name = "debts/action_form.html"

    def get_queryset(self):
        return selectors.claim_list(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.object, **kwargs)


class ClaimEntryView(SubmittedOnceMixin, _ClaimAction):
    """Record one entry on a claim: cash, offsets, adjustments, write-offs, waivers. Once per page."""

    form_class = EntryForm
    permission = None
    extra_context = {"title": "登记清收"}
    success_message = "已记账。"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # Any of the entry rights opens the form; the service checks the right for the kind chosen.
            self.permission = next((p for p in (perms.LEDGER_CASH, perms.LEDGER_ENTRY, perms.LEDGER_RESOLVE)
                                    if perms.has_perm(request.user, p)), perms.LEDGER_CASH)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "owner": self.object, "user": self.request.user}

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "")}

    def submission_label(self, form):
        return _entry_label(self.object, form)

    def act(self, form):
        self.entry = services.entry_record(user=self.request.user, claim=self.object, **_entry_data(form))

    def get_success_url(self):
        return _entry_url(self.entry)


class ClaimSealView(_ClaimAction):
    form_class = ReasonForm
    permission = perms.CLAIM_MANAGE
    extra_context = {"title": "打包封存",
                     "help": "封存后该债权不再计入应清收、不再清收、不得列入对账函或催收通知；"
                             "解封须经县农经中心。"}
    success_message = "债权已封存。"

    def act(self, form):
        services.claim_seal(user=self.request.user, claim=self.object, reason=form.cleaned_data["reason"])


class ClaimUnsealView(_ClaimAction):
    form_class = ReasonForm
    permission = perms.CLAIM_UNSEAL
    extra_context = {"title": "解除封存"}
    success_message = "已解除封存。"

    def act(self, form):
        services.claim_unseal(user=self.request.user, claim=self.object, reason=form.cleaned_data["reason"])


class ClaimCollectorView(_ClaimAction):
    form_class = CollectorForm
    permission = perms.CLAIM_MANAGE
    extra_context = {"title": "指定清收责任人"}
    success_message = "已指定清收责任人。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "claim": self.object}

    def act(self, form):
        services.claim_assign_collector(user=self.request.user, claim=self.object,
                                        collector=form.cleaned_data["collector"])


class ClaimsCollectorView(ScopedMixin, FormView):
    """批量指定清收人: the claims ticked on the list (`claim`, repeated), one collector for all of them."""

    template_name = "debts/claims_collector.html"
    form_class = BulkCollectorForm
    permission = perms.CLAIM_MANAGE
    LIMIT = 500

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        data = request.POST if request.method == "POST" else request.GET
        # All the ticked claims or none: one outside the user's scope is a 404 before any permission is looked at.
        self.claims = list(selected_or_404(selectors.claim_list(request.user), data.getlist("claim")[:self.LIMIT])
                           .select_related("village", "debtor", "collector").order_by("village__name", "number"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "villages": {c.village_id for c in self.claims}}

    def get_context_data(self, **kwargs):
        return super().get_context_data(claims=self.claims, limit=self.LIMIT, **kwargs)

    def form_valid(self, form):
        try:
            n = services.claims_assign_collector(user=self.request.user, claims=self.claims,
                                                 collector=form.cleaned_data["collector"])
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已为 {n} 笔债权指定清收责任人：{form.cleaned_data['collector']}。")
        return HttpResponseRedirect(reverse("debts:claim-list"))


class ClaimEventView(_ClaimAction):
    form_class = EventForm
    permission = perms.CLAIM_FOLLOW_UP
    extra_context = {"title": "登记清收事项"}
    success_message = "已登记。"

    def act(self, form):
        services.claim_record_event(user=self.request.user, claim=self.object, **form.cleaned_data)


class MediationCreateView(_ClaimAction):
    form_class = MediationForm
    permission = perms.CLAIM_MANAGE
    extra_context = {"title": "诉前调解",
                     "help": "登记调解协议和分期计划。任何一期逾期未履行（过宽限期），系统每日检查并标记违约，"
                             "余额全部到期。"}
    success_message = "调解案件已登记。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "claim": self.object}

    def act(self, form):
        data = form.cleaned_data
        self.case = services.mediation_create(
            user=self.request.user, village=self.object.village, number=data["number"], claims=list(data["claims"]),
            mediator=data["mediator"], agreement_date=data["agreement_date"], plan=data["plan"],
            grace_days=data["grace_days"], note=data["note"])

    def get_success_url(self):
        return self.case.get_absolute_url()


class LegalActionCreateView(_ClaimAction):
    form_class = LegalActionForm
    permission = perms.CLAIM_MANAGE
    extra_context = {"title": "依法追缴（起诉或移交纪检）"}
    success_message = "已登记。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "claim": self.object}

    def act(self, form):
        data = form.cleaned_data
        services.legal_action_create(user=self.request.user, village=self.object.village, kind=data["kind"],
                                     claims=list(data["claims"]), body=data["body"], filed_on=data["filed_on"],
                                     case_number=data["case_number"], note=data["note"])


class LegalActionCloseView(ObjectFormView):
    template_name = "debts/action_form.html"
    form_class = LegalCloseForm
    permission = perms.CLAIM_MANAGE
    extra_context = {"title": "登记追缴结果"}
    success_message = "结果已登记。"

    def get_queryset(self):
        return selectors.legal_actions(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.object.claims.first(), **kwargs)

    def act(self, form):
        services.legal_action_close(user=self.request.user, action=self.object, **form.cleaned_data)

    def get_success_url(self):
        claim = self.object.claims.first()
        return claim.get_absolute_url() if claim else "/claims/"


def _entry_data(form) -> dict:
    """What the entry services take from an entry form: not the page's one-time key or its confirmations."""
    return {k: v for k, v in form.cleaned_data.items() if k not in (SUBMISSION_FIELD, "voucher_confirmed")}


def _entry_url(entry) -> str:
    """The entry on its claim's or debt's page, where a repeated submission is sent to see it."""
    return f"{entry.owner.get_absolute_url()}#entry-{entry.pk}"


def _entry_label(owner, form) -> str:
    data = form.cleaned_data
    what = "债权" if isinstance(owner, Claim) else "债务"
    return f"{what} {owner.number}：{data['entered_on']:%Y-%m-%d} {data['kind']} {format_yuan(data['amount'])} 元"


def _entries_in_scope(user):
    return Entry.objects.select_related("claim__village", "debt__village", "counterpart").filter(
        scope_q(user, "claim__village") | scope_q(user, "debt__village"))


class EntryReverseView(SubmittedOnceMixin, ObjectFormView):
    template_name = "debts/action_form.html"
    form_class = ReverseForm
    permission = None
    extra_context = {"title": "冲正分录",
                     "help": "冲正是登记一笔金额相反、指明原分录的新分录，原分录保留。抵顶分录两边同时冲正。"}
    success_message = "已冲正。"

    def get_queryset(self):
        return _entries_in_scope(self.request.user)

    def get_object(self, queryset=None):
        entry = super().get_object(queryset)
        from .services import ENTRY_PERMISSION

        check_perm(self.request.user, ENTRY_PERMISSION.get(entry.kind))
        return entry

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.object.owner, entry=self.object, **kwargs)

    def submission_label(self, form):
        original = self.object
        return (f"冲正{'债权' if original.claim_id else '债务'} {original.owner.number} 的 "
                f"{original.day_shown} {original.kind} {format_yuan(original.amount)} 元")

    def act(self, form):
        self.reversal = services.entry_reverse(user=self.request.user, entry=self.object, **_entry_data(form))

    def get_success_url(self):
        return _entry_url(self.reversal)


@require_POST
@login_required
def claims_from_contract(request, pk):
    """Turn a contract's overdue instalments into claims (a button on the contract page)."""
    contract = get_object_or_404(contract_list(request.user), pk=pk)
    check_perm(request.user, perms.CLAIM_EDIT)
    try:
        created = services.claims_from_contract(user=request.user, contract=contract)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"已将 {len(created)} 期逾期欠款转为债权。" if created
                         else "没有尚未转为债权的逾期欠款。")
    return redirect(contract)


# --- What a resolution names -------------------------------------------------------------


@require_POST
@login_required
def resolution_cover_add(request, pk):
    """Name a claim or debt in a resolution's subject (a form on the resolution's page)."""
    resolution = get_object_or_404(resolution_list(request.user), pk=pk)
    check_perm(request.user, perms.RESOLUTION_CHANGE)
    form = ResolutionCoverForm(request.POST, resolution=resolution)
    if not form.is_valid():
        messages.error(request, "；".join(m for errors in form.errors.values() for m in errors))
        return redirect(resolution)
    data = form.cleaned_data
    owner = data["claim"] or data["debt"]
    return run_action(request, resolution, lambda: votes.resolution_cover_add(
        user=request.user, resolution=resolution, claim=data["claim"], debt=data["debt"], amount=data["amount"]),
        f"本决议已列明{owner._meta.verbose_name} {owner.number}。")


@require_POST
@login_required
def resolution_cover_remove(request, pk):
    cover = get_object_or_404(ResolutionCover.objects.filter(resolution__in=resolution_list(request.user)), pk=pk)
    check_perm(request.user, perms.RESOLUTION_CHANGE)
    return run_action(request, cover.resolution, lambda: votes.resolution_cover_remove(
        user=request.user, cover=cover), f"已移除{cover.owner._meta.verbose_name} {cover.owner.number}。")


# --- Early-payment discounts ---------------------------------------------------------------------


@require_POST
@login_required
def discount_rule_add(request, pk):
    """Add a discount rule to a 折扣规则 resolution (a form on the resolution's page)."""
    resolution = get_object_or_404(resolution_list(request.user), pk=pk)
    check_perm(request.user, perms.RESOLUTION_CHANGE)
    form = DiscountRuleForm(request.POST)

    def act():
        require_valid(form)
        votes.discount_rule_create(user=request.user, resolution=resolution, **form.cleaned_data)

    return run_action(request, resolution, act, "已登记折扣规则。")


@require_POST
@login_required
def discount_rule_remove(request, pk):
    rule = get_object_or_404(DiscountRule.objects.filter(resolution__in=resolution_list(request.user)), pk=pk)
    check_perm(request.user, perms.RESOLUTION_CHANGE)
    return run_action(request, rule.resolution, lambda: votes.discount_rule_remove(user=request.user, rule=rule),
                      "已撤销该折扣规则。")


@require_POST
@login_required
def claim_discount_settle(request, pk):
    """按折扣结清 (a form on the claim's page): the cash and the 减免 recorded together, once per page."""
    claim = get_object_or_404(selectors.claim_list(request.user), pk=pk)
    check_perm(request.user, perms.LEDGER_RESOLVE)
    form = DiscountSettleForm(request.POST, claim=claim)
    back = f"{claim.get_absolute_url()}#discount"

    def act() -> str:
        require_valid(form)
        data = form.cleaned_data
        _cash, waiver = votes.discount_settle(user=request.user, claim=claim, rule=data["rule"],
                                                 paid_on=data["paid_on"], voucher_no=data["voucher_no"],
                                                 expected_cash=data["cash"])
        return _entry_url(waiver)

    return submit_once(request, label=f"债权 {claim.number}：{request.POST.get('paid_on', '')[:10]} 按折扣结清",
                       write=act, fallback=back, success_message="已按折扣结清：实收现金和减免两条分录已记账。",
                       repeated_message="这笔折扣结清已经登记过了（同一次提交），未重复记账。")


# --- Debts --------------------------------------------------------------------------------


class DebtListView(RecordListView):
    template_name = "debts/debt_list.html"
    exporter = "debts"
    filterset_class = DebtFilter

    def get_queryset(self):
        return selectors.debt_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = selectors.list_totals(context["filter"].qs, "principal", "interest", "resolved",
                                                  "balance")
        return context


class DebtDetailView(RecordDetailView):
    template_name = "debts/debt_detail.html"

    def get_queryset(self):
        return selectors.debt_list(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(entries=list(selectors.debt_entries(self.object)), **kwargs)


class DebtCreateView(_PartyPickerMixin, RecordCreateView):
    template_name = "debts/claim_form.html"
    form_class = DebtForm
    permission = perms.CLAIM_EDIT
    party_field = "creditor"
    success_message = "债务已登记。"

    def get_queryset(self):
        return selectors.debt_list(self.request.user)

    def write(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        return services.debt_create(user=self.request.user, data=data)


class DebtUpdateView(_PartyPickerMixin, RecordUpdateView):
    template_name = "debts/claim_form.html"
    form_class = DebtForm
    permission = perms.CLAIM_EDIT
    party_field = "creditor"
    success_message = "债务已保存。"

    def get_queryset(self):
        return selectors.debt_list(self.request.user)

    def write(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "village")}
        return services.debt_update(user=self.request.user, debt=self.object, data=data,
                                    expected_version=form.cleaned_data.get("version"))


class _DebtAction(ObjectFormView):
    template_name = "debts/action_form.html"

    def get_queryset(self):
        return selectors.debt_list(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(record=self.object, **kwargs)


class DebtEntryView(SubmittedOnceMixin, _DebtAction):
    form_class = EntryForm
    permission = perms.LEDGER_ENTRY
    extra_context = {"title": "登记化解"}
    success_message = "已记账。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "owner": self.object, "user": self.request.user}

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "")}

    def submission_label(self, form):
        return _entry_label(self.object, form)

    def act(self, form):
        self.entry = services.entry_record(user=self.request.user, debt=self.object, **_entry_data(form))

    def get_success_url(self):
        return _entry_url(self.entry)


class DebtOffsetView(SubmittedOnceMixin, _DebtAction):
    form_class = OffsetForm
    permission = perms.LEDGER_RESOLVE
    extra_context = {"title": "债权抵顶",
                     "help": "以村对该当事人的债权抵顶所欠债务：债权、债务两边同时冲减相同金额，"
                             "须有已通过的民主决议。"}
    success_message = "已抵顶，债权债务同时冲减。"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "debt": self.object}

    def submission_label(self, form):
        data = form.cleaned_data
        return (f"债务 {self.object.number} 与债权 {data['claim'].number} 抵顶：{data['entered_on']:%Y-%m-%d} "
                f"{format_yuan(data['amount'])} 元")

    def act(self, form):
        _claim_side, self.entry = services.offset_claim_against_debt(user=self.request.user, debt=self.object,
                                                                     **_entry_data(form))

    def get_success_url(self):
        return _entry_url(self.entry)


# --- Mediation ------------------------------------------------------------------------------


class MediationListView(RecordListView):
    template_name = "debts/mediation_list.html"
    exporter = "mediation"
    filterset_class = MediationFilter

    def get_queryset(self):
        return selectors.mediation_list(self.request.user)


class MediationDetailView(RecordDetailView):
    template_name = "debts/mediation_detail.html"

    def get_queryset(self):
        return selectors.mediation_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        paid = services.mediation_paid(case)
        running, plan = 0, []
        for instalment in case.plan.all():
            running += instalment.amount
            plan.append({"instalment": instalment, "cumulative": running, "met": paid >= running})
        context.update(paid=paid, plan=plan, plan_total=running,
                       claims=selectors.claim_list(self.request.user).filter(mediation_cases=case))
        return context


# --- Aging report -----------------------------------------------------------------------------

AGING_COLUMNS = [Column("乡镇", 12), Column("村", 12), Column("笔数", 8), Column("1年以内(元)", 16, money=True),
                 Column("1至3年(元)", 16, money=True), Column("3年以上(元)", 16, money=True),
                 Column("合计(元)", 16, money=True)]


class AgingReportView(ScopedMixin, TemplateView):
    """Open claim balances (sealed ones left out) by village and age band."""

    template_name = "debts/aging_report.html"

    def get_context_data(self, **kwargs):
        rows = selectors.aging_report(self.request.user)
        totals = {key: sum(r[key] for r in rows) for key in ("n", "band_0_1", "band_1_3", "band_3", "total")}
        return super().get_context_data(rows=rows, totals=totals, today=timezone.localdate(), **kwargs)


@require_GET
@login_required
def aging_report_xlsx(request):
    today = timezone.localdate()
    rows = [[r["village__township__name"], r["village__name"], r["n"], r["band_0_1"], r["band_1_3"], r["band_3"],
             r["total"]] for r in selectors.aging_report(request.user, today)]
    content = build_xlsx(title="债权账龄分析表", columns=AGING_COLUMNS, rows=rows,
                         subtitle=f"{request.user.scope_name}　截至 {today:%Y年%m月%d日}　（不含已封存债权）")
    return xlsx_response(content, f"债权账龄分析表-{today:%Y%m%d}.xlsx")
