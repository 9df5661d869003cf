"""A party or a parcel registered in a dialog over the contract form: the full pages' validation, scope and rights
(outsider 404, read-only 403), in the contract's village, and what the form needs to pick the new record."""
from decimal import Decimal

import pytest
from django.urls import reverse

from core import permissions as perms
from core.models import AuditEntry, Role
from villages.factories import ParcelFactory, PartyFactory, make_resident_id
from villages.models import Parcel, Party

PARTY_URL = reverse("villages:party-quick-create")
PARCEL_URL = reverse("villages:parcel-quick-create")
NEW_ID = make_resident_id(321, birth="19800101")


def party_post(**fields):
    data = {"kind": "person", "name": "霍满仓", "id_number": NEW_ID, "phone": "13900000001", "is_member": "on"}
    data.update(fields)
    return {f"party-{name}": value for name, value in data.items()}


def parcel_post(**fields):
    data = {"code": "YK-JD-099", "name": "后梁", "kind": "机动地", "ledger_area_mu": "3.5", "state": "已发包"}
    data.update(fields)
    return {f"parcel-{name}": value for name, value in data.items()}


# --- Happy path -----------------------------------------------------------------------------------


def test_the_dialog_opens_with_what_was_typed_in_the_picker(personas, client_for):
    client = client_for(personas.cadre)
    page = client.get(PARTY_URL, {"village": personas.yukou.pk, "q": "霍满仓"})
    assert page.status_code == 200
    assert page.context["form"]["name"].value() == "霍满仓"
    assert "登记在 峪口镇峪口村" in page.content.decode()
    by_id = client.get(PARTY_URL, {"village": personas.yukou.pk, "q": NEW_ID})
    assert by_id.context["form"]["id_number"].value() == NEW_ID and not by_id.context["form"]["name"].value()
    initials = client.get(PARTY_URL, {"village": personas.yukou.pk, "q": "hmc"})
    assert not initials.context["form"]["name"].value()
    parcel = client.get(PARCEL_URL, {"village": personas.yukou.pk, "q": "YK-JD-099"})
    assert parcel.context["form"]["code"].value() == "YK-JD-099"


def test_a_cadre_registers_a_party_in_the_contracts_village_and_gets_it_back_to_pick(personas, client_for):
    response = client_for(personas.cadre).post(f"{PARTY_URL}?village={personas.yukou.pk}", party_post())
    party = Party.objects.get(name="霍满仓")
    assert response.status_code == 200
    assert (party.village, party.id_number, party.is_member) == (personas.yukou, NEW_ID, True)
    page = response.content.decode()
    assert f'data-picked-id="{party.pk}"' in page and 'data-picked-label="霍满仓（峪口村）"' in page
    entry = AuditEntry.objects.get(object_pk=str(party.pk), content_type__model="party")
    assert (entry.action, entry.actor) == (AuditEntry.Action.CREATE, personas.cadre)


def test_a_new_parcel_comes_back_with_its_ledger_area_for_the_contract_area(personas, client_for):
    response = client_for(personas.cadre).post(f"{PARCEL_URL}?village={personas.tuwu.pk}", parcel_post())
    parcel = Parcel.objects.get(code="YK-JD-099")
    assert (parcel.village, parcel.ledger_area_mu, parcel.kind) == (personas.tuwu, Decimal("3.50"), "机动地")
    page = response.content.decode()
    assert f'data-picked-id="{parcel.pk}"' in page and 'data-picked-area="3.50"' in page


def test_a_village_accountant_registers_in_their_own_village_without_naming_it(personas, client_for):
    response = client_for(personas.accountant).post(PARTY_URL, party_post())
    assert response.status_code == 200
    assert Party.objects.get(name="霍满仓").village == personas.yukou


def test_a_township_cadre_is_asked_for_the_contracts_village_first(personas, client_for):
    client = client_for(personas.cadre)
    page = client.get(PARTY_URL, {"q": "霍满仓"})
    assert page.status_code == 200 and "请先在合同里选择“村”" in page.content.decode()
    assert client.post(PARTY_URL, party_post()).status_code == 404
    assert not Party.objects.exists()


# --- Same validation as the full pages --------------------------------------------------------------


def test_a_wrong_id_number_is_refused_in_the_dialog_as_on_the_party_page(personas, client_for):
    wrong = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    response = client_for(personas.cadre).post(f"{PARTY_URL}?village={personas.yukou.pk}",
                                               party_post(id_number=wrong))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == ["身份证号校验位不正确，请核对。"]
    assert "请修改下面标红的项目后再保存" in response.content.decode()
    assert "data-picked" not in response.content.decode()
    assert not Party.objects.exists()


def test_an_id_number_already_registered_is_refused(personas, client_for):
    PartyFactory(village=personas.tuwu, name="霍满仓", id_number=NEW_ID)
    response = client_for(personas.cadre).post(f"{PARTY_URL}?village={personas.yukou.pk}", party_post())
    assert response.context["form"].non_field_errors() == ["该证件号码已登记为其他当事人，请勿重复登记。"]
    assert "该证件号码已登记为其他当事人" in response.content.decode()
    assert Party.objects.count() == 1


def test_a_parcel_code_already_in_the_village_is_refused(personas, client_for):
    ParcelFactory(village=personas.yukou, code="YK-JD-099")
    response = client_for(personas.cadre).post(f"{PARCEL_URL}?village={personas.yukou.pk}", parcel_post())
    assert "本村已有相同编号的地块。" in str(response.context["form"].errors)
    assert Parcel.objects.count() == 1


def test_a_group_of_another_village_is_refused(personas, client_for):
    from places.factories import GroupFactory

    other = GroupFactory(village=personas.tuwu, name="一组")
    response = client_for(personas.cadre).post(f"{PARTY_URL}?village={personas.yukou.pk}",
                                               party_post(group=other.pk))
    assert response.context["form"].errors["group"] == ["所选村民小组不属于该村。"]
    assert not Party.objects.exists()


# --- Scope and rights -------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "post"), [(PARTY_URL, party_post), (PARCEL_URL, parcel_post)])
def test_an_outsider_gets_404_for_a_village_of_another_township(personas, client_for, url, post):
    client = client_for(personas.outsider)
    assert client.get(url, {"village": personas.yukou.pk}).status_code == 404
    assert client.post(f"{url}?village={personas.yukou.pk}", post()).status_code == 404
    assert not Party.objects.exists() and not Parcel.objects.exists()


def test_a_village_accountant_gets_404_for_another_village(personas, client_for):
    assert client_for(personas.accountant).post(f"{PARTY_URL}?village={personas.tuwu.pk}",
                                                party_post()).status_code == 404
    assert not Party.objects.exists()


@pytest.mark.parametrize("who", ["inspector", "collector"])
@pytest.mark.parametrize(("url", "post"), [(PARTY_URL, party_post), (PARCEL_URL, parcel_post)])
def test_a_read_only_user_gets_403_and_nothing_is_registered(personas, client_for, who, url, post):
    client = client_for(getattr(personas, who))
    before = AuditEntry.objects.count()
    assert client.get(url, {"village": personas.yukou.pk}).status_code == 403
    assert client.post(f"{url}?village={personas.yukou.pk}", post()).status_code == 403
    assert not Party.objects.exists() and not Parcel.objects.exists()
    assert AuditEntry.objects.count() == before


# --- The buttons on the contract form -----------------------------------------------------------


def test_the_contract_form_offers_the_dialogs_to_those_who_may_register(personas, client_for):
    page = client_for(personas.cadre).get(reverse("contracts:contract-create")).content.decode()
    assert f'data-add-url="{PARTY_URL}"' in page and f'data-add-url="{PARCEL_URL}"' in page
    assert 'id="quick-add"' in page


def test_no_dialog_for_a_user_who_may_register_contracts_but_not_parties_or_parcels(personas, client_for,
                                                                                  monkeypatch):
    rights = perms.ROLE_PERMISSIONS[Role.VILLAGE] - {perms.PARTY_CHANGE, perms.PARCEL_CHANGE}
    monkeypatch.setitem(perms.ROLE_PERMISSIONS, Role.VILLAGE, rights)
    client = client_for(personas.accountant)
    page = client.get(reverse("contracts:contract-create")).content.decode()
    assert "data-add-url" not in page and 'id="quick-add"' not in page
    results = client.get(reverse("contracts:pick", args=["parties"]), {"q": "霍满仓", "add": "1"}).content.decode()
    assert "data-quick-add" not in results and "可先到“当事人”登记" in results
    assert client.post(PARTY_URL, party_post()).status_code == 403
    assert not Party.objects.exists()


def test_a_search_that_finds_nobody_offers_to_register_the_name(personas, client_for):
    PartyFactory(village=personas.yukou, name="薛来福")
    client = client_for(personas.cadre)
    pick = reverse("contracts:pick", args=["parties"])
    offered = client.get(pick, {"q": "霍满仓", "village": personas.yukou.pk, "add": "1"}).content.decode()
    assert "没有找到“霍满仓”" in offered and "登记新当事人“霍满仓”" in offered and "data-quick-add" in offered
    found = client.get(pick, {"q": "薛来福", "village": personas.yukou.pk, "add": "1"}).content.decode()
    assert "data-quick-add" not in found and "薛来福（峪口村）" in found
    # The claim form's picker has no dialog: it asks for none and is offered none.
    assert "data-quick-add" not in client.get(pick, {"q": "霍满仓"}).content.decode()


def test_parcel_suggestions_carry_their_ledger_area(personas, client_for):
    ParcelFactory(village=personas.yukou, code="YK-JD-004", name="北峁", ledger_area_mu=Decimal("12.14"))
    results = client_for(personas.cadre).get(reverse("contracts:pick", args=["parcels"]),
                                             {"q": "YK-JD-004", "village": personas.yukou.pk}).content.decode()
    assert 'data-pick-area="12.14"' in results and "YK-JD-004 北峁（机动地 12.14 亩）" in results
