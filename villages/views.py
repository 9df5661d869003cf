"""Pages for villages, groups, parties, parcels and assets. Thin: scope, validate, call a service."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_GET

from core import permissions as perms
from core.bounds import query_int
from core.generic import RecordCreateView, RecordDeleteView, RecordDetailView, RecordListView, RecordUpdateView
from core.scoping import villages_for
from ledgers.exports import AssetsExport, ParcelsExport, PartiesExport, PlacesExport

from . import selectors, services
from .filters import AssetFilter, ParcelFilter, PartyFilter, VillageFilter
from .forms import AssetForm, GroupForm, ParcelForm, PartyForm, VillageForm

# --- Villages and groups -------------------------------------------------


class VillageListView(PlacesExport, RecordListView):
    template_name = "villages/village_list.html"
    filterset_class = VillageFilter

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
        return selectors.groups_for(self.request.user)

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
    groups = selectors.groups_for(request.user).filter(village_id=village_id) if village_id else []
    return render(request, "villages/_group_options.html", {"groups": groups})


# --- Parties, parcels, assets ---------------------------------------------


class _LedgerViews:
    """The five pages of one ledger record type, configured by a few names."""

    def __init__(self, *, name, selector, filterset, form, permission, create, update, delete, noun, export):
        base = dict(permission=permission)

        def queryset(self):
            return selector(self.request.user)

        self.list = type(f"{name.title()}ListView", (export, RecordListView), dict(
            template_name=f"villages/{name}_list.html", filterset_class=filterset, get_queryset=queryset))
        self.detail = type(f"{name.title()}DetailView", (RecordDetailView,), dict(
            template_name=f"villages/{name}_detail.html", get_queryset=queryset))
        self.create = type(f"{name.title()}CreateView", (VillageFromQueryMixin, RecordCreateView), dict(
            base, template_name="core/record_form.html", form_class=form, success_message=f"{noun}已登记。",
            extra_context={"noun": noun, "list_url": reverse_lazy(f"villages:{name}-list")},
            get_queryset=queryset,
            write=lambda self, f: create(user=self.request.user, data=f.cleaned_data)))
        self.update = type(f"{name.title()}UpdateView", (RecordUpdateView,), dict(
            base, template_name="core/record_form.html", form_class=form, success_message=f"{noun}已保存。",
            extra_context={"noun": noun},
            get_queryset=queryset,
            write=lambda self, f: update(self.object, user=self.request.user, data=f.cleaned_data)))
        self.delete = type(f"{name.title()}DeleteView", (RecordDeleteView,), dict(
            base, get_queryset=queryset, success_message=f"{noun}已删除。",
            success_url=reverse_lazy(f"villages:{name}-list"),
            delete_record=lambda self, obj: delete(obj, user=self.request.user)))


class VillageFromQueryMixin:
    """`?village=ID` on a create page preselects the village (from a village's detail page)."""

    def get_initial(self):
        initial = super().get_initial()
        if (village_id := query_int(self.request.GET.get("village"))) is not None:
            initial["village"] = village_id
        return initial


party_views = _LedgerViews(
    name="party", selector=selectors.party_list, filterset=PartyFilter, form=PartyForm,
    permission=perms.PARTY_CHANGE, noun="当事人", export=PartiesExport,
    create=services.party_create,
    update=lambda obj, **kw: services.party_update(party=obj, **kw),
    delete=lambda obj, **kw: services.party_delete(party=obj, **kw),
)
parcel_views = _LedgerViews(
    name="parcel", selector=selectors.parcel_list, filterset=ParcelFilter, form=ParcelForm,
    permission=perms.PARCEL_CHANGE, noun="地块", export=ParcelsExport,
    create=services.parcel_create,
    update=lambda obj, **kw: services.parcel_update(parcel=obj, **kw),
    delete=lambda obj, **kw: services.parcel_delete(parcel=obj, **kw),
)
asset_views = _LedgerViews(
    name="asset", selector=selectors.asset_list, filterset=AssetFilter, form=AssetForm,
    permission=perms.ASSET_CHANGE, noun="资产", export=AssetsExport,
    create=services.asset_create,
    update=lambda obj, **kw: services.asset_update(asset=obj, **kw),
    delete=lambda obj, **kw: services.asset_delete(asset=obj, **kw),
)


class PartyDetailView(party_views.detail):
    """A party's page also lists what they hold with the village, within the user's scope."""

    def get_context_data(self, **kwargs):
        from contracts.selectors import contract_list
        from debts.selectors import claim_list, debt_list

        context = super().get_context_data(**kwargs)
        user, party = self.request.user, self.object
        context.update(contracts=contract_list(user).filter(counterparty=party),
                       claims=claim_list(user).filter(debtor=party),
                       debts=debt_list(user).filter(creditor=party))
        return context


party_views.detail = PartyDetailView
