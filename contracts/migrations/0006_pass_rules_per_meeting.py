import django.db.models.expressions
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0005_places_state'),
    ]

    # A generated column cannot be altered in place: it is dropped and computed anew from the counts.
    operations = [
        migrations.RemoveField(model_name='resolution', name='passed'),
        migrations.AddField(
            model_name='resolution',
            name='passed',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(models.Q(('meeting', '村民会议'), django.db.models.lookups.GreaterThan(django.db.models.expressions.CombinedExpression(models.F('members_present'), '*', models.Value(2)), models.F('members_expected')), django.db.models.lookups.GreaterThan(django.db.models.expressions.CombinedExpression(models.F('votes_for'), '*', models.Value(2)), models.F('members_present'))), then=models.Value(True)), models.When(models.Q(models.Q(('meeting', '村民会议'), _negated=True), django.db.models.lookups.GreaterThanOrEqual(django.db.models.expressions.CombinedExpression(models.F('members_present'), '*', models.Value(3)), django.db.models.expressions.CombinedExpression(models.F('members_expected'), '*', models.Value(2))), django.db.models.lookups.GreaterThan(django.db.models.expressions.CombinedExpression(models.F('votes_for'), '*', models.Value(2)), models.F('members_present'))), then=models.Value(True)), default=models.Value(False)), output_field=models.BooleanField(verbose_name='通过')),
        ),
    ]
