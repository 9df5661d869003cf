"""Thin page classes every app builds on: scoped list, detail, create, update, delete.

A subclass names its selector (`get_queryset`), its form, its permission and
the service that writes. The classes only check access, validate, call the
service and redirect.
"""
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import DetailView, FormView, UpdateView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import CreateView, DeleteView
from django_filters.views import FilterView

from .audit import history_for
from .exports import Exporter, exporter_for
from .forms import style_fields
from .jobs import job_create
from .pdf import lists, pdf_response
from .scoping import ScopedMixin, selected_or_404
from .xlsx import xlsx_response


class RecordListView(ScopedMixin, FilterView):
    """A scoped, filtered, paginated list; with `exporter` set (the key of a registered exporter), also its
    export to Excel and its printed copy.

    `?format=xlsx` downloads every row the current filters select (not just the page shown) with the
    exporter's columns. A list longer than LEDGER_INLINE_ROWS is written by a background job and the
    user is sent to its progress page. `?format=pdf` prints the same rows (core.pdf.lists): by a job
    beyond PDF_LIST_INLINE_ROWS, and not at all beyond PDF_LIST_MAX_ROWS. Both only read: whoever may
    see the list, the read-only inspector too, may export and print it.
    """

    paginate_by = settings.LIST_PAGE_SIZE
    strict = False
    exporter = ""

    def get(self, request, *args, **kwargs):
        if self.exporter and request.GET.get("format") == "xlsx":
            return self.export()
        if self.exporter and request.GET.get("format") == "pdf":
            return self.print_pdf()
        return super().get(request, *args, **kwargs)

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        style_fields(filterset.form)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        if self.exporter:
            query["format"] = "xlsx"
            context["export_url"] = f"?{query.urlencode()}"
            query["format"] = "pdf"
            context["print_url"] = f"?{query.urlencode()}"
        return context

    def get_exporter(self) -> Exporter:
        return exporter_for(self.exporter)(self.request.user, self.request.GET)

    def export(self):
        export = self.get_exporter()
        if export.selecting:
            # The rows ticked, all of them within the user's scope or none (404).
            selected_or_404(self.get_queryset(), export.data.getlist(export.selection))
            if not export.selected:
                messages.error(self.request, "请先在列表中勾选要导出的记录。")
                return HttpResponseRedirect(self.request.path)
        if export.queryset().count() > settings.LEDGER_INLINE_ROWS:
            job = job_create(user=self.request.user, kind="list-export", title=f"导出{export.name}",
                             params=export.job_params())
            messages.info(self.request, "数据较多，正在后台生成 Excel 文件，完成后可在本页下载。")
            return HttpResponseRedirect(reverse("core:job-detail", args=[job.pk]))
        return xlsx_response(export.content(), export.filename())

    def print_pdf(self):
        export = self.get_exporter()
        count = export.queryset().count()
        if count > settings.PDF_LIST_MAX_ROWS:
            messages.error(self.request, lists.too_long_message(count))
            query = self.request.GET.copy()
            query.pop("format", None)
            return HttpResponseRedirect(f"{self.request.path}?{query.urlencode()}" if query else self.request.path)
        if count > settings.PDF_LIST_INLINE_ROWS:
            job = job_create(user=self.request.user, kind=lists.JOB_KIND, title=f"打印{export.printed_title()}",
                             params=export.job_params())
            messages.info(self.request, f"共 {count:,} 条，正在后台生成 PDF 文件，完成后可在本页打开打印。")
            return HttpResponseRedirect(reverse("core:job-detail", args=[job.pk]))
        document = lists.list_document(export)
        return pdf_response(lists.render_list_pdf(document), document.filename)


class RecordDetailView(ScopedMixin, DetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = history_for(self.object, self.request.user)
        return context


class _ServiceFormMixin:
    success_message = "已保存。"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def write(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.write(form)
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        return self.written(form)

    def written(self, form):
        """The answer once the service has written: a message and the next page."""
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class RecordCreateView(_ServiceFormMixin, ScopedMixin, CreateView):
    pass


class RecordUpdateView(_ServiceFormMixin, ScopedMixin, UpdateView):
    pass


class RecordDeleteView(ScopedMixin, DeleteView):
    """Confirmation page on GET; the service deletes on POST."""

    template_name = "core/confirm_delete.html"
    success_message = "已删除。"

    def delete_record(self, obj):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.delete_record(self.object)
        except ValidationError as error:
            messages.error(self.request, "；".join(error.messages))
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())


class ObjectFormView(ScopedMixin, SingleObjectMixin, FormView):
    """A form that acts on one scoped record through one service.

    The record is fetched through the user's scope (404) before the
    permission is checked (403). `allowed_states`, when set, sends the user
    back to the record with a message if it is not at one of them.
    """

    allowed_states: tuple[str, ...] | None = None
    success_message = "已保存。"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.kwargs = kwargs
        self.object = self.get_object()
        if self.allowed_states and self.object.state not in self.allowed_states:
            messages.error(request, f"当前状态为“{self.object.state}”，不能进行此操作。")
            return HttpResponseRedirect(self.object.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def act(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.act(form)
        except ValidationError as error:
            _add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        return self.object.get_absolute_url()


def require_valid(form) -> None:
    """For a form posted to a one-button action: its errors, named by field label, as one ValidationError."""
    if not form.is_valid():
        raise ValidationError([f"{form.fields[name].label}：{error}" if name in form.fields else error
                               for name, errors in form.errors.items() for error in errors])


def run_action(request, obj, action, success_message: str, *, to: str | None = None):
    """For a one-button POST: call the service, report its refusal as a message, go back to the record
    (or to `to`)."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, success_message)
    return HttpResponseRedirect(to or obj.get_absolute_url())
