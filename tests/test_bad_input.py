"""Bad input gets a Chinese message on the field concerned, and changes nothing."""
import pytest
from django.urls import reverse

from core.models import AuditEntry
from places.factories import GroupFactory
from villages.factories import ParcelFactory, PartyFactory, make_resident_id
from villages.models import Asset, Parcel, Party


def _party(personas, **overrides):
    data = {"kind": "person", "name": "王国平", "id_number": make_resident_id(5), "village": personas.yukou.pk,
            "is_member": "on"}
    data.update(overrides)
    return data


def _errors(response):
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


@pytest.mark.parametrize("id_number, message", [
    ("110105194912310021", "身份证号校验位不正确"),
    ("1101051949123100", "身份证号应为18位"),
])
def test_invalid_resident_id_is_a_field_error(personas, client_for, id_number, message):
    before = AuditEntry.objects.count()
    response = client_for(personas.cadre).post(reverse("villages:party-create"), _party(personas, id_number=id_number))
    assert response.status_code == 200
    assert message in _errors(response)["id_number"][0]
    assert not Party.objects.exists()
    assert AuditEntry.objects.count() == before


def test_invalid_credit_code_for_an_organisation_is_a_field_error(personas, client_for):
    response = client_for(personas.cadre).post(reverse("villages:party-create"), _party(
        personas, kind="org", name="方山县某某公司", id_number="91110000600037341M"))
    assert "统一社会信用代码校验位不正确" in _errors(response)["id_number"][0]
    assert not Party.objects.exists()


def test_a_resident_id_is_refused_as_an_organisations_code(personas, client_for):
    response = client_for(personas.cadre).post(reverse("villages:party-create"), _party(
        personas, kind="org", name="方山县某某公司", id_number="11010519491231002X"))
    assert "统一社会信用代码" in _errors(response)["id_number"][0]


def test_an_id_number_registered_twice_is_refused(personas, client_for):
    PartyFactory(village=personas.tuwu, id_number="11010519491231002X")
    response = client_for(personas.cadre).post(reverse("villages:party-create"), _party(
        personas, id_number="11010519491231002X"))
    assert "该证件号码已登记" in response.content.decode()
    assert Party.objects.count() == 1


def test_editing_a_party_with_an_invalid_id_keeps_the_old_values(personas, client_for):
    party = PartyFactory(village=personas.yukou, name="冯桂花")
    old = party.id_number
    response = client_for(personas.cadre).post(reverse("villages:party-update", args=[party.pk]), _party(
        personas, name="冯桂花改", id_number="123"))
    assert response.status_code == 200
    party.refresh_from_db()
    assert (party.name, party.id_number) == ("冯桂花", old)


@pytest.mark.parametrize("area", ["0", "-3.5"])
def test_parcel_area_must_be_above_zero(personas, client_for, area):
    response = client_for(personas.accountant).post(reverse("villages:parcel-create"), {
        "code": "YK-JD-100", "name": "东沟", "kind": "机动地", "ledger_area_mu": area, "state": "闲置"})
    assert "面积必须大于0亩" in _errors(response)["ledger_area_mu"][0]
    assert not Parcel.objects.exists()


def test_parcel_area_that_is_not_a_number_is_a_field_error(personas, client_for):
    response = client_for(personas.accountant).post(reverse("villages:parcel-create"), {
        "code": "YK-JD-100", "name": "东沟", "kind": "机动地", "ledger_area_mu": "十二亩", "state": "闲置"})
    assert "ledger_area_mu" in _errors(response)
    assert not Parcel.objects.exists()


def test_a_village_in_another_township_is_refused(personas, client_for):
    response = client_for(personas.cadre).post(reverse("villages:asset-create"), {
        "village": personas.jicui.pk, "code": "ZC-1", "name": "仓库", "kind": "房屋", "quantity": "1",
        "state": "闲置"})
    assert "所选村不在您的管理范围内" in _errors(response)["village"][0]
    assert not Asset.objects.exists()


def test_a_group_of_another_village_is_refused(personas, client_for):
    other_group = GroupFactory(village=personas.tuwu, name="土屋一组")
    response = client_for(personas.cadre).post(reverse("villages:parcel-create"), {
        "village": personas.yukou.pk, "group": other_group.pk, "code": "YK-1", "name": "东沟", "kind": "机动地",
        "ledger_area_mu": "3", "state": "闲置"})
    assert "所选村民小组不属于该村" in _errors(response)["group"][0]
    assert not Parcel.objects.exists()


def test_a_duplicate_parcel_code_in_the_same_village_is_refused(personas, client_for):
    ParcelFactory(village=personas.yukou, code="YK-JD-001")
    response = client_for(personas.accountant).post(reverse("villages:parcel-create"), {
        "code": "YK-JD-001", "name": "东沟", "kind": "机动地", "ledger_area_mu": "3", "state": "闲置"})
    assert "本村已有相同编号的地块" in response.content.decode()
    assert Parcel.objects.count() == 1


def test_negative_book_value_is_refused(personas, client_for):
    response = client_for(personas.accountant).post(reverse("villages:asset-create"), {
        "code": "ZC-1", "name": "仓库", "kind": "房屋", "quantity": "1", "state": "闲置", "book_value": "-1"})
    assert "金额不能为负数" in _errors(response)["book_value"][0]


def test_a_party_in_use_cannot_be_deleted(personas, client_for, monkeypatch):
    from django.db.models import ProtectedError

    party = PartyFactory(village=personas.yukou)

    def protected(self, *args, **kwargs):
        raise ProtectedError("in use", set())

    monkeypatch.setattr(Party, "delete", protected)
    response = client_for(personas.cadre).post(reverse("villages:party-delete", args=[party.pk]), follow=True)
    assert "该当事人已有合同或债权债务记录，不能删除" in response.content.decode()
    assert Party.objects.filter(pk=party.pk).exists()
