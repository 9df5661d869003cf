"""Test factories of claims and debts (imported by tests and benchmarks only)."""
from datetime import date
from decimal import Decimal

import factory

from contracts.factories import ResolutionFactory
from contracts.models import ResolutionSubject
from core.bounds import add_years
from core.domain import limitation_years
from places.factories import VillageFactory
from villages.factories import PartyFactory

from .models import Claim, Debt, ResolutionCover


class ClaimFactory(factory.django.DjangoModelFactory):
    """An open in-book claim of 10,000.00 元 for unpaid contract fees, due 2024-03-01."""

    class Meta:
        model = Claim

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: f"ZQ-{n:04d}")
    debtor = factory.LazyAttribute(lambda o: PartyFactory(village=o.village))
    origin = "承包费拖欠"
    principal = Decimal("10000.00")
    occurred_on = date(2023, 3, 1)
    due_date = date(2024, 3, 1)
    clock_from = factory.LazyAttribute(lambda o: o.due_date)
    # The stored clock as the services keep it for a claim with no facts yet: three years from `clock_from`.
    lapse_on = factory.LazyAttribute(lambda o: add_years(o.clock_from, limitation_years()) if o.clock_from else None)


class DebtFactory(factory.django.DjangoModelFactory):
    """A debt of 50,000.00 元 the village owes a builder, no interest."""

    class Meta:
        model = Debt

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: f"ZW-{n:04d}")
    creditor = factory.LazyAttribute(lambda o: PartyFactory(village=o.village))
    origin = "工程欠款"
    principal = Decimal("50000.00")
    occurred_on = date(2018, 6, 1)


class MoneyResolutionFactory(ResolutionFactory):
    """A passed write-off resolution naming the claims and debts given as `covers=[...]` (whole balances)."""

    class Meta:
        skip_postgeneration_save = True

    subject = ResolutionSubject.WRITE_OFF
    title = "核销、减免及抵顶方案"

    @factory.post_generation
    def covers(self, create, extracted, **kwargs):
        for owner in extracted or ():
            field = "claim" if isinstance(owner, Claim) else "debt"
            ResolutionCover.objects.create(resolution=self, created_by=self.created_by, **{field: owner})

