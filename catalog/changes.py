"""What changed in a session, for the people registered to it (DESIGN.md, turn 3 « Session
changes »): its dates and times, its place, its joining link. Its capacity, deadline or
status are not facts of their calendar: a change of them tells nobody anything here (places
go through the waiting list, a cancellation has its own service).

The detection is here, once: staff's saves go through `enrollment.services.change_session`,
which compares the row before and after with `changed_facts`, bumps the calendar file's
SEQUENCE when a fact changed, and tells the people concerned.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Session


class Fact(models.TextChoices):
    """A fact of a session its registered people rely on, and its calendar file shows."""

    DATES = "dates", _("Dates et horaires")
    PLACE = "place", _("Lieu")
    LINK = "link", _("Lien de connexion")


# The fields each fact reads.
FACT_FIELDS = {
    Fact.DATES: ("starts_at", "ends_at"),
    Fact.PLACE: ("format", "location", "department"),
    Fact.LINK: ("remote_url",),
}
# Staff change these through `enrollment.services.change_session`; the places and the status
# have their own services (`set_capacity`, `cancel_session`).
CHANGEABLE_FIELDS = frozenset(
    {
        "action",
        "starts_at",
        "ends_at",
        "registration_deadline",
        "format",
        "department",
        "location",
        "remote_url",
    }
)


def changed_facts(before: Session, after: Session) -> frozenset[Fact]:
    """The facts that differ between two states of one session. What the place of a remote
    session says (« À distance ») ignores its address, and its joining link counts only for a
    session held remotely, before or after: the link of a session on site is never given."""
    facts = {
        fact
        for fact, fields in FACT_FIELDS.items()
        if any(getattr(before, name) != getattr(after, name) for name in fields)
    }
    if before.is_remote and after.is_remote:
        facts.discard(Fact.PLACE)
    if not (before.is_remote or after.is_remote):
        facts.discard(Fact.LINK)
    return frozenset(facts)
