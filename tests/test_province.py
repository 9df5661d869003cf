"""A province above the counties: its office reads every county in it and ranks them, sees nothing of another
province (404), changes nothing (403); the figures of its dashboard are the sums of its counties'."""
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.factories import ContractFactory
from core.models import Role, User
from core.scoping import villages_for
from debts import services as debt_services
from debts.factories import ClaimFactory
from debts.models import Entry
from fixtures.personas import UserFactory
from places.factories import CountyFactory, ProvinceFactory, TownshipFactory, VillageFactory
from places.models import County, Province, Township, Village

D = Decimal
MAX_QUERIES = 25


@dataclass
class Provinces:
    shanxi: Province         # 方山县 (the personas' county) and 临县
    shaanxi: Province        # 佳县: another province
    linxian: County
    jiaxian: County
    linxian_town: Township
    jiaxian_town: Township
    linxian_village: Village
    jiaxian_village: Village
    office: User             # 山西省 province office
    other_office: User       # 陕西省 province office


@pytest.fixture
def provinces(personas) -> Provinces:
    shanxi, shaanxi = ProvinceFactory(name="山西省"), ProvinceFactory(name="陕西省")
    County.objects.filter(pk=personas.county.pk).update(province=shanxi)
    linxian = CountyFactory(name="临县", province=shanxi)
    jiaxian = CountyFactory(name="佳县", province=shaanxi)
    linxian_town = TownshipFactory(county=linxian, name="三交镇")
    jiaxian_town = TownshipFactory(county=jiaxian, name="佳芦镇")
    return Provinces(
        shanxi=shanxi, shaanxi=shaanxi, linxian=linxian, jiaxian=jiaxian, linxian_town=linxian_town,
        jiaxian_town=jiaxian_town, linxian_village=VillageFactory(township=linxian_town, name="三交村"),
        jiaxian_village=VillageFactory(township=jiaxian_town, name="佳芦村"),
        office=UserFactory(username="province", real_name="省农经处", role=Role.PROVINCE, province=shanxi),
        other_office=UserFactory(username="province2", real_name="陕西省农经处", role=Role.PROVINCE,
                                 province=shaanxi))


def cash(user, claim, amount: str) -> None:
    debt_services.entry_record(user=user, claim=claim, kind="现金收回", amount=D(amount),
                               entered_on=timezone.localdate() - timedelta(days=2))


# --- Scope ------------------------------------------------------------------------------------------------


def test_the_province_office_sees_the_villages_of_its_counties_and_no_others(personas, provinces):
    names = set(villages_for(provinces.office).values_list("name", flat=True))
    assert names == {"峪口村", "土屋村", "积翠村", "三交村"}
    assert set(villages_for(provinces.other_office).values_list("name", flat=True)) == {"佳芦村"}
    assert provinces.office.scope_level == "province" and provinces.office.scope_name == "山西省"


def test_the_province_role_holds_a_province_and_nothing_narrower(personas, provinces):
    user = User(username="p1", role=Role.PROVINCE, county=personas.county)
    with pytest.raises(ValidationError) as error:
        user.clean()
    assert "全省" in str(error.value)
    User(username="p2", role=Role.PROVINCE, province=provinces.shanxi).clean()
    county_office = User(username="c1", role=Role.COUNTY, province=provinces.shanxi)
    with pytest.raises(ValidationError, match="全县"):
        county_office.clean()
    # An inspector may audit a whole province.
    User(username="i1", role=Role.INSPECTOR, province=provinces.shanxi).clean()


def test_a_county_scope_implies_its_province(personas, provinces):
    user = User(username="t1", role=Role.TOWNSHIP, township=provinces.linxian_town)
    user.clean()
    assert (user.county, user.province) == (provinces.linxian, provinces.shanxi)
    assert user.scope_level == "township"


def test_the_province_office_opens_every_county_township_and_village_of_its_province(personas, provinces,
                                                                                   client_for):
    client = client_for(provinces.office)
    for url in (reverse("reports:province", args=[provinces.shanxi.pk]),
                reverse("reports:county", args=[provinces.linxian.pk]),
                reverse("reports:county", args=[personas.county.pk]),
                reverse("reports:township", args=[provinces.linxian_town.pk]),
                reverse("reports:village", args=[personas.jicui.pk]),
                reverse("reports:progress-data", args=["province", provinces.shanxi.pk]),
                reverse("reports:warnings"), reverse("reports:risk-list")):
        assert client.get(url).status_code == 200, url
    contract = ContractFactory(village=provinces.linxian_village)
    assert client.get(reverse("contracts:contract-detail", args=[contract.pk])).status_code == 200


def test_the_province_office_finds_nothing_of_another_province(personas, provinces, client_for):
    client = client_for(provinces.office)
    contract = ContractFactory(village=provinces.jiaxian_village)
    claim = ClaimFactory(village=provinces.jiaxian_village)
    for url in (reverse("reports:province", args=[provinces.shaanxi.pk]),
                reverse("reports:county", args=[provinces.jiaxian.pk]),
                reverse("reports:township", args=[provinces.jiaxian_town.pk]),
                reverse("reports:village", args=[provinces.jiaxian_village.pk]),
                reverse("reports:progress-data", args=["province", provinces.shaanxi.pk]),
                reverse("reports:progress-data", args=["county", provinces.jiaxian.pk]),
                reverse("contracts:contract-detail", args=[contract.pk]),
                reverse("debts:claim-detail", args=[claim.pk])):
        assert client.get(url).status_code == 404, url
    assert "佳芦" not in client.get(reverse("contracts:contract-list")).content.decode()


@pytest.mark.parametrize("who", ["cadre", "county_office", "inspector", "accountant"])
def test_no_one_below_the_province_opens_the_province_page(personas, provinces, client_for, who):
    url = reverse("reports:province", args=[provinces.shanxi.pk])
    assert client_for(getattr(personas, who)).get(url).status_code == 404


def test_the_administrator_opens_any_province(personas, provinces, client_for):
    response = client_for(personas.admin).get(reverse("reports:province", args=[provinces.shaanxi.pk]))
    assert response.status_code == 200
    assert [c.name for c in response.context["breakdown"].children] == ["佳县"]


def test_the_province_office_changes_nothing(personas, provinces, client_for):
    client = client_for(provinces.office)
    claim = ClaimFactory(village=provinces.linxian_village, principal=D("5000.00"))
    contract = ContractFactory(village=personas.yukou)
    before = Entry.objects.count()
    writes = [
        (reverse("debts:claim-entry", args=[claim.pk]), {"kind": "现金收回", "amount": "1.00"}),
        (reverse("contracts:contract-update", args=[contract.pk]), {"title": "改"}),
        (reverse("reports:income-create"), {"village": personas.yukou.pk, "amount": "1.00"}),
        (reverse("reports:progress"), {"scope": f"county:{personas.county.pk}"}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert Entry.objects.count() == before
    # The settings of a county are the county office's: the province office has no settings page to post to.
    assert client.post(reverse("reports:settings"), {"weight_found": "90"}).status_code in (403, 404)


def test_id_numbers_stay_masked_for_the_province_office(personas, provinces, client_for):
    from villages.factories import PartyFactory

    PartyFactory(village=provinces.linxian_village, name="张三", id_number="11010519491231002X")
    page = client_for(provinces.office).get(reverse("villages:party-list")).content.decode()
    assert "110105********002X" in page and "11010519491231002X" not in page


# --- The dashboard --------------------------------------------------------------------------------------


def test_the_province_dashboard_ranks_its_counties_with_their_exact_figures(personas, provinces, client_for):
    # 方山县: 60 contracts expected (3 villages of 20), 3 found; 1,000 元 owed, 400 collected.
    for n in range(3):
        ContractFactory(village=personas.yukou, number=f"HT-{n}")
    cash(personas.accountant, ClaimFactory(village=personas.yukou, principal=D("1000.00")), "400.00")
    # 临县: 20 expected, none found; 3,000 元 owed, 600 collected.
    cadre = UserFactory(username="sanjiao", role=Role.TOWNSHIP, county=provinces.linxian,
                        township=provinces.linxian_town)
    cash(cadre, ClaimFactory(village=provinces.linxian_village, principal=D("3000.00")), "600.00")
    # Another province's money is not the province's.
    ClaimFactory(village=provinces.jiaxian_village, principal=D("9999.00"))

    response = client_for(provinces.office).get("/")
    assert response.status_code == 200
    context = response.context
    assert context["place"].level == "province" and context["place"].obj == provinces.shanxi
    by_name = {c.name: c.measures for c in context["breakdown"].children}
    assert list(by_name) == ["方山县", "临县"]      # by pinyin: fang before lin
    fangshan, linxian = by_name["方山县"], by_name["临县"]
    assert (fangshan.expected_contracts, fangshan.contracts, fangshan.found_rate) == (60, 3, D("0.0500"))
    assert (fangshan.claims_principal, fangshan.cleared, fangshan.clearing_rate) == (D("1000.00"), D("400.00"),
                                                                                   D("0.4000"))
    assert (linxian.expected_contracts, linxian.contracts, linxian.found_rate) == (20, 0, D("0.0000"))
    assert (linxian.claims_principal, linxian.cleared, linxian.clearing_rate) == (D("3000.00"), D("600.00"),
                                                                                D("0.2000"))
    total = context["total"]
    assert (total.expected_contracts, total.contracts, total.claims_principal, total.cleared) == (
        80, 3, D("4000.00"), D("1000.00"))
    assert total.clearing_rate == D("0.2500")      # recomputed from the sums, not averaged
    # 方山县's contracts lie on parcels not yet measured; 临县 has no contract to investigate.
    assert (fangshan.area_checked_rate, fangshan.investigated_rate) == (D("0.0000"), D("0.0000"))
    assert (linxian.area_checked_rate, linxian.investigated_rate) == (None, None)
    # Ranked by the default weights, over the rates each county has: found 15, area 10, investigated 15, clearing 25.
    # 方山县: (0.05×15 + 0×10 + 0×15 + 0.4×25) ÷ 65 = 16.54; 临县: (0×15 + 0.2×25) ÷ 40 = 12.50.
    ranking = [(r.name, r.score, r.rank, r.mark) for r in context["ranking"]]
    assert ranking == [("方山县", D("16.54"), 1, "红榜"), ("临县", D("12.50"), 2, "黑榜")]
    page = response.content.decode()
    assert "县红黑榜" in page and "分县情况" in page and "按默认权重排名" in page
    assert reverse("reports:county", args=[provinces.linxian.pk]) in page
    assert "佳县" not in page and "9,999" not in page


def test_the_measures_command_gives_the_province_total(personas, provinces):
    cash(personas.accountant, ClaimFactory(village=personas.yukou, principal=D("1000.00")), "400.00")
    ClaimFactory(village=provinces.linxian_village, principal=D("3000.00"))
    ClaimFactory(village=provinces.jiaxian_village, principal=D("9999.00"))
    out = StringIO()
    call_command("measures", "--province", "山西省", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["claims_principal"], data["cleared"], data["expected_contracts"]) == ("4000.00", "400.00", 80)
    out = StringIO()
    call_command("measures", "--province", "陕西省", stdout=out)
    assert out.getvalue().startswith("陕西省")


def count_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_county(province, n: int) -> None:
    county = CountyFactory(name=f"增{n}县", province=province)
    for t in range(2):
        town = TownshipFactory(county=county, name=f"增{n}县{t}镇")
        village = VillageFactory(township=town, name=f"增{n}县{t}村")
        ContractFactory(village=village, number="HT-1", state="已认定")
        ClaimFactory(village=village, principal=D("100.00"))


def test_the_province_dashboard_makes_the_same_few_queries_for_more_counties(personas, provinces, client_for):
    client = client_for(provinces.office)
    add_county(provinces.shanxi, 0)
    small = count_queries(client, "/")
    for n in range(1, 6):
        add_county(provinces.shanxi, n)
    large = count_queries(client, "/")
    assert small == large <= MAX_QUERIES
