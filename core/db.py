"""Database-level guards used by migrations, and the tuning of each new database connection."""
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


# SQLite keeps a 2 MB page cache per connection by default, while a county's ledgers at field scale
# take some 80 MB, all of which the dashboards' aggregates read on every request: a larger cache and
# memory-mapped reads keep them in memory (measured by bench/dashboard.py: 273 → 218 ms).
SQLITE_CACHE_KIB = 64 * 1024
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def tune_new_connection(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: per-connection settings the database has no other place for."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
