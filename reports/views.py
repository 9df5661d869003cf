"""Dashboards, warnings, risk classes, settings, income records and the progress report's job."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView, TemplateView

from core import permissions as perms
from core.generic import ObjectFormView, RecordCreateView, RecordListView, require_valid, run_action
from core.pdf import pdf_response
from core.scoping import check_perm, villages_for
from core.views import HomeView
from places.models import County

from . import selectors, services, warnings
from .filters import IncomeFilter
from .forms import (
    CadreRelativeForm,
    IncomeRecordForm,
    PeriodForm,
    ProgressReportForm,
    ReportSettingsForm,
    RiskCaseForm,
    RiskReviewForm,
    RiskTaskForm,
    TaskDoneForm,
    presets,
)
from .measures import Place, measures_by, monthly_progress
from .models import Level, RiskClass
from .progress import progress_job_create, scope_choices
from .ranking import rank
from .risk import county_of, report_settings_for, village_risks
from .search import HINT as SEARCH_HINT
from .search import MAX_LENGTH, PER_GROUP, search
from .todo import todo_for
from .village_summary import render_village_summary, village_summary_context, village_summary_filename

# --- Dashboards ----------------------------------------------------------------------------------


class PlaceDashboard(LoginRequiredMixin, TemplateView):
    """The measures of a place and of each of its children, with charts and warnings."""

    template_name = "reports/dashboard.html"

    def get_place(self) -> Place:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        place = self.get_place()
        form = PeriodForm(self.request.GET if ("from" in self.request.GET or "to" in self.request.GET) else None)
        period = form.period()
        breakdown = measures_by(place, period, charts=True)
        query = self.request.GET.copy()
        query.pop("page", None)
        period_query = "&".join(f"{k}={v}" for k, v in (("from", query.get("from", "")), ("to", query.get("to", "")))
                                if v)
        context.update(place=place, period=period, period_form=form, breakdown=breakdown, total=breakdown.total,
                       presets=presets(timezone.localdate()), period_query=period_query,
                       child_url=CHILD_URL[place.child_level], child_label=CHILD_LABEL[place.child_level],
                       warnings=warnings.warning_counts(self.request.user, place),
                       place_query=PLACE_QUERY[place.level](place),
                       charts=breakdown.charts,
                       progress_url=progress_data_url(place, self.request.GET))
        context["place_county"] = county_of(place)
        if place.level in ("county", "province"):
            # A province ranks its counties by the default weights: each county's own weights are its own.
            context["ranking"] = rank(breakdown.children, report_settings_for(context["place_county"]))
            context["ranked"] = {r.key: r for r in context["ranking"]}
        if place.level == "village":
            context["states"] = selectors.contract_states(place.obj)
            context["claims"] = selectors.claims_by_origin(place.obj)
            context["debts"] = selectors.debts_by_origin(self.request.user, place.obj)
        return context


def progress_data_url(place: Place, params) -> str:
    url = reverse("reports:progress-data", args=[place.level, place.obj.pk if place.obj else 0])
    query = "&".join(f"{k}={params[k]}" for k in ("from", "to") if params.get(k))
    return f"{url}?{query}" if query else url


CHILD_URL = {"county": "reports:county", "township": "reports:township", "village": "reports:village"}
CHILD_LABEL = {"county": "县", "township": "乡镇", "village": "村"}
PLACE_QUERY = {"all": lambda p: "", "province": lambda p: "", "county": lambda p: "",
               "township": lambda p: f"township={p.obj.pk}", "village": lambda p: f"village={p.obj.pk}"}


class DashboardView(PlaceDashboard):
    """`/`: a province's, a county's or a township's dashboard, every county for an administrator; a
    village's accountant and anyone without a wider scope keep the ledger overview (core's home page)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.scope_level not in ("province", "county", "township",
                                                                              "all"):
            return HomeView.as_view()(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_place(self) -> Place:
        return selectors.place_for(self.request.user)


class ProvinceView(PlaceDashboard):
    """A province's counties, ranked by the measures a county ranks its townships by."""

    def get_place(self) -> Place:
        return Place.of(get_object_or_404(selectors.provinces_for(self.request.user), pk=self.kwargs["pk"]))


class CountyView(PlaceDashboard):
    def get_place(self) -> Place:
        return Place.of(get_object_or_404(selectors.counties_for(self.request.user), pk=self.kwargs["pk"]))


class TownshipView(PlaceDashboard):
    def get_place(self) -> Place:
        return Place.of(get_object_or_404(selectors.townships_for(self.request.user), pk=self.kwargs["pk"]))


class VillageView(PlaceDashboard):
    def get_place(self) -> Place:
        return Place.of(get_object_or_404(villages_for(self.request.user), pk=self.kwargs["pk"]))


@require_GET
@login_required
def village_summary(request, pk):
    """一村一表: the village's one-page summary as a PDF. It only reads: the read-only inspector may print it."""
    village = get_object_or_404(villages_for(request.user).select_related("township"), pk=pk)
    context = village_summary_context(request.user, village)
    return pdf_response(render_village_summary(context), village_summary_filename(context))


@require_GET
@login_required
def progress_data(request, level, pk):
    """The monthly progress chart's figures, fetched by the dashboard's script once the page is shown:
    the four month-by-month counts are the dashboard's slowest queries, so the figures come first."""
    user = request.user
    if level == "all" and user.scope_level == "all":
        place = Place("all")
    elif level == "province":
        place = Place.of(get_object_or_404(selectors.provinces_for(user), pk=pk))
    elif level == "county":
        place = Place.of(get_object_or_404(selectors.counties_for(user), pk=pk))
    elif level == "township":
        place = Place.of(get_object_or_404(selectors.townships_for(user), pk=pk))
    elif level == "village":
        place = Place.of(get_object_or_404(villages_for(user), pk=pk))
    else:
        raise Http404
    form = PeriodForm(request.GET if ("from" in request.GET or "to" in request.GET) else None)
    response = JsonResponse({"progress": monthly_progress(place, form.period())})
    response["Cache-Control"] = "private, no-store"
    return response


# --- Warnings ------------------------------------------------------------------------------------


def _place_or_404(request) -> Place:
    place = selectors.narrower_place(request.user, request.GET)
    if place is None:
        raise Http404
    return place


class WarningsView(LoginRequiredMixin, TemplateView):
    template_name = "reports/warnings.html"

    def get_context_data(self, **kwargs):
        place = _place_or_404(self.request)
        return super().get_context_data(place=place, warnings=warnings.warning_counts(self.request.user, place),
                                        place_query=PLACE_QUERY[place.level](place), **kwargs)


class WarningListView(LoginRequiredMixin, TemplateView):
    template_name = "reports/warning_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        key = self.kwargs["key"]
        place = _place_or_404(self.request)
        if key == "expiring":
            days = self.request.GET.get("days", "90")
            days = int(days) if days in ("30", "60", "90") else 90
            rows = warnings.expiring(self.request.user, place, days)
        else:
            days, rows = None, warnings.LISTS[key](self.request.user, place)
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            key=key, alert=warnings.WARNINGS[key], place=place, page_obj=page, paginator=page.paginator,
            rows=page.object_list, days=days, windows=warnings.EXPIRY_WINDOWS,
            place_query=PLACE_QUERY[place.level](place), query_without_page=query.urlencode())


# --- Risk classes ----------------------------------------------------------------------------------


class RiskListView(LoginRequiredMixin, TemplateView):
    """Every village in the place, green, yellow or red in each class; by default those on the list."""

    template_name = "reports/risk_list.html"

    def get_context_data(self, **kwargs):
        place = _place_or_404(self.request)
        risks = village_risks(place)
        everything = self.request.GET.get("all") == "1"
        shown = risks if everything else [r for r in risks if r.on_list]
        counts = {value: {level: sum(1 for r in risks if r.of(value).level == level) for level in Level.values}
                  for value in RiskClass.values}
        return super().get_context_data(place=place, risks=shown, everything=everything, counts=counts,
                                        classes=RiskClass.choices, total=len(risks),
                                        on_list=sum(1 for r in risks if r.on_list),
                                        place_query=PLACE_QUERY[place.level](place), **kwargs)


class RiskVillageView(LoginRequiredMixin, TemplateView):
    template_name = "reports/risk_village.html"

    def get_context_data(self, **kwargs):
        # A township's own body is not classed (reports/risk.py): it has no risk page.
        village = get_object_or_404(villages_for(self.request.user).filter(is_township_body=False),
                                    pk=self.kwargs["pk"])
        risk = village_risks(Place.of(village))[0]
        user = self.request.user
        context = super().get_context_data(
            village=village, risk=risk, settings=report_settings_for(village.township.county),
            cases=selectors.risk_cases(user).filter(village=village),
            relatives=selectors.cadre_relatives(user).filter(party__village=village),
            relative_form=CadreRelativeForm(parties=selectors.parties_of(village)), **kwargs)
        return context


class RiskCaseCreateView(LoginRequiredMixin, FormView):
    template_name = "reports/risk_case_form.html"
    form_class = RiskCaseForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.village = get_object_or_404(villages_for(request.user).filter(is_township_body=False), pk=kwargs["pk"])
        check_perm(request.user, perms.RISK_MANAGE)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        risk_class = self.request.GET.get("class")
        initial = {}
        if risk_class in RiskClass.values:
            level = village_risks(Place.of(self.village))[0].of(risk_class)
            initial = {"risk_class": risk_class, "problems": f"{level.label}（{level.level}色）：{level.figures}。"}
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(village=self.village, risk=village_risks(Place.of(self.village))[0],
                                        **kwargs)

    def form_valid(self, form):
        try:
            case = services.risk_case_open(user=self.request.user, village=self.village,
                                           risk_class=form.cleaned_data["risk_class"],
                                           problems=form.cleaned_data["problems"], tasks=form.cleaned_data["tasks"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(self.request, "已列入重点村管理，处方单已建立。")
        return redirect(case.get_absolute_url())


class RiskCaseView(LoginRequiredMixin, TemplateView):
    template_name = "reports/risk_case.html"

    def get_context_data(self, **kwargs):
        case = get_object_or_404(selectors.risk_case_detail(self.request.user), pk=self.kwargs["pk"])
        return super().get_context_data(case=case, task_form=RiskTaskForm(), done_form=TaskDoneForm(
            initial={"done_on": timezone.localdate()}), review_form=RiskReviewForm(
            initial={"reviewed_on": timezone.localdate()}), **kwargs)


def _case_for_write(request, pk):
    case = get_object_or_404(selectors.risk_cases(request.user), pk=pk)
    check_perm(request.user, perms.RISK_MANAGE)
    return case


@require_POST
@login_required
def risk_task_add(request, pk):
    case = _case_for_write(request, pk)
    form = RiskTaskForm(request.POST)

    def act():
        require_valid(form)
        services.risk_task_add(user=request.user, case=case, **form.cleaned_data)

    return run_action(request, case, act, "整改任务已添加。")


@require_POST
@login_required
def risk_task_done(request, pk):
    from .models import RiskTask

    task = get_object_or_404(RiskTask.objects.select_related("case"), pk=pk,
                             case__in=selectors.risk_cases(request.user).values("pk"))
    check_perm(request.user, perms.RISK_MANAGE)
    form = TaskDoneForm(request.POST)

    def act():
        require_valid(form)
        services.risk_task_done(user=request.user, task=task, done_on=form.cleaned_data["done_on"],
                                note=form.cleaned_data["note"])

    return run_action(request, task.case, act, "已登记完成。")


@require_POST
@login_required
def risk_case_review(request, pk):
    case = _case_for_write(request, pk)
    form = RiskReviewForm(request.POST)

    def act():
        require_valid(form)
        services.risk_case_review(user=request.user, case=case, **form.cleaned_data)

    return run_action(request, case, act, "复核已登记。")


@require_POST
@login_required
def cadre_relative_add(request, pk):
    village = get_object_or_404(villages_for(request.user), pk=pk)
    check_perm(request.user, perms.RISK_MANAGE)
    form = CadreRelativeForm(request.POST, parties=selectors.parties_of(village))

    def act():
        require_valid(form)
        services.cadre_relative_flag(user=request.user, party=form.cleaned_data["party"],
                                     relation=form.cleaned_data["relation"], note=form.cleaned_data["note"])

    return run_action(request, village, act, "已标记为干部亲属。",
                      to=reverse("reports:risk-village", args=[village.pk]))


@require_POST
@login_required
def cadre_relative_remove(request, pk):
    flag = get_object_or_404(selectors.cadre_relatives(request.user), pk=pk)
    check_perm(request.user, perms.RISK_MANAGE)
    return run_action(request, flag, lambda: services.cadre_relative_unflag(user=request.user, flag=flag),
                      "已取消干部亲属标记。", to=reverse("reports:risk-village", args=[flag.party.village_id]))


# --- Settings --------------------------------------------------------------------------------------


class SettingsView(ObjectFormView):
    """The county's ranking weights and risk thresholds; the county office edits them, others read them."""

    template_name = "reports/settings.html"
    form_class = ReportSettingsForm
    success_message = "考核与风险参数已保存。"

    def get_object(self, queryset=None):
        county = self.request.user.county
        if county is None and self.request.user.scope_level == "all":
            county = County.objects.order_by("pk").first()
        if county is None:
            raise Http404
        return report_settings_for(county)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def post(self, request, *args, **kwargs):
        if not perms.has_perm(request.user, perms.RULES_CHANGE):
            raise PermissionDenied("只有县农经中心可以修改考核与风险参数。")
        return super().post(request, *args, **kwargs)

    def get_success_url(self):
        return self.request.path

    def act(self, form):
        data = {name: value for name, value in form.cleaned_data.items()}
        services.report_settings_update(user=self.request.user, county=self.object.county, data=data)


# --- Income records ----------------------------------------------------------------------------------


class IncomeListView(RecordListView):
    template_name = "reports/income_list.html"
    filterset_class = IncomeFilter

    def get_queryset(self):
        return selectors.income_list(self.request.user)

    def get_context_data(self, **kwargs):
        from debts.selectors import list_totals

        context = super().get_context_data(**kwargs)
        context["total"] = list_totals(context["filter"].qs, "amount")["amount"]
        return context


class IncomeCreateView(RecordCreateView):
    template_name = "core/record_form.html"
    form_class = IncomeRecordForm
    permission = perms.INCOME_EDIT
    success_message = "新增收入已登记。"
    extra_context = {"noun": "新增收入", "list_url": reverse_lazy("reports:income-list")}

    def write(self, form):
        return services.income_record_create(user=self.request.user, data=form.cleaned_data)

    def get_success_url(self):
        return reverse("reports:income-list")


@require_POST
@login_required
def income_delete(request, pk):
    record = get_object_or_404(selectors.income_list(request.user), pk=pk)
    check_perm(request.user, perms.INCOME_EDIT)
    return run_action(request, record, lambda: services.income_record_delete(user=request.user, record=record),
                      "已删除该收入记录。", to=reverse("reports:income-list"))


# --- The progress report ------------------------------------------------------------------------------


class ProgressReportView(LoginRequiredMixin, FormView):
    """Choose the county or a township and a period; the report is built by a background job."""

    template_name = "reports/progress_form.html"
    form_class = ProgressReportForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not scope_choices(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "choices": scope_choices(self.request.user)}

    def post(self, request, *args, **kwargs):
        if request.user.role in perms.READ_ONLY_ROLES:
            raise PermissionDenied("您的角色只能查看，不能发起报告生成任务。")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        job = progress_job_create(user=self.request.user, scope=data["scope"], start=data["start"], end=data["end"])
        return redirect("core:job-detail", pk=job.pk)


# --- 待办 and the search box ------------------------------------------------------------------------


class TodoView(LoginRequiredMixin, TemplateView):
    """What waits for the user, by kind of work, each linking to the list where it is done."""

    template_name = "reports/todo.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(todo=todo_for(self.request), **kwargs)


@require_GET
@login_required
def todo_badge(request):
    """The navigation's count of what waits, asked by every page once it is shown (base.html): the counts
    never hold up a page, a dashboard least of all."""
    response = render(request, "reports/_todo_badge.html", {"todo": todo_for(request)})
    response["Cache-Control"] = "no-store"
    return response


class SearchView(LoginRequiredMixin, TemplateView):
    """The navigation's search box: contracts, claims, debts and parties in the user's scope."""

    template_name = "reports/search.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(results=search(self.request.user, self.request.GET.get("q", "")),
                                        per_group=PER_GROUP, max_length=MAX_LENGTH, hint=SEARCH_HINT, **kwargs)
