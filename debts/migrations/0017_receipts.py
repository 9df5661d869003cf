"""Receipts (收款收据) of cash entries, numbered per village and year, and the sequence that numbers them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('debts', '0016_letter_as_of_label'),
        ('places', '0003_township_body'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Receipt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=80, unique=True, verbose_name='收据编号')),
                ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                ('seq', models.PositiveIntegerField(verbose_name='序号')),
                ('issued_on', models.DateField(verbose_name='开具日期')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='开具人')),
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='receipt', to='debts.entry', verbose_name='收款分录')),
                ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.village', verbose_name='村')),
            ],
            options={
                'verbose_name': '收款收据',
                'verbose_name_plural': '收款收据',
                'ordering': ['village_id', 'year', 'seq'],
                'constraints': [models.UniqueConstraint(fields=('village', 'year', 'seq'), name='receipt_unique_seq')],
            },
        ),
        migrations.CreateModel(
            name='ReceiptSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('last', models.PositiveIntegerField(default=0)),
                ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='places.village')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('village', 'year'), name='receipt_sequence_unique')],
            },
        ),
    ]
