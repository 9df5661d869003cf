"""An instalment remembers that its arrears became a claim, and what the claim has cleared since.

Instalments that already have a claim get the mark (the day the claim was made)
and the sum of the claim's entries, net of reversals, so the arrears rule reads
the same as before.
"""
from decimal import Decimal

from django.db import migrations, models
from django.db.models import Sum
from django.utils import timezone


def mark_claimed(apps, schema_editor):
    Instalment = apps.get_model("contracts", "Instalment")
    Claim = apps.get_model("debts", "Claim")
    Entry = apps.get_model("debts", "Entry")
    cleared = dict(Entry.objects.filter(claim__instalment__isnull=False).order_by().values("claim_id")
                   .annotate(total=Sum("amount")).values_list("claim_id", "total"))
    for claim in Claim.objects.filter(instalment__isnull=False).only("pk", "instalment_id", "created_at"):
        made = claim.created_at
        Instalment.objects.filter(pk=claim.instalment_id).update(
            claimed_on=timezone.localdate(made) if timezone.is_aware(made) else made.date(),
            cleared_on_claim=cleared.get(claim.pk) or Decimal("0"))


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0003_resolution_corrects"),
        # The claims made from instalments so far, read to set the mark.
        ("debts", "0005_principal_frozen_once_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="instalment",
            name="claimed_on",
            field=models.DateField(blank=True, null=True, verbose_name="转为债权日期"),
        ),
        migrations.AddField(
            model_name="instalment",
            name="cleared_on_claim",
            field=models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14,
                                      verbose_name="转为债权后已清收(元)"),
        ),
        migrations.RunPython(mark_claimed, migrations.RunPython.noop),
    ]
