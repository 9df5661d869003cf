"""Home, audit trail and system status."""
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.views.generic import ListView, TemplateView

from villages.selectors import scope_summary

from . import permissions as perms
from .audit import ACTION_LABELS, audit_entries_for, to_trail
from .scoping import check_perm


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["summary"] = scope_summary(user)
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
        if params.get("model", "").isdigit():
            qs = qs.filter(content_type_id=int(params["model"]))
        if params.get("action", "").isdigit():
            qs = qs.filter(action=int(params["action"]))
        if params.get("actor"):
            qs = qs.filter(actor__username__icontains=params["actor"].strip())
        if params.get("q"):
            qs = qs.filter(object_repr__icontains=params["q"].strip())
        return qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["trail"] = to_trail(context["object_list"], self.request.user)
        audited = ContentType.objects.filter(app_label__in=["villages", "contracts", "debts", "core"])
        context["models"] = [(ct.pk, str(ct.model_class()._meta.verbose_name))
                             for ct in audited.order_by("app_label", "model")
                             if ct.model_class() is not None and auditlog.contains(ct.model_class())]
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
