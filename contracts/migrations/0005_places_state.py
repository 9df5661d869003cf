"""The places (county, township, village, group) moved to the places app with their tables: the
foreign keys follow them in the migration state only; the columns and constraints stay as they are.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0004_instalment_claimed'),
        ('places', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='contract',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contracts', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='resolution',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='resolutions', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='rulesettings',
                name='county',
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='rule_settings', to='places.county'),
            ),
        ]),
    ]
