"""Thin page classes every app builds on: scoped list, detail, create, update, delete.

A subclass names its selector (`get_queryset`), its form, its permission and
the service that writes. The classes only check access, validate, call the
service and redirect.
"""
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import resolve, reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, UpdateView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import CreateView, DeleteView
from django_filters.views import FilterView

from .audit import history_for
from .forms import style_fields
from .scoping import ScopedMixin


class RecordListView(ScopedMixin, FilterView):
    """A scoped, filtered, paginated list; with `export_name` set, also its export to Excel.

    `?format=xlsx` downloads every row the current filters select (not just the page shown) with the
    columns the list declares (`export_columns`, `export_rows`). A list longer than
    LEDGER_INLINE_ROWS is written by a background job and the user is sent to its progress page.
    """

    paginate_by = settings.LIST_PAGE_SIZE
    strict = False
    export_name = ""

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx" and self.export_name:
            return self.export()
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
        if self.export_name:
            query["format"] = "xlsx"
            context["export_url"] = f"?{query.urlencode()}"
        return context

    # --- Export ---------------------------------------------------------------------------

    def export_columns(self) -> list:
        raise NotImplementedError

    def export_rows(self, records):
        """One list of cell values per record, in the order of `export_columns`."""
        raise NotImplementedError

    def export_queryset(self, queryset):
        """The listed queryset with what the rows need loaded in bulk."""
        return queryset

    def filtered_queryset(self):
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_bound or filterset.is_valid() or not self.get_strict():
            return filterset.qs, filterset
        return filterset.queryset.none(), filterset

    def export(self):
        from .jobs import job_create
        from .xlsx import xlsx_response

        queryset, _ = self.filtered_queryset()
        if queryset.count() > settings.LEDGER_INLINE_ROWS:
            query = self.request.GET.copy()
            query.pop("page", None)
            job = job_create(user=self.request.user, kind="list-export", title=f"导出{self.export_name}",
                             params={"view": self.request.resolver_match.view_name, "query": query.urlencode()})
            messages.info(self.request, "数据较多，正在后台生成 Excel 文件，完成后可在本页下载。")
            return HttpResponseRedirect(reverse("core:job-detail", args=[job.pk]))
        return xlsx_response(self.export_content(queryset), self.export_filename())

    def export_filename(self) -> str:
        return f"{self.export_name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"

    def export_content(self, queryset, report=None) -> bytes:
        from .xlsx import Sheet, stream_workbook

        _, filterset = self.filtered_queryset()
        chosen = []
        if filterset.is_bound and filterset.is_valid():
            for name, value in filterset.form.cleaned_data.items():
                if value not in (None, "", [], ()) and name in filterset.form.fields:
                    chosen.append(f"{filterset.form.fields[name].label}：{_shown(filterset.form.fields[name], value)}")
        subtitle = "　".join([f"{self.request.user.scope_name}", f"导出于 {timezone.localtime():%Y-%m-%d %H:%M}",
                              *(["筛选 " + "；".join(chosen)] if chosen else [])])
        total = queryset.count()

        def rows():
            done = 0
            for row in self.export_rows(self.export_queryset(queryset).iterator(chunk_size=2000)):
                done += 1
                if report and done % 5000 == 0:
                    report(done, total, f"已写出 {done:,} / {total:,} 行")
                yield row

        return stream_workbook([Sheet(self.export_name, self.export_columns(), rows(), subtitle)])


def _shown(field, value) -> str:
    choices = dict(getattr(field, "choices", []) or [])
    return str(choices.get(value, choices.get(str(value), value)))


def run_list_export_job(job, report) -> dict:
    """The background job of a long list export: the same view, filters and user as the click that asked."""
    from django.http import HttpRequest, QueryDict

    from .jobs import job_add_file

    match = resolve(reverse(job.params["view"]))
    request = HttpRequest()
    request.method = "GET"
    request.user = job.created_by
    request.GET = QueryDict(job.params.get("query", ""))
    request.resolver_match = match
    view = match.func.view_class()
    view.setup(request)
    queryset, _ = view.filtered_queryset()
    content = view.export_content(queryset, report=report)
    job_add_file(job, view.export_filename(), content)
    return {"rows": queryset.count()}


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
