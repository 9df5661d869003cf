from decimal import Decimal

from django.db import migrations
from django.db.models import Sum
from django.utils import timezone

REASON = "税费改革前形成的三提五统、农业税尾欠，按规定打包封存"


def seal_open_tax_era_claims(apps, schema_editor):
    """税费尾欠 is out of collection from the moment it is registered (DOMAIN.md §8): an open one that was
    registered before that rule is sealed now, with a 封存 step on its timeline. One already cleared stays
    as it is, so that money actually collected stays in the collection figures."""
    Claim = apps.get_model("debts", "Claim")
    ClaimEvent = apps.get_model("debts", "ClaimEvent")
    today = timezone.localdate()
    for claim in Claim.objects.filter(origin="税费尾欠", sealed=False).annotate(paid=Sum("entries__amount")):
        if claim.principal - (claim.paid or Decimal("0")) <= 0:
            continue
        Claim.objects.filter(pk=claim.pk).update(sealed=True, seal_reason=REASON)
        ClaimEvent.objects.create(claim_id=claim.pk, kind="封存", happened_on=today, note=REASON)


class Migration(migrations.Migration):

    dependencies = [
        ("debts", "0007_limitation_clock"),
    ]

    operations = [
        migrations.RunPython(seal_open_tax_era_claims, migrations.RunPython.noop),
    ]
