"""Test factories of the places (imported by tests and benchmarks only)."""
import factory
from pypinyin import Style, lazy_pinyin

from .models import County, Group, Township, Village


def _search_keys(name: str) -> str:
    # The keys the villages app stores for a village (core.pinyin.search_keys), built from pypinyin here
    # because places stands below core.
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower().replace(" ", "")
    full = "".join(lazy_pinyin(name, errors="default")).lower().replace(" ", "")
    return f"{initials} {full}"


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ["name"]

    name = "方山县"


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"第{n}镇")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"第{n}村")
    collective_org = factory.LazyAttribute(lambda o: f"{o.name}股份经济合作社")
    households = 200
    population = 650
    expected_contracts = 20
    search_keys = factory.LazyAttribute(lambda o: _search_keys(o.name))


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"{n}组")
