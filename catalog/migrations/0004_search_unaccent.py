"""French full-text search that ignores accents (PostgreSQL only): the `unaccent` extension,
a text-search configuration `fr_unaccent` (French stemming after accents are removed), and
the GIN index of migration 0002 rebuilt on it.

`catalog.selectors._search` compiles `SearchVector("title", "summary", "objectives",
config="fr_unaccent")`: the index expression is exactly that, so PostgreSQL uses it. SQLite
(the zero-setup default) skips all of this; see `catalog/search.py`.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

INDEX = "catalog_action_search_fr"
DOCUMENT = (
    "COALESCE(title, '') || ' ' || COALESCE(summary, '') || ' ' || COALESCE(objectives, '')"
)


def index(config):
    return f"CREATE INDEX {INDEX} ON catalog_action USING gin (to_tsvector('{config}'::regconfig, {DOCUMENT}))"


class Unaccent(UnaccentExtension):
    """UnaccentExtension, whose reverse SQLite skips too (Django's asks SQLite for
    pg_extension)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that SQLite skips."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_session_action_start_index")]

    operations = [
        Unaccent(),
        PostgreSQLOnly(
            sql=[
                "CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french)",
                # Words with letters outside ASCII lose their accents, then are stemmed.
                "ALTER TEXT SEARCH CONFIGURATION fr_unaccent "
                "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem",
            ],
            reverse_sql=["DROP TEXT SEARCH CONFIGURATION fr_unaccent"],
        ),
        PostgreSQLOnly(
            sql=[f"DROP INDEX IF EXISTS {INDEX}", index("fr_unaccent")],
            reverse_sql=[f"DROP INDEX IF EXISTS {INDEX}", index("french")],
        ),
    ]
