"""Test factories of resolutions and contracts (imported by tests and benchmarks only)."""
from datetime import date
from decimal import Decimal

import factory

from core.pinyin import search_keys
from places.factories import VillageFactory
from villages.factories import ParcelFactory, PartyFactory

from .models import Contract, Resolution


class ResolutionFactory(factory.django.DjangoModelFactory):
    """Passes by default: 30 of 45 representatives present (exactly 2/3), 16 of 30 in favour (more than half),
    after the three steps before the vote."""

    class Meta:
        model = Resolution

    village = factory.SubFactory(VillageFactory)
    title = "机动地发包方案"
    proposed_on = date(2024, 2, 1)
    discussed_on = date(2024, 2, 10)
    reviewed_on = date(2024, 2, 20)
    resolved_on = date(2024, 3, 1)
    members_expected = 45
    members_present = 30
    votes_for = 16
    votes_against = 10
    votes_abstain = 4


class ContractFactory(factory.django.DjangoModelFactory):
    """A compliant written contract: 10 亩 of reserve land at 350 元/亩 for 10 years,
    voted by a passed resolution, text attached later by tests that need it."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    village = factory.SubFactory(VillageFactory)
    number = factory.Sequence(lambda n: f"HT-{n:04d}")
    title = "机动地承包合同"
    kind = "资源发包"
    counterparty = factory.LazyAttribute(lambda o: PartyFactory(village=o.village))
    area_mu = Decimal("10.00")
    signed_on = date(2020, 2, 20)
    start_date = date(2020, 3, 1)
    end_date = date(2030, 3, 1)
    annual_fee = Decimal("3500.00")
    form = "书面合同"
    resolution = factory.LazyAttribute(lambda o: ResolutionFactory(village=o.village))
    signer = "集体经济组织"
    search_keys = factory.LazyAttribute(lambda o: search_keys(f"{o.title} {o.counterparty.name}"))

    @factory.post_generation
    def parcels(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [ParcelFactory(village=self.village, kind="机动地", ledger_area_mu=Decimal("10.00"),
                                       state="已发包")]
        self.parcels.set(extracted)
