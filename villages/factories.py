"""Test factories of parties, parcels and assets (imported by tests and benchmarks only)."""
from decimal import Decimal

import factory
from stdnum.cn import ric, uscc

from core.pinyin import search_keys
from places.factories import VillageFactory

from .models import Asset, Parcel, Party


def make_resident_id(seq: int, birth: str = "19650312") -> str:
    body = f"141128{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_credit_code(seq: int) -> str:
    body = f"91141128{seq:09d}"
    return body + uscc.calc_check_digit(body)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    kind = Party.Kind.PERSON
    name = factory.Sequence(lambda n: f"村民{n}")
    id_number = factory.Sequence(lambda n: make_resident_id(n + 1))
    village = factory.SubFactory(VillageFactory)
    phone = "13800000000"
    search_keys = factory.LazyAttribute(lambda o: search_keys(o.name))


class ParcelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parcel

    village = factory.SubFactory(VillageFactory)
    code = factory.Sequence(lambda n: f"DK-{n:04d}")
    name = "前坪"
    kind = "机动地"
    ledger_area_mu = Decimal("12.50")


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    village = factory.SubFactory(VillageFactory)
    code = factory.Sequence(lambda n: f"ZC-{n:04d}")
    name = "临街门面房"
    kind = "房屋"
    book_value = Decimal("260000.00")
