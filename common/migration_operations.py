"""Migration operations shared by the apps."""

from __future__ import annotations

from django.db.migrations.operations.base import Operation


class RunSQLForVendor(Operation):
    """SQL that differs by database (a trigger's syntax): `sql` and `reverse_sql` map a
    vendor (`connection.vendor`: "postgresql", "sqlite") to its statements; a database
    that neither names runs nothing (the application then does the work itself)."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, sql: dict[str, list[str]], reverse_sql: dict[str, list[str]]):
        self.sql, self.reverse_sql = sql, reverse_sql

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {"sql": self.sql, "reverse_sql": self.reverse_sql})

    def state_forwards(self, app_label, state):
        pass  # no model changes

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, self.reverse_sql)

    @staticmethod
    def _run(schema_editor, statements: dict[str, list[str]]) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    def describe(self):
        return f"Run SQL for {', '.join(sorted(self.sql))}"
