"""Staff change a session (DESIGN.md, turn 3 « Session changes »): its dates, times, place or
joining link changed, everyone with a live request and their approvers are told at once,
the calendar file's SEQUENCE goes up, and the convocations are made again."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from catalog import changes
from catalog.models import Session
from documents import services as documents

from .. import locking, notifications
from ..models import HOLDING_STATUSES, Registration
from .messages import text
from .transitions import Status

# The requests whose people are told of a change: waiting for a decision, a place or the
# session itself.
TOLD_STATUSES = (Status.WAITLISTED, *HOLDING_STATUSES)


def live_requests(session: Session) -> list[Registration]:
    """The session's requests whose people are told of a change, with what their emails need
    (the structure's approvers among them). Read under the session's lock: no request of the
    session changes state meanwhile (every move locks its session first)."""
    return list(
        Registration.objects.filter(session=session, status__in=TOLD_STATUSES)
        .select_related("user", "structure")
        .prefetch_related("structure__approvers")
        .order_by("pk")
    )


@dataclass(frozen=True)
class SessionChanged:
    """What `change_session` did: the facts that changed, and the requests whose people were
    told (none when no fact changed)."""

    facts: frozenset[changes.Fact]
    told: tuple[Registration, ...] = ()


@locking.retry_on_lock_conflict
def change_session(session: Session, *, by, **values) -> SessionChanged:
    """Staff change fields of a session (`catalog.changes.CHANGEABLE_FIELDS`; its places and
    its status have their own services), written together in one UPDATE: a deadline and a
    start moved together never break the rule that one comes before the other. When its
    dates, place or link changed (`catalog.changes.changed_facts`), its calendar file's
    SEQUENCE goes up by one, its live requests' people and their approvers are told what
    changed, and the confirmed participants' convocations are made again after the commit."""
    if not by.is_staff:
        raise PermissionDenied(text("staff_only_change_session"))
    unknown = set(values) - changes.CHANGEABLE_FIELDS
    if unknown:
        raise ValueError(f"Not changed by change_session: {sorted(unknown)}")
    with transaction.atomic():
        session = locking.lock_sessions([session.pk])[session.pk]
        before = copy.copy(session)
        for name, value in values.items():
            setattr(session, name, value)
        fields = [name for name in values if getattr(before, name) != getattr(session, name)]
        facts = changes.changed_facts(before, session)
        if facts:
            session.calendar_sequence = before.calendar_sequence + 1
            fields.append("calendar_sequence")
        if fields:
            session.save(update_fields=fields)
        if not facts or session.is_cancelled:
            return SessionChanged(facts)
        registrations = live_requests(session)
        for registration in registrations:
            registration.session = session
        notifications.session_changed(
            session, before=before, facts=facts, registrations=registrations
        )
        documents.convocations_changed(
            [r.pk for r in registrations if notifications.has_convocation(r)]
        )
    return SessionChanged(facts, tuple(registrations))
