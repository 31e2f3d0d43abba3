"""Display helpers for actions and sessions (French dates, places)."""

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from enrollment import rules

register = template.Library()


def _day(value) -> str:
    return formats.date_format(value, "l j F Y")


def _time(value) -> str:
    return formats.time_format(value, "G\\hi")


@register.filter
def session_dates(session) -> str:
    """« mardi 12 janvier 2027, 9h30 – 17h00 », or « du … au … » over several days."""
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    if start.date() == end.date():
        return _("%(day)s, %(start)s – %(end)s") % {
            "day": _day(start),
            "start": _time(start),
            "end": _time(end),
        }
    return _("du %(start)s au %(end)s") % {"start": _day(start), "end": _day(end)}


@register.filter
def short_date(value) -> str:
    """« 12 janv. 2027 »."""
    return formats.date_format(timezone.localtime(value), "j M Y")


@register.filter
def places_text(session) -> str:
    """Places left in words: status in text, never in colour alone; a session whose
    registrations are closed (R9) says so rather than count places nobody can take."""
    left = getattr(session, "places_left", None)
    if left is None:
        return ""
    if not rules.is_registration_open(
        now=timezone.now(),
        registration_deadline=session.registration_deadline,
        starts_at=session.starts_at,
        is_cancelled=session.is_cancelled,
    ):
        return _("Inscriptions closes")
    if left <= 0:
        return _("Complet — liste d'attente")
    if left == 1:
        return _("1 place restante")
    return _("%(count)s places restantes") % {"count": left}


@register.filter
def where(session) -> str:
    """The place of a session, or « À distance »."""
    if session.is_remote:
        return _("À distance")
    parts = [session.location] if session.location else []
    if session.department:
        parts.append(session.get_department_display())
    return " — ".join(parts)


@register.filter
def duration_text(days) -> str:
    """« 0,5 jour », « 1 jour », « 2 jours » (French plural from 2)."""
    if days is None:
        return ""
    shown = str(int(days)) if days == int(days) else formats.number_format(days, 1)
    if days < 2:
        return _("%(days)s jour") % {"days": shown}
    return _("%(days)s jours") % {"days": shown}
