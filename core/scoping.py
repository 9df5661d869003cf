"""Who sees which villages: the one mechanism every read and every view uses.

A user's scope is a village, a township, a county or a province (an
administrator may see everything). `scope_q` turns it into a filter on any model that reaches
a village through `path`; selectors apply it, and `ScopedMixin` makes an
object outside the scope a 404 and a write without the right a 403.
"""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from places.models import Group, Village

from .bounds import query_int
from .permissions import has_perm


def scope_q(user, path: str = "village") -> Q:
    """A filter for rows whose village (reached through `path`) is in the user's scope.

    `path=""` filters the Village model itself.
    """
    village_id = f"{path}_id" if path else "pk"
    prefix = f"{path}__" if path else ""
    level = user.scope_level if getattr(user, "is_authenticated", False) else "none"
    if level == "all":
        return Q()
    if level == "village":
        return Q(**{village_id: user.village_id})
    if level == "township":
        return Q(**{f"{prefix}township_id": user.township_id})
    if level == "county":
        return Q(**{f"{prefix}township__county_id": user.county_id})
    if level == "province":
        return Q(**{f"{prefix}township__county__province_id": user.province_id})
    return Q(pk__in=[])


def scoped(queryset: QuerySet, user, path: str = "village") -> QuerySet:
    return queryset.filter(scope_q(user, path))


def made_within_scope(queryset: QuerySet, user) -> QuerySet:
    """Rows that record the place their maker worked in (county, township, village columns, as jobs and
    ledger imports do): those made within the user's scope."""
    level = user.scope_level
    if level == "all":
        return queryset
    if level in ("county", "township", "village"):
        return queryset.filter(**{f"{level}_id": getattr(user, f"{level}_id")})
    if level == "province":
        return queryset.filter(county__province_id=user.province_id)
    return queryset.none()


def villages_for(user) -> QuerySet[Village]:
    return scoped(Village.objects.select_related("township__county"), user, path="")


def groups_for(user) -> QuerySet[Group]:
    return scoped(Group.objects.select_related("village__township"), user)


def selected_or_404(queryset: QuerySet, values) -> QuerySet:
    """The records of `queryset` (a selector's, already the user's scope) named by `values`, the ids a list's
    ticked rows send (a parameter repeated). One id that names none of them, another township's or none at
    all, is a 404 for the whole selection: a bulk action acts on all that was ticked or on nothing. Values
    that are no id at all are ignored, as a list ignores a filter it cannot use."""
    ids = {pk for pk in (query_int(value) for value in values) if pk}
    chosen = queryset.filter(pk__in=ids)
    if chosen.count() != len(ids):
        raise Http404("所选记录中有不存在或不在您管理范围内的。")
    return chosen


def check_perm(user, perm: str | None) -> None:
    if perm and not has_perm(user, perm):
        raise PermissionDenied("您的角色无权进行此操作。")


class ScopedMixin(LoginRequiredMixin):
    """For class-based views: the queryset is the user's scope; `permission` guards writes.

    Order matters: an object outside the scope is a 404 before any
    permission is looked at, so a 403 never tells an outsider that a record
    exists.
    """

    permission: str | None = None

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        check_perm(self.request.user, self.permission)
        return obj

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.permission and getattr(self, "pk_url_kwarg", "pk") not in kwargs:
            check_perm(request.user, self.permission)
        return super().dispatch(request, *args, **kwargs)
