"""The places (county, township, village, group) moved to the places app with their tables: the
foreign keys follow them in the migration state only; the columns and constraints stay as they are.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_submission_key'),
        ('places', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='auditentry',
                name='county',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.county'),
            ),
            migrations.AlterField(
                model_name='auditentry',
                name='township',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.township'),
            ),
            migrations.AlterField(
                model_name='auditentry',
                name='village',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='places.village'),
            ),
            migrations.AlterField(
                model_name='job',
                name='county',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.county'),
            ),
            migrations.AlterField(
                model_name='job',
                name='township',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.township'),
            ),
            migrations.AlterField(
                model_name='job',
                name='village',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.village'),
            ),
            migrations.AlterField(
                model_name='user',
                name='county',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.county', verbose_name='县'),
            ),
            migrations.AlterField(
                model_name='user',
                name='township',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.township', verbose_name='乡镇'),
            ),
            migrations.AlterField(
                model_name='user',
                name='village',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.village', verbose_name='村'),
            ),
        ]),
    ]
