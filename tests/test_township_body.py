"""The township's own unit (镇本级, DOMAIN.md §8): a village row of its own under each township, scoped and
measured like a village, so that contracts, claims and debts work for it unchanged."""
import importlib
import json
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from contracts import services as contract_services
from contracts.factories import ContractFactory
from contracts.models import Contract
from core.models import AuditEntry
from core.scoping import villages_for
from debts import services as debt_services
from debts.factories import ClaimFactory, DebtFactory
from debts.forms import ClaimForm
from debts.models import Claim, Debt
from places.factories import TownshipFactory
from places.models import Township, Village
from reports.measures import Period, Place, measures_by, measures_for
from villages import services as village_services
from villages.factories import PartyFactory

D = Decimal


@pytest.fixture
def body(personas):
    return personas.yukou_town.body()


@pytest.fixture
def records(personas, body):
    """A claim, a debt and a contract of 峪口镇本级."""
    builder = PartyFactory(village=body, name="方山县宏达建筑工程有限公司", kind="org", id_number="")
    claim = ClaimFactory(village=body, number="BJ-ZQ-001", principal=D("120000.00"))
    debt = DebtFactory(village=body, number="BJ-ZW-001", creditor=builder, principal=D("5000000.00"))
    contract = ContractFactory(village=body, number="BJ-2021-001", counterparty=builder)
    return claim, debt, contract


# --- The row ------------------------------------------------------------------------------------------------


def test_each_township_has_one_body_named_after_it(personas):
    for township in (personas.yukou_town, personas.jicui_town):
        body = township.body()
        assert body.name == f"{township.name}本级" and body.is_township_body and body.township == township
        assert township.body() == body    # asked again, the same row
        assert township.villages.filter(is_township_body=True).count() == 1
    body = personas.yukou_town.body()
    assert body.full_name == "峪口镇本级" and body.signing_org == "峪口镇人民政府"
    assert body.search_keys.startswith("ykzbj ")
    assert body.households is None and body.population is None and body.expected_contracts == 0


def test_a_township_cannot_have_two_bodies(personas, body):
    twin = Village(township=personas.yukou_town, name="峪口镇本级二", is_township_body=True)
    with pytest.raises(ValidationError, match="本乡镇已有镇本级"):
        twin.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_the_migration_gives_every_existing_township_its_body_once(personas):
    migration = importlib.import_module("places.migrations.0003_township_body")
    editor = SimpleNamespace(connection=connection)
    # A village already bearing the body's name becomes the body rather than getting a twin.
    named = Village.objects.create(township=personas.jicui_town, name="积翠镇本级")
    migration.create_bodies(apps, editor)
    migration.create_bodies(apps, editor)
    assert {t.name: list(t.villages.filter(is_township_body=True).values_list("name", flat=True))
            for t in Township.objects.all()} == {"峪口镇": ["峪口镇本级"], "积翠镇": ["积翠镇本级"]}
    assert personas.jicui_town.body().pk == named.pk


def test_a_new_township_comes_with_its_body(personas):
    township = village_services.township_create(user=personas.admin, data={
        "county": personas.county, "name": "大武镇", "code": "141128103"})
    body = Village.objects.get(township=township, is_township_body=True)
    assert body.name == "大武镇本级"
    created = AuditEntry.objects.filter(object_repr="大武镇本级", action=AuditEntry.Action.CREATE).get()
    assert created.actor == personas.admin
    assert TownshipFactory(county=personas.county, body=True).villages.filter(is_township_body=True).exists()


def test_a_township_made_in_the_admin_comes_with_its_body(personas, client_for):
    response = client_for(personas.admin).post(reverse("admin:places_township_add"), {
        "county": personas.county.pk, "name": "北武当镇", "code": ""})
    assert response.status_code == 302
    township = Township.objects.get(name="北武当镇")
    assert township.body().name == "北武当镇本级"
    assert Village.objects.filter(township=township).count() == 1


def test_only_the_places_importers_create_townships(personas):
    for user in (personas.cadre, personas.accountant, personas.inspector):
        with pytest.raises(PermissionDenied):
            village_services.township_create(user=user, data={"county": personas.county, "name": "新镇"})
    assert not Township.objects.filter(name="新镇").exists()


# --- Scope --------------------------------------------------------------------------------------------------


def test_the_township_sees_its_body_like_a_village_and_nobody_else_below_the_county(personas, body):
    names = lambda user: set(villages_for(user).values_list("name", flat=True))  # noqa: E731
    assert "峪口镇本级" in names(personas.cadre) and "峪口镇本级" in names(personas.collector)
    assert "峪口镇本级" in names(personas.county_office) and "峪口镇本级" in names(personas.inspector)
    assert "峪口镇本级" not in names(personas.accountant)
    assert "峪口镇本级" not in names(personas.outsider)


def test_a_village_role_sees_the_body_only_when_assigned_to_it(personas, body):
    from core.models import Role
    from fixtures.personas import UserFactory

    clerk = UserFactory(username="bjclerk", role=Role.VILLAGE, county=personas.county,
                        township=personas.yukou_town, village=body)
    assert list(villages_for(clerk)) == [body]


def test_village_lists_and_pickers_put_the_body_first_with_its_badge(personas, body, client_for):
    response = client_for(personas.cadre).get(reverse("villages:village-list"))
    assert [v.name for v in response.context["object_list"]] == ["峪口镇本级", "土屋村", "峪口村"]
    page = response.content.decode()
    assert page.index("峪口镇本级") < page.index("土屋村") and ">镇本级</span>" in page
    detail = client_for(personas.cadre).get(body.get_absolute_url()).content.decode()
    assert ">镇本级</span>" in detail
    choices = [label for _, label in ClaimForm(user=personas.cadre).fields["village"].choices][1:]
    assert choices == ["峪口镇本级", "土屋村", "峪口村"]


def test_the_village_accountant_cannot_see_the_body_or_its_records(personas, records, client_for):
    claim, debt, contract = records
    client = client_for(personas.accountant)
    for url in (claim.get_absolute_url(), debt.get_absolute_url(), contract.get_absolute_url(),
                claim.village.get_absolute_url()):
        assert client.get(url).status_code == 404, url
    for name in ("debts:claim-list", "debts:debt-list", "contracts:contract-list", "villages:village-list"):
        assert "峪口镇本级" not in client.get(reverse(name)).content.decode(), name


# --- Writes -------------------------------------------------------------------------------------------------


def test_the_township_cadre_registers_a_claim_a_debt_and_a_contract_of_the_body(personas, body):
    builder = village_services.party_create(user=personas.cadre, data=dict(
        kind="org", name="方山县宏达建筑工程有限公司", village=body, is_member=False))
    claim = debt_services.claim_create(user=personas.cadre, data=dict(
        village=body, number="BJ-ZQ-1", debtor=builder, origin="借款", principal=D("80000.00")))
    debt = debt_services.debt_create(user=personas.cadre, data=dict(
        village=body, number="BJ-ZW-1", creditor=builder, origin="工程欠款", principal=D("5000000.00"),
        origin_note="集镇街道改造工程款"))
    contract = contract_services.contract_register(user=personas.cadre, data=dict(
        village=body, number="BJ-HT-1", title="集镇农贸市场摊位租赁合同", kind="资产租赁", counterparty=builder,
        form="书面合同", source="合同文本", annual_fee=D("36000.00")))
    assert {claim.village, debt.village, contract.village} == {body}
    for service, data in ((debt_services.claim_create, dict(village=body, number="X", debtor=builder,
                                                               origin="借款", principal=D("1.00"))),
                          (debt_services.debt_create, dict(village=body, number="X", creditor=builder,
                                                              origin="借款", principal=D("1.00")))):
        with pytest.raises(PermissionDenied):
            service(user=personas.outsider, data=data)
        with pytest.raises(PermissionDenied):
            service(user=personas.accountant, data=data)


def test_the_township_cadre_registers_them_through_the_pages(personas, body, client_for):
    builder = PartyFactory(village=body, name="方山县宏达建筑工程有限公司", kind="org", id_number="")
    client = client_for(personas.cadre)
    response = client.post(reverse("debts:claim-create"), {
        "village": body.pk, "number": "BJ-ZQ-2", "debtor": builder.pk, "origin": "借款", "principal": "8万",
        "occurred_on": "2019-05-01", "due_date": "2020-05-01", "in_book": "on"})
    assert response.status_code == 302, response.context["form"].errors
    response = client.post(reverse("debts:debt-create"), {
        "village": body.pk, "number": "BJ-ZW-2", "creditor": builder.pk, "origin": "工程欠款",
        "principal": "5,000,000.00", "occurred_on": "2018-12-31", "in_book": "on"})
    assert response.status_code == 302, response.context["form"].errors
    response = client.post(reverse("contracts:contract-create"), {
        "village": body.pk, "number": "BJ-HT-2", "title": "集镇农贸市场摊位租赁合同", "kind": "资产租赁",
        "form": "书面合同", "source": "合同文本", "counterparty": builder.pk, "start_date": "2021-01-01",
        "end_date": "2030-12-31", "annual_fee": "36000", "signer": "集体经济组织"})
    assert response.status_code == 302, response.context["form"].errors
    assert Claim.objects.get(number="BJ-ZQ-2").village == body
    assert Debt.objects.get(number="BJ-ZW-2").principal == D("5000000.00")
    assert Contract.objects.get(number="BJ-HT-2").village == body
    page = client.get(reverse("debts:debt-list")).content.decode()
    assert "峪口镇本级" in page and "峪口镇峪口镇本级" not in page


def test_another_townships_cadre_gets_404_on_the_bodys_records(personas, records, client_for):
    claim, debt, contract = records
    client = client_for(personas.outsider)
    before = AuditEntry.objects.count()
    for url in (claim.get_absolute_url(), debt.get_absolute_url(), contract.get_absolute_url(),
                claim.village.get_absolute_url(), reverse("reports:village", args=[claim.village_id])):
        assert client.get(url).status_code == 404, url
    for url in (reverse("debts:claim-update", args=[claim.pk]), reverse("debts:debt-update", args=[debt.pk]),
                reverse("contracts:contract-update", args=[contract.pk]),
                reverse("villages:village-update", args=[claim.village_id])):
        assert client.post(url, {"number": "x"}).status_code == 404, url
    response = client.post(reverse("debts:debt-create"), {
        "village": claim.village_id, "number": "X", "creditor": debt.creditor_id, "origin": "借款",
        "principal": "1"})
    assert response.status_code == 200 and "village" in response.context["form"].errors
    assert AuditEntry.objects.count() == before


def test_the_inspector_reads_the_body_but_gets_403_on_every_write(personas, records, client_for):
    claim, debt, contract = records
    client = client_for(personas.inspector)
    for url in (claim.get_absolute_url(), debt.get_absolute_url(), contract.get_absolute_url()):
        assert client.get(url).status_code == 200, url
    before = AuditEntry.objects.count()
    for url in (reverse("debts:claim-update", args=[claim.pk]), reverse("debts:debt-update", args=[debt.pk]),
                reverse("debts:claim-entry", args=[claim.pk]), reverse("debts:debt-entry", args=[debt.pk]),
                reverse("contracts:contract-update", args=[contract.pk]),
                reverse("villages:village-update", args=[claim.village_id])):
        assert client.post(url, {"number": "x", "amount": "1"}).status_code == 403, url
    for name in ("debts:claim-create", "debts:debt-create", "contracts:contract-create"):
        assert client.post(reverse(name), {"village": claim.village_id}).status_code == 403, name
    assert AuditEntry.objects.count() == before


# --- Measures -----------------------------------------------------------------------------------------------


def test_the_bodys_claim_and_debt_count_with_its_township_and_county(personas, records):
    claim, debt, _ = records
    ClaimFactory(village=personas.yukou, principal=D("1000.00"))
    township = measures_for(Place.of(personas.yukou_town)).as_dict()
    county = measures_for(Place.of(personas.county)).as_dict()
    assert township["claims_principal"] == county["claims_principal"] == D("121000.00")
    assert township["debt_principal"] == county["debt_principal"] == D("5000000.00")
    breakdown = measures_by(Place.of(personas.yukou_town), Period())
    by_name = {c.name: c.measures.as_dict() for c in breakdown.children}
    assert by_name["峪口镇本级"]["debt_principal"] == D("5000000.00")
    jicui = measures_for(Place.of(personas.jicui_town)).as_dict()
    assert jicui["debt_principal"] == D("0") and jicui["claims_principal"] == D("0")


def test_the_measures_command_counts_the_body_with_its_township(personas, records):
    out = StringIO()
    call_command("measures", "--township", "峪口镇", "--json", stdout=out)
    measures = json.loads(out.getvalue())
    assert measures["claims_principal"] == "120000.00" and measures["debt_principal"] == "5000000.00"
    out = StringIO()
    call_command("measures", "--township", "峪口镇", stdout=out)
    assert "5,000,000.00" in out.getvalue()
