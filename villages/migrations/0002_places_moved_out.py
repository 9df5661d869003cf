"""County, township, village and group now belong to the places app (places 0001, same tables): the
villages app lets go of them in its state only, once every app that points at them points at places.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0005_places_state'),
        ('core', '0007_places_state'),
        ('debts', '0006_places_state'),
        ('ledgers', '0002_places_state'),
        ('places', '0001_initial'),
        ('reports', '0002_places_state'),
        ('villages', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='township',
                name='county',
            ),
            migrations.RemoveField(
                model_name='group',
                name='village',
            ),
            migrations.AlterField(
                model_name='party',
                name='group',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='parties', to='places.group', verbose_name='村民小组'),
            ),
            migrations.AlterField(
                model_name='asset',
                name='group',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assets', to='places.group', verbose_name='村民小组'),
            ),
            migrations.AlterField(
                model_name='parcel',
                name='group',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='parcels', to='places.group', verbose_name='村民小组'),
            ),
            migrations.RemoveField(
                model_name='village',
                name='township',
            ),
            migrations.AlterField(
                model_name='parcel',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='parcels', to='places.village', verbose_name='村'),
            ),
            migrations.AlterField(
                model_name='party',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='parties', to='places.village', verbose_name='登记村'),
            ),
            migrations.AlterField(
                model_name='asset',
                name='village',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assets', to='places.village', verbose_name='村'),
            ),
            migrations.DeleteModel(
                name='County',
            ),
            migrations.DeleteModel(
                name='Group',
            ),
            migrations.DeleteModel(
                name='Township',
            ),
            migrations.DeleteModel(
                name='Village',
            ),
        ]),
    ]
