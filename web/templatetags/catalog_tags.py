"""Display helpers for actions and sessions (French dates, places)."""

import re

from django import template
from django.utils import formats, timezone
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.dates import moment_text, period_text
from common import typography
from enrollment import rules

register = template.Library()


@register.filter
def session_dates(session) -> str:
    """A session's dates and hours as people write them, the same on every page and in every
    email: « le mardi 16 février 2027, de 9 h à 17 h », « du mardi 16 au mercredi 17 février
    2027, de 9 h à 17 h » (`|capfirst` where they open a line)."""
    return period_text(session.starts_at, session.ends_at)


@register.filter
def moment(value) -> str:
    """One instant (a deadline, a request's date): « mardi 16 février 2027 à 9 h »."""
    return moment_text(value) if value else ""


@register.filter
def short_date(value) -> str:
    """« 12 janv. 2027 », « 1er févr. 2027 »."""
    return typography.day(timezone.localtime(value).date(), short=True) if value else ""


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
    return ngettext("%(count)s place restante", "%(count)s places restantes", left) % {
        "count": left
    }


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
    return ngettext("%(days)s jour", "%(days)s jours", int(days)) % {"days": shown}


_BULLET = re.compile(r"^\s*[-–•*]\s+")


@register.filter(is_safe=True)
def text_blocks(text) -> str:
    """A text typed by staff as HTML: paragraphs, and lines that start with « - » or « • »
    as a real list (objectives, programme), not as dashes."""
    blocks, items, lines = [], [], []

    def close_paragraph():
        if lines:
            blocks.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
            lines.clear()

    def close_list():
        if items:
            blocks.append(
                "<ul>" + format_html_join("", "<li>{}</li>", ((i,) for i in items)) + "</ul>"
            )
            items.clear()

    for line in str(text or "").splitlines():
        if _BULLET.match(line):
            close_paragraph()
            items.append(_BULLET.sub("", line).strip())
        elif line.strip():
            close_list()
            lines.append(line.strip())
        else:
            close_paragraph()
            close_list()
    close_paragraph()
    close_list()
    return mark_safe("\n".join(blocks))  # noqa: S308 — every piece escaped above
