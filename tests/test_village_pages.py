"""Every page of places, parties, parcels and assets: the happy path, the
outsider's 404 and the read-only user's 403."""
from types import SimpleNamespace

import pytest
from django.urls import reverse

from core.models import AuditEntry
from places.factories import GroupFactory
from places.models import Group, Village
from villages.factories import AssetFactory, ParcelFactory, PartyFactory
from villages.models import Asset, Parcel, Party


@pytest.fixture
def ledger(personas):
    group = GroupFactory(village=personas.yukou, name="一组")
    return SimpleNamespace(
        group=group,
        party=PartyFactory(village=personas.yukou, group=group, name="张三"),
        parcel=ParcelFactory(village=personas.yukou, code="YK-JD-001", name="前坪"),
        asset=AssetFactory(village=personas.yukou, code="YK-ZC-001", name="临街门面房"),
    )


def detail_pages(p, ledger):
    return [
        (reverse("villages:village-detail", args=[p.yukou.pk]), "峪口村"),
        (reverse("villages:party-detail", args=[ledger.party.pk]), "张三"),
        (reverse("villages:parcel-detail", args=[ledger.parcel.pk]), "YK-JD-001"),
        (reverse("villages:asset-detail", args=[ledger.asset.pk]), "临街门面房"),
    ]


def object_write_pages(p, ledger):
    return [
        reverse("villages:village-update", args=[p.yukou.pk]),
        reverse("villages:group-create", args=[p.yukou.pk]),
        reverse("villages:group-update", args=[ledger.group.pk]),
        reverse("villages:party-update", args=[ledger.party.pk]),
        reverse("villages:party-delete", args=[ledger.party.pk]),
        reverse("villages:parcel-update", args=[ledger.parcel.pk]),
        reverse("villages:parcel-delete", args=[ledger.parcel.pk]),
        reverse("villages:asset-update", args=[ledger.asset.pk]),
        reverse("villages:asset-delete", args=[ledger.asset.pk]),
    ]


CREATE_PAGES = ["villages:village-create", "villages:party-create", "villages:parcel-create",
                "villages:asset-create"]
LIST_PAGES = ["villages:village-list", "villages:party-list", "villages:parcel-list", "villages:asset-list",
              "core:home"]


@pytest.mark.parametrize("who", ["accountant", "cadre", "county_office", "inspector", "collector", "admin"])
def test_user_in_scope_sees_each_detail_page(personas, ledger, client_for, who):
    client = client_for(getattr(personas, who))
    for url, text in detail_pages(personas, ledger):
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode()


def test_outsider_cannot_see_or_change_any_record_of_another_township(personas, ledger, client_for):
    client = client_for(personas.outsider)
    before = AuditEntry.objects.count()
    for url, _ in detail_pages(personas, ledger):
        assert client.get(url).status_code == 404, url
    for url in object_write_pages(personas, ledger):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "改名"}).status_code == 404, url
    assert AuditEntry.objects.count() == before
    assert Party.objects.get(pk=ledger.party.pk).name == "张三"


def test_village_accountant_cannot_see_a_neighbouring_village(personas, client_for):
    party = PartyFactory(village=personas.tuwu, name="李四")
    client = client_for(personas.accountant)
    assert client.get(reverse("villages:party-detail", args=[party.pk])).status_code == 404
    assert client.get(reverse("villages:village-detail", args=[personas.tuwu.pk])).status_code == 404


@pytest.mark.parametrize("who", ["inspector", "collector"])
def test_read_only_roles_get_403_on_every_write(personas, ledger, client_for, who):
    client = client_for(getattr(personas, who))
    before = AuditEntry.objects.count()
    for url in object_write_pages(personas, ledger):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "改名"}).status_code == 403, url
    for name in CREATE_PAGES:
        url = reverse(name)
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "新建", "village": personas.yukou.pk}).status_code == 403, url
    assert AuditEntry.objects.count() == before
    assert Party.objects.count() == 1 and Parcel.objects.count() == 1 and Asset.objects.count() == 1


def test_village_accountant_may_not_edit_the_village_itself(personas, client_for):
    client = client_for(personas.accountant)
    assert client.get(reverse("villages:village-update", args=[personas.yukou.pk])).status_code == 403
    assert client.get(reverse("villages:village-create")).status_code == 403


@pytest.mark.parametrize("name", LIST_PAGES)
def test_list_pages_show_only_the_users_scope(personas, ledger, client_for, name):
    PartyFactory(village=personas.jicui, name="积翠王五")
    ParcelFactory(village=personas.jicui, code="JC-JD-009")
    AssetFactory(village=personas.jicui, code="JC-ZC-009", name="积翠村办公楼")
    inside = client_for(personas.cadre).get(reverse(name)).content.decode()
    outside = client_for(personas.outsider).get(reverse(name)).content.decode()
    for marker in ["积翠王五", "JC-JD-009", "积翠村办公楼"]:
        assert marker not in inside
    for marker in ["张三", "YK-JD-001", "YK-ZC-001"]:
        assert marker not in outside


def test_anonymous_visitor_is_sent_to_login(db, client):
    response = client.get(reverse("villages:party-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name, factory", [
    ("villages:party-list", lambda v, n: PartyFactory.create_batch(n, village=v)),
    ("villages:parcel-list", lambda v, n: ParcelFactory.create_batch(n, village=v)),
    ("villages:asset-list", lambda v, n: AssetFactory.create_batch(n, village=v)),
    ("villages:village-list", lambda v, n: [GroupFactory(village=v) for _ in range(n)]),
])
def test_list_pages_use_a_fixed_number_of_queries(personas, client_for, django_assert_max_num_queries, name,
                                                  factory):
    client = client_for(personas.county_office)
    factory(personas.yukou, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name)).status_code == 200
    factory(personas.tuwu, 25)
    factory(personas.jicui, 12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(name)).status_code == 200
    assert len(many) == len(few)
    assert len(few) <= 12


# --- Writes through the pages --------------------------------------------------


def test_accountant_registers_a_party_in_their_own_village(personas, ledger, client_for):
    client = client_for(personas.accountant)
    response = client.post(reverse("villages:party-create"), {
        "kind": "person", "name": "刘建军", "id_number": "11010519491231002x", "phone": "13912345678",
        "village": personas.jicui.pk,  # ignored: the accountant's village is fixed
        "group": ledger.group.pk, "is_member": "on",
    })
    party = Party.objects.get(name="刘建军")
    assert response.status_code == 302 and response["Location"] == party.get_absolute_url()
    assert party.village == personas.yukou
    assert party.id_number == "11010519491231002X"
    assert party.search_keys.startswith("ljj ")


def test_cadre_edits_a_parcel_and_the_change_is_in_its_history(personas, ledger, client_for):
    client = client_for(personas.cadre)
    url = reverse("villages:parcel-update", args=[ledger.parcel.pk])
    data = {"village": personas.yukou.pk, "group": ledger.group.pk, "code": "YK-JD-001", "name": "前坪",
            "kind": "机动地", "ledger_area_mu": "12.50", "measured_area_mu": "13.80", "state": "已收回"}
    assert client.post(url, data).status_code == 302
    parcel = Parcel.objects.get(pk=ledger.parcel.pk)
    assert parcel.measured_area_mu == parcel.measured_area_mu.__class__("13.80")
    assert parcel.state == "已收回"
    page = client.get(parcel.get_absolute_url()).content.decode()
    assert "高志强" in page and "已收回" in page and "13.80" in page
    assert "实测面积与台账面积相差" in page  # 10.4% beyond the 5% tolerance


def test_cadre_registers_a_village_in_their_township_only(personas, client_for):
    client = client_for(personas.cadre)
    response = client.post(reverse("villages:village-create"), {
        "township": personas.jicui_town.pk, "name": "后沟村", "expected_contracts": "12"})
    village = Village.objects.get(name="后沟村")
    assert response.status_code == 302
    assert village.township == personas.yukou_town  # the township field is fixed for a township cadre


def test_group_is_added_from_the_village_page(personas, client_for):
    client = client_for(personas.accountant)
    response = client.post(reverse("villages:group-create", args=[personas.yukou.pk]),
                           {"name": "五组", "leader": "冯海平"})
    assert response.status_code == 302
    assert Group.objects.get(village=personas.yukou, name="五组").leader == "冯海平"


def test_duplicate_group_name_is_refused_with_a_message(personas, ledger, client_for):
    client = client_for(personas.accountant)
    response = client.post(reverse("villages:group-create", args=[personas.yukou.pk]), {"name": "一组"})
    assert response.status_code == 200
    assert "本村已有同名村民小组" in response.content.decode()
    assert Group.objects.filter(village=personas.yukou).count() == 1


def test_asset_is_deleted_by_post_and_the_deletion_is_audited(personas, ledger, client_for):
    client = client_for(personas.cadre)
    url = reverse("villages:asset-delete", args=[ledger.asset.pk])
    assert "确认删除" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not Asset.objects.filter(pk=ledger.asset.pk).exists()
    entry = AuditEntry.objects.filter(object_id=ledger.asset.pk, action=AuditEntry.Action.DELETE).get()
    assert entry.actor == personas.cadre and entry.village_id == personas.yukou.pk


def test_group_options_follow_the_chosen_village_within_scope(personas, ledger, client_for):
    GroupFactory(village=personas.jicui, name="积翠一组")
    client = client_for(personas.cadre)
    mine = client.get(reverse("villages:group-options"), {"village": personas.yukou.pk}).content.decode()
    theirs = client.get(reverse("villages:group-options"), {"village": personas.jicui.pk}).content.decode()
    assert "一组" in mine
    assert "积翠一组" not in theirs


def test_party_page_lists_their_contracts_claims_and_debts_within_scope(personas, ledger, client_for):
    from contracts.factories import ContractFactory
    from debts.factories import ClaimFactory, DebtFactory

    ContractFactory(village=personas.yukou, counterparty=ledger.party, number="HT-ZS-1")
    ClaimFactory(village=personas.yukou, debtor=ledger.party, number="ZQ-ZS-1")
    DebtFactory(village=personas.yukou, creditor=ledger.party, number="ZW-ZS-1")
    ClaimFactory(village=personas.tuwu, debtor=ledger.party, number="ZQ-TW-9")
    accountant_page = client_for(personas.accountant).get(ledger.party.get_absolute_url()).content.decode()
    cadre_page = client_for(personas.cadre).get(ledger.party.get_absolute_url()).content.decode()
    for number in ["HT-ZS-1", "ZQ-ZS-1", "ZW-ZS-1"]:
        assert number in accountant_page
    assert "ZQ-TW-9" not in accountant_page   # another village's claim, outside the accountant's scope
    assert "ZQ-TW-9" in cadre_page
