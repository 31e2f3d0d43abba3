"""The database bumps a session's `version` when one of its registrations is created,
deleted, or changes status or session, whoever writes it: a session's places (the held and
waiting counts the catalogue shows) depend on nothing else, and the versioned cache
(catalog.cache_versions) keys them by that version. A registration's other columns (a
reminder sent, a decision's date) leave it alone: they show on no catalogue page, and the
writers that touch only them (reminders, exports) do not lock the session first."""

from django.db import migrations

from common.migration_operations import RunSQLForVendor

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION enrollment_bump_session_version() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE catalog_session SET version = version + 1 WHERE id = OLD.session_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.session_id <> OLD.session_id) THEN
            UPDATE catalog_session SET version = version + 1 WHERE id = NEW.session_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER enrollment_registration_places AFTER INSERT OR DELETE ON enrollment_registration
    FOR EACH ROW EXECUTE FUNCTION enrollment_bump_session_version()
    """,
    """
    CREATE TRIGGER enrollment_registration_moved AFTER UPDATE OF status, session_id
    ON enrollment_registration FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.session_id IS DISTINCT FROM NEW.session_id)
    EXECUTE FUNCTION enrollment_bump_session_version()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS enrollment_registration_places ON enrollment_registration",
    "DROP TRIGGER IF EXISTS enrollment_registration_moved ON enrollment_registration",
    "DROP FUNCTION IF EXISTS enrollment_bump_session_version()",
]
SQLITE = [
    """
    CREATE TRIGGER enrollment_registration_created AFTER INSERT ON enrollment_registration
    BEGIN
        UPDATE catalog_session SET version = version + 1 WHERE id = NEW.session_id;
    END
    """,
    """
    CREATE TRIGGER enrollment_registration_deleted AFTER DELETE ON enrollment_registration
    BEGIN
        UPDATE catalog_session SET version = version + 1 WHERE id = OLD.session_id;
    END
    """,
    """
    CREATE TRIGGER enrollment_registration_moved AFTER UPDATE OF status, session_id
    ON enrollment_registration
    WHEN OLD.status IS NOT NEW.status OR OLD.session_id IS NOT NEW.session_id
    BEGIN
        UPDATE catalog_session SET version = version + 1
        WHERE id IN (OLD.session_id, NEW.session_id);
    END
    """,
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS enrollment_registration_{name}"
    for name in ("created", "deleted", "moved")
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_version_triggers"),
        ("enrollment", "0005_halfdayattendance"),
    ]

    operations = [
        RunSQLForVendor(
            sql={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            reverse_sql={"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        )
    ]
