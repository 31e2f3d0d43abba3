"""« Mon espace » as a person reads it: nearest sessions first, a waiting list is left (not
withdrawn from), the calendar file for confirmed registrations only, a quota line in French."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind, Session
from enrollment.models import RegistrationStatus
from tests.factories import UserFactory, next_year_start, register, session_of

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


def my_space(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("enrollment:my_space")).content.decode()


def card(body: str, registration) -> str:
    """The HTML of one request's card in « Mon espace »."""
    start = body.index(f'id="demande-{registration.pk}"')
    return body[start : body.index("</article>", start)]


def move_to_the_past(session, *, days):
    starts_at = timezone.now() - dt.timedelta(days=days)
    Session.objects.filter(pk=session.pk).update(
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3),
        registration_deadline=starts_at - dt.timedelta(days=1),
    )


def test_nearest_sessions_come_first_then_past_ones(client, employee):
    """Upcoming sessions in date order (the nearest first), then past ones, latest first."""
    far = register(employee, session_of(ActionKind.WEBINAR, days=90))[0]
    near = register(employee, session_of(ActionKind.WEBINAR, days=5))[0]
    middle = register(employee, session_of(ActionKind.CONFERENCE, days=30))[0]
    old = register(employee, session_of(ActionKind.WEBINAR, days=20))[0]
    recent = register(employee, session_of(ActionKind.WEBINAR, days=25))[0]
    move_to_the_past(old.session, days=60)
    move_to_the_past(recent.session, days=3)

    body = my_space(client, employee)

    positions = [body.index(f'id="demande-{r.pk}"') for r in (near, middle, far, recent, old)]
    assert positions == sorted(positions)
    assert body.index("Sessions à venir") < positions[0]
    assert positions[2] < body.index("Sessions passées") < positions[3]


def test_a_waitlisted_request_is_left_not_withdrawn_from(client, employee):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), session)
    [waitlisted] = register(employee, session)
    assert waitlisted.status == Status.WAITLISTED

    html = card(my_space(client, employee), waitlisted)
    assert "Quitter la liste d'attente" in html
    assert "Me désister" not in html

    page = client.get(reverse("enrollment:cancel", args=[waitlisted.pk])).content.decode()
    assert "<h1>Quitter la liste d'attente</h1>" in page
    assert "désist" not in page.split("<main", 1)[1]

    response = client.post(
        reverse("enrollment:cancel", args=[waitlisted.pk]),
        {"reason": "J'ai trouvé une autre session."},
    )
    assert response.url == reverse("enrollment:my_space")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Vous avez quitté la liste d'attente."
    ]
    waitlisted.refresh_from_db()
    assert waitlisted.status == Status.CANCELLED
    assert not waitlisted.counted_in_quota


def test_a_request_holding_a_place_is_still_withdrawn_from(client, employee):
    [pending] = register(employee, session_of(ActionKind.TRAINING))
    html = card(my_space(client, employee), pending)
    assert "Me désister" in html
    assert "Quitter la liste" not in html


def test_the_calendar_file_is_offered_for_confirmed_registrations_only(client, employee):
    [confirmed] = register(employee, session_of(ActionKind.WEBINAR))
    [pending] = register(employee, session_of(ActionKind.TRAINING))
    full = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), full)
    [waitlisted] = register(employee, full)
    assert (confirmed.status, pending.status, waitlisted.status) == (
        Status.CONFIRMED,
        Status.PENDING_EMPLOYER,
        Status.WAITLISTED,
    )

    body = my_space(client, employee)

    assert "Ajouter à mon agenda" in card(body, confirmed)
    assert reverse("operations:registration_ics", args=[confirmed.pk]) in card(body, confirmed)
    for registration in (pending, waitlisted):
        assert "Ajouter à mon agenda" not in card(body, registration)
        assert reverse("operations:registration_ics", args=[registration.pk]) not in body


@pytest.mark.parametrize(
    ("trainings", "others", "expected"),
    [
        (0, 0, "0 action réservée aux adhérents sur 4, dont 0 formation sur 3"),
        (1, 0, "1 action réservée aux adhérents sur 4, dont 1 formation sur 3"),
        (2, 1, "3 actions réservées aux adhérents sur 4, dont 2 formations sur 3"),
    ],
)
def test_the_quota_line_reads_as_french(client, employee, trainings, others, expected):
    """Q10, in words: French plurals (0 and 1 are singular), no abbreviation."""
    kinds = [ActionKind.TRAINING] * trainings + [ActionKind.DISCOVERY_MODULE] * others
    for month, kind in enumerate(kinds, start=2):
        register(employee, session_of(kind, starts_at=next_year_start(month=month)))
    body = my_space(client, employee)
    year = timezone.localdate().year + 1
    line = body[body.index(f"<strong>{year}\u00a0:</strong>") :]
    line = " ".join(line[: line.index("</li>")].split())
    assert line.endswith(expected)
