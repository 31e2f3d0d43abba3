"""Three pages at the size of a full programme (issue 16, item 4): a fixed number of SQL
queries pinned, and their time printed (`pytest -s`; docs/PERFORMANCE.md records a run).

- « Mon espace » of a person with 60 requests over three years;
- the provider's page of a session with 60 participants;
- the staff dashboard with 2,000 sessions in the programme year.

Rows are written with bulk_create (the pages read them; the services are tested elsewhere)."""

import datetime as dt
import statistics
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind, Session
from enrollment.models import Registration, RegistrationEvent, RegistrationStatus
from tests.factories import (
    ActionFactory,
    MemberEmployeeFactory,
    UserFactory,
    provider_user_of,
    session_of,
)
from tests.translations import translations_during

pytestmark = pytest.mark.django_db
Status = RegistrationStatus

# The pinned counts: each page's own queries and the layout's (session, user, and the
# header's cart count with the approver and provider links in one query, three until
# `web.header.header_state`). A new query per row would make them grow with the
# data. « Mon espace »: 11 since the documents (one query for every request's PDFs) and the
# e-ParcoursPro enrolments, 9 with the header in one query; the provider's page: 10 with the
# conventions and their acceptances, then 8; the dashboard 9, then 7. Issue 28: « Mon espace »
# lists the questionnaires to answer (one query), the dashboard holds the financer's view
# (its filter form's themes and providers, thirteen grouped queries: 15 more). Issue 26:
# « Mon espace » reads both years' quotas in one query (9), then counts them from the
# requests it lists (8).
MY_SPACE_QUERIES = 8
PROVIDER_SESSION_QUERIES = 8
DASHBOARD_QUERIES = 24  # the financer's view counts the late release's offers (2)


def timed_get(client, url, runs=5):
    """GET `url` `runs` times: (last response, median ms)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200
    return response, statistics.median(times)


def registration(user, session, status, **extra):
    return Registration(
        user=user,
        session=session,
        structure=user.structure,
        status=status,
        submitted_at=timezone.now(),
        first_name=user.first_name or "Camille",
        last_name=user.last_name or "Martin",
        email=user.email,
        phone="05 56 00 00 00",
        job_title="Conseillère",
        motivations="Approfondir ma pratique.",
        waitlist_reason="full" if status == Status.WAITLISTED else "",
        **extra,
    )


def sessions_of(action, starts: list[dt.datetime], capacity=12) -> list[Session]:
    return Session.objects.bulk_create(
        [
            Session(
                action=action,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=7),
                registration_deadline=start - dt.timedelta(days=2),
                capacity=capacity,
                location="Cap Métiers, Pessac",
                department="33",
            )
            for start in starts
        ]
    )


def test_my_space_with_60_requests_over_three_years(client, django_assert_num_queries):
    employee = MemberEmployeeFactory()
    action = ActionFactory(kind=ActionKind.WEBINAR, duration_days=1)
    now = timezone.now()
    starts = [now + dt.timedelta(days=-700 + 18 * n) for n in range(60)]  # two years back, one on
    sessions = sessions_of(action, starts)
    statuses = [Status.CONFIRMED, Status.ATTENDED, Status.CANCELLED, Status.WAITLISTED]
    rows = Registration.objects.bulk_create(
        [
            registration(
                employee,
                session,
                statuses[n % 4] if session.starts_at > now else Status.ATTENDED,
            )
            for n, session in enumerate(sessions)
        ]
    )
    RegistrationEvent.objects.bulk_create(
        [RegistrationEvent(registration=r, to_status=r.status, by=employee) for r in rows]
    )
    client.force_login(employee)
    client.get(reverse("enrollment:my_space"))  # warm-up
    with django_assert_num_queries(MY_SPACE_QUERIES):
        response = client.get(reverse("enrollment:my_space"))
    assert response.content.decode().count('class="card registration"') == 60
    _, median = timed_get(client, reverse("enrollment:my_space"))
    print(
        f"\nMon espace, 60 requests over three years: {MY_SPACE_QUERIES} queries, {median:.0f} ms"
    )


def test_my_space_translates_a_request_s_kind_and_history_once_each(client):
    """Each request names its kind and each line of its history; Django's
    `get_FOO_display()` translated every choice to find one (8 kinds, 13 states: 600
    function calls a line). A request now costs a translation for what it says in its own
    words — its kind, its state, each line of its history, a link of its own — and the
    sentences every card repeats are translated once for the page."""
    employee = MemberEmployeeFactory()
    action = ActionFactory(kind=ActionKind.TRAINING, duration_days=1)
    now = timezone.now()
    statuses = [Status.CONFIRMED, Status.WAITLISTED, Status.CANCELLED, Status.PENDING_EMPLOYER]

    def add_requests(count, first):
        starts = [now + dt.timedelta(days=first + 3 * n) for n in range(count)]
        rows = Registration.objects.bulk_create(
            [
                registration(employee, session, statuses[n % 4])
                for n, session in enumerate(sessions_of(action, starts))
            ]
        )
        history = [Status.PENDING_EMPLOYER, Status.PENDING_PROVIDER, Status.CONFIRMED]
        RegistrationEvent.objects.bulk_create(
            [
                RegistrationEvent(registration=r, to_status=to, by=employee)
                for r in rows
                for to in history
            ]
        )

    def translations():
        response, count = translations_during(lambda: client.get(reverse("enrollment:my_space")))
        assert response.status_code == 200
        return response, count

    client.force_login(employee)
    add_requests(8, first=10)
    translations()  # warm-up
    _, eight = translations()
    add_requests(16, first=100)
    response, twenty_four = translations()
    assert response.content.decode().count('class="card registration"') == 24
    assert response.content.decode().count('<ol class="history">') == 24
    per_request = (twenty_four - eight) / 16
    # Its kind, its state, its three lines of history, and what its state adds in its own
    # words (a calendar link, a reason). Before: 50, its kind 8 and each line 13.
    assert per_request <= 7, per_request


def test_provider_session_page_with_60_participants(client, django_assert_num_queries):
    session = session_of(ActionKind.WEBINAR, capacity=80)
    provider_user = provider_user_of(session, email="prestataire@example.test")
    people = [MemberEmployeeFactory() for _ in range(60)]
    statuses = [Status.CONFIRMED] * 50 + [Status.PENDING_PROVIDER] * 10
    Registration.objects.bulk_create(
        [
            registration(person, session, status)
            for person, status in zip(people, statuses, strict=True)
        ]
    )
    url = reverse("operations:provider_session", args=[session.pk])
    client.force_login(provider_user)
    client.get(url)
    with django_assert_num_queries(PROVIDER_SESSION_QUERIES):
        response = client.get(url)
    html = response.content.decode()
    assert all(person.last_name in html for person in people)
    _, median = timed_get(client, url)
    print(
        f"\nProvider's session page, 60 participants: {PROVIDER_SESSION_QUERIES} queries, "
        f"{median:.0f} ms"
    )


def test_dashboard_with_2000_sessions_in_the_year(client, django_assert_num_queries):
    staff = UserFactory(is_staff=True, is_superuser=True, structure=None)
    base = ActionFactory(kind=ActionKind.WEBINAR, duration_days=1)
    now = timezone.now()
    starts = [now + dt.timedelta(hours=4 + 4 * n) for n in range(2000)]  # about 333 days
    sessions = sessions_of(base, starts, capacity=2)
    people = [UserFactory() for _ in range(10)]
    Registration.objects.bulk_create(
        [
            registration(people[n % 10], session, Status.CONFIRMED if n % 3 else Status.WAITLISTED)
            for n, session in enumerate(sessions[:300])
        ]
    )
    client.force_login(staff)
    url = reverse("operations:dashboard")
    client.get(url)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(url)
    in_30_days = sum(1 for s in starts if s <= now + dt.timedelta(days=30))
    assert len(response.context["board"].sessions) == in_30_days
    _, median = timed_get(client, url)
    print(f"\nDashboard, 2,000 sessions in the year: {DASHBOARD_QUERIES} queries, {median:.0f} ms")
