"""A registration's state as a badge, the same on every page."""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from enrollment import calendar
from enrollment.models import RegistrationStatus
from web.parts import render_part

register = template.Library()
Status = RegistrationStatus

# The colour of each state (static/css/site.css); the badge always says the state in words too.
BADGE_CSS = {
    Status.PENDING_EMPLOYER: "pending",
    Status.PENDING_PROVIDER: "pending",
    Status.CONFIRMED: "confirmed",
    Status.ATTENDED: "confirmed",
    Status.WAITLISTED: "waitlisted",
    Status.OFFERED: "pending",
    Status.REFUSED: "refused",
    Status.DECLINED: "refused",
    Status.LAPSED: "refused",
    Status.ABSENT: "refused",
    Status.CANCELLED: "cancelled",
}

# Where a page words a state otherwise than by its name: (colour or None, words).
WORDINGS = {
    # « Mon espace » and the validated cart: the professional, about their own request.
    "own": {
        Status.WAITLISTED: (None, _("En liste d'attente — position %(position)s")),
        Status.PENDING_EMPLOYER: (None, _("En attente de la validation de votre employeur")),
    },
    # A request in the Employer Space: does it hold a place while the employer decides?
    "place": {
        Status.PENDING_EMPLOYER: (None, _("Place réservée")),
        Status.WAITLISTED: (None, _("En liste d'attente")),
    },
    # The Employer Space's history: the decision that led to the state. An acceptance is good
    # news, though the request still waits for the provider.
    "decision": {
        Status.PENDING_PROVIDER: ("confirmed", _("Acceptée")),
        Status.REFUSED: (None, _("Refusée")),
        Status.WAITLISTED: (None, _("Pré-acceptée (liste d'attente)")),
        Status.LAPSED: (None, _("Expirée : date limite dépassée sans décision")),
    },
}


@register.simple_tag
def status_badge(status, wording="", position=None):
    """`{% status_badge registration.status %}`: the state's colour and its name, or how the
    page words it (`wording`, a key of WORDINGS; `position` in the waiting list). Written
    here, not by a template: one in each row of a table cost a template's rendering each."""
    css, words = WORDINGS.get(wording, {}).get(status, (None, None))
    if words is None:  # the state's name, escaped as any value
        words = Status(status).label if status in Status.values else status
    else:  # this module's own text, as a template's {% translate %}
        words = mark_safe(words % {"position": conditional_escape(position)})
    return format_html(
        '<span class="badge status-{}">{}</span>', css or BADGE_CSS.get(status, "pending"), words
    )


@register.filter
def joining_link(registration) -> str:
    """`{{ registration|joining_link }}`: the link to join its remote session, for a
    confirmed registration only (empty otherwise)."""
    return calendar.joining_link(registration)


@register.simple_tag
def session_facts(session, show_places=False):
    """`{% session_facts session %}`: a session's kind, dates, place and (`show_places`)
    places left, from the one template that « Mon espace »'s Jinja2 list also includes
    (templates/jinja2/enrollment/session_facts.html)."""
    return render_part(
        None, "enrollment/session_facts.html", {"session": session, "show_places": show_places}
    )
