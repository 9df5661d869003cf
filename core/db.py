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


def frozen_once_referenced(table: str, columns: tuple[str, ...], child_table: str, child_column: str,
                           message: str, *,
                           vendors: tuple[str, ...] = ("postgresql", "sqlite")) -> migrations.RunPython:
    """A migration operation that makes the database refuse to change `columns` of a row of `table` once a
    row of `child_table` points at it through `child_column` (a claim's principal once entries rest on it).

    On PostgreSQL and SQLite alike, so that a raw UPDATE is refused as the services refuse it. SQLite drops a
    table's triggers whenever a migration rebuilds the table (most field changes do): a later migration puts
    them back with `vendors=("sqlite",)`.
    """
    name = f"{table}_frozen_{'_'.join(columns)}"
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
    referenced = f"EXISTS (SELECT 1 FROM {child_table} WHERE {child_column} = OLD.id)"
    postgresql = f"""
    CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
    BEGIN
        IF ({changed}) AND {referenced} THEN
            RAISE EXCEPTION '{message}';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    CREATE TRIGGER {name} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();
    """
    sqlite_changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    sqlite = f"""
    CREATE TRIGGER IF NOT EXISTS {name} BEFORE UPDATE ON {table}
    FOR EACH ROW WHEN ({sqlite_changed}) AND {referenced}
    BEGIN SELECT RAISE(ABORT, '{message}'); END;
    """
    drops = {"postgresql": f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();",
             "sqlite": f"DROP TRIGGER IF EXISTS {name};"}

    def run(statements):
        def apply(apps, schema_editor):
            sql = statements.get(schema_editor.connection.vendor)
            if sql:
                schema_editor.execute(sql.strip())
        return apply

    creates = {"postgresql": postgresql, "sqlite": sqlite}
    return migrations.RunPython(run({v: creates[v] for v in vendors}), run({v: drops[v] for v in vendors}))


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
