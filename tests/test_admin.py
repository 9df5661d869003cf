"""The Django admin lists every model for administrators; records with their own pages are read-only there."""
import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

EDITABLE_IN_ADMIN = {"County", "Township", "User"}


def domain_models():
    return [m for app in ("core", "villages", "contracts", "debts") for m in apps.get_app_config(app).get_models()]


def test_every_domain_model_is_registered_in_the_admin():
    missing = [m.__name__ for m in domain_models() if not admin.site.is_registered(m)]
    assert missing == []


def test_records_changed_through_services_are_read_only_in_the_admin(personas, rf):
    request = rf.get("/")
    request.user = personas.admin
    writable = []
    for model in domain_models():
        if model.__name__ in EDITABLE_IN_ADMIN:
            continue
        model_admin = admin.site._registry[model]
        if (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
                or model_admin.has_delete_permission(request)):
            writable.append(model.__name__)
    assert writable == []


@pytest.mark.parametrize("model_name", ["contract", "claim", "entry", "party"])
def test_administrator_can_list_records_in_the_admin(personas, client_for, model_name):
    model = next(m for m in domain_models() if m._meta.model_name == model_name)
    url = reverse(f"admin:{model._meta.app_label}_{model_name}_changelist")
    assert client_for(personas.admin).get(url).status_code == 200
    assert client_for(personas.cadre).get(url).status_code == 302  # not staff: sent to the admin login


def test_an_administrator_corrects_a_saved_header_mapping_and_the_change_is_audited(personas, client_for):
    from core.models import AuditEntry
    from ledgers.models import ColumnMapping

    mapping = ColumnMapping.objects.create(county=personas.county, kind="contracts", header_key="年租金",
                                           column="合同总额(元)", updated_by=personas.cadre)
    url = reverse("admin:ledgers_columnmapping_change", args=[mapping.pk])
    response = client_for(personas.admin).post(url, {"county": personas.county.pk, "kind": "contracts",
                                                     "header_key": "年租金", "column": "年承包费(元)",
                                                     "values": "{}"})
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert (mapping.column, mapping.updated_by) == ("年承包费(元)", personas.admin)
    entry = AuditEntry.objects.filter(object_repr=str(mapping), action=AuditEntry.Action.UPDATE).get()
    assert entry.actor == personas.admin
    assert client_for(personas.cadre).get(url).status_code == 302
