"""Every township gets its own unit (镇本级, DOMAIN.md §8): a village row named "<乡镇名>本级", flagged, at most
one per township. A village already bearing that name becomes the body rather than getting a twin."""
from django.db import IntegrityError, migrations, models, transaction
from django.db.models import ProtectedError
from pypinyin import Style, lazy_pinyin


def _keys(name):
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")).lower().replace(" ", "")
    full = "".join(lazy_pinyin(name, errors="default")).lower().replace(" ", "")
    return f"{initials} {full}"


def create_bodies(apps, schema_editor):
    Township = apps.get_model("places", "Township")
    Village = apps.get_model("places", "Village")
    db = schema_editor.connection.alias
    for township in Township.objects.using(db).exclude(villages__is_township_body=True):
        name = f"{township.name}本级"
        if Village.objects.using(db).filter(township=township, name=name).update(is_township_body=True):
            continue
        Village.objects.using(db).create(township=township, name=name, is_township_body=True,
                                         collective_org=f"{township.name}人民政府", search_keys=_keys(name))


def remove_empty_bodies(apps, schema_editor):
    """Going back, a body that holds nothing goes; one that holds records stays, as an ordinary village."""
    Village = apps.get_model("places", "Village")
    db = schema_editor.connection.alias
    for body in Village.objects.using(db).filter(is_township_body=True):
        try:
            with transaction.atomic(using=db):
                body.delete()
        except (ProtectedError, IntegrityError):
            pass


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0002_content_types'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='village',
            options={'ordering': ['township__name', '-is_township_body', 'name'], 'verbose_name': '村', 'verbose_name_plural': '村'},
        ),
        migrations.AddField(
            model_name='village',
            name='is_township_body',
            field=models.BooleanField(default=False, editable=False, help_text='乡镇自身（镇本级）作为一个单位登记合同、债权和债务，范围和统计都与村相同', verbose_name='镇本级'),
        ),
        migrations.AddConstraint(
            model_name='village',
            constraint=models.UniqueConstraint(condition=models.Q(('is_township_body', True)), fields=('township',), name='village_one_township_body', violation_error_message='本乡镇已有镇本级。'),
        ),
        migrations.RunPython(create_bodies, remove_empty_bodies),
    ]
