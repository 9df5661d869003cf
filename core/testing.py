"""Factories and personas for the test suite (imported by tests only).

The personas are the people of STYLE.md: a village accountant, a township
cadre, another township's cadre (the outsider), the county office, an
inspector, plus a collector and the administrator.
"""
from dataclasses import dataclass
from decimal import Decimal

import factory
from stdnum.cn import ric, uscc

from villages.models import Asset, County, Group, Parcel, Party, Township, Village

from .models import Role, User
from .pinyin import search_keys


def make_resident_id(seq: int, birth: str = "19650312") -> str:
    body = f"141128{birth}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_credit_code(seq: int) -> str:
    body = f"91141128{seq:09d}"
    return body + uscc.calc_check_digit(body)


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
    search_keys = factory.LazyAttribute(lambda o: search_keys(o.name))


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"{n}组")


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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.LazyAttribute(lambda o: o.username)
    password = factory.django.Password("test-pass-2026")


@dataclass
class Personas:
    county: County
    yukou_town: Township
    jicui_town: Township
    yukou: Village       # 峪口村, 峪口镇
    tuwu: Village        # 土屋村, 峪口镇
    jicui: Village       # 积翠村, 积翠镇
    accountant: User     # 峪口村报账员
    cadre: User          # 峪口镇专班
    outsider: User       # 积翠镇专班
    county_office: User
    inspector: User
    collector: User      # 峪口镇清收专员
    admin: User


def build_personas() -> Personas:
    county = CountyFactory(name="方山县")
    yukou_town = TownshipFactory(county=county, name="峪口镇")
    jicui_town = TownshipFactory(county=county, name="积翠镇")
    yukou = VillageFactory(township=yukou_town, name="峪口村")
    tuwu = VillageFactory(township=yukou_town, name="土屋村")
    jicui = VillageFactory(township=jicui_town, name="积翠村")
    return Personas(
        county=county, yukou_town=yukou_town, jicui_town=jicui_town, yukou=yukou, tuwu=tuwu, jicui=jicui,
        accountant=UserFactory(username="acc", real_name="薛文斌", role=Role.VILLAGE, county=county,
                               township=yukou_town, village=yukou),
        cadre=UserFactory(username="cadre", real_name="高志强", role=Role.TOWNSHIP, county=county,
                          township=yukou_town),
        outsider=UserFactory(username="outsider", real_name="郭海燕", role=Role.TOWNSHIP, county=county,
                             township=jicui_town),
        county_office=UserFactory(username="countyoffice", real_name="马立新", role=Role.COUNTY, county=county),
        inspector=UserFactory(username="insp", real_name="白振国", role=Role.INSPECTOR, county=county),
        collector=UserFactory(username="coll", real_name="任保平", role=Role.COLLECTOR, county=county,
                              township=yukou_town),
        admin=UserFactory(username="root", real_name="管理员", role=Role.ADMIN, is_staff=True, is_superuser=True),
    )
