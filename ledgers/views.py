"""Ledger import pages: upload, preview with its errors, commit; and the templates. Thin: scope, rights,
one service, redirect."""
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, FormView

from core import permissions as perms
from core.idnumbers import mask_id_number
from core.permissions import has_perm
from core.scoping import ScopedMixin, check_perm
from core.submissions import submit_once
from core.xlsx import xlsx_response

from . import confirm, services
from . import kinds as K
from .forms import UploadForm
from .mapping import CODED
from .models import LedgerImport
from .xlsx_templates import template_content


class ImportView(ScopedMixin, FormView):
    template_name = "ledgers/import.html"
    form_class = UploadForm
    permission = perms.LEDGER_IMPORT

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kinds": services.kinds_for(self.request.user)}

    def get_initial(self):
        return {"kind": self.request.GET.get("kind", "")}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = [K.KINDS[key] for key, _ in services.kinds_for(self.request.user)]
        context["recent"] = services.imports_for(self.request.user).select_related("created_by")[:20]
        context["waiting"] = services.imports_waiting(self.request.user).select_related("created_by")
        return context

    def form_valid(self, form):
        try:
            ledger_import = services.ledger_upload(user=self.request.user, kind=form.cleaned_data["kind"],
                                                   upload=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        if ledger_import.state == LedgerImport.State.MAPPING:
            messages.info(self.request, "请核对每一列对应的栏目，确认后预览。")
            return HttpResponseRedirect(reverse("ledgers:import-mapping", args=[ledger_import.pk]))
        # Still being read (by a worker), or long: the job's page, with its progress bar.
        large = ledger_import.counts.get("rows", 0) > settings.LEDGER_INLINE_ROWS
        if ledger_import.state == LedgerImport.State.READING or large:
            messages.info(self.request, f"{'文件较大，' if large else ''}正在后台读取，完成后点“查看预览”。")
            return HttpResponseRedirect(reverse("core:job-detail", args=[ledger_import.job_id]))
        return HttpResponseRedirect(ledger_import.get_absolute_url())


class ImportDetailView(ScopedMixin, DetailView):
    template_name = "ledgers/import_detail.html"
    context_object_name = "ledger_import"

    def get_queryset(self):
        return services.imports_for(self.request.user).select_related("created_by", "committed_by", "job")

    def get_object(self, queryset=None):
        return services.ledger_import_settle(ledger_import=super().get_object(queryset))

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.state == LedgerImport.State.MAPPING:
            return HttpResponseRedirect(reverse("ledgers:import-mapping", args=[self.object.pk]))
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = self.object.counts.get("records", {})
        context["records"] = sorted(records.items())
        context["groups"] = grouped(self.object.problems)
        rows = services.listing(self.object)
        if rows:
            context["listing"] = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        context["sheets"] = sheet_summaries(self.object)
        context["may_commit"] = (self.object.can_commit
                                 and (self.object.kind, self.object.get_kind_display()) in
                                 services.kinds_for(self.request.user))
        return context


@require_POST
@login_required
def import_commit(request, pk):
    ledger_import = get_object_or_404(services.imports_for(request.user), pk=pk)
    check_perm(request.user, perms.LEDGER_IMPORT)
    started = []

    def commit() -> str:
        started.append(services.ledger_commit_start(user=request.user, ledger_import=ledger_import))
        if started[0].job_id and started[0].job.kind == "ledger-commit":
            return reverse("core:job-detail", args=[started[0].job_id])
        return started[0].get_absolute_url()

    # One commit per click: a second “确认导入” from the same page is sent to what the first did.
    response = submit_once(request, label=f"导入{ledger_import.get_kind_display()}台账 {ledger_import.original_name}",
                           write=commit, fallback=ledger_import.get_absolute_url(), success_message=None,
                           repeated_message="这份台账已经确认导入过了（同一次提交），未重复导入。")
    if started:
        committed = started[0]
        if committed.job_id and committed.job.kind == "ledger-commit":
            messages.info(request, "正在后台导入，完成后点“查看导入结果”。")
        elif committed.state == LedgerImport.State.DONE:
            messages.success(request, "已导入。")
        else:
            messages.error(request, "导入前核对发现错误（数据可能已被他人修改），未导入任何数据。")
    return response


@require_GET
@login_required
def template_download(request):
    """`?kind=contracts`: the blank ledger of that kind, to fill in and import."""
    kind = request.GET.get("kind", "")
    if kind not in K.KINDS:
        raise Http404
    return xlsx_response(template_content(K.KINDS[kind]), f"{K.KINDS[kind].label}台账导入模板.xlsx")


def grouped(problems: list[dict]) -> list[dict]:
    """The errors grouped by sheet, column and reason, in the order first met: one line per group with its
    rows ("「村」请填写：44 行（第 5、6、7 … 行）"), so that a column wrong throughout reads as one problem."""
    groups: dict[tuple, dict] = {}
    for problem in problems:
        key = (problem.get("sheet", ""), problem.get("column", ""), problem.get("reason", ""))
        group = groups.setdefault(key, {"sheet": key[0], "column": key[1], "reason": key[2], "rows": [], "count": 0})
        group["count"] += 1
        if problem.get("row") and len(group["rows"]) < 12:
            group["rows"].append(problem["row"])
    return list(groups.values())


def sheet_summaries(ledger_import) -> list[dict]:
    """Per sheet imported: its name, data rows, village and mapped columns, for the preview's heading."""
    found = []
    by_name = {s["name"]: s for s in (ledger_import.survey or {}).get("sheets", [])}
    for chosen in (ledger_import.mapping or {}).get("sheets", []):
        sheet = by_name.get(chosen["name"])
        if sheet is None:
            continue
        columns = {str(c["index"]): c for c in sheet["columns"]}
        found.append({
            "name": chosen["name"], "rows": sheet["rows"], "skip": chosen.get("skip"),
            "place": sheet["place"].get("text", ""), "notes": sheet.get("notes", []),
            "mapped": [(columns[i]["letter"], columns[i]["header"], f) for i, f in chosen["columns"].items()
                       if f and i in columns],
        })
    return found


class MappingView(ScopedMixin, DetailView):
    """The mapping step: every column of every sheet with its header, samples and the suggested field, the
    village of each sheet, the coded values no list knows; confirmed, it is remembered for the county and
    the file is read by it (the preview follows)."""

    template_name = "ledgers/import_mapping.html"
    context_object_name = "ledger_import"
    permission = perms.LEDGER_IMPORT

    def get_queryset(self):
        return services.imports_for(self.request.user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            check_perm(request.user, self.permission)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if not self.object.survey or self.object.state not in MAPPABLE:
            return HttpResponseRedirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        if not self.object.survey or self.object.state not in MAPPABLE:
            messages.error(request, f"该台账当前为“{self.object.state}”，不能修改栏目对照。")
            return HttpResponseRedirect(self.object.get_absolute_url())
        mapping = posted_mapping(request.POST, self.object)
        try:
            ledger_import = services.ledger_map(user=request.user, ledger_import=self.object, mapping=mapping)
        except ValidationError as error:
            self.object.mapping = mapping
            return self.render_to_response(self.get_context_data(problems=error.messages), status=400)
        if ledger_import.state == LedgerImport.State.READING:
            messages.info(request, "栏目已确认，正在后台读取，完成后点“查看预览”。")
            return HttpResponseRedirect(reverse("core:job-detail", args=[ledger_import.job_id]))
        return HttpResponseRedirect(ledger_import.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(object=self.object, **kwargs)
        i = self.object
        mapping = i.mapping or confirm.proposed(i.survey, self.request.user)
        villages = services.villages_choosable(self.request.user)
        choices = confirm.choices(i.kind)
        sheets = []
        shown = _sample_text if has_perm(self.request.user, perms.ID_NUMBER_VIEW) else _masked_sample
        chosen_by_name = {s["name"]: s for s in mapping["sheets"]}
        for n, sheet in enumerate(i.survey["sheets"]):
            chosen = chosen_by_name.get(sheet["name"], {"columns": {}, "village": None, "skip": False})
            columns = []
            for column in sheet["columns"]:
                suggestion = column.get("suggestion") or {}
                columns.append({**column, "field": chosen["columns"].get(str(column["index"]), ""),
                                "confidence": round(100 * suggestion.get("confidence", 0)),
                                "reason": suggestion.get("reason", ""), "suggested": suggestion.get("column") or "",
                                "samples_text": "；".join(shown(v) for v in column["samples"][:3])})
            sheets.append({"n": n, "name": sheet["name"], "rows": sheet["rows"], "titles": sheet["titles"],
                           "place": sheet["place"].get("text", ""), "notes": sheet.get("notes", []),
                           "village": chosen.get("village"), "skip": chosen.get("skip", False),
                           "columns": columns, "missing": sheet["missing"]})
        # All of them, those already answered too (their answers preselected): a form shown again keeps them.
        unknowns = confirm.unknowns(i.survey, {**mapping, "values": {}}, i.kind, services._known(i))
        context.update(
            sheets=sheets, choices=choices, villages=list(villages.values()),
            unknowns=[{"u": u, "names": CODED[(i.kind, u.field)].names if (i.kind, u.field) in CODED else [],
                       "chosen": mapping.get("values", {}).get(u.field, {}).get(u.value, "")} for u in unknowns],
            hidden_sheets=i.survey.get("hidden_sheets", []), passed_over=i.survey.get("passed_over", []),
            doubts=confirm.doubts(i.survey, mapping, i.kind, services._known(i)))
        return context


_ID_LIKE = re.compile(r"^\d{15}$|^\d{17}[\dXx]$|^\d{6}\*+\d{3}[\dXx]$")


def _sample_text(value) -> str:
    return str(value)


def _masked_sample(value) -> str:
    """A sample as a role that sees ID numbers masked sees it: a value that looks like one is masked."""
    written = str(value).strip()
    if isinstance(value, int | float) and abs(value) >= 1e14:
        written = f"{value:.0f}"
    return mask_id_number(written) if _ID_LIKE.match(written) else str(value)


MAPPABLE = (LedgerImport.State.MAPPING, LedgerImport.State.READY, LedgerImport.State.ERRORS)


def posted_mapping(post, ledger_import) -> dict:
    """The mapping page's form as confirm.py's JSON."""
    sheets = []
    for n, sheet in enumerate(ledger_import.survey["sheets"]):
        prefix = f"sheet-{n}-"
        columns = {str(c["index"]): post.get(f"{prefix}col-{c['index']}", "").strip() for c in sheet["columns"]}
        village = post.get(f"{prefix}village", "").strip()
        sheets.append({"name": sheet["name"], "columns": columns,
                       "village": int(village) if village.isdigit() else None,
                       "skip": bool(post.get(f"{prefix}skip"))})
    values: dict[str, dict[str, str]] = {}
    for key in post:
        if key.startswith("code-") and key.endswith("-field"):
            stem = key.removesuffix("-field")
            field_, value, name = post.get(key, ""), post.get(f"{stem}-value", ""), post.get(f"{stem}-name", "")
            if field_ and value and name:
                values.setdefault(field_, {})[value] = name
    return {"sheets": sheets, "values": values}


@require_POST
@login_required
def import_decide(request, pk):
    """The answers to "same record?" on the preview: `row-<n>` = the existing record's id, or 0 (a new one)."""
    ledger_import = get_object_or_404(services.imports_for(request.user), pk=pk)
    check_perm(request.user, perms.LEDGER_IMPORT)
    decisions = {key.removeprefix("row-"): value for key, value in request.POST.items()
                 if key.startswith("row-") and value.strip().isdigit()}
    try:
        services.ledger_decide(user=request.user, ledger_import=ledger_import, decisions=decisions)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    return HttpResponseRedirect(ledger_import.get_absolute_url())


@require_GET
@login_required
def import_errors_download(request, pk):
    """The upload given back with each error's cell marked red and commented, and a 错误清单 sheet first. It
    holds the ledger's personal data: only for those who may import."""
    from .markup import MarkupError, download_name, marked_workbook

    ledger_import = get_object_or_404(services.imports_for(request.user), pk=pk)
    check_perm(request.user, perms.LEDGER_IMPORT)
    if not ledger_import.problems:
        raise Http404
    if ledger_import.counts.get("rows", 0) > settings.LEDGER_INLINE_ROWS:
        # Opening and writing back a large workbook takes a while: a job, whose page offers the file.
        job = services.ledger_markup_start(user=request.user, ledger_import=ledger_import)
        messages.info(request, "文件较大，正在后台标注错误，完成后在本页下载。")
        return HttpResponseRedirect(reverse("core:job-detail", args=[job.pk]))
    try:
        content = marked_workbook(ledger_import)
    except MarkupError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(ledger_import.get_absolute_url())
    return xlsx_response(content, download_name(ledger_import))
