"""The audit trail: every create, change and delete, with who, when, before and after."""
import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from core.models import AuditEntry
from villages import services
from villages.factories import PartyFactory


def entries_for(obj):
    return AuditEntry.objects.filter(content_type__model=obj._meta.model_name, object_id=obj.pk).order_by("pk")


def test_create_change_and_delete_are_recorded_with_actor_and_values(personas):
    party = services.party_create(user=personas.cadre, data=dict(
        kind="person", name="张三", id_number="11010519491231002X", village=personas.yukou))
    services.party_update(user=personas.accountant, party=party, data={"phone": "13912345678", "name": "张叁"})
    pk = party.pk
    services.party_delete(user=personas.county_office, party=party)

    created, changed, deleted = AuditEntry.objects.filter(object_id=pk, content_type__model="party").order_by("pk")
    assert (created.action, created.actor) == (AuditEntry.Action.CREATE, personas.cadre)
    assert created.changes_dict["name"] == ["None", "张三"]
    assert (changed.action, changed.actor) == (AuditEntry.Action.UPDATE, personas.accountant)
    assert changed.changes_dict == {"name": ["张三", "张叁"], "phone": ["", "13912345678"]}
    assert (deleted.action, deleted.actor) == (AuditEntry.Action.DELETE, personas.county_office)
    assert {e.village_id for e in (created, changed, deleted)} == {personas.yukou.pk}
    assert {e.township_id for e in (created, changed, deleted)} == {personas.yukou_town.pk}


def test_saving_without_a_change_writes_no_entry(personas):
    party = PartyFactory(village=personas.yukou)
    before = AuditEntry.objects.count()
    services.party_update(user=personas.cadre, party=party, data={"name": party.name})
    assert AuditEntry.objects.count() == before


def test_history_on_the_detail_page_shows_who_and_before_and_after(personas, client_for):
    party = services.party_create(user=personas.accountant, data=dict(
        kind="person", name="张三", village=personas.yukou))
    services.party_update(user=personas.cadre, party=party, data={"address": "峪口村二组"})
    page = client_for(personas.inspector).get(party.get_absolute_url()).content.decode()
    assert "变更记录" in page
    assert "薛文斌" in page and "高志强" in page
    assert "<del>（空）</del> → <ins>峪口村二组</ins>" in page


def test_id_numbers_in_the_history_are_masked_for_roles_without_the_right(personas, client_for):
    party = services.party_create(user=personas.cadre, data=dict(
        kind="person", name="张三", id_number="11010519491231002X", village=personas.yukou))
    url = party.get_absolute_url()
    collector_page = client_for(personas.collector).get(url).content.decode()
    inspector_page = client_for(personas.inspector).get(url).content.decode()
    assert "11010519491231002X" not in collector_page
    assert "110105********002X" in collector_page
    assert "11010519491231002X" in inspector_page


def test_audit_log_page_is_scoped_and_read_only_users_may_read_it(personas, client_for):
    services.party_create(user=personas.cadre, data=dict(kind="person", name="峪口张三", village=personas.yukou))
    services.party_create(user=personas.outsider, data=dict(kind="person", name="积翠李四", village=personas.jicui))
    url = reverse("core:audit-log")
    inspector = client_for(personas.inspector).get(url).content.decode()
    cadre = client_for(personas.cadre).get(url).content.decode()
    assert "峪口张三" in inspector and "积翠李四" in inspector
    assert "峪口张三" in cadre and "积翠李四" not in cadre
    assert client_for(personas.accountant).get(url).status_code == 403
    assert client_for(personas.collector).get(url).status_code == 403


def test_audit_log_can_be_filtered_by_action(personas, client_for):
    party = services.party_create(user=personas.cadre, data=dict(kind="person", name="甲", village=personas.yukou))
    services.party_update(user=personas.cadre, party=party, data={"name": "乙"})
    page = client_for(personas.inspector).get(reverse("core:audit-log"),
                                               {"action": AuditEntry.Action.UPDATE}).content.decode()
    assert "<del>甲</del> → <ins>乙</ins>" in page
    assert "<ins>甲</ins>" not in page


def test_audit_entries_cannot_be_changed_or_deleted_through_the_models(personas):
    PartyFactory(village=personas.yukou)
    entry = AuditEntry.objects.first()
    entry.object_repr = "篡改"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_repr != "篡改"


def test_admin_site_offers_no_way_to_change_or_delete_audit_entries(personas, rf):
    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/")
    request.user = personas.admin
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_update_and_delete_of_audit_rows(personas):
    PartyFactory(village=personas.yukou)
    for sql in ["UPDATE core_auditentry SET object_repr = 'x'", "DELETE FROM core_auditentry"]:
        with pytest.raises(Exception) as error, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
        assert "审计记录只能新增" in str(error.value)
    assert AuditEntry.objects.exists()


def test_audit_log_page_accepts_no_writes(client_for, personas):
    PartyFactory(village=personas.yukou)
    before = list(AuditEntry.objects.values_list("pk", "object_repr"))
    response = client_for(personas.admin).post(reverse("core:audit-log"), {"object_repr": "x"})
    assert response.status_code == 405
    assert list(AuditEntry.objects.values_list("pk", "object_repr")) == before
