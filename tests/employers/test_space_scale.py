"""The Employer Space answers in a bounded number of queries whatever the number of requests,
decisions and employees (issue 12: 500 pending, 150 decided, 125 employees)."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment.models import Registration, RegistrationEvent
from tests.factories import UserFactory, session_of
from tests.translations import translations_during

pytestmark = pytest.mark.django_db

Status = Registration.Status
# Queries of each page, whatever the data: session and user (2), the approved structures (1),
# the people the filters name (1), the years (1), the layout's header (cart, approver,
# provider and the approver's conventions to accept: 1), then the page's own: for the
# space the counters per employee (which count the requests to decide: no other count
# unfiltered), the rows, their waiting positions, the quota use of the rows' owners and of
# the employees, the rows' overlaps (5), the requests to join (1), and the structures'
# memberships, approvers and invitations once, then from the cache (3, then 0); for the
# history a count and the rows (2).
SPACE_QUERIES = 15
SPACE_CACHED_QUERIES = 12
SPACE_FILTERED_QUERIES = 13
HISTORY_QUERIES = 8
EXPORT_QUERIES = 6


def request_of(person, session, structure, status, submitted_at, **extra) -> Registration:
    """`person`'s request for `session`, unsaved (for `bulk_create`), as a cart makes it."""
    return Registration(
        user=person,
        session=session,
        structure=structure,
        status=status,
        submission=uuid.uuid4(),
        submitted_at=submitted_at,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        phone=person.phone,
        job_title=person.job_title,
        motivations="Approfondir ma pratique.",
        **extra,
    )


def build(structure, *, employees: int, pending: int, waitlisted: int, decided: int):
    """Requests bulk-created as the benchmark does: `pending` holding places, `waitlisted`
    member-only ones to pre-approve, `decided` accepted by the approver (an event each)."""
    approver = structure.approver
    people = [
        UserFactory.build(
            email=f"scale-{n}@example.test", structure=structure, last_name=f"Salarié {n:03d}"
        )
        for n in range(employees)
    ]
    for person in people:
        person.password = "!"
    people = type(approver).objects.bulk_create(people)
    sessions = [
        session_of(ActionKind.TRAINING if n % 2 else ActionKind.PRACTICE_WORKSHOP, days=30 + n)
        for n in range((pending + waitlisted + decided) // 2 + 1)
    ]
    slots = iter((people[n % employees], sessions[n // 2]) for n in range(2 * len(sessions)))
    now = timezone.now()

    def request(status, minutes, **extra):
        person, session = next(slots)
        return request_of(
            person, session, structure, status, now - dt.timedelta(minutes=minutes), **extra
        )

    accepted = Registration.objects.bulk_create(
        request(
            Status.PENDING_PROVIDER,
            1000 + n,
            employer_approved_at=now,
            employer_approved_by=approver,
        )
        for n in range(decided)
    )
    RegistrationEvent.objects.bulk_create(
        RegistrationEvent(
            registration=r,
            from_status=Status.PENDING_EMPLOYER,
            to_status=Status.PENDING_PROVIDER,
            by=approver,
        )
        for r in accepted
    )
    Registration.objects.bulk_create(
        [request(Status.PENDING_EMPLOYER, n) for n in range(pending)]
        + [
            request(Status.WAITLISTED, 500 + n, waitlist_reason="structure_cap")
            for n in range(waitlisted)
        ]
    )


SIZES = [
    {"employees": 3, "pending": 4, "waitlisted": 1, "decided": 2},
    {"employees": 40, "pending": 120, "waitlisted": 10, "decided": 30},
]


@pytest.mark.parametrize("size", SIZES, ids=["small", "large"])
def test_space_queries_do_not_grow_with_the_data(
    approver_client, structure, size, django_assert_max_num_queries
):
    build(structure, **size)
    shown = min(50, size["pending"] + size["waitlisted"])
    with django_assert_max_num_queries(SPACE_QUERIES):
        response = approver_client.get(reverse("employers:space"))
    assert response.content.decode().count('<tr id="request-') == shown
    with django_assert_max_num_queries(SPACE_CACHED_QUERIES):
        response = approver_client.get(reverse("employers:space"))
    assert response.content.decode().count('<tr id="request-') == shown
    with django_assert_max_num_queries(SPACE_FILTERED_QUERIES):
        response = approver_client.get(
            reverse("employers:space"),
            {"status": "all", "kind": "training", "sort": "-employee", "page": 2},
        )
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES, ids=["small", "large"])
def test_history_and_export_queries_do_not_grow_with_the_data(
    approver_client, structure, size, django_assert_max_num_queries
):
    build(structure, **size)
    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = approver_client.get(reverse("employers:history"), {"sort": "employee"})
    assert response.content.decode().count('<th scope="row">') == min(50, size["decided"])
    year = Registration.objects.order_by("session__starts_at").first().session.starts_at.year
    with django_assert_max_num_queries(EXPORT_QUERIES):
        response = approver_client.get(
            reverse("employers:export"), {"structure": structure.pk, "year": year}
        )
    assert response.status_code == 200


def _translations_while(client, url, params) -> int:
    """How many times Django's translation functions run while `url` is served."""
    response, count = translations_during(lambda: client.get(url, params))
    assert response.status_code == 200
    return count


def test_a_row_of_requests_is_not_translated_again_for_each_row(approver_client, structure):
    """A row repeats the table's sentences (its buttons, its cells' headings, the screen
    readers' labels): they are translated once for the page and filled in for each row. Each
    translation looks the sentence up in each of the site's catalogues; asked again in each
    row, they were a third of the rows' work (docs/PERFORMANCE.md)."""
    build(structure, employees=3, pending=60, waitlisted=0, decided=0)
    url = reverse("employers:space")
    _translations_while(approver_client, url, {})  # the structure's details now cached
    full = _translations_while(approver_client, url, {})  # 50 rows
    rest = _translations_while(approver_client, url, {"page": 2})  # 10 rows
    per_row = (full - rest) / 40
    # What a row says in its own words: its state's badge, its owner's quota (a plural).
    assert per_row <= 3, per_row


def test_an_employee_is_not_translated_again_for_each_employee(approver_client, structure):
    """The structure's people are listed twice (who is attached, with a form to detach each;
    the employees' table, with their quota): the sentences each of them repeats are
    translated once for the page."""
    url = reverse("employers:space")
    _translations_while(approver_client, url, {})
    before = _translations_while(approver_client, url, {})
    people = [
        UserFactory.build(email=f"joined-{n}@example.test", structure=structure) for n in range(30)
    ]
    for person in people:
        person.password = "!"
    type(structure.approver).objects.bulk_create(people)
    after = _translations_while(approver_client, url, {})
    page = approver_client.get(url).content.decode()
    assert page.count('id="detach-reason-') >= 30  # each of them, with a form to detach
    # What an employee's row says in its own words: their quota (a plural).
    assert (after - before) / 30 <= 1, (after - before) / 30


def test_a_row_in_any_state_reads_nothing_more_than_the_table(
    approver_client, structure, other_structure, django_assert_num_queries
):
    """The table's statement reads only what a row shows (`employer_requests.REQUEST_ROW`):
    whatever the rows' states, their owners (an anonymised one, the approver's own request),
    their waiting reasons or their structures, the page runs the queries of a one-row page —
    a row needing a column left unread would cost a query of its own."""
    approver = structure.approver
    other_structure.approvers.add(approver)  # two structures: each row names its own
    person = UserFactory(structure=structure, job_title="Conseillère")
    sessions = [session_of(ActionKind.TRAINING, days=30 + n) for n in range(len(Status) + 2)]
    now = timezone.now()

    def request(session, status, *, user=person, on=structure, **extra):
        registration = request_of(person, session, on, status, now, **extra)
        registration.user = user
        return registration

    # A waiting row in both pages: their positions are read once for the page.
    Registration.objects.bulk_create(
        [request(sessions[0], Status.WAITLISTED, waitlist_reason="full")]
    )
    url = reverse("employers:space")
    query = {"status": "all"}
    approver_client.get(url, query)  # the structures' details cached
    with CaptureQueriesContext(connection) as one_row:
        approver_client.get(url, query)
    Registration.objects.bulk_create(
        [
            request(
                session,
                status,
                on=other_structure if n % 2 else structure,
                waitlist_reason="full" if status == Status.WAITLISTED else "",
            )
            for n, (session, status) in enumerate(zip(sessions[1:], Status, strict=False))
        ]
        + [
            request(sessions[-1], Status.PENDING_EMPLOYER, user=approver),
            request(sessions[-1], Status.CANCELLED, user=None),
        ]
    )
    with django_assert_num_queries(len(one_row)):
        html = approver_client.get(url, query).content.decode()
    assert html.count('<tr id="request-') == len(Status) + 3
    assert other_structure.name in html and "Conseillère" in html
    assert "Position 1." in html and "C'est votre propre demande" in html
