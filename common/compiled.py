"""QuerySets compiled now, run later: the SQL of a statement built before a row lock is taken.

Django turns a QuerySet into SQL when it is evaluated, and for a short statement that costs
more than running it (0.2–0.5 ms of Python for a lock, a count, a delete; PostgreSQL answers
in less). A transaction that holds a busy row lock — a cart's validation holds its
session's, and 300 people may be waiting for it — builds and compiles its statements before
it takes the lock, and under the lock only runs them (issue 16).

What they return is what the QuerySet itself would: the same iterable (model instances with
their `select_related` rows, `values_list` tuples with the database's converters) over the
same SQL. Compile inside the transaction that runs them: Django refuses to compile a
`select_for_update` outside one.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.deletion import Collector
from django.db.models.sql import DeleteQuery


class Compiled:
    """`queryset` with its SQL compiled at construction; iterating runs it (once, like a
    QuerySet, whose result cache it is). `sql` and `params` are what will be sent."""

    def __init__(self, queryset: QuerySet):
        self._queryset = queryset._chain()  # a copy of ours: nobody else evaluates it
        query = self._queryset.query
        compiler = query.get_compiler(self._queryset.db)
        try:
            compiled = compiler.as_sql()
        except EmptyResultSet:  # e.g. `pk__in=[]`: Django answers without a query
            compiled = ("", ())
        self.sql, self.params = compiled
        # This compiler is the copy's alone: the evaluation asks the copy's query for a
        # compiler (ModelIterable, ValuesListIterable…) and the compiler for its SQL.
        compiler.as_sql = lambda *args, **kwargs: compiled
        query.get_compiler = lambda *args, **kwargs: compiler

    def __iter__(self):
        return iter(self._queryset)

    def __len__(self):
        return len(self._queryset)


class CompiledDelete:
    """`queryset.delete()` compiled now; `run()` deletes and returns the number of rows.

    Only for a delete Django would make in one statement (no cascade, no signal receiver:
    `Collector.can_fast_delete`); any other runs as `queryset.delete()` does, then."""

    def __init__(self, queryset: QuerySet):
        self._queryset = queryset
        self._using = queryset.db
        self.sql = None
        if not Collector(using=self._using, origin=queryset).can_fast_delete(queryset):
            return
        query = queryset.query.clone()
        query.__class__ = DeleteQuery  # as QuerySet._raw_delete does
        try:
            self.sql, self.params = query.get_compiler(self._using).as_sql()
        except EmptyResultSet:
            self.sql, self.params = "", ()

    def run(self) -> int:
        if self.sql is None:
            return self._queryset.delete()[0]  # every row, cascades included, as Django counts
        if not self.sql:
            return 0
        with connections[self._using].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return cursor.rowcount
