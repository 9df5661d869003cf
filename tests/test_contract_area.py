"""A contract's area from its parcels, filled by the server too (a page without its script, a ledger import), and
the rules that could not run said out loud: a contract with no area was never checked for its price per 亩."""
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts import services
from contracts.factories import ContractFactory
from contracts.models import Contract, ContractState
from contracts.rules import not_run
from core.models import AuditEntry
from tests.test_ledger_import import CONTRACT_HEADER, run, sheet_of
from villages.factories import ParcelFactory, PartyFactory


@pytest.fixture
def beimao(personas):
    """YK-JD-004 of the demo: 12.14 亩 of reserve land in the ledger (measured otherwise, which is P08's)."""
    return ParcelFactory(village=personas.yukou, code="YK-JD-004", name="北峁", kind="机动地",
                         ledger_area_mu=Decimal("12.14"), measured_area_mu=Decimal("11.00"))


@pytest.fixture
def dabei(personas):
    return ParcelFactory(village=personas.yukou, code="YK-JD-002", name="大背", kind="机动地",
                         ledger_area_mu=Decimal("7.49"))


def register(personas, parcels, **fields):
    data = dict(village=personas.yukou, number="YK-2026-101", title="北峁机动地承包合同", kind="资源发包",
                counterparty=PartyFactory(village=personas.yukou), annual_fee=Decimal("1000.00"),
                start_date=date(2020, 1, 1), end_date=date(2029, 12, 31), form="书面合同", source="账簿",
                signer="集体经济组织")
    data.update(fields)
    return services.contract_register(user=personas.cadre, data=data, parcels=parcels)


def proposed(contract):
    return {p.code: p.reason for p in contract.problems.all()}


# --- Filled by the services ----------------------------------------------------------------------


def test_a_contract_registered_with_parcels_and_no_area_takes_their_total_ledger_area(personas, beimao, dabei):
    contract = register(personas, [beimao, dabei])
    contract.refresh_from_db()
    assert (contract.area_mu, contract.area_from_parcels) == (Decimal("19.63"), True)
    # 1,000 元 over 19.63 亩 is 50.94 元/亩: the low price is proposed at once, not after the area is typed.
    assert proposed(contract)["P03"] == "年承包费每亩 50.94 元，低于机动地下限 300.00 元"
    entry = AuditEntry.objects.get(object_pk=str(contract.pk), content_type__model="contract",
                                   action=AuditEntry.Action.CREATE)
    assert entry.changes["area_mu"][1] == "19.63" and entry.changes["area_from_parcels"][1] == "True"


def test_an_area_the_user_typed_is_kept_whatever_the_page_claims(personas, beimao):
    typed = register(personas, [beimao], area_mu=Decimal("20.00"), area_from_parcels=True)
    assert (typed.area_mu, typed.area_from_parcels) == (Decimal("20.00"), False)
    assert "P03" in proposed(typed)


def test_an_area_the_page_filled_from_the_parcels_is_noted(personas, beimao):
    filled = register(personas, [beimao], area_mu=Decimal("12.14"), area_from_parcels=True)
    assert (filled.area_mu, filled.area_from_parcels) == (Decimal("12.14"), True)


def test_a_contract_without_parcels_keeps_no_area(personas):
    contract = register(personas, [], subject_note="村东空地")
    assert (contract.area_mu, contract.area_from_parcels) == (None, False)


def test_a_filled_area_follows_the_parcels_when_they_change(personas, beimao, dabei):
    contract = register(personas, [beimao])
    # A page without its script sends the area as it was shown: left as it was, it follows the parcels.
    data = {"area_mu": Decimal("12.14"), "area_from_parcels": True}
    contract = services.contract_update(user=personas.cadre, contract=contract, data=data, parcels=[beimao, dabei])
    assert (contract.area_mu, contract.area_from_parcels) == (Decimal("19.63"), True)
    contract = services.contract_update(user=personas.cadre, contract=contract, data={}, parcels=[])
    assert (contract.area_mu, contract.area_from_parcels) == (None, False)


def test_an_area_typed_over_a_filled_one_is_the_users_and_stays(personas, beimao, dabei):
    contract = register(personas, [beimao])
    contract = services.contract_update(user=personas.cadre, contract=contract,
                                        data={"area_mu": Decimal("12.00"), "area_from_parcels": True})
    assert (contract.area_mu, contract.area_from_parcels) == (Decimal("12.00"), False)
    contract = services.contract_update(user=personas.cadre, contract=contract, data={}, parcels=[beimao, dabei])
    assert (contract.area_mu, contract.area_from_parcels) == (Decimal("12.00"), False)


# --- A form without its script ----------------------------------------------------------------------


def form_post(personas, parcel, **fields):
    data = {"village": personas.yukou.pk, "number": "YK-2026-102", "title": "北峁机动地承包合同", "kind": "资源发包",
            "form": "书面合同", "source": "账簿", "signer": "集体经济组织",
            "counterparty": PartyFactory(village=personas.yukou).pk, "parcels": [parcel.pk], "area_mu": "",
            "annual_fee": "1,000.00", "start_date": "2020-01-01", "end_date": "2029-12-31"}
    data.update(fields)
    return data


def test_the_form_sent_without_an_area_saves_the_parcels_total_and_says_so(personas, beimao, client_for):
    client = client_for(personas.cadre)
    response = client.post(reverse("contracts:contract-create"), form_post(personas, beimao), follow=True)
    contract = Contract.objects.get(number="YK-2026-102")
    assert (contract.area_mu, contract.area_from_parcels) == (Decimal("12.14"), True)
    page = response.content.decode()
    assert "合同面积已按所选地块的台账面积合计记为 12.14 亩" in page
    assert "合同未载明，按地块台账面积合计" in page
    assert "年承包费每亩 82.37 元，低于机动地下限 300.00 元" in page
    # Edited again, the area is still the filled one: the page's script may follow the parcels with it.
    edit = client.get(reverse("contracts:contract-update", args=[contract.pk])).content.decode()
    assert 'name="area_from_parcels" value="True"' in edit


def test_an_area_typed_in_the_form_is_saved_as_typed_without_a_note(personas, beimao, client_for):
    response = client_for(personas.cadre).post(reverse("contracts:contract-create"),
                                               form_post(personas, beimao, area_mu="12.5"), follow=True)
    contract = Contract.objects.get(number="YK-2026-102")
    assert (contract.area_mu, contract.area_from_parcels) == (Decimal("12.50"), False)
    assert "按所选地块的台账面积合计记为" not in response.content.decode()


# --- A ledger import ----------------------------------------------------------------------------------


def test_an_imported_contract_without_an_area_takes_its_parcels_total(personas, beimao, tmp_path):
    row = [1, "峪口镇", "峪口村", "YK-101", "北峁机动地承包合同", "资源发包", "霍满仓", "", "", "机动地", "北峁",
           "YK-JD-004", None, None, "2020.1.1", "2029.12.31", "1000", None, "书面", "否", "已查找", "", "", "", ""]
    sheet = sheet_of(tmp_path, CONTRACT_HEADER, [row], "contracts")
    preview = run(sheet, "contracts", personas.cadre)
    assert "第 4 行 「面积(亩)」: 未填面积，按地块 YK-JD-004 的台账面积合计记为 12.14 亩" in [
        str(w) for w in preview.warnings]
    assert run(sheet, "contracts", personas.cadre, commit=True).committed
    contract = Contract.objects.get(number="YK-101")
    assert (contract.area_mu, contract.area_from_parcels) == (Decimal("12.14"), True)
    assert proposed(contract)["P03"] == "年承包费每亩 82.37 元，低于机动地下限 300.00 元"


# --- Rules that could not run -------------------------------------------------------------------------


def rules_of(personas):
    return services.rule_settings_for(personas.county)


def test_a_contract_without_an_area_says_the_price_and_area_rules_did_not_run(personas, beimao):
    # Registered before areas were filled (or written straight to the table): no area, so no P03.
    contract = ContractFactory(village=personas.yukou, area_mu=None, annual_fee=Decimal("1000.00"), parcels=[beimao])
    assert not_run(contract, rules_of(personas)) == ["P03、P08 未检查：合同未填面积"]
    assert "P03" not in {p.code for p in services.current_proposals(contract)}


@pytest.mark.parametrize(("fields", "lines"), [
    ({"start_date": None, "end_date": None}, ["P04、P06 未检查：合同未填起止日期"]),
    ({"end_date": None}, ["P04、P06 未检查：合同未填终止日期"]),
    ({"annual_fee": None, "total_amount": Decimal("35000.00")}, ["P03 未检查：合同未填年承包费"]),
    ({}, []),
])
def test_each_missing_fact_names_the_rules_it_kept_from_running(personas, fields, lines):
    assert not_run(ContractFactory(village=personas.yukou, **fields), rules_of(personas)) == lines


def test_land_without_a_floor_needs_no_area_for_the_price_rule(personas):
    arable = ParcelFactory(village=personas.yukou, kind="耕地")
    contract = ContractFactory(village=personas.yukou, area_mu=None, parcels=[arable])
    assert not_run(contract, rules_of(personas)) == ["P08 未检查：合同未填面积"]


def test_land_of_two_kinds_is_priced_on_the_parcels_own_areas(personas, beimao):
    wasteland = ParcelFactory(village=personas.yukou, kind="四荒地", ledger_area_mu=Decimal("30.00"))
    contract = ContractFactory(village=personas.yukou, area_mu=None, parcels=[beimao, wasteland])
    assert not_run(contract, rules_of(personas)) == ["P08 未检查：合同未填面积"]


def test_the_contract_page_shows_the_rules_that_did_not_run_until_the_area_is_given(personas, beimao, client_for):
    contract = ContractFactory(village=personas.yukou, area_mu=None, annual_fee=Decimal("1000.00"), parcels=[beimao])
    services.problems_refresh(contract=contract, user=personas.cadre)
    client = client_for(personas.cadre)
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "P03、P08 未检查：合同未填面积" in page
    services.contract_update(user=personas.cadre, contract=contract, data={"area_mu": Decimal("12.14")})
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "未检查" not in page and "年承包费每亩 82.37 元" in page


def test_the_determination_page_shows_the_rules_that_did_not_run(personas, beimao, client_for):
    contract = ContractFactory(village=personas.yukou, area_mu=None, parcels=[beimao],
                               state=ContractState.INVESTIGATING)
    page = client_for(personas.cadre).get(reverse("contracts:contract-determine", args=[contract.pk]))
    assert page.status_code == 200
    assert "P03、P08 未检查：合同未填面积" in page.content.decode()


def test_a_determined_contract_no_longer_lists_rules_to_run(personas, beimao):
    contract = ContractFactory(village=personas.yukou, area_mu=None, parcels=[beimao], state=ContractState.DETERMINED)
    assert services.rules_not_run(contract) == []
