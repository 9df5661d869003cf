"""The places (county, township, village, group) moved to the places app with their tables: the
foreign keys follow them in the migration state only; the columns and constraints stay as they are.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('debts', '0005_principal_frozen_once_entries'),
        ('places', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='claim',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='debt',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='debts', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='disputetask',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='legalaction',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='legal_actions', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='letter',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='letters', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='lettersequence',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.village'),
            ),
            migrations.AlterField(
                model_name='mediationcase',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='mediation_cases', to='places.village', verbose_name='村'),
            ),
        ]),
    ]
