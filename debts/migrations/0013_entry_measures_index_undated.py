"""The measures' index on ledger entries also carries `date_unknown` and `reverses`: the dashboards tell an
amount a ledger gave without its day (and its reversal) from the period's flows, still from the index alone."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('debts', '0012_discount_rules'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='entry',
            name='entry_claim_measures_idx',
        ),
        migrations.AddIndex(
            model_name='entry',
            index=models.Index(fields=['claim', 'entered_on', 'kind', 'amount', 'date_unknown', 'reverses'],
                               name='entry_claim_measures_idx'),
        ),
    ]
