"""A parcel's state follows its contracts (已发包 while one is in force, 闲置 after, 已收回 when a termination
took it back), and a disposition is completed with its evidence uploaded on the same page."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Attachment, Contract
from core.models import AuditEntry
from tests.test_contract_workflow import PDF, private_root, problem_contract, standardising  # noqa: F401
from villages.factories import ParcelFactory
from villages.models import Parcel

TODAY = timezone.localdate()


def state(parcel):
    return Parcel.objects.get(pk=parcel.pk).state


def register(personas, parcels, **fields):
    contract = problem_contract(personas)
    data = {f.name: getattr(contract, f.name) for f in Contract._meta.concrete_fields
            if f.name in ("village", "title", "kind", "counterparty", "annual_fee", "form", "signer")}
    return services.contract_register(user=personas.accountant, data={
        **data, "number": f"YK-{len(parcels)}-{fields.get('start_date', '')}", **fields}, parcels=parcels)


def test_a_registered_contract_lets_its_idle_parcel_and_the_change_is_audited(personas):
    parcel = ParcelFactory(village=personas.yukou, code="YK-JD-004", kind="机动地", ledger_area_mu=Decimal("12.14"),
                           state="闲置")
    register(personas, [parcel], start_date=TODAY - timedelta(days=30), end_date=TODAY + timedelta(days=3650))
    assert state(parcel) == Parcel.State.LET
    assert AuditEntry.objects.filter(object_pk=str(parcel.pk), changes__icontains="已发包").exists()


def test_a_contract_not_yet_begun_or_already_ended_leaves_the_parcel_as_it_is(personas):
    parcel = ParcelFactory(village=personas.yukou, kind="机动地", state="闲置")
    register(personas, [parcel], start_date=TODAY + timedelta(days=10), end_date=TODAY + timedelta(days=400))
    assert state(parcel) == Parcel.State.IDLE
    # The day it begins, the daily task lets it.
    assert services.parcels_follow_all(today=TODAY + timedelta(days=10)) == 1
    assert state(parcel) == Parcel.State.LET
    # The day after it ends, the parcel is idle again.
    assert services.parcels_follow_all(today=TODAY + timedelta(days=401)) == 1
    assert state(parcel) == Parcel.State.IDLE


def test_a_parcel_taken_off_a_contract_is_idle_again_unless_another_lets_it(personas):
    first, second = (ParcelFactory(village=personas.yukou, kind="机动地", state="闲置") for _ in range(2))
    contract = register(personas, [first, second], start_date=TODAY - timedelta(days=1))
    other = register(personas, [second, first][:1], start_date=TODAY - timedelta(days=2), end_date=None)
    assert state(first) == state(second) == Parcel.State.LET
    services.contract_update(user=personas.accountant, contract=contract, data={}, parcels=[])
    assert state(first) == Parcel.State.IDLE and state(second) == Parcel.State.LET
    assert other.parcels.get() == second


def test_an_occupied_parcel_stays_occupied_until_a_contract_lets_it(personas):
    parcel = ParcelFactory(village=personas.yukou, kind="机动地", state="被占用")
    register(personas, [parcel], start_date=TODAY + timedelta(days=5))
    assert state(parcel) == Parcel.State.OCCUPIED
    assert services.parcels_follow_all(today=TODAY + timedelta(days=5)) == 1
    assert state(parcel) == Parcel.State.LET


def completion_page(client, contract):
    return reverse("contracts:contract-complete", args=[contract.pk])


def test_a_termination_completed_with_its_notice_uploaded_on_the_page_recovers_the_parcel(personas, client_for):
    parcel = ParcelFactory(village=personas.yukou, kind="机动地", ledger_area_mu=Decimal("6.40"), state="已发包")
    contract = standardising(personas, "终止撤销", contract=problem_contract(personas, parcels=[parcel]))
    client = client_for(personas.cadre)
    url = completion_page(client, contract)
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and "终止通知（PDF、JPG、PNG）" in page
    refused = client.post(url, {"termination_date": "2026-05-30", "version": contract.version})
    assert refused.status_code == 200 and "请上传终止通知。" in refused.content.decode()
    assert not contract.attachments.filter(kind=Attachment.Kind.TERMINATION).exists()
    done = client.post(url, {"termination_date": "2026-05-30", "version": contract.version,
                             "evidence": SimpleUploadedFile("终止通知.pdf", PDF)})
    assert done.status_code == 302, done.content.decode()[:3000]
    contract.refresh_from_db()
    assert contract.state == "已规范"
    notice = contract.attachments.get(kind=Attachment.Kind.TERMINATION)
    assert notice.original_name == "终止通知.pdf" and notice.uploaded_by == personas.cadre
    assert (state(parcel), Parcel.objects.get(pk=parcel.pk).recovered_on) == (Parcel.State.RECOVERED,
                                                                                date(2026, 5, 30))


def test_a_revision_completed_with_its_agreement_uploaded_on_the_page(personas, client_for):
    contract = standardising(personas, "完善修订")
    client = client_for(personas.cadre)
    url = completion_page(client, contract)
    data = {"agreement_date": "2026-06-01", "annual_fee": "3,600", "version": contract.version,
            "evidence": SimpleUploadedFile("补充协议.pdf", PDF)}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    contract.refresh_from_db()
    assert (contract.state, contract.annual_fee) == ("已规范", Decimal("3600.00"))
    assert contract.attachments.filter(kind=Attachment.Kind.AGREEMENT).count() == 1


def test_a_bad_file_on_the_completion_page_is_refused_and_changes_nothing(personas, client_for):
    contract = standardising(personas, "完善修订")
    client = client_for(personas.cadre)
    response = client.post(completion_page(client, contract), {
        "agreement_date": "2026-06-01", "annual_fee": "3,600", "version": contract.version,
        "evidence": SimpleUploadedFile("补充协议.pdf", b"MZ\x90\x00 not a pdf")})
    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.state == "规范中" and not contract.attachments.filter(kind=Attachment.Kind.AGREEMENT).exists()


@pytest.mark.parametrize("who, status", [("inspector", 403), ("outsider", 404), ("accountant", 403)])
def test_the_completion_page_is_the_townships(personas, client_for, who, status):
    contract = standardising(personas, "完善修订")
    response = client_for(getattr(personas, who)).post(
        reverse("contracts:contract-complete", args=[contract.pk]),
        {"agreement_date": "2026-06-01", "version": contract.version,
         "evidence": SimpleUploadedFile("补充协议.pdf", PDF)})
    assert response.status_code == status
    assert not contract.attachments.filter(kind=Attachment.Kind.AGREEMENT).exists()
