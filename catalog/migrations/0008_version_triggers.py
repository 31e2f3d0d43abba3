"""The database bumps an action's or a session's `version` whenever its row changes, whoever
writes it (the services, the admin, a shell's `QuerySet.update`, plain SQL): the versioned
cache (catalog.cache_versions) can then never serve a page about a row changed behind the
application's back. Python's own bumps (an explicit `version = version + 1`) are left as they
are: the trigger only acts when an UPDATE left the version unchanged."""

from django.db import migrations

from common.migration_operations import RunSQLForVendor

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION catalog_bump_row_version() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.version = OLD.version AND NEW IS DISTINCT FROM OLD THEN
            NEW.version := OLD.version + 1;
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER catalog_session_version BEFORE UPDATE ON catalog_session
    FOR EACH ROW EXECUTE FUNCTION catalog_bump_row_version()
    """,
    """
    CREATE TRIGGER catalog_action_version BEFORE UPDATE ON catalog_action
    FOR EACH ROW EXECUTE FUNCTION catalog_bump_row_version()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_session_version ON catalog_session",
    "DROP TRIGGER IF EXISTS catalog_action_version ON catalog_action",
    "DROP FUNCTION IF EXISTS catalog_bump_row_version()",
]
# SQLite (`make run`): no row comparison in a trigger; an UPDATE that kept the version bumps
# it (a save that changed nothing then costs one cache miss, nothing more). Recursive
# triggers are off: the trigger's own UPDATE does not fire it again.
SQLITE = [
    f"""
    CREATE TRIGGER catalog_{table}_version AFTER UPDATE ON catalog_{table}
    FOR EACH ROW WHEN NEW.version = OLD.version
    BEGIN
        UPDATE catalog_{table} SET version = version + 1 WHERE id = NEW.id;
    END
    """
    for table in ("session", "action")
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS catalog_{table}_version" for table in ("session", "action")]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_cache_versions"),
    ]

    operations = [
        RunSQLForVendor(
            sql={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            reverse_sql={"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        )
    ]
