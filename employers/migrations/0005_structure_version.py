"""A structure's `version`, bumped by the database whenever what the Employer Space caches
about it changes (`employers.selectors.structure_details`), whoever writes it (the services,
the admin, a shell's `QuerySet.update`, plain SQL): the structure's row, one of its
memberships, approver links or invitations, an approver's name or address. The structure's
row is locked by the bump, as a row nobody else locks first (enrollment/locking.py: after
users, which a profile's change locks before its trigger bumps)."""

from django.db import migrations, models

from common.migration_operations import RunSQLForVendor

# The tables whose rows belong to a structure (a `structure_id` column).
CHILDREN = ("employers_membership", "employers_approverinvitation", "employers_structure_approvers")

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION employers_bump_row_version() RETURNS trigger
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
    CREATE TRIGGER employers_structure_version BEFORE UPDATE ON employers_structure
    FOR EACH ROW EXECUTE FUNCTION employers_bump_row_version()
    """,
    """
    CREATE OR REPLACE FUNCTION employers_bump_structure_version() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE employers_structure SET version = version + 1 WHERE id = OLD.structure_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.structure_id <> OLD.structure_id) THEN
            UPDATE employers_structure SET version = version + 1 WHERE id = NEW.structure_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"""
        CREATE TRIGGER {table}_structure_version AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION employers_bump_structure_version()
        """
        for table in CHILDREN
    ),
    """
    CREATE OR REPLACE FUNCTION employers_bump_approver_structures() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE employers_structure SET version = version + 1 WHERE id IN (
            SELECT structure_id FROM employers_structure_approvers WHERE user_id = NEW.id
        );
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER employers_approver_named AFTER UPDATE OF first_name, last_name, email
    ON accounts_user FOR EACH ROW
    WHEN (OLD.first_name IS DISTINCT FROM NEW.first_name
          OR OLD.last_name IS DISTINCT FROM NEW.last_name
          OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION employers_bump_approver_structures()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS employers_approver_named ON accounts_user",
    "DROP FUNCTION IF EXISTS employers_bump_approver_structures()",
    *(f"DROP TRIGGER IF EXISTS {table}_structure_version ON {table}" for table in CHILDREN),
    "DROP FUNCTION IF EXISTS employers_bump_structure_version()",
    "DROP TRIGGER IF EXISTS employers_structure_version ON employers_structure",
    "DROP FUNCTION IF EXISTS employers_bump_row_version()",
]
# SQLite (`make run`): an UPDATE that kept the version bumps it; recursive triggers are off.
SQLITE = [
    """
    CREATE TRIGGER employers_structure_version AFTER UPDATE ON employers_structure
    FOR EACH ROW WHEN NEW.version = OLD.version
    BEGIN
        UPDATE employers_structure SET version = version + 1 WHERE id = NEW.id;
    END
    """,
    *(
        sql
        for table in CHILDREN
        for sql in (
            f"""
            CREATE TRIGGER {table}_structure_created AFTER INSERT ON {table}
            BEGIN
                UPDATE employers_structure SET version = version + 1 WHERE id = NEW.structure_id;
            END
            """,
            f"""
            CREATE TRIGGER {table}_structure_changed AFTER UPDATE ON {table}
            BEGIN
                UPDATE employers_structure SET version = version + 1
                WHERE id IN (OLD.structure_id, NEW.structure_id);
            END
            """,
            f"""
            CREATE TRIGGER {table}_structure_deleted AFTER DELETE ON {table}
            BEGIN
                UPDATE employers_structure SET version = version + 1 WHERE id = OLD.structure_id;
            END
            """,
        )
    ),
    """
    CREATE TRIGGER employers_approver_named AFTER UPDATE OF first_name, last_name, email
    ON accounts_user
    WHEN OLD.first_name IS NOT NEW.first_name OR OLD.last_name IS NOT NEW.last_name
        OR OLD.email IS NOT NEW.email
    BEGIN
        UPDATE employers_structure SET version = version + 1 WHERE id IN (
            SELECT structure_id FROM employers_structure_approvers WHERE user_id = NEW.id
        );
    END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS employers_approver_named",
    *(
        f"DROP TRIGGER IF EXISTS {table}_structure_{event}"
        for table in CHILDREN
        for event in ("created", "changed", "deleted")
    ),
    "DROP TRIGGER IF EXISTS employers_structure_version",
]


class Migration(migrations.Migration):
    dependencies = [
        ("employers", "0004_attachment_deciders_told_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="structure",
            name="version",
            field=models.PositiveBigIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        RunSQLForVendor(
            sql={"postgresql": POSTGRESQL, "sqlite": SQLITE},
            reverse_sql={"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]
