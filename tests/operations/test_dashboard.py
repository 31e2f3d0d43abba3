"""« Pilotage »: what staff watch, in a bounded number of queries."""

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from tests.factories import (
    JobSeekerFactory,
    MemberEmployeeFactory,
    UserFactory,
    register,
    session_of,
)

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("operations:dashboard")


def approve(registration):
    approver = UserFactory(structure=registration.structure)
    registration.structure.approvers.add(approver)
    return services.approve(registration, by=approver)


@pytest.fixture
def programme():
    """A nearly started full training, a later webinar, a non-member's request."""
    soon = session_of(ActionKind.TRAINING, days=10, capacity=2)
    [pending_employer] = register(MemberEmployeeFactory(), soon)
    [pending_provider] = register(MemberEmployeeFactory(), soon)
    approve(pending_provider)
    register(MemberEmployeeFactory(), soon)  # full: waitlisted
    later = session_of(ActionKind.WEBINAR, days=60, capacity=1)
    register(JobSeekerFactory(), later)
    register(JobSeekerFactory(), later)  # waitlisted
    open_webinar = session_of(ActionKind.WEBINAR, days=20, capacity=50)
    outsider = UserFactory()  # employee of a structure without a membership
    register(outsider, open_webinar)
    past = session_of(ActionKind.WEBINAR, days=20, capacity=1)
    register(JobSeekerFactory(), past)
    register(JobSeekerFactory(), past)
    past.starts_at = timezone.now() - dt.timedelta(days=5)
    past.ends_at = past.starts_at + dt.timedelta(hours=3)
    past.registration_deadline = past.starts_at
    past.save()
    return soon, later, open_webinar, outsider


def test_anonymous_is_sent_to_login(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_non_staff_have_no_dashboard(client):
    client.force_login(UserFactory())
    response = client.get(DASHBOARD)
    assert response.status_code == 403
    assert "réservée à l'équipe Cap Métiers" in html.unescape(response.content.decode())
    assert "board" not in response.context


def test_the_dashboard_counts(client, staff, programme):
    soon, later, open_webinar, outsider = programme
    client.force_login(staff)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.pending == {"pending_employer": 1, "pending_provider": 1, "waitlisted": 2}
    assert [s.pk for s in board.sessions] == [soon.pk, open_webinar.pk]
    first = board.sessions[0]
    assert (first.places_held, first.capacity, first.fill_rate) == (2, 2, 100)
    assert (first.awaiting_employer, first.awaiting_provider, first.places_waiting) == (1, 1, 1)
    assert board.sessions[1].fill_rate == 2  # 1 of 50
    assert [(s.pk, s.places_waiting) for s in board.waitlists] == [(soon.pk, 1), (later.pk, 1)]
    [row] = board.non_members
    assert row["structure_id"] == outsider.structure_id
    assert (row["registrations"], row["member_only"], row["employees"]) == (1, 0, 1)
    assert row["year"] == timezone.localtime(open_webinar.starts_at).year
    page = html.unescape(response.content.decode())
    assert outsider.structure.name in page
    assert page.count("<h1") == 1


def test_a_structure_whose_membership_is_gone_shows_its_member_only_requests(client, staff):
    employee = MemberEmployeeFactory()
    session = session_of(ActionKind.TRAINING, days=20)
    register(employee, session)
    employee.structure.memberships.all().delete()
    client.force_login(staff)
    [row] = client.get(DASHBOARD).context["board"].non_members
    assert (row["structure__name"], row["member_only"]) == (employee.structure.name, 1)


@pytest.mark.parametrize("count", [3, 30])
def test_the_dashboard_reads_a_bounded_number_of_queries(
    client, staff, count, django_assert_max_num_queries
):
    for index in range(count):
        session = session_of(ActionKind.WEBINAR, days=3 + index % 25, capacity=1)
        register(UserFactory(), session)
        register(UserFactory(), session)
    client.force_login(staff)
    # The financer's view (tests/surveys/test_pilotage_scale.py) adds its grouped queries.
    with django_assert_max_num_queries(24):
        response = client.get(DASHBOARD)
    assert len(response.context["board"].sessions) == count


def test_the_admin_index_links_to_the_dashboard(client, staff):
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert f'href="{DASHBOARD}"' in response.content.decode()
