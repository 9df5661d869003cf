"""Ledger import pages: upload, preview with its errors, commit; and the templates. Thin: scope, rights,
one service, redirect."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, FormView

from core import permissions as perms
from core.scoping import ScopedMixin, check_perm
from core.submissions import submit_once
from core.xlsx import xlsx_response

from . import kinds as K
from . import services
from .forms import UploadForm
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
        return context

    def form_valid(self, form):
        try:
            ledger_import = services.ledger_upload(user=self.request.user, kind=form.cleaned_data["kind"],
                                                   upload=form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = self.object.counts.get("records", {})
        context["records"] = sorted(records.items())
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
