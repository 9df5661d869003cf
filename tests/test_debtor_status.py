"""A party's status as a debtor (DOMAIN.md §8): dead with or without heirs, moved away, whereabouts unknown,
an organisation deregistered or revoked. Recorded, audited, filtered, and shown where a write-off is weighed."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from debts.factories import ClaimFactory
from villages import services
from villages.factories import PartyFactory, make_credit_code
from villages.models import Party

S = Party.Status
PERSON_STATUSES = [S.NORMAL, S.DECEASED_WITH_HEIRS, S.DECEASED_NO_HEIRS, S.MOVED_AWAY, S.WHEREABOUTS_UNKNOWN]
ORG_STATUSES = [S.NORMAL, S.MOVED_AWAY, S.WHEREABOUTS_UNKNOWN, S.DEREGISTERED, S.REVOKED]
HEIRS = "王小明（长子） 13800001111"


def _status_data(status) -> dict:
    return {"status": status, "status_since": date(2021, 5, 1) if status != S.NORMAL else None,
            "heirs": HEIRS if status == S.DECEASED_WITH_HEIRS else "", "status_note": "村委会证明"}


def _person(personas, **data):
    return {"kind": Party.Kind.PERSON, "name": "刘福生", "village": personas.yukou, **data}


def _org(personas, **data):
    return {"kind": Party.Kind.ORG, "name": "方山县峪口建材厂", "id_number": make_credit_code(7),
            "village": personas.yukou, **data}


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- The service ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", PERSON_STATUSES)
def test_each_status_of_a_person_is_saved_through_the_service(personas, status):
    party = services.party_create(user=personas.cadre, data=_person(personas, **_status_data(status)))
    party.refresh_from_db()
    assert (party.status, party.heirs) == (status, _status_data(status)["heirs"])


@pytest.mark.parametrize("status", ORG_STATUSES)
def test_each_status_of_an_organisation_is_saved_through_the_service(personas, status):
    party = services.party_create(user=personas.cadre, data=_org(personas))
    services.party_update(user=personas.cadre, party=party, data=_status_data(status))
    party.refresh_from_db()
    assert party.status == status
    assert party.status_since == _status_data(status)["status_since"]


def test_a_new_party_is_normal_by_default(personas):
    assert services.party_create(user=personas.cadre, data=_person(personas)).status == "正常"


def test_a_status_change_is_in_the_parties_audit_trail(personas):
    party = PartyFactory(village=personas.yukou, name="刘福生")
    services.party_update(user=personas.cadre, party=party, data=_status_data(S.DECEASED_WITH_HEIRS))
    entry = AuditEntry.objects.filter(content_type__model="party", object_id=party.pk).latest("pk")
    assert entry.changes_dict["status"] == ["正常", "已故（有继承人）"]
    assert entry.changes_dict["heirs"] == ["", HEIRS]
    assert entry.actor == personas.cadre


@pytest.mark.parametrize("status", [S.DEREGISTERED, S.REVOKED])
def test_an_organisations_status_is_refused_for_a_person(personas, status):
    with pytest.raises(ValidationError) as refused:
        services.party_create(user=personas.cadre, data=_person(personas, status=status))
    assert _messages(refused.value)["status"] == [f"“状态”不能选“{status}”：这只适用于单位，该当事人是自然人。"]
    assert not Party.objects.exists()


@pytest.mark.parametrize("status", [S.DECEASED_WITH_HEIRS, S.DECEASED_NO_HEIRS])
def test_a_persons_status_is_refused_for_an_organisation(personas, status):
    party = services.party_create(user=personas.cadre, data=_org(personas))
    with pytest.raises(ValidationError) as refused:
        services.party_update(user=personas.cadre, party=party, data=_status_data(status))
    assert _messages(refused.value)["status"] == [f"“状态”不能选“{status}”：这只适用于自然人，该当事人是单位。"]
    party.refresh_from_db()
    assert party.status == "正常"


def test_a_dead_person_cannot_become_an_organisation(personas):
    party = services.party_create(user=personas.cadre, data=_person(personas, status=S.DECEASED_NO_HEIRS))
    with pytest.raises(ValidationError) as refused:
        services.party_update(user=personas.cadre, party=party, data={"kind": Party.Kind.ORG})
    assert "只适用于自然人" in _messages(refused.value)["status"][0]


def test_heirs_are_required_for_a_person_dead_with_heirs(personas):
    with pytest.raises(ValidationError) as refused:
        services.party_create(user=personas.cadre, data=_person(personas, status=S.DECEASED_WITH_HEIRS, heirs="  "))
    assert _messages(refused.value)["heirs"] == ["状态为“已故（有继承人）”时，请填写“继承人”的姓名和联系方式。"]


@pytest.mark.parametrize("status", [S.NORMAL, S.DECEASED_NO_HEIRS, S.MOVED_AWAY])
def test_heirs_are_refused_for_any_other_status(personas, status):
    with pytest.raises(ValidationError) as refused:
        services.party_create(user=personas.cadre, data=_person(personas, status=status, heirs=HEIRS))
    assert "只有状态为“已故（有继承人）”时才填写“继承人”" in _messages(refused.value)["heirs"][0]


def test_a_status_date_in_the_future_is_refused(personas):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.party_create(user=personas.cadre, data=_person(
            personas, status=S.MOVED_AWAY, status_since=tomorrow))
    assert _messages(refused.value)["status_since"] == ["“状态日期”不能晚于今天。"]
    services.party_create(user=personas.cadre, data=_person(
        personas, status=S.MOVED_AWAY, status_since=timezone.localdate()))


def test_the_database_holds_the_rules_for_writes_that_bypass_the_service(personas):
    with transaction.atomic(), pytest.raises(IntegrityError):
        PartyFactory(village=personas.yukou, kind=Party.Kind.PERSON, status=S.REVOKED)
    with transaction.atomic(), pytest.raises(IntegrityError):
        PartyFactory(village=personas.yukou, status=S.DECEASED_WITH_HEIRS, heirs="")
    with transaction.atomic(), pytest.raises(IntegrityError):
        PartyFactory(village=personas.yukou, status=S.NORMAL, heirs=HEIRS)


# --- The pages ---------------------------------------------------------------------------------------------


def _form(personas, party, **overrides):
    data = {"kind": "person", "name": party.name, "id_number": party.id_number, "village": personas.yukou.pk,
            "is_member": "on", "status": "正常"}
    data.update(overrides)
    return data


def test_cadre_records_a_death_with_heirs_on_the_party_page(personas, client_for):
    party = PartyFactory(village=personas.yukou, name="刘福生")
    client = client_for(personas.cadre)
    url = reverse("villages:party-update", args=[party.pk])
    assert 'name="heirs"' in client.get(url).content.decode()
    response = client.post(url, _form(personas, party, status="已故（有继承人）", status_since="2022-11-03",
                                      heirs=HEIRS, status_note="死亡证明已存档"))
    assert response.status_code == 302 and response["Location"] == party.get_absolute_url()
    party.refresh_from_db()
    assert (party.status, party.status_since, party.heirs) == ("已故（有继承人）", date(2022, 11, 3), HEIRS)
    page = client.get(party.get_absolute_url()).content.decode()
    assert "已故（有继承人）" in page and "2022-11-03" in page and HEIRS in page and "死亡证明已存档" in page


def test_the_party_form_names_the_field_of_a_mismatched_status(personas, client_for):
    party = PartyFactory(village=personas.yukou, name="刘福生")
    response = client_for(personas.cadre).post(reverse("villages:party-update", args=[party.pk]),
                                               _form(personas, party, status="已吊销（组织）"))
    assert response.status_code == 200
    assert response.context["form"].errors["status"] == [
        "“状态”不能选“已吊销（组织）”：这只适用于单位，该当事人是自然人。"]
    party.refresh_from_db()
    assert party.status == "正常"


def test_a_post_without_the_status_keeps_the_partys_status(personas, client_for):
    party = PartyFactory(village=personas.yukou, name="刘福生", status=S.WHEREABOUTS_UNKNOWN)
    data = {k: v for k, v in _form(personas, party, phone="13900002222").items() if k != "status"}
    assert client_for(personas.cadre).post(reverse("villages:party-update", args=[party.pk]), data).status_code == 302
    party.refresh_from_db()
    assert (party.status, party.phone) == ("下落不明", "13900002222")


def test_outsider_cannot_see_or_change_a_partys_status(personas, client_for):
    party = PartyFactory(village=personas.yukou, name="刘福生")
    client = client_for(personas.outsider)
    url = reverse("villages:party-update", args=[party.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _form(personas, party, status="下落不明")).status_code == 404
    party.refresh_from_db()
    assert party.status == "正常"


def test_inspector_may_not_change_a_partys_status(personas, client_for):
    party = PartyFactory(village=personas.yukou, name="刘福生")
    client = client_for(personas.inspector)
    url = reverse("villages:party-update", args=[party.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _form(personas, party, status="下落不明")).status_code == 403
    party.refresh_from_db()
    assert party.status == "正常"


def test_the_party_list_filters_by_status_and_badges_the_unusual(personas, client_for):
    PartyFactory(village=personas.yukou, name="正常户甲")
    PartyFactory(village=personas.yukou, name="故去户乙", status=S.DECEASED_NO_HEIRS)
    PartyFactory(village=personas.yukou, name="外出户丙", status=S.WHEREABOUTS_UNKNOWN)
    client = client_for(personas.cadre)
    url = reverse("villages:party-list")

    def names(query):
        return {p.name for p in client.get(url, query).context["object_list"]}

    assert names({}) == {"正常户甲", "故去户乙", "外出户丙"}
    assert names({"status": "已故（无继承人）"}) == {"故去户乙"}
    assert names({"status": "非正常"}) == {"故去户乙", "外出户丙"}
    assert names({"status": "正常"}) == {"正常户甲"}
    page = client.get(url).content.decode()
    assert page.count('class="badge text-bg-warning"') == 2
    assert ">已故（无继承人）</span>" in page and ">下落不明</span>" in page


def test_the_parties_export_carries_the_status(personas, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    PartyFactory(village=personas.yukou, name="刘福生", status=S.DECEASED_WITH_HEIRS, heirs=HEIRS)
    response = client_for(personas.cadre).get(reverse("villages:party-list") + "?format=xlsx")
    rows = [list(r) for r in load_workbook(BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)]
    header = rows[2]
    row = next(r for r in rows if "刘福生" in r)
    assert row[header.index("状态")] == "已故（有继承人）" and row[header.index("继承人")] == HEIRS


# --- Where a write-off is weighed --------------------------------------------------------------------------


def test_the_claim_page_shows_the_debtors_status_and_heirs(personas, client_for):
    debtor = PartyFactory(village=personas.yukou, name="刘福生", status=S.DECEASED_WITH_HEIRS, heirs=HEIRS)
    claim = ClaimFactory(village=personas.yukou, debtor=debtor)
    page = client_for(personas.cadre).get(claim.get_absolute_url()).content.decode()
    assert ">已故（有继承人）</span>" in page and f"继承人：{HEIRS}" in page


def test_the_claim_page_shows_no_badge_for_a_normal_debtor(personas, client_for):
    claim = ClaimFactory(village=personas.yukou, debtor=PartyFactory(village=personas.yukou, name="刘福生"))
    page = client_for(personas.cadre).get(claim.get_absolute_url()).content.decode()
    assert "继承人：" not in page
    assert not any(f">{status}</span>" in page for status in S.values if status != "正常")


def test_the_entry_form_lists_the_debtors_status_but_refuses_nothing_for_it(personas, client_for):
    debtor = PartyFactory(village=personas.yukou, name="刘福生", status=S.DECEASED_NO_HEIRS,
                          status_since=date(2019, 2, 1))
    claim = ClaimFactory(village=personas.yukou, debtor=debtor)
    client = client_for(personas.cadre)
    form = client.get(reverse("debts:claim-entry", args=[claim.pk]) + "?kind=核销").context["form"]
    assert form.fields["kind"].help_text == "债务人状态：已故（无继承人），自 2019-02-01 起。核销、减免仍须经民主决策。"
    normal = ClaimFactory(village=personas.yukou)
    form = client.get(reverse("debts:claim-entry", args=[normal.pk]) + "?kind=核销").context["form"]
    assert form.fields["kind"].help_text == ""
