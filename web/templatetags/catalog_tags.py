"""Display helpers for actions and sessions (French dates, places)."""

import re

from django import template
from django.conf import settings
from django.utils import formats, timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.dates import moment_text, period_text
from common import typography
from common.choices import choice_label as _choice_label
from enrollment import rules
from web.parts import render_part

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
def choice_label(instance, field_name: str) -> str:
    """`{{ action|choice_label:"kind" }}`: what `{{ action.get_kind_display }}` says, for one
    translation rather than one for each of the field's choices (common.choices)."""
    return _choice_label(instance, field_name)


@register.filter
def where(session) -> str:
    """The place of a session, or « À distance »."""
    if session.is_remote:
        return _("À distance")
    parts = [session.location] if session.location else []
    if session.department:
        parts.append(_choice_label(session, "department"))
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


@register.simple_tag
def audience_badge(action) -> str:
    """`{% audience_badge action %}`: « Réservé aux adhérents » or « Ouvert à tous »."""
    if action.is_member_only:
        return format_html('<span class="badge badge-member">{}</span>', _("Réservé aux adhérents"))
    return format_html('<span class="badge badge-open">{}</span>', _("Ouvert à tous"))


def lead_time_text() -> str:
    """How early to ask for a member-only action (« Qui peut s'inscrire ? »)."""
    weeks = settings.RECOMMENDED_LEAD_DAYS // 7
    return ngettext(
        "Les places étant limitées, inscrivez-vous au moins %(weeks)s semaine avant le début : "
        "votre employeur puis le prestataire doivent valider votre demande.",
        "Les places étant limitées, inscrivez-vous au moins %(weeks)s semaines avant le début : "
        "votre employeur puis le prestataire doivent valider votre demande.",
        weeks,
    ) % {"weeks": weeks}


def who_context(action, *, authenticated: bool, situation: str = "") -> dict:
    """What templates/jinja2/catalog/action_who.html says, for a visitor or a person."""
    return {
        "action": action,
        "authenticated": authenticated,
        "situation": situation,
        "lead_time_text": lead_time_text(),
        "MEMBERSHIP_CONTACT_EMAIL": settings.MEMBERSHIP_CONTACT_EMAIL,
        "E_PARCOURSPRO_URL": settings.E_PARCOURSPRO_URL,
    }


@register.simple_tag(takes_context=True)
def action_who(context):
    """`{% action_who %}`: « Qui peut s'inscrire ? » under the head of a logged-in person's
    action page (a visitor's is in the head kept for every visitor)."""
    return render_part(
        context["request"],
        "catalog/action_who.html",
        who_context(context["action"], authenticated=True, situation=context["situation"]),
    )


@register.simple_tag(takes_context=True)
def action_sessions(context):
    """`{% action_sessions %}`: the action page's sessions as the person who reads it sees
    them (templates/jinja2/catalog/action_sessions.html)."""
    request = context["request"]
    count = context.get("cart_count", 0)
    return render_part(
        request,
        "catalog/action_sessions.html",
        {
            "sessions": context["sessions"],
            "situation": context["situation"],
            "authenticated": request.user.is_authenticated,
            "cart_text": ngettext(
                "Votre panier contient %(counter)s session.",
                "Votre panier contient %(counter)s sessions.",
                count,
            )
            % {"counter": count},
        },
    )
