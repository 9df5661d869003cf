"""On PostgreSQL the database itself refuses to change or remove audit rows."""
from django.db import migrations

from core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [append_only("core_auditentry", "审计记录只能新增，不能修改或删除")]
