"""A GIN index for the catalogue's French full-text search (PostgreSQL only).

Written as SQL rather than a model `GinIndex` so that SQLite (the zero-setup default) skips
it. The expression is exactly the one `catalog.selectors._search` compiles from
`SearchVector("title", "summary", "objectives", config="french")`, so PostgreSQL uses it.
"""

from django.db import migrations

INDEX = "catalog_action_search_fr"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_action USING gin ("
    "to_tsvector('french'::regconfig, COALESCE(title, '') || ' ' || COALESCE(summary, '') "
    "|| ' ' || COALESCE(objectives, '')))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
