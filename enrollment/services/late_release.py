"""Late release (DESIGN.md, turn 3), the steps the waiting list takes on a locked session.

A place freed less than LATE_OFFER_DAYS before the start (Paris wall clock) is not given
silently: the request the waiting list would seat (R5–R7, `waitlist.serve_waitlist`)
receives an offer (`make_offer`) and holds the place while it runs (its state « offered »
counts among the places held, in no quota). What is overdue ends (`end_overdue_offers`,
applied by `waitlist.lapse_due`, hence by every service that locks the session, and by the
periodic task of `services.offers`): an offer without an answer, and an accepted one whose
employer did not accept in time; the request lapses and the place passes on. The person's
answers are `services.offers`. An offer's row is only written under its session's lock
(every service that reaches one locks the session first), so the offers' locks never meet
in another order.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from catalog.dates import moment_text
from catalog.models import Session

from .. import rules
from ..models import Offer, Registration
from ..notifications import offers as offer_notifications
from .transitions import Status, move

OfferStatus = Offer.Status


def is_late(session: Session, now: dt.datetime) -> bool:
    """Whether a place of `session` freed at `now` is a late release."""
    return rules.late_release_applies(
        now=now, starts_at=session.starts_at, days=settings.LATE_OFFER_DAYS
    )


def make_offer(registration: Registration, session: Session, *, now: dt.datetime, by=None):
    """Offer the locked session's free place to the locked waitlisted `registration` until
    `rules.offer_expires_at`, and tell its owner (email, « Mon espace »)."""
    expires_at = rules.offer_expires_at(
        now=now,
        starts_at=session.starts_at,
        deadline=session.registration_deadline,
        hours=settings.LATE_OFFER_HOURS,
    )
    offer = Offer.objects.create(
        registration=registration, session=session, made_at=now, expires_at=expires_at
    )
    reason = (
        f"Place libérée moins de {settings.LATE_OFFER_DAYS} jours avant le début : "
        f"proposée jusqu'au {moment_text(expires_at)}"
    )
    move(registration, Status.OFFERED, by=by, reason=reason)
    offer_notifications.offer_made(registration, offer)
    return offer


def _overdue(now: dt.datetime) -> Q:
    """Offers that end at `now`: unanswered at their end, or accepted and still waiting for
    the employer at the end of the employer's time."""
    return Q(status=OfferStatus.OFFERED, expires_at__lte=now) | Q(
        status=OfferStatus.ACCEPTED, approval_due_at__lte=now
    )


def end_overdue_offers(session: Session, now: dt.datetime) -> list[Registration]:
    """On a locked session: the requests whose offer ended without an answer, or whose
    employer did not accept in time, lapse (their places freed; the caller passes them
    on). Offers are only made in the last LATE_OFFER_DAYS: before that, nothing is read."""
    if now <= rules.days_before(session.starts_at, settings.LATE_OFFER_DAYS):
        return []
    due = Offer.objects.filter(_overdue(now), registration=OuterRef("pk"))
    # The registrations first, then their offers (the platform's lock order).
    overdue = list(
        Registration.objects.select_for_update(of=("self",), no_key=True)
        .filter(session=session, status__in=[Status.OFFERED, Status.PENDING_EMPLOYER])
        .filter(Exists(due))
        .select_related("user", "structure")
        .order_by("pk")
    )
    for registration in overdue:
        registration.session = session
        offer = (
            Offer.objects.select_for_update()
            .filter(_overdue(now), registration=registration)
            .latest("made_at", "pk")
        )
        if registration.status == Status.OFFERED:
            offer.status = OfferStatus.EXPIRED
            reason = f"Place proposée sans réponse avant le {moment_text(offer.expires_at)}"
        else:
            offer.status = OfferStatus.APPROVAL_LAPSED
            reason = (
                "Place proposée acceptée, mais pas par l'employeur avant le "
                f"{moment_text(offer.approval_due_at)}"
            )
        offer.decided_at = offer.decided_at or now
        offer.save(update_fields=["status", "decided_at"])
        move(registration, Status.LAPSED, reason=reason)
        offer_notifications.offer_ended(registration, offer)
    return overdue


def overdue_sessions(now: dt.datetime):
    """The sessions where an offer is overdue (the periodic task's work list)."""
    ids = (
        Offer.objects.filter(_overdue(now))
        .filter(Q(status=OfferStatus.OFFERED) | Q(registration__status=Status.PENDING_EMPLOYER))
        .order_by()
        .values_list("session_id", flat=True)
        .distinct()
    )
    return Session.objects.filter(pk__in=list(ids)).order_by("pk")
