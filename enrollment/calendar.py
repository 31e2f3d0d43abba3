"""The convocation's calendar file (.ics), in Europe/Paris time (R10): one event a day of the
session, and the VTIMEZONE that RFC 5545 requires for the TZID the events use.

Each event keeps its UID for the life of the request; its SEQUENCE is the session's
`calendar_sequence`, one more at each change of what the events show (DESIGN.md, turn 3
« Session changes »): a calendar program importing the new file replaces the events it
holds, a cancelled session's events are marked CANCELLED, and a day the session no longer
runs is cancelled rather than left behind."""

from __future__ import annotations

import base64
import datetime as dt

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vText

from catalog.models import Session

from .models import Registration, RegistrationStatus
from .rules import sessions_overlap


def joining_link(registration: Registration) -> str:
    """The link to join a remote session, for a confirmed participant only: a request still
    waiting (employer, provider, a place) must not be able to join."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return ""
    return registration.session.remote_url


def session_days(session: Session) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of each day of the session, in Paris time: every day runs from the first
    day's start time to the last day's end time, wall clock, whatever the daylight-saving
    change in between. A session that ends earlier in the day than it starts (say Tuesday
    14:00 to Wednesday 12:00) has no such daily hours and stays one event, as does any
    session shorter than a day."""
    starts = timezone.localtime(session.starts_at)
    ends = timezone.localtime(session.ends_at)
    days = session.days()
    if len(days) < 2 or ends.time() <= starts.time():
        return [(starts, ends)]
    return [
        (
            timezone.make_aware(dt.datetime.combine(day, starts.time())),
            timezone.make_aware(dt.datetime.combine(day, ends.time())),
        )
        for day in days
    ]


def sessions_clash(a: Session, b: Session) -> bool:
    """Whether two sessions are held at the same time: some day's hours of one overlap some
    day's hours of the other (`session_days`; `rules.sessions_overlap`). An evening webinar
    during a training of several days does not clash with it: the training's days end at its
    daily end time."""
    if not sessions_overlap(a.starts_at, a.ends_at, b.starts_at, b.ends_at):
        return False
    return any(
        sessions_overlap(a_start, a_end, b_start, b_end)
        for a_start, a_end in session_days(a)
        for b_start, b_end in session_days(b)
    )


def event_uid(registration: Registration, day_number: int) -> str:
    """Stable across downloads and emails, so that importing the file again updates the events.
    The first day keeps the UID of the single event the file used to hold."""
    if day_number == 1:
        return f"registration-{registration.pk}@parcourspro"
    return f"registration-{registration.pk}-day-{day_number}@parcourspro"


def paris_timezone() -> Timezone:
    """The VTIMEZONE of Europe/Paris (RFC 5545 § 3.6.5) as calendar programs write it: the
    EU rule since 1996, each observance starting at the local time *before* the change
    (2:00 in March, 3:00 in October). icalendar's generated one starts the March change at
    3:00, an hour late for a program that reads it."""
    timezone_ = Timezone()
    timezone_.add("tzid", "Europe/Paris")
    daylight = TimezoneDaylight()
    daylight.add("tzname", "CEST")
    daylight.add("tzoffsetfrom", dt.timedelta(hours=1))
    daylight.add("tzoffsetto", dt.timedelta(hours=2))
    daylight.add("dtstart", dt.datetime(1970, 3, 29, 2, 0))
    daylight.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    standard = TimezoneStandard()
    standard.add("tzname", "CET")
    standard.add("tzoffsetfrom", dt.timedelta(hours=2))
    standard.add("tzoffsetto", dt.timedelta(hours=1))
    standard.add("dtstart", dt.datetime(1970, 10, 25, 3, 0))
    standard.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    timezone_.add_component(daylight)
    timezone_.add_component(standard)
    return timezone_


def session_ics(registration: Registration, *, before: Session | None = None) -> bytes:
    """An iCalendar file with one event a day of the registration's session; the joining
    link only once the registration is confirmed. `before`: the session as it was before a
    change, whose days beyond the new ones are sent as cancelled events (a session of two
    days moved to one leaves no second day in the person's calendar)."""
    session = registration.session
    action = session.action
    calendar = Calendar()
    calendar.add("prodid", "-//Cap Métiers//ParcoursPro//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(paris_timezone())
    lines = [action.summary, "", f"Prestataire : {action.provider.name}"]
    if action.kind == "tutored_self_training":
        lines.append(f"Plateforme e-ParcoursPro : {settings.E_PARCOURSPRO_URL}")
    link = joining_link(registration)
    if link:
        lines.append(f"Lien de connexion : {link}")
    location = (link or "À distance") if session.is_remote else session.location
    stamp = timezone.now()
    days = session_days(session)
    dropped = session_days(before)[len(days) :] if before is not None else []
    for number, (starts, ends) in enumerate([*days, *dropped], start=1):
        event = Event()
        event.add("uid", event_uid(registration, number))
        event.add("sequence", session.calendar_sequence)
        event.add("summary", f"ParcoursPro — {action.title}")
        event.add("dtstart", starts)
        event.add("dtend", ends)
        event.add("dtstamp", stamp)
        cancelled = session.is_cancelled or number > len(days)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event["location"] = vText(location)
        event.add("description", "\n".join(lines))
        event.add("url", settings.SITE_URL + action.get_absolute_url())
        calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(registration: Registration) -> str:
    return f"parcourspro-{registration.session.action.slug}-{registration.session_id}.ics"


def ics_attachment(registration: Registration, *, before: Session | None = None) -> dict:
    """The .ics as an outbox attachment (JSON-safe). Made when the email is sent
    (`registration_ics`, named for `mailing.delivery`), not in the transaction that records
    the email: a cart's validation records its acknowledgement holding its sessions' row
    locks, under which nothing but the database's work runs. A session change's file
    (`before`) is made at once, from the session as it was, which the database no longer
    holds."""
    if before is not None:
        return {
            "filename": ics_filename(registration),
            "content": base64.b64encode(session_ics(registration, before=before)).decode(),
            "mimetype": "text/calendar",
        }
    return {
        "filename": ics_filename(registration),
        "made_by": f"{__name__}.{registration_ics.__name__}",
        "of": registration.pk,
        "mimetype": "text/calendar",
    }


def registration_ics(registration_id: int) -> bytes | None:
    """The .ics of a registration as it is now (the session's dates, place and link), or None
    when the registration no longer exists (an account erased before its email left)."""
    registration = (
        Registration.objects.select_related("session__action__provider")
        .filter(pk=registration_id)
        .first()
    )
    return None if registration is None else session_ics(registration)
