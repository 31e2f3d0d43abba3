"""The session's calendar SEQUENCE (RFC 5545 § 3.8.7.4): one more at each change its events
show (dates, times, place, joining link, cancellation: catalog.changes), so that a calendar
program importing the new file replaces the events of the same UID. On SQLite, adding a column with a default rebuilds the
table, which drops its triggers: the version trigger of migration 0008 is made again after
the field is added (and before it is removed, when going back, in the reverse order)."""

from django.db import migrations, models

from common.migration_operations import RunSQLForVendor

SESSION_VERSION_TRIGGER = [
    "DROP TRIGGER IF EXISTS catalog_session_version",
    """
    CREATE TRIGGER catalog_session_version AFTER UPDATE ON catalog_session
    FOR EACH ROW WHEN NEW.version = OLD.version
    BEGIN
        UPDATE catalog_session SET version = version + 1 WHERE id = NEW.id;
    END
    """,
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_version_triggers"),
    ]

    operations = [
        # Going back: the table rebuilt by the field's removal gets its trigger again.
        RunSQLForVendor(sql={}, reverse_sql={"sqlite": SESSION_VERSION_TRIGGER}),
        migrations.AddField(
            model_name="session",
            name="calendar_sequence",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="révision .ics"
            ),
        ),
        RunSQLForVendor(sql={"sqlite": SESSION_VERSION_TRIGGER}, reverse_sql={}),
    ]
