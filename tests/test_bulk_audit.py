"""Rows written in bulk are held to the model's rules and get the audit entry django-auditlog gives a row
saved alone: compared field by field with auditlog's own entry, but for the keys and the time."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from auditlog.context import disable_auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts.models import Contract, ContractProblem
from core.audit import acting_as
from core.bulk import BulkAudit, bulk_insert
from core.models import AuditEntry
from debts import bulk as debt_bulk
from debts import services as debt_services
from debts.models import Claim
from villages.models import Party

KEYS_AND_TIME = {"id", "object_pk", "object_id", "timestamp"}


def entry_of(obj) -> dict:
    entry = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    row = {f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields}
    assert (row["object_pk"], row["object_id"]) == (str(obj.pk), obj.pk)
    return {name: value for name, value in row.items() if name not in KEYS_AND_TIME}


def saved_alone(user, obj):
    with acting_as(user):
        obj.save()
    return obj


def saved_in_bulk(user, obj):
    audit = BulkAudit(user)
    bulk_insert(type(obj), [obj], audit)
    audit.flush()
    return obj


def party(village, **more):
    return Party(village=village, kind=Party.Kind.PERSON, name="刘满仓", phone="13900000002", **more)


def test_a_party_inserted_in_bulk_has_the_entry_auditlog_gives_one_saved_alone(personas):
    alone = saved_alone(personas.cadre, party(personas.yukou))
    in_bulk = saved_in_bulk(personas.cadre, party(personas.yukou))
    assert entry_of(in_bulk) == entry_of(alone)
    entry = entry_of(in_bulk)
    assert entry["action"] == AuditEntry.Action.CREATE and entry["actor_id"] == personas.cadre.pk
    assert entry["changes"]["name"] == ["None", "刘满仓"] and entry["village_id"] == personas.yukou.pk


def test_an_actor_without_an_email_is_recorded_as_auditlog_records_them(personas):
    personas.cadre.email = ""
    alone = saved_alone(personas.cadre, party(personas.yukou))
    in_bulk = saved_in_bulk(personas.cadre, party(personas.yukou))
    assert entry_of(in_bulk)["actor_email"] == entry_of(alone)["actor_email"] == ""


def test_a_claim_created_in_bulk_matches_one_created_by_its_service(personas):
    debtor = saved_alone(personas.cadre, party(personas.yukou))
    data = dict(village=personas.yukou, debtor=debtor, origin="借款", origin_note="2016年修路垫付",
                principal=Decimal("8000.50"), occurred_on=date(2016, 5, 1), due_date=date(2017, 5, 1),
                in_book=False, note="")
    alone = debt_services.claim_create(user=personas.cadre, data={**data, "number": "ZQ-1"})
    [in_bulk] = debt_bulk.claims_create(user=personas.cadre, claims=[Claim(**data, number="ZQ-2")])
    assert in_bulk.clock_from == alone.clock_from == date(2017, 5, 1)
    expected = entry_of(alone)
    expected["changes"]["number"] = ["None", "ZQ-2"]
    expected["object_repr"] = str(in_bulk)
    assert entry_of(in_bulk) == expected


def test_empty_and_set_times_are_written_as_auditlog_writes_them(personas):
    counterparty = saved_alone(personas.cadre, party(personas.yukou))
    contract = saved_alone(personas.cadre, Contract(village=personas.yukou, number="HT-1", title="机动地承包合同",
                                                    counterparty=counterparty))
    decided = timezone.now().replace(microsecond=123456)
    for (code_alone, code_in_bulk), decided_at in ((("P01", "P03"), None), (("P04", "P05"), decided)):
        fields = dict(contract=contract, reason="台账登记", from_rule=False, status=ContractProblem.Status.CONFIRMED,
                      decided_by=personas.cadre if decided_at else None, decided_at=decided_at)
        alone = saved_alone(personas.cadre, ContractProblem(code=code_alone, **fields))
        in_bulk = saved_in_bulk(personas.cadre, ContractProblem(code=code_in_bulk, **fields))
        expected = entry_of(alone)
        expected["changes"]["code"] = ["None", code_in_bulk]
        expected["object_repr"] = str(in_bulk)
        assert entry_of(in_bulk) == expected
        assert expected["record"] == f"contract:{contract.pk}"


def test_a_bulk_entry_is_stamped_when_its_row_is_written(personas, monkeypatch):
    # The clock read as the row is recorded, not a time fixed when the writer was made.
    moment = timezone.make_aware(datetime(2026, 3, 5, 9, 30, 15, 123456))
    audit = BulkAudit(personas.cadre)
    monkeypatch.setattr("core.bulk.timezone.now", lambda: moment)
    obj = party(personas.yukou)
    bulk_insert(Party, [obj], audit)
    audit.flush()
    stamp = AuditEntry.objects.get(content_type__model="party", object_id=obj.pk).timestamp
    assert stamp == moment


def test_no_entry_is_written_where_auditlog_is_switched_off(personas):
    with disable_auditlog():
        obj = saved_in_bulk(personas.cadre, party(personas.yukou))
    assert not AuditEntry.objects.filter(content_type__model="party", object_id=obj.pk).exists()


def test_the_models_own_rules_refuse_a_row_in_bulk_as_they_refuse_it_alone(personas):
    debtor = saved_alone(personas.cadre, party(personas.yukou))
    other = Claim(village=personas.yukou, number="ZQ-9", debtor=debtor, origin="其他", principal=Decimal("10"))
    with pytest.raises(ValidationError) as refused:
        debt_bulk.claims_create(user=personas.cadre, claims=[other])
    assert refused.value.message_dict == {"origin_note": ["形成原因为“其他”时，请写明原因。"]}
    assert not Claim.objects.exists()


def test_a_row_the_database_refuses_is_explained_by_the_constraint_it_breaks(personas):
    debtor = saved_alone(personas.cadre, party(personas.yukou))
    first = Claim(village=personas.yukou, number="ZQ-1", debtor=debtor, origin="借款", principal=Decimal("10"))
    twin = Claim(village=personas.yukou, number="ZQ-1", debtor=debtor, origin="借款", principal=Decimal("20"))
    with pytest.raises(ValidationError, match="本村已有相同编号的债权"):
        debt_bulk.claims_create(user=personas.cadre, claims=[first, twin])


def test_the_remote_address_of_the_audit_context_is_recorded_as_auditlog_records_it(personas):
    from auditlog.context import set_actor

    with set_actor(personas.cadre, remote_addr="10.1.2.3"):
        alone = party(personas.yukou)
        alone.save()
        in_bulk = saved_in_bulk(personas.cadre, party(personas.yukou))
    assert entry_of(in_bulk) == entry_of(alone)
    assert entry_of(in_bulk)["remote_addr"] == "10.1.2.3"
