"""QuerySets compiled before a lock and run under it (`common.compiled`): they return what the
QuerySet returns, and running them compiles nothing."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.sql.compiler import SQLCompiler, SQLDeleteCompiler
from django.utils import timezone

from catalog.models import Session
from common.compiled import Compiled, DeleteOf, Statement
from enrollment import locking
from enrollment.models import Cart, CartItem, Registration, RegistrationStatus
from enrollment.services.transitions import places_statement
from tests.factories import UserFactory, registration_in, session_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def compilations(monkeypatch):
    """The SELECT and DELETE compilations made while the test runs (`as_sql` calls)."""
    made = []
    for compiler in (SQLCompiler, SQLDeleteCompiler):

        def spy(self, *args, _original=compiler.as_sql, **kwargs):
            made.append(type(self).__name__)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(compiler, "as_sql", spy)
    return made


def shape(sessions):
    """What a caller reads of locked sessions: their fields and their actions' (joined)."""
    return [(s.pk, s.capacity, s.starts_at, s.action.pk, s.action.title) for s in sessions]


def test_a_locking_statement_returns_the_querysets_rows_and_compiles_nothing_when_run(
    compilations, django_assert_num_queries
):
    sessions = [session_of(capacity=n) for n in (3, 5, 8)]
    ids = {s.pk for s in sessions}
    compilations.clear()
    with transaction.atomic():
        compiled = Compiled(locking.sessions_to_lock(ids, providers=False))
        assert compilations == ["SQLCompiler"]
        with django_assert_num_queries(1):
            rows = list(compiled)
        assert compilations == ["SQLCompiler"]  # run, not compiled again
        # The related actions came with the rows: reading them asks nothing more.
        with django_assert_num_queries(0):
            assert shape(rows) == shape(sorted(sessions, key=lambda s: s.pk))
    assert shape(rows) == shape(Session.objects.select_related("action").order_by("pk"))


def test_a_values_statement_gets_the_databases_converters():
    """Counts with a FILTER, and datetimes, come back as the QuerySet gives them (SQLite's
    datetimes are strings until Django converts them)."""
    session = session_of(capacity=4)
    holder = registration_in(session, RegistrationStatus.PENDING_EMPLOYER)
    registration_in(session, RegistrationStatus.PENDING_EMPLOYER)
    queryset = places_statement([session.pk], structure_id=holder.structure_id)
    assert list(Compiled(queryset)) == list(queryset)
    [(session_id, held, colleagues)] = Compiled(queryset)
    assert (session_id, held, colleagues) == (session.pk, 2, 1)  # two structures
    dates = Registration.objects.filter(session=session).values_list("pk", "session__starts_at")
    assert list(Compiled(dates)) == list(dates)
    assert all(starts_at == session.starts_at for _, starts_at in Compiled(dates))
    annotated = Session.objects.annotate(
        waiting=Count("registrations", filter=Q(registrations__status="waitlisted"))
    ).values_list("pk", "waiting")
    assert list(Compiled(annotated)) == list(annotated)


def test_an_empty_in_answers_nothing_without_a_query(django_assert_num_queries):
    compiled = Compiled(Session.objects.filter(pk__in=[]))
    with django_assert_num_queries(0):
        assert list(compiled) == [] and len(compiled) == 0


def test_a_compiled_delete_deletes_what_the_queryset_would(compilations):
    user = UserFactory()
    cart = Cart.objects.create(user=user)
    items = [CartItem.objects.create(cart=cart, session=session_of()) for _ in range(3)]
    deletion = DeleteOf(CartItem.objects.filter(pk__in=[i.pk for i in items[:2]]))
    assert deletion.sql.startswith("DELETE FROM")
    compilations.clear()
    assert deletion.run() == 2
    assert compilations == []  # run, not compiled again
    assert list(CartItem.objects.values_list("pk", flat=True)) == [items[2].pk]
    assert deletion.run() == 0  # gone already: the caller learns it from the count
    assert DeleteOf(CartItem.objects.filter(pk__in=[])).run() == 0


def test_a_delete_that_cascades_is_left_to_django():
    """A cart's items go with it: Django's collector deletes them (no single statement)."""
    user = UserFactory()
    cart = Cart.objects.create(user=user)
    CartItem.objects.create(cart=cart, session=session_of())
    deletion = DeleteOf(Cart.objects.filter(pk=cart.pk))
    assert deletion.sql is None
    assert deletion.run() == 2  # the cart and its item, counted as QuerySet.delete() does
    assert not Cart.objects.exists() and not CartItem.objects.exists()


# --- Statement: compiled once per shape -----------------------------------------------------


@pytest.fixture
def compiled_once(monkeypatch):
    """As in production: a statement's later calls are not compiled again to be compared."""
    import common.compiled

    monkeypatch.setattr(common.compiled, "CHECK", False)


def test_a_statement_is_compiled_once_per_shape_and_runs_with_each_calls_values(
    compiled_once, compilations
):
    sessions = [session_of(capacity=n) for n in (3, 5, 8, 13)]
    by_capacity = Statement(
        lambda ids, least: Session.objects.filter(pk__in=ids, capacity__gte=least).order_by("pk")
    )
    compilations.clear()
    first = [s.pk for s in by_capacity({sessions[0].pk, sessions[1].pk}, 4)]
    made = len(compilations)  # the call, and the probe that tells the parameters apart
    assert first == [sessions[1].pk]
    second = [s.pk for s in by_capacity({sessions[2].pk, sessions[3].pk}, 10)]
    assert second == [sessions[3].pk]
    third = [s.pk for s in by_capacity({sessions[0].pk, sessions[3].pk}, 0)]
    assert third == [sessions[0].pk, sessions[3].pk]
    assert len(compilations) == made  # the same shape: not compiled again
    # Another shape (three ids) is compiled for itself, and right.
    everyone = by_capacity({s.pk for s in sessions[:3]}, 5)
    assert [s.pk for s in everyone] == [sessions[1].pk, sessions[2].pk]
    assert len(compilations) > made


def test_a_value_that_changes_the_sql_is_a_shape_of_its_own(compiled_once):
    """None compiles to IS NULL, an integer to a parameter: each is its own statement."""
    session = session_of(capacity=4)
    holder = registration_in(session, RegistrationStatus.PENDING_EMPLOYER)
    places = Statement(places_statement)
    assert list(places({session.pk}, holder.structure_id)) == [(session.pk, 1, 1)]
    assert list(places({session.pk}, None)) == [(session.pk, 1, 0)]
    assert list(places({session.pk}, holder.structure_id + 1000)) == [(session.pk, 1, 0)]


def test_a_parameter_computed_from_an_argument_leaves_the_statement_to_django(
    compiled_once, compilations
):
    """`starts_at__year` becomes two datetimes (the year's bounds): not the argument itself,
    so the statement is compiled at every call, as Django does — and answers right."""
    early = session_of(starts_at=timezone.make_aware(dt.datetime(2031, 3, 2, 9)))
    late = session_of(starts_at=timezone.make_aware(dt.datetime(2032, 3, 2, 9)))
    of_year = Statement(lambda year: Session.objects.filter(starts_at__year=year))
    assert [s.pk for s in of_year(2031)] == [early.pk]
    compilations.clear()
    assert [s.pk for s in of_year(2032)] == [late.pk]
    assert compilations  # compiled again


def test_the_suites_check_catches_a_statement_whose_sql_depends_on_a_value():
    """A builder that changes its SQL for one value, which no shape names, would run the
    wrong SQL once cached: the check (on in this suite) compares every call with Django."""
    tricky = Statement(
        lambda n: (
            Session.objects.filter(capacity=n) if n != 7 else Session.objects.filter(capacity__lt=n)
        )
    )
    list(tricky(5))
    with pytest.raises(AssertionError, match="differs from Django"):
        tricky(7)


@pytest.mark.django_db(transaction=True)
def test_each_thread_compiles_for_its_own_connection(compiled_once):
    """A compiled statement belongs to its thread's database connection."""
    sessions = [session_of(capacity=n) for n in (3, 5)]
    lock = Statement(lambda ids: locking.sessions_to_lock(ids, providers=False))
    with transaction.atomic():
        assert [s.pk for s in lock({sessions[0].pk})] == [sessions[0].pk]
    seen = {}

    def other_thread():
        try:
            with transaction.atomic():
                seen["pks"] = [s.pk for s in lock({sessions[1].pk})]
                seen["connection"] = connection.connection
        finally:
            connection.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=30)
    assert seen["pks"] == [sessions[1].pk]
    assert seen["connection"] is not connection.connection


def test_the_active_time_zone_is_part_of_the_shape(compiled_once, settings):
    """A year's extraction names the current time zone in its parameters: a statement
    compiled under one zone is not run under another."""
    from django.utils import timezone as tz

    new_year = session_of(starts_at=timezone.make_aware(dt.datetime(2031, 1, 1, 0, 30)))
    of_years = Statement(
        lambda years: Session.objects.filter(starts_at__year__in=years).values_list("pk")
    )
    assert list(of_years({2031})) == [(new_year.pk,)]  # 00:30 in Paris: 2031
    with tz.override("UTC"):  # 23:30 on 31 December in UTC: 2030
        assert list(of_years({2031})) == []
        assert list(of_years({2030})) == [(new_year.pk,)]


def test_a_statement_that_reads_the_clock_is_compiled_at_every_call(compiled_once, compilations):
    """A date among the parameters is most likely the clock's: never kept, even where two
    compilations in a row read the same (a day's date)."""
    session = session_of(days=10)
    upcoming = Statement(
        lambda capacity: Session.objects.filter(
            capacity=capacity, starts_at__date__gt=timezone.localdate()
        )
    )
    assert [s.pk for s in upcoming(session.capacity)] == [session.pk]
    compilations.clear()
    assert [s.pk for s in upcoming(session.capacity)] == [session.pk]
    assert compilations  # compiled again: its « now » is the call's
