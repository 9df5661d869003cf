"""The places (county, township, village, group) moved to the places app with their tables: the
foreign keys follow them in the migration state only; the columns and constraints stay as they are.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledgers', '0001_initial'),
        ('places', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='ledgerimport',
                name='county',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.county'),
            ),
            migrations.AlterField(
                model_name='ledgerimport',
                name='township',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.township'),
            ),
            migrations.AlterField(
                model_name='ledgerimport',
                name='village',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.village'),
            ),
        ]),
    ]
