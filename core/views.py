"""Home, audit trail, system status, and what a form needs to be sent after a sign-in elsewhere."""
from urllib.parse import urlencode, urlsplit

from auditlog.registry import auditlog
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, ListView, TemplateView

from . import permissions as perms
from .audit import ACTION_LABELS, audit_entries_for, to_trail
from .bounds import query_int
from .files import private_file_response, private_storage
from .jobs import JobError, is_stale, job_restart, jobs_for, may_restart
from .scoping import check_perm


class HomeView(LoginRequiredMixin, TemplateView):
    """The figures of the user's scope come as a panel from the app that keeps the ledgers; core adds the
    latest changes."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["recent"] = to_trail(audit_entries_for(user)[:10], user)
        return context


class AuditLogView(LoginRequiredMixin, ListView):
    """The whole trail in the user's scope, filterable by record type, action and user."""

    template_name = "core/audit_log.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            check_perm(request.user, perms.AUDIT_VIEW)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        qs = audit_entries_for(self.request.user)
        params = self.request.GET
        if (model := query_int(params.get("model"))) is not None:
            qs = qs.filter(content_type_id=model)
        # The action column is a small integer: a larger number would overflow it on PostgreSQL.
        if (action := query_int(params.get("action"), maximum=32767)) is not None:
            qs = qs.filter(action=action)
        if params.get("actor"):
            qs = qs.filter(actor__username__icontains=params["actor"].strip())
        if params.get("q"):
            qs = qs.filter(object_repr__icontains=params["q"].strip())
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["trail"] = to_trail(context["object_list"], self.request.user)
        # Every model that some app has put under the audit trail, in a stable order.
        audited = ContentType.objects.get_for_models(*auditlog.get_models(), for_concrete_models=False)
        context["models"] = [(ct.pk, str(model._meta.verbose_name))
                             for model, ct in sorted(audited.items(), key=lambda pair: (pair[1].app_label,
                                                                                         pair[1].model))]
        context["actions"] = ACTION_LABELS.items()
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


class StatusView(LoginRequiredMixin, TemplateView):
    """For the administrator: which database and broker this installation runs on, and whether a worker answers."""

    template_name = "core/status.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            check_perm(request.user, perms.STATUS_VIEW)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from .tasks import ping

        context = super().get_context_data(**kwargs)
        context["database"] = connection.vendor
        context["eager"] = settings.CELERY_TASK_ALWAYS_EAGER
        try:
            result = ping.delay().get(timeout=5)
            context["worker"] = "正常" if result.get("pong") else "异常"
        except Exception as error:  # shown to the administrator as a status, not raised
            context["worker"] = f"无响应（{type(error).__name__}）"
        return context


class JobListView(LoginRequiredMixin, ListView):
    template_name = "core/job_list.html"
    paginate_by = 30

    def get_queryset(self):
        return jobs_for(self.request.user).select_related("created_by")


class JobDetailView(LoginRequiredMixin, DetailView):
    """A job's page: a progress bar that polls while it runs, then the downloads or the error."""

    template_name = "core/job_detail.html"

    def get_queryset(self):
        return jobs_for(self.request.user).select_related("created_by")

    def get_template_names(self):
        if self.request.htmx:
            return ["core/_job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return super().get_context_data(stale=is_stale(self.object), **kwargs)


@require_GET
@login_required
def job_file(request, pk, index):
    """Result files are served only here, to users whose scope covers the job."""
    job = get_object_or_404(jobs_for(request.user), pk=pk)
    if not 0 <= index < len(job.files):
        raise Http404
    entry = job.files[index]
    storage = private_storage()
    if not storage.exists(entry["path"]):
        raise Http404
    # The system's own PDFs open in the browser; spreadsheets download.
    return private_file_response(storage.open(entry["path"], "rb"), filename=entry["name"],
                                 inline=entry["name"].endswith(".pdf"))


@require_POST
@login_required
def job_restart_view(request, pk):
    job = get_object_or_404(jobs_for(request.user), pk=pk)
    if not may_restart(request.user, job):
        raise PermissionDenied("只有发起人或乡镇专班可以重新运行任务。")
    try:
        job_restart(user=request.user, job=job)
    except JobError as error:
        messages.error(request, str(error))
    return redirect("core:job-detail", pk=job.pk)


@require_GET
@never_cache
def csrf_token(request):
    """A fresh form token, fetched by static/js/app.js just before a form is sent.

    Signing in rotates the token, so a form opened before a sign-in in another tab carries a stale one and
    would be refused with the typing lost. The cookie is HttpOnly, so no script can read the current token:
    it asks here. Another site cannot read the answer (no CORS), and the token is useless without the cookie.
    `user` lets the page tell that the session behind it has ended or changed before it sends anything.
    """
    user = request.user
    return JsonResponse({"token": get_token(request), "user": user.pk if user.is_authenticated else None})


# Django's reasons for a refused form that mean the request came from another address than the site's own:
# a proxy or CSRF_TRUSTED_ORIGINS set wrong, not a page left open too long.
ORIGIN_REASONS = ("Origin checking failed", "Referer checking failed")


def _login_again_url(request) -> str:
    """The login page, coming back to the page the form was on (as far as the browser told us)."""
    login_url = resolve_url(settings.LOGIN_URL)
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        parts = urlsplit(referer)
        back_to = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        back_to = request.get_full_path()
    if urlsplit(back_to).path == login_url:
        return back_to          # the login form itself: reopen it as it was, with its own ?next=
    return f"{login_url}?{urlencode({'next': back_to})}"


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form refused for its token, explained in the product's words.

    The usual cause is a page opened before the user signed in again in another tab; going back in the
    browser returns to the form with what was typed, and sending it again works (app.js fetches a fresh
    token first). Django logs the reason itself (django.security.csrf).
    """
    user = getattr(request, "user", None)
    context = {
        "signed_in": bool(user and user.is_authenticated),
        "wrong_origin": reason.startswith(ORIGIN_REASONS),
        "login_again_url": _login_again_url(request),
    }
    return render(request, "403_csrf.html", context, status=403)
