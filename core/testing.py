"""Factories and personas for the test suite (imported by tests only).

The personas are the people of STYLE.md: a village accountant, a township
cadre, another township's cadre (the outsider), the county office, an
inspector, plus a collector and the administrator.
"""
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import factory
from stdnum.cn import ric, uscc

from contracts.models import Contract, Resolution
from debts.models import Claim, Debt
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


class ResolutionFactory(factory.django.DjangoModelFactory):
    """Passes by default: 30 of 45 present (exactly 2/3), 16 of 30 in favour (more than half)."""

    class Meta:
        model = Resolution

    village = factory.SubFactory(VillageFactory)
    title = "机动地发包方案"
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


# --- Posting a page's form as a person does -------------------------------------------------------

_FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)
_KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


def form_key(client, page: str, action: str | None = None) -> str:
    """The one-time submission key (core/submissions.py) that `page` renders: in the form posting to
    `action` when the page holds several (a contract's payment rows), else the page's only one."""
    html = client.get(page).content.decode()
    if action is not None:
        html = next(form for form in _FORM.findall(html) if f'action="{action}"' in form)
    found = _KEY.search(html)
    assert found, f"no submission key on {page}"
    return found[1]


def post_once(client, url: str, data: dict | None = None, *, page: str | None = None, **extra):
    """POST `data` to `url` with the key a fresh render of the form carries, as a browser would: from `url`
    itself, or from `page` for a form shown inline on another page (then the form posting to `url`)."""
    key = form_key(client, page or url, action=url if page else None)
    return client.post(url, {**(data or {}), "submission_key": key}, **extra)
