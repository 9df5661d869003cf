"""The content types of the places (which the audit trail's rows point at) follow the models from the
villages app to the places app, so that their history stays attached to them."""
from django.db import migrations

PLACES = ["county", "township", "village", "group"]


def to_places(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in PLACES:
        # A database migrated before the move has the old row; a new one gets its rows after migrating.
        if not ContentType.objects.using(db).filter(app_label="places", model=model).exists():
            ContentType.objects.using(db).filter(app_label="villages", model=model).update(app_label="places")


def to_villages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in PLACES:
        if not ContentType.objects.using(db).filter(app_label="villages", model=model).exists():
            ContentType.objects.using(db).filter(app_label="places", model=model).update(app_label="villages")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("places", "0001_initial"),
        ("villages", "0002_places_moved_out"),
    ]

    operations = [
        migrations.RunPython(to_places, to_villages),
    ]
