"""The convocation's calendar event (.ics), in Europe/Paris time (R10)."""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from .models import Registration


def session_ics(registration: Registration) -> bytes:
    """An iCalendar file with one event: the registration's session."""
    session = registration.session
    action = session.action
    calendar = Calendar()
    calendar.add("prodid", "-//Cap Métiers//ParcoursPro//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"registration-{registration.pk}@parcourspro")
    event.add("summary", f"ParcoursPro — {action.title}")
    event.add("dtstart", timezone.localtime(session.starts_at))
    event.add("dtend", timezone.localtime(session.ends_at))
    event.add("dtstamp", timezone.now())
    if session.is_remote:
        event["location"] = vText(session.remote_url or "À distance")
    else:
        event["location"] = vText(session.location)
    lines = [action.summary, "", f"Prestataire : {action.provider.name}"]
    if action.kind == "tutored_self_training":
        lines.append(f"Plateforme e-ParcoursPro : {settings.E_PARCOURSPRO_URL}")
    if session.remote_url:
        lines.append(f"Lien de connexion : {session.remote_url}")
    event.add("description", "\n".join(lines))
    event.add("url", settings.SITE_URL + action.get_absolute_url())
    calendar.add_component(event)
    return calendar.to_ical()


def ics_filename(registration: Registration) -> str:
    return f"parcourspro-{registration.session.action.slug}-{registration.session_id}.ics"


def ics_attachment(registration: Registration) -> dict:
    """The .ics as an outbox attachment (JSON-safe)."""
    return {
        "filename": ics_filename(registration),
        "content": base64.b64encode(session_ics(registration)).decode(),
        "mimetype": "text/calendar",
    }
