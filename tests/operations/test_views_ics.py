"""The convocation's calendar file from « Mon espace »: the owner's only (R10)."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from catalog.models import ActionKind
from enrollment import services
from enrollment.calendar import session_ics
from tests.factories import PARIS, UserFactory, awaiting_provider, confirmed, register, session_of

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
    calendar = Calendar.from_ical(response.content)
    assert [tz.tz_name for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    first, second = calendar.walk("VEVENT")  # one event a day of the two-day training
    assert first.decoded("dtstart") == starts
    assert first.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)
    assert str(first["dtstart"].params.get("TZID")) == "Europe/Paris"
    assert first.decoded("dtend") == dt.datetime(2027, 1, 14, 17, 30, tzinfo=PARIS)
    assert second.decoded("dtstart") == dt.datetime(2027, 1, 15, 9, 30, tzinfo=PARIS)
    assert second.decoded("dtend") == dt.datetime(2027, 1, 15, 17, 30, tzinfo=PARIS)
    for event in (first, second):
        assert str(event["summary"]) == f"ParcoursPro — {session.action.title}"
        assert str(event["location"]) == session.location


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def ics_of(starts, ends) -> Calendar:
    session = session_of(ActionKind.TRAINING, starts_at=starts)
    session.ends_at = ends
    session.save()
    return Calendar.from_ical(session_ics(confirmed(session)))


def local_times(calendar) -> list[tuple[str, str, str]]:
    """(day, start, end) of each event, as a Paris wall clock reads them."""
    result = []
    for event in calendar.walk("VEVENT"):
        starts, ends = event.decoded("dtstart"), event.decoded("dtend")
        result.append((starts.date().isoformat(), f"{starts:%H:%M}", f"{ends:%H:%M}"))
    return result


@pytest.mark.parametrize(
    ("starts", "ends", "expected"),
    [
        # A one-day session (a Tuesday) stays one event.
        (paris(2027, 1, 12, 9), paris(2027, 1, 12, 17), [("2027-01-12", "09:00", "17:00")]),
        # Tuesday and Wednesday, as the demo stores them (day 1 09:00 → day 2 17:00).
        (
            paris(2027, 1, 12, 9),
            paris(2027, 1, 13, 17),
            [("2027-01-12", "09:00", "17:00"), ("2027-01-13", "09:00", "17:00")],
        ),
        # Tuesday to Thursday: the first day's start and the last day's end, every day.
        (
            paris(2027, 6, 1, 9, 30),
            paris(2027, 6, 3, 16, 30),
            [
                ("2027-06-01", "09:30", "16:30"),
                ("2027-06-02", "09:30", "16:30"),
                ("2027-06-03", "09:30", "16:30"),
            ],
        ),
        # Saturday and Sunday 28 March 2027, the day clocks go forward: 9:00 stays 9:00.
        (
            paris(2027, 3, 27, 9),
            paris(2027, 3, 28, 17),
            [("2027-03-27", "09:00", "17:00"), ("2027-03-28", "09:00", "17:00")],
        ),
        # Saturday to Monday across the change: the Sunday inside is left out, as on the
        # attendance sheet.
        (
            paris(2027, 3, 27, 9),
            paris(2027, 3, 29, 17),
            [("2027-03-27", "09:00", "17:00"), ("2027-03-29", "09:00", "17:00")],
        ),
        # Saturday and Sunday 31 October 2027, the day clocks go back.
        (
            paris(2027, 10, 30, 9),
            paris(2027, 10, 31, 17),
            [("2027-10-30", "09:00", "17:00"), ("2027-10-31", "09:00", "17:00")],
        ),
        # Ending earlier in the day than it starts: no daily hours to repeat, one event.
        (
            paris(2027, 1, 12, 14),
            paris(2027, 1, 13, 12),
            [("2027-01-12", "14:00", "12:00")],
        ),
    ],
)
def test_one_event_a_day_at_the_same_paris_hours(starts, ends, expected):
    assert local_times(ics_of(starts, ends)) == expected


def test_the_daily_hours_are_written_as_paris_wall_clock_times():
    session = session_of(ActionKind.TRAINING, starts_at=paris(2027, 3, 27, 9))
    session.ends_at = paris(2027, 3, 28, 17)
    session.save()
    raw = session_ics(confirmed(session)).decode()
    assert "DTSTART;TZID=Europe/Paris:20270327T090000" in raw
    assert "DTEND;TZID=Europe/Paris:20270327T170000" in raw
    assert "DTSTART;TZID=Europe/Paris:20270328T090000" in raw  # summer time from 02:00
    assert "DTEND;TZID=Europe/Paris:20270328T170000" in raw
    saturday, sunday = Calendar.from_ical(raw).walk("VEVENT")
    assert saturday.decoded("dtstart").utcoffset() == dt.timedelta(hours=1)
    assert sunday.decoded("dtstart").utcoffset() == dt.timedelta(hours=2)
    elapsed = sunday.decoded("dtstart").astimezone(dt.UTC) - saturday.decoded("dtstart")
    assert elapsed == dt.timedelta(hours=23)  # the night the clocks go forward


def test_the_paris_time_zone_is_defined_in_the_file():
    """RFC 5545: every TZID an event uses is defined by a VTIMEZONE of the file."""
    calendar = ics_of(paris(2027, 3, 27, 9), paris(2027, 3, 29, 17))
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["tzid"]) == "Europe/Paris"
    observances = {component.name for component in timezone.subcomponents}
    assert observances == {"STANDARD", "DAYLIGHT"}
    offsets = {
        (c.name, c["tzoffsetfrom"].to_ical(), c["tzoffsetto"].to_ical())
        for c in timezone.subcomponents
    }
    assert ("DAYLIGHT", "+0100", "+0200") in offsets
    assert ("STANDARD", "+0200", "+0100") in offsets
    used = {
        str(event[name].params["TZID"])
        for event in calendar.walk("VEVENT")
        for name in ("dtstart", "dtend")
    }
    assert used == {"Europe/Paris"}
    assert calendar.get_missing_tzids() == set()
    assert [c.name for c in calendar.subcomponents] == ["VTIMEZONE", "VEVENT", "VEVENT"]


def test_every_day_carries_the_convocation_with_its_own_stable_uid():
    session = session_of(ActionKind.TRAINING, starts_at=paris(2027, 6, 1, 9))
    session.ends_at = paris(2027, 6, 3, 17)
    session.save()
    registration, other = confirmed(session), confirmed(session)
    events = Calendar.from_ical(session_ics(registration)).walk("VEVENT")
    uids = [str(event["uid"]) for event in events]
    assert uids == [
        f"registration-{registration.pk}@parcourspro",  # as before, for calendars that have it
        f"registration-{registration.pk}-day-2@parcourspro",
        f"registration-{registration.pk}-day-3@parcourspro",
    ]
    again = Calendar.from_ical(session_ics(registration)).walk("VEVENT")
    assert [str(event["uid"]) for event in again] == uids
    others = Calendar.from_ical(session_ics(other)).walk("VEVENT")
    assert not {str(event["uid"]) for event in others} & set(uids)
    for event in events:
        assert str(event["summary"]) == f"ParcoursPro — {session.action.title}"
        assert str(event["location"]) == session.location
        assert f"Prestataire : {session.action.provider.name}" in str(event["description"])
        assert "dtstamp" in event


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
