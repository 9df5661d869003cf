"""Test factories of the places (imported by tests and benchmarks only)."""
import factory

from .models import County, Group, Province, Township, Village, pinyin_keys


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["name"]

    name = "山西省"


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ["name"]

    name = "方山县"


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township
        skip_postgeneration_save = True

    county = factory.SubFactory(CountyFactory)
    name = factory.Sequence(lambda n: f"第{n}镇")

    @factory.post_generation
    def body(obj, create, extracted, **kwargs):
        """`TownshipFactory(body=True)` also makes the township's own unit (镇本级), as
        villages.services.township_create does. Off by default: most tests count a township's villages."""
        if create and extracted:
            obj.body()


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    township = factory.SubFactory(TownshipFactory)
    name = factory.Sequence(lambda n: f"第{n}村")
    collective_org = factory.LazyAttribute(lambda o: f"{o.name}股份经济合作社")
    households = 200
    population = 650
    expected_contracts = 20
    search_keys = factory.LazyAttribute(lambda o: pinyin_keys(o.name))


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"{n}组")
