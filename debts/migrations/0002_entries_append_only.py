"""On PostgreSQL the database itself refuses to change or remove ledger entries."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION debts_entry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '分录只能新增，不能修改或删除；错误请用冲正分录更正';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER debts_entry_append_only
    BEFORE UPDATE OR DELETE ON debts_entry
    FOR EACH ROW EXECUTE FUNCTION debts_entry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS debts_entry_append_only ON debts_entry;
DROP FUNCTION IF EXISTS debts_entry_append_only();
"""


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)
    return apply


class Migration(migrations.Migration):
    dependencies = [("debts", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
