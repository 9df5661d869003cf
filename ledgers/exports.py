"""The exports of the five importable kinds' lists, registered as list exporters (core.exports).

They export with exactly their import headers, so an export re-imports without changes; they live
beside the importer so the two change together. ID numbers are masked unless the user's role may read
them.
"""
from collections import defaultdict

from django.db.models import Prefetch

from contracts import selectors as contract_selectors
from contracts.filters import ContractFilter
from contracts.models import Contract, ContractProblem
from core.exports import Exporter, exporter
from core.xlsx import Column
from debts import selectors as debt_selectors
from debts.filters import ClaimFilter, DebtFilter
from debts.models import Entry
from villages import selectors as village_selectors
from villages.filters import ParcelFilter, VillageFilter

from . import kinds as K


def _columns(kind: K.Kind) -> list[Column]:
    return [Column(c.name, max(c.width, len(c.name) * 2 + 2), money=c.money) for c in kind.columns]


def _chunks(iterable, size: int):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@exporter
class PlacesExport(Exporter):
    key, name, list_view = "places", "村组台账", "villages:village-list"
    filterset_class = VillageFilter

    def get_queryset(self):
        return village_selectors.village_list(self.user)

    def columns(self):
        return _columns(K.PLACES)

    def prepare(self, queryset):
        return queryset.select_related("township__county").prefetch_related("groups")

    def rows(self, records):
        for village in records:
            yield from K.place_rows([village])


@exporter
class ParcelsExport(Exporter):
    key, name, list_view = "parcels", "地块台账", "villages:parcel-list"
    filterset_class = ParcelFilter

    def get_queryset(self):
        return village_selectors.parcel_list(self.user)

    def columns(self):
        return _columns(K.PARCELS)

    def rows(self, records):
        return (K.parcel_row(parcel) for parcel in records)


@exporter
class ContractsExport(Exporter):
    key, name, list_view = "contracts", "合同台账", "contracts:contract-list"
    selection = "contract"
    filterset_class = ContractFilter

    def get_queryset(self):
        return contract_selectors.contract_list(self.user)

    def columns(self):
        return _columns(K.CONTRACTS)

    def prepare(self, queryset):
        # Parcels, assets and problems are loaded a chunk at a time below, with one query each.
        return queryset.select_related("disposition").prefetch_related(None)

    def rows(self, records):
        mask = self.masked()
        for chunk in _chunks(records, 2000):
            ids = [c.pk for c in chunk]
            parcels, assets, problems = defaultdict(list), defaultdict(list), defaultdict(list)
            for link in Contract.parcels.through.objects.filter(contract_id__in=ids).select_related("parcel"):
                parcels[link.contract_id].append(link.parcel)
            for link in Contract.assets.through.objects.filter(contract_id__in=ids).select_related("asset"):
                assets[link.contract_id].append(link.asset)
            for problem in (ContractProblem.objects.filter(contract_id__in=ids)
                            .exclude(status=ContractProblem.Status.DISMISSED).order_by("code", "id")):
                problems[problem.contract_id].append(problem)
            for contract in chunk:
                yield K.contract_row(contract, mask, parcels=parcels[contract.pk], assets=assets[contract.pk],
                                     problems=problems[contract.pk])


@exporter
class ClaimsExport(Exporter):
    key, name, list_view = "claims", "债权台账", "debts:claim-list"
    selection = "claim"
    filterset_class = ClaimFilter

    def get_queryset(self):
        return debt_selectors.with_age(debt_selectors.claim_list(self.user))

    def columns(self):
        return _columns(K.CLAIMS)

    def prepare(self, queryset):
        return queryset.prefetch_related(Prefetch("entries", queryset=Entry.objects.order_by("entered_on", "id")))

    def rows(self, records):
        mask = self.masked()
        return (K.claim_row(claim, mask) for claim in records)


@exporter
class DebtsExport(Exporter):
    key, name, list_view = "debts", "债务台账", "debts:debt-list"
    filterset_class = DebtFilter

    def get_queryset(self):
        return debt_selectors.debt_list(self.user)

    def columns(self):
        return _columns(K.DEBTS)

    def prepare(self, queryset):
        return queryset.prefetch_related(Prefetch("entries", queryset=Entry.objects.order_by("entered_on", "id")))

    def rows(self, records):
        mask = self.masked()
        return (K.debt_row(debt, mask) for debt in records)
