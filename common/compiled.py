"""QuerySets compiled ahead, and statements compiled once per shape.

Django turns a QuerySet into SQL when it is evaluated, and for a short statement that costs
far more than running it: locking one user with its structure is 0.46 ms of compilation for
0.08 ms of execution (issue 16, docs/PERFORMANCE.md). Two tools:

- `Compiled(queryset)`: compiled now, run later — a transaction that is about to take a busy
  row lock (a cart's validation, on its session) compiles before and only runs under it.
- `Statement(build)`: a statement whose SQL depends only on the *shape* of its arguments
  (how many ids, whether a value is None) is compiled once per shape (and thread), and each
  call runs that SQL with its own parameters. Which parameter comes from which argument is
  not guessed: the first call of a shape compiles the statement twice, once with its
  arguments and once with every integer among them replaced by a probe value; a parameter
  that follows its probe comes from that argument, one that stays the same is a constant,
  and anything else (the SQL changing, a parameter computed from an argument) leaves that
  shape compiled at every call, as Django does. The active time zone and language are part
  of the shape. `CHECK`, on in the test suite, compiles every call anyway and compares.

What they return is what the QuerySet itself would: the same iterable (model instances with
their `select_related` rows, `values_list` tuples with the database's converters) over the
same SQL. Compile inside the transaction that runs them: Django refuses to compile a
`select_for_update` outside one.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import threading
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.deletion import Collector
from django.db.models.sql import DeleteQuery
from django.utils import timezone, translation

# Compile every call of a `Statement` too, and compare (the test suite turns it on).
CHECK = False


class Compiled:
    """`queryset` with its SQL compiled at construction; iterating runs it (once, like a
    QuerySet, whose result cache it is). `sql` and `params` are what will be sent."""

    def __init__(self, queryset: QuerySet, *, compiler=None, compiled=None):
        self._queryset = queryset._chain()  # a copy of ours: nobody else evaluates it
        query = self._queryset.query
        if compiler is None:
            compiler = query.get_compiler(self._queryset.db)
            compiled = _as_sql(compiler)
        self.sql, self.params = compiled
        # This compiler is the copy's alone: the evaluation asks the copy's query for a
        # compiler (ModelIterable, ValuesListIterable…) and the compiler for its SQL.
        compiler.as_sql = lambda *args, **kwargs: compiled
        query.get_compiler = lambda *args, **kwargs: compiler
        self._compiler = compiler

    def __iter__(self):
        return iter(self._queryset)

    def __len__(self):
        return len(self._queryset)

    def rebound(self, params: tuple) -> Compiled:
        """The same statement with other parameters (`Statement`)."""
        return Compiled(
            self._queryset, compiler=copy.copy(self._compiler), compiled=(self.sql, params)
        )


class DeleteOf:
    """`queryset.delete()` compiled now; `run()` deletes and returns the number of rows, as
    `QuerySet.delete()` counts them.

    Only for a delete Django would make in one statement (no cascade, no signal receiver:
    `Collector.can_fast_delete`); any other runs as `queryset.delete()` does, then."""

    def __init__(self, queryset: QuerySet, *, compiled=None):
        self._queryset = queryset
        self._using = router.db_for_write(queryset.model)
        self.sql = None
        if compiled is not None:
            self.sql, self.params = compiled
            return
        if not Collector(using=self._using, origin=queryset).can_fast_delete(queryset):
            return
        query = queryset.query.clone()
        query.__class__ = DeleteQuery  # as QuerySet._raw_delete does
        self.sql, self.params = _as_sql(query.get_compiler(self._using))

    def run(self) -> int:
        if self.sql is None:
            return self._queryset.delete()[0]  # every row, cascades included
        if not self.sql:
            return 0
        with connections[self._using].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return cursor.rowcount

    def rebound(self, params: tuple) -> DeleteOf:
        return DeleteOf(self._queryset, compiled=(self.sql, params))


def _as_sql(compiler) -> tuple[str, tuple]:
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # e.g. `pk__in=[]`: Django answers without a query
        return "", ()
    return sql, tuple(params)


def _compile(built) -> Compiled | DeleteOf:
    return built if isinstance(built, DeleteOf) else Compiled(built)


_UNCACHEABLE = object()
# Probe n of argument i is _PROBE + _STRIDE * i + n: far above any id or year here, and within
# PostgreSQL's `integer`, as Django turns a lookup out of its field's range into other SQL (or
# none): a probe out of range only leaves the statement uncached.
_PROBE = 2_000_000_000
_STRIDE = 1_000_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Statement:
    """A statement built by `build(*args)` (a QuerySet, or a `DeleteOf`), compiled once per
    shape of its arguments; calling it returns it compiled with these arguments (iterate a
    QuerySet's, `run()` a delete's). Arguments: integers, None, booleans, strings, and sets,
    lists or tuples of integers (deduplicated in order, as Django's `__in` does). Values other
    than integers (None, booleans, strings) are part of the shape: keep them few. `build`
    depends on its arguments only (not on the clock, nor on the request): a date or a
    datetime among the parameters leaves the statement compiled at every call."""

    def __init__(self, build: Callable):
        self._build = build
        self._local = threading.local()  # a compiler belongs to its thread's connection

    def __call__(self, *args):
        args = tuple(_normalised(arg) for arg in args)
        cache = self._local.__dict__.setdefault("templates", {})
        # What Django reads besides the arguments: the database's name for the current time
        # zone (a year's extraction names it) and the language.
        key = (
            *(_shape(arg) for arg in args),
            timezone.get_current_timezone_name(),
            translation.get_language(),
        )
        template = cache.get(key)
        if template is None:
            compiled = _compile(self._build(*args))
            cache[key] = _template(self._build, args, compiled) or _UNCACHEABLE
            return compiled
        if template is _UNCACHEABLE:
            return _compile(self._build(*args))
        compiled, binders = template
        bound = compiled.rebound(tuple(bind(args) for bind in binders))
        if CHECK:
            fresh = _compile(self._build(*args))
            assert (bound.sql, list(bound.params)) == (fresh.sql, list(fresh.params)), (
                f"{self._build.__qualname__}: the statement compiled once differs from Django's"
            )
        return bound


def _normalised(arg):
    """Sets in increasing order (they have none of their own), lists and tuples as given;
    duplicates dropped, as Django's `__in` drops them. A statement's builder keeps the order
    it is given (no `set()` of its own), so that its parameters follow its arguments."""
    if isinstance(arg, set | frozenset):
        return tuple(sorted(arg))
    if isinstance(arg, list | tuple):
        return tuple(dict.fromkeys(arg))
    return arg


def _shape(arg):
    if isinstance(arg, tuple):
        return ("ids", len(arg))
    if isinstance(arg, int) and not isinstance(arg, bool):
        return "int"
    return ("value", arg)


def _probed(args):
    """The arguments with each integer replaced by its probe, and the probes' origins."""
    origins, probed = {}, []
    for i, arg in enumerate(args):
        if isinstance(arg, tuple):
            values = []
            for n, _ in enumerate(arg):
                origins[_PROBE + _STRIDE * i + n] = (i, n)
                values.append(_PROBE + _STRIDE * i + n)
            probed.append(tuple(values))
        elif _shape(arg) == "int":
            origins[_PROBE + _STRIDE * i] = (i, None)
            probed.append(_PROBE + _STRIDE * i)
        else:
            probed.append(arg)
    return probed, origins


def _template(build, args, compiled):
    """(compiled, one binder per parameter), or None when the shape must be compiled at
    every call."""
    if compiled.sql is None or not compiled.sql:  # left to Django, or no statement at all
        return None
    if any(isinstance(arg, tuple) and len(arg) >= _STRIDE for arg in args):
        return None  # its probes would run into the next argument's
    probed, origins = _probed(args)
    try:
        probe = _compile(build(*probed))
    except Exception:  # noqa: BLE001 — a probe value the statement cannot take: not cached
        return None
    if probe.sql != compiled.sql or len(probe.params) != len(compiled.params):
        return None
    binders = []
    for actual, seen in zip(compiled.params, probe.params, strict=True):
        if isinstance(actual, dt.date) or _ISO_DATE.match(str(actual)):
            return None  # most likely the clock's (SQLite's as text): never a constant
        origin = origins.get(seen) if isinstance(seen, int) else None
        if origin is not None:
            binders.append(_argument(origin, type(actual)))
        elif seen == actual and not _is_probe(seen):
            binders.append(lambda args, value=actual: value)
        else:
            return None
    return compiled, binders


def _is_probe(value) -> bool:
    return isinstance(value, int) and value >= _PROBE


def _argument(origin, kind):
    i, n = origin
    if n is None:
        return lambda args: kind(args[i])
    return lambda args: kind(args[i][n])
