"""On PostgreSQL the database itself refuses to change or remove ledger entries."""
from django.db import migrations

from core.db import append_only


class Migration(migrations.Migration):
    dependencies = [("debts", "0001_initial")]

    operations = [append_only("debts_entry", "分录只能新增，不能修改或删除；错误请用冲正分录更正")]
