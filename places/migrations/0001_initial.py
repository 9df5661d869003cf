"""The places were first created by the villages app, and their tables keep those names: here they
only enter the places app's state; the database is not touched.
"""
import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('villages', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='County',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=50, unique=True, verbose_name='县名')),
                    ('code', models.CharField(blank=True, max_length=12, verbose_name='行政区划代码')),
                ],
                options={
                    'verbose_name': '县',
                    'verbose_name_plural': '县',
                    'db_table': 'villages_county',
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='Township',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=50, verbose_name='乡镇名称')),
                    ('code', models.CharField(blank=True, max_length=12, verbose_name='行政区划代码')),
                    ('county', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='townships', to='places.county', verbose_name='县')),
                ],
                options={
                    'verbose_name': '乡镇',
                    'verbose_name_plural': '乡镇',
                    'db_table': 'villages_township',
                    'ordering': ['county_id', 'name'],
                },
            ),
            migrations.CreateModel(
                name='Village',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=50, verbose_name='村名')),
                    ('code', models.CharField(blank=True, max_length=12, verbose_name='行政区划代码')),
                    ('collective_org', models.CharField(blank=True, help_text='在函件上署名盖章的组织，如：峪口村股份经济合作社', max_length=100, verbose_name='集体经济组织名称')),
                    ('households', models.PositiveIntegerField(blank=True, null=True, verbose_name='户数')),
                    ('population', models.PositiveIntegerField(blank=True, null=True, verbose_name='人口')),
                    ('total_area_mu', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.01'), message='面积必须大于0亩。')], verbose_name='总面积(亩)')),
                    ('arable_area_mu', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='面积不能为负数。')], verbose_name='耕地面积(亩)')),
                    ('forest_area_mu', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0'), message='面积不能为负数。')], verbose_name='林地面积(亩)')),
                    ('expected_contracts', models.PositiveIntegerField(default=0, help_text='合同查找率的分母：经“三查一访”摸底应有的合同份数', verbose_name='应有合同数')),
                    ('note', models.TextField(blank=True, verbose_name='备注')),
                    ('search_keys', models.CharField(blank=True, editable=False, max_length=400)),
                    ('township', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='villages', to='places.township', verbose_name='乡镇')),
                ],
                options={
                    'verbose_name': '村',
                    'verbose_name_plural': '村',
                    'db_table': 'villages_village',
                    'ordering': ['township__name', 'name'],
                },
            ),
            migrations.CreateModel(
                name='Group',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(help_text='如：一组、第三村民小组', max_length=30, verbose_name='组名')),
                    ('leader', models.CharField(blank=True, max_length=30, verbose_name='组长')),
                    ('households', models.PositiveIntegerField(blank=True, null=True, verbose_name='户数')),
                    ('population', models.PositiveIntegerField(blank=True, null=True, verbose_name='人口')),
                    ('village', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='groups', to='places.village', verbose_name='村')),
                ],
                options={
                    'verbose_name': '村民小组',
                    'verbose_name_plural': '村民小组',
                    'db_table': 'villages_group',
                    'ordering': ['village_id', 'name'],
                },
            ),
            migrations.AddConstraint(
                model_name='township',
                constraint=models.UniqueConstraint(fields=('county', 'name'), name='township_unique_name', violation_error_message='本县已有同名乡镇。'),
            ),
            migrations.AddConstraint(
                model_name='village',
                constraint=models.UniqueConstraint(fields=('township', 'name'), name='village_unique_name', violation_error_message='本乡镇已有同名的村。'),
            ),
            migrations.AddConstraint(
                model_name='village',
                constraint=models.CheckConstraint(condition=models.Q(('total_area_mu__gt', 0), ('total_area_mu__isnull', True), _connector='OR'), name='village_total_area_positive'),
            ),
            migrations.AddConstraint(
                model_name='village',
                constraint=models.CheckConstraint(condition=models.Q(('arable_area_mu__gte', 0), ('arable_area_mu__isnull', True), _connector='OR'), name='village_arable_area_not_negative'),
            ),
            migrations.AddConstraint(
                model_name='village',
                constraint=models.CheckConstraint(condition=models.Q(('forest_area_mu__gte', 0), ('forest_area_mu__isnull', True), _connector='OR'), name='village_forest_area_not_negative'),
            ),
            migrations.AddConstraint(
                model_name='group',
                constraint=models.UniqueConstraint(fields=('village', 'name'), name='group_unique_name', violation_error_message='本村已有同名村民小组。'),
            ),
        ]),
    ]
