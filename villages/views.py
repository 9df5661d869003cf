"""Pages for villages, groups, parties, parcels and assets. Thin: scope, validate, call a service."""
import re

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from core import permissions as perms
from core.bounds import query_int
from core.generic import RecordCreateView, RecordDeleteView, RecordDetailView, RecordListView, RecordUpdateView
from core.scoping import groups_for, villages_for

from . import selectors, services
from .filters import AssetFilter, ParcelFilter, PartyFilter, VillageFilter
from .forms import (
    AssetForm,
    GroupForm,
    ParcelForm,
    ParcelQuickForm,
    PartyForm,
    PartyQuickForm,
    VillageForm,
    pick_label,
)

# --- Villages and groups -------------------------------------------------


class VillageListView(RecordListView):
    template_name = "villages/village_list.html"
    filterset_class = VillageFilter
    exporter = "places"

    def get_queryset(self):
        return selectors.village_list(self.request.user)


class VillageDetailView(RecordDetailView):
    template_name = "villages/village_detail.html"

    def get_queryset(self):
        return selectors.village_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["groups"] = self.object.groups.all()
        context["totals"] = selectors.village_ledger_totals(self.object)
        context["group_form"] = GroupForm(village=self.object)
        # The contract documents the village's page prints in one go (contracts/bundles.py).
        context["bundle_kinds"] = [("determination", "合同认定书"), ("investigation", "调查报告")]
        return context


class VillageCreateView(RecordCreateView):
    template_name = "villages/village_form.html"
    form_class = VillageForm
    permission = perms.VILLAGE_ADD
    success_message = "村已登记。"

    def write(self, form):
        return services.village_create(user=self.request.user, data=form.cleaned_data)

    def get_queryset(self):
        return villages_for(self.request.user)


class VillageUpdateView(RecordUpdateView):
    template_name = "villages/village_form.html"
    form_class = VillageForm
    permission = perms.VILLAGE_CHANGE
    success_message = "村信息已保存。"

    def get_queryset(self):
        return villages_for(self.request.user)

    def write(self, form):
        return services.village_update(user=self.request.user, village=self.object, data=form.cleaned_data)


class GroupCreateView(RecordCreateView):
    template_name = "villages/group_form.html"
    form_class = GroupForm
    permission = perms.GROUP_CHANGE
    success_message = "村民小组已添加。"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # The village must be in scope (404) before the right is checked (403).
            self.village = get_object_or_404(villages_for(request.user), pk=kwargs["village_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user")
        kwargs["village"] = self.village
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(village=self.village, **kwargs)

    def write(self, form):
        return services.group_create(user=self.request.user, village=self.village, data=form.cleaned_data)

    def get_success_url(self):
        return self.village.get_absolute_url()


class GroupUpdateView(RecordUpdateView):
    template_name = "villages/group_form.html"
    form_class = GroupForm
    permission = perms.GROUP_CHANGE
    success_message = "村民小组已保存。"

    def get_queryset(self):
        return groups_for(self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("user")
        kwargs["village"] = self.object.village
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(village=self.object.village, **kwargs)

    def write(self, form):
        return services.group_update(user=self.request.user, group=self.object, data=form.cleaned_data)

    def get_success_url(self):
        return self.object.village.get_absolute_url()


@login_required
@require_GET
def group_options(request):
    """The <option>s of a village's groups, for the group select when the village changes (htmx)."""
    village_id = query_int(request.GET.get("village"))
    groups = groups_for(request.user).filter(village_id=village_id) if village_id else []
    return render(request, "villages/_group_options.html", {"groups": groups})


# --- Parties, parcels, assets ---------------------------------------------


class VillageFromQueryMixin:
    """`?village=ID` on a create page preselects the village (from a village's detail page)."""

    def get_initial(self):
        initial = super().get_initial()
        if (village_id := query_int(self.request.GET.get("village"))) is not None:
            initial["village"] = village_id
        return initial


class PartyListView(RecordListView):
    template_name = "villages/party_list.html"
    filterset_class = PartyFilter
    exporter = "parties"

    def get_queryset(self):
        return selectors.party_list(self.request.user)


class PartyDetailView(RecordDetailView):
    """A party's page; what they hold with the village shows in panels of the contracts and debts apps."""

    template_name = "villages/party_detail.html"

    def get_queryset(self):
        return selectors.party_list(self.request.user)


class PartyCreateView(VillageFromQueryMixin, RecordCreateView):
    template_name = "core/record_form.html"
    form_class = PartyForm
    permission = perms.PARTY_CHANGE
    success_message = "当事人已登记。"
    extra_context = {"noun": "当事人", "list_url": reverse_lazy("villages:party-list")}

    def get_queryset(self):
        return selectors.party_list(self.request.user)

    def write(self, form):
        return services.party_create(user=self.request.user, data=form.cleaned_data)


# What a picker's search box holds: an ID number or credit code, a parcel code, or else a name.
ID_LIKE = re.compile(r"[0-9A-Za-z]{15,18}")
CODE_LIKE = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_/]*")


class _QuickCreateView(RecordCreateView):
    """A party or parcel registered in a dialog over another page's form (a contract's), without leaving it.

    `?village=ID` is the contract's village, where the record is registered (a village accountant's own
    village without it). Scope and rights are the full page's: a village outside the scope is a 404 before a
    user without the right gets a 403. Saved, the dialog shows the record with what the opening page needs to
    pick it; with errors, the form again.
    """

    template_name = "villages/_quick_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.village = None
        if request.user.is_authenticated:
            wanted = query_int(request.GET.get("village"))
            if wanted is None and request.user.scope_level == "village":
                wanted = request.user.village_id
            if wanted is not None:
                self.village = get_object_or_404(villages_for(request.user), pk=wanted)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.village is None:
            raise Http404("未指定村。")
        return super().post(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.village is None:
            # The contract's village is not chosen yet: the dialog says so instead of a form.
            self.object = None
            return render(request, self.template_name, self.get_context_data(form=None))
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "village": self.village}

    def get_initial(self):
        return {**super().get_initial(), **self.typed(self.request.GET.get("q", "").strip()[:100])}

    def typed(self, query: str) -> dict:
        """The form's fields that take what was typed in the picker before the dialog was opened."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(village=self.village, noun=self.noun,
                       action=f"{self.request.path}?village={self.village.pk}" if self.village else "")
        return context

    def written(self, form):
        obj = self.object
        obj.refresh_from_db()    # the area as stored (3.50), not as typed (3.5)
        return render(self.request, self.template_name, {
            "picked": obj, "noun": self.noun, "label": pick_label(obj),
            "area": getattr(obj, "ledger_area_mu", None)})


class PartyQuickCreateView(_QuickCreateView):
    form_class = PartyQuickForm
    permission = perms.PARTY_CHANGE
    noun = "当事人"

    def typed(self, query):
        if ID_LIKE.fullmatch(query):
            return {"id_number": query}
        # Pinyin initials ("hmc") found nobody, but they are not a name.
        return {"name": query} if not query.isascii() else {}

    def write(self, form):
        return services.party_create(user=self.request.user, data=form.cleaned_data)


class ParcelQuickCreateView(_QuickCreateView):
    form_class = ParcelQuickForm
    permission = perms.PARCEL_CHANGE
    noun = "地块"

    def typed(self, query):
        if CODE_LIKE.fullmatch(query):
            return {"code": query}
        return {"name": query} if query else {}

    def write(self, form):
        return services.parcel_create(user=self.request.user, data=form.cleaned_data)



class PartyUpdateView(RecordUpdateView):
    template_name = "core/record_form.html"
    form_class = PartyForm
    permission = perms.PARTY_CHANGE
    success_message = "当事人已保存。"
    extra_context = {"noun": "当事人"}

    def get_queryset(self):
        return selectors.party_list(self.request.user)

    def write(self, form):
        return services.party_update(party=self.object, user=self.request.user, data=form.cleaned_data)


class PartyDeleteView(RecordDeleteView):
    permission = perms.PARTY_CHANGE
    success_message = "当事人已删除。"
    success_url = reverse_lazy("villages:party-list")

    def get_queryset(self):
        return selectors.party_list(self.request.user)

    def delete_record(self, obj):
        services.party_delete(party=obj, user=self.request.user)


class ParcelListView(RecordListView):
    template_name = "villages/parcel_list.html"
    filterset_class = ParcelFilter
    exporter = "parcels"

    def get_queryset(self):
        return selectors.parcel_list(self.request.user)


class ParcelDetailView(RecordDetailView):
    template_name = "villages/parcel_detail.html"

    def get_queryset(self):
        return selectors.parcel_list(self.request.user)


class ParcelCreateView(VillageFromQueryMixin, RecordCreateView):
    template_name = "core/record_form.html"
    form_class = ParcelForm
    permission = perms.PARCEL_CHANGE
    success_message = "地块已登记。"
    extra_context = {"noun": "地块", "list_url": reverse_lazy("villages:parcel-list")}

    def get_queryset(self):
        return selectors.parcel_list(self.request.user)

    def write(self, form):
        return services.parcel_create(user=self.request.user, data=form.cleaned_data)


class ParcelUpdateView(RecordUpdateView):
    template_name = "core/record_form.html"
    form_class = ParcelForm
    permission = perms.PARCEL_CHANGE
    success_message = "地块已保存。"
    extra_context = {"noun": "地块"}

    def get_queryset(self):
        return selectors.parcel_list(self.request.user)

    def write(self, form):
        return services.parcel_update(parcel=self.object, user=self.request.user, data=form.cleaned_data)


class ParcelDeleteView(RecordDeleteView):
    permission = perms.PARCEL_CHANGE
    success_message = "地块已删除。"
    success_url = reverse_lazy("villages:parcel-list")

    def get_queryset(self):
        return selectors.parcel_list(self.request.user)

    def delete_record(self, obj):
        services.parcel_delete(parcel=obj, user=self.request.user)


class AssetListView(RecordListView):
    template_name = "villages/asset_list.html"
    filterset_class = AssetFilter
    exporter = "assets"

    def get_queryset(self):
        return selectors.asset_list(self.request.user)


class AssetDetailView(RecordDetailView):
    template_name = "villages/asset_detail.html"

    def get_queryset(self):
        return selectors.asset_list(self.request.user)


class AssetCreateView(VillageFromQueryMixin, RecordCreateView):
    template_name = "core/record_form.html"
    form_class = AssetForm
    permission = perms.ASSET_CHANGE
    success_message = "资产已登记。"
    extra_context = {"noun": "资产", "list_url": reverse_lazy("villages:asset-list")}

    def get_queryset(self):
        return selectors.asset_list(self.request.user)

    def write(self, form):
        return services.asset_create(user=self.request.user, data=form.cleaned_data)


class AssetUpdateView(RecordUpdateView):
    template_name = "core/record_form.html"
    form_class = AssetForm
    permission = perms.ASSET_CHANGE
    success_message = "资产已保存。"
    extra_context = {"noun": "资产"}

    def get_queryset(self):
        return selectors.asset_list(self.request.user)

    def write(self, form):
        return services.asset_update(asset=self.object, user=self.request.user, data=form.cleaned_data)


class AssetDeleteView(RecordDeleteView):
    permission = perms.ASSET_CHANGE
    success_message = "资产已删除。"
    success_url = reverse_lazy("villages:asset-list")

    def get_queryset(self):
        return selectors.asset_list(self.request.user)

    def delete_record(self, obj):
        services.asset_delete(asset=obj, user=self.request.user)
