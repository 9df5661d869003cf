"""Database-level guards used by migrations."""
from django.db import migrations


def append_only(table: str, message: str) -> migrations.RunPython:
    """A migration operation that makes PostgreSQL refuse UPDATE and DELETE on `table`.

    Other databases get no trigger; there the models refuse the same writes.
    (TRUNCATE stays with the database owner, for restoring a backup.)
    """
    function = f"{table}_append_only"
    create = f"""
    CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{message}';
    END;
    $$ LANGUAGE plpgsql;
    CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {function}();
    """
    drop = f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"

    def run(sql):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql)
        return apply

    return migrations.RunPython(run(create), run(drop))
