"""The convocation's calendar file from « Mon espace »: the owner's only (R10)."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from catalog.models import ActionKind
from enrollment import services
from tests.factories import UserFactory

from .conftest import PARIS, awaiting_provider, confirmed, register, session_of

pytestmark = pytest.mark.django_db


def ics_url(registration):
    return reverse("operations:registration_ics", args=[registration.pk])


def test_the_url_is_under_mon_espace():
    assert ics_url(type("R", (), {"pk": 7})) == "/mon-espace/inscriptions/7/calendrier.ics"


def test_the_owner_downloads_a_valid_ics_in_paris_time(client):
    starts = dt.datetime(2027, 1, 14, 9, 30, tzinfo=PARIS)  # winter time: UTC+1
    session = session_of(ActionKind.TRAINING, starts_at=starts)
    session.ends_at = starts + dt.timedelta(days=1, hours=8)
    session.save()
    registration = confirmed(session)
    client.force_login(registration.user)
    response = client.get(ics_url(registration))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == (
        f'attachment; filename="parcourspro-{session.action.slug}-{session.pk}.ics"'
    )
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == starts
    assert event.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)
    assert str(event["dtstart"].params.get("TZID")) == "Europe/Paris"
    assert event.decoded("dtend") == dt.datetime(2027, 1, 15, 17, 30, tzinfo=PARIS)
    assert str(event["summary"]) == f"ParcoursPro — {session.action.title}"
    assert str(event["location"]) == session.location


def test_a_pending_request_has_its_ics_too(client):
    registration = awaiting_provider(session_of(ActionKind.TRAINING))
    client.force_login(registration.user)
    assert client.get(ics_url(registration)).status_code == 200


def test_anyone_elses_registration_answers_404(client, staff):
    registration = confirmed(session_of(ActionKind.TRAINING))
    for user in (UserFactory(), staff):
        client.force_login(user)
        assert client.get(ics_url(registration)).status_code == 404


@pytest.mark.parametrize("outcome", ["waitlisted", "cancelled"])
def test_no_ics_without_a_place(client, outcome):
    session = session_of(ActionKind.WEBINAR, capacity=1)
    register(UserFactory(), session)
    [registration] = register(UserFactory(), session)
    if outcome == "cancelled":
        services.cancel(registration, by=registration.user, reason="Indisponible")
    client.force_login(registration.user)
    assert client.get(ics_url(registration)).status_code == 404


def test_anonymous_is_sent_to_login(client):
    registration = confirmed(session_of(ActionKind.TRAINING))
    response = client.get(ics_url(registration))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_mon_espace_links_to_the_ics(client):
    registration = confirmed(session_of(ActionKind.TRAINING))
    client.force_login(registration.user)
    response = client.get(reverse("enrollment:my_space"))
    assert ics_url(registration) in response.content.decode()
