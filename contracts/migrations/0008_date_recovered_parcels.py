"""Parcels taken back by a completed termination are dated by it (villages 0003 added the day)."""
from django.db import migrations


def date_recoveries(apps, schema_editor):
    """Parcels already 已收回 by a contract's termination are dated by it; others (taken back by hand or
    marked so by a ledger file) stay undated until someone enters the day."""
    Parcel = apps.get_model("villages", "Parcel")
    Disposition = apps.get_model("contracts", "Disposition")
    days = {}
    rows = (Disposition.objects.filter(kind="终止撤销", completed_at__isnull=False, termination_date__isnull=False)
            .values_list("contract__parcels", "termination_date"))
    for parcel_id, day in rows.iterator():
        if parcel_id is not None and (parcel_id not in days or day > days[parcel_id]):
            days[parcel_id] = day
    for parcel_id, day in days.items():
        Parcel.objects.filter(pk=parcel_id, state="已收回").update(recovered_on=day)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0007_resolution_evidence"),
        ("villages", "0003_parcel_recovered_on"),
    ]

    operations = [migrations.RunPython(date_recoveries, migrations.RunPython.noop)]
