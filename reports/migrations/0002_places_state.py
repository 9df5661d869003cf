"""The places (county, township, village, group) moved to the places app with their tables: the
foreign keys follow them in the migration state only; the columns and constraints stay as they are.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0001_initial'),
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='incomerecord',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='income_records', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='reportsettings',
                name='county',
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='report_settings', to='places.county'),
            ),
            migrations.AlterField(
                model_name='riskcase',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='risk_cases', to='places.village', verbose_name='村'),
            ),
        ]),
    ]
