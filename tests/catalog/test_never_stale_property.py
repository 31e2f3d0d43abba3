"""Property (hypothesis): whatever sequence of changes a session's places go through — the
services (requests, withdrawals, capacity), the admin's save, a shell's `QuerySet.update`,
plain SQL — an anonymous visitor's next catalogue, action page or home page shows the places
the database holds, stored pages and fragments notwithstanding (issue 16)."""

import contextlib

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import ActionKind, Session
from catalog.selectors import with_places
from enrollment import services
from enrollment.models import Registration
from enrollment.rules import RuleViolation
from tests.catalog.test_cache_places import pages, places_shown
from tests.factories import MemberEmployeeFactory, UserFactory, register, session_of

pytestmark = pytest.mark.django_db

CHANGES = st.one_of(
    st.tuples(st.just("request"), st.just(0)),
    st.tuples(st.just("withdraw"), st.just(0)),
    st.tuples(st.just("capacity_service"), st.integers(1, 4)),
    st.tuples(st.just("capacity_save"), st.integers(1, 4)),
    st.tuples(st.just("capacity_update"), st.integers(1, 4)),
    st.tuples(st.just("capacity_sql"), st.integers(1, 4)),
)
PAGES = st.sampled_from(["catalogue", "action", "home"])


def expected(session) -> str:
    left = with_places(Session.objects.filter(pk=session.pk)).get().places_left
    if left <= 0:
        return "Complet — liste d'attente"
    return "1 place restante" if left == 1 else f"{left} places restantes"


def change(session, kind: str, value: int) -> None:
    if kind == "request":
        register(MemberEmployeeFactory(), session)
    elif kind == "withdraw":
        registration = Registration.objects.live().filter(session=session).first()
        if registration is not None:
            services.cancel(registration, by=registration.user, reason="Empêchement")
    elif kind == "capacity_service":
        # Below the places already given, the service refuses and changes nothing.
        with contextlib.suppress(RuleViolation):
            services.set_capacity(session, capacity=value, by=UserFactory(is_staff=True))
    elif kind == "capacity_save":
        fresh = Session.objects.get(pk=session.pk)
        fresh.capacity = value
        fresh.save()
    elif kind == "capacity_update":
        Session.objects.filter(pk=session.pk).update(capacity=value)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE catalog_session SET capacity = %s WHERE id = %s", [value, session.pk]
            )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(CHANGES, PAGES), min_size=1, max_size=8))
def test_every_page_shows_the_places_of_the_last_commit(client, steps):
    Session.objects.update(status=Session.Status.CANCELLED)  # earlier examples' sessions
    session = session_of(ActionKind.WEBINAR, days=3, capacity=3)
    urls = pages(session)
    for url in urls.values():  # stored and cached before any change
        client.get(url)
    for (kind, value), page in steps:
        change(session, kind, value)
        html = client.get(urls[page]).content.decode()
        assert places_shown(html, session) == expected(session), (kind, value, page)
