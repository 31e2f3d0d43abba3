"""The person's answers to a late-release offer (DESIGN.md, turn 3), and the periodic end of
overdue offers. The offers themselves are made by the waiting list (`late_release`).

« Accepter la place » takes the place through the normal path (R4, R10): the next step
`policy.status_with_place` gives — the employer's acceptance where R4 requires it, within
LATE_OFFER_APPROVAL_HOURS, then the provider's confirmation as usual. Membership (R2), the
yearly quota (R6) and the attachment to the structure the request was made for are checked
again: someone who became ineligible meanwhile is refused with a French message, the
request goes back to the waiting list and the place passes on at once. « Je ne suis plus
disponible » withdraws the request (never counted, R8: no place was held for the person
yet) and passes the place on at once. Each answer locks, in the platform's order, the
session, the people of its waiting list and the person answering, then the registration,
then the offer: two answers for one place, or an answer and another service, never seat
more people than places.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from catalog.dates import moment_text
from common.text import lowercase_first

from .. import locking, rules
from ..models import Offer, Registration
from ..notifications import offers as offer_notifications
from ..rules import RuleViolation
from . import late_release
from .messages import text
from .policy import check_still_eligible, status_with_place
from .transitions import Status, lock_for_places, lock_registration_row, move
from .waitlist import lapse_due, promote_waitlist, serve_waitlist

OfferStatus = Offer.Status

DECLINE_REASON = "Place proposée déclinée : je ne suis plus disponible"


def _check_owner(offer: Offer, by) -> None:
    if by is None or by.pk != offer.registration.user_id:
        raise PermissionDenied(text("offer_not_yours"))


def _closed(offer: Offer) -> RuleViolation:
    """Why an offer that no longer runs cannot be answered."""
    if offer.status == OfferStatus.EXPIRED:
        message = text("offer_expired", moment=moment_text(offer.expires_at))
    elif offer.status == OfferStatus.DECLINED:
        message = text("offer_declined")
    elif offer.status == OfferStatus.ACCEPTED:
        message = text("offer_accepted")
    else:
        message = text("offer_closed")
    return RuleViolation(f"offer_{offer.status}", message)


def _lock(offer: Offer, now: dt.datetime):
    """Lock the offer's session, its waiting people and the person (whose quota acceptance
    uses), end what is overdue there, then lock the registration and the offer; return
    fresh copies (registration, session, offer)."""
    registration = offer.registration
    sessions, _ = lock_for_places([offer.session_id], user_ids=[registration.user_id])
    session = sessions[offer.session_id]
    if lapse_due(session, now):  # an offer ended (this one, maybe): its place passes on now
        serve_waitlist(session, now=now)
    registration = lock_registration_row(registration.pk, session)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    offer.registration = registration
    return registration, session, offer


def check_offer_eligible(registration: Registration, session) -> None:
    """What the waiting list checked when it made the offer, checked again at acceptance:
    R2, R6, and — for an action for members — that the person still belongs to the
    structure the request was made for."""
    user = registration.user
    if (
        session.action.is_member_only
        and registration.structure_id is not None
        and (user is None or user.structure_id != registration.structure_id)
    ):
        raise RuleViolation(
            "attachment", text("offer_detached", structure=registration.structure.name)
        )
    check_still_eligible(registration, session)


@locking.retry_on_lock_conflict
def accept_offer(offer: Offer, *, by, now: dt.datetime | None = None) -> Registration:
    """« Accepter la place »: the request takes the place it was offered, at the next step
    of its path; refused once the offer has ended, or when its owner became ineligible
    (the place then passes on). A refusal is raised after the commit: what ended meanwhile
    stands."""
    _check_owner(offer, by)
    now = now or timezone.now()
    refusal = None
    with transaction.atomic():
        registration, session, offer = _lock(offer, now)
        if offer.status != OfferStatus.OFFERED:
            refusal = _closed(offer)
        else:
            try:
                check_offer_eligible(registration, session)
            except RuleViolation as violation:
                refusal = _ineligible(registration, session, offer, violation, by=by, now=now)
            else:
                _accept(registration, session, offer, by=by, now=now)
    if refusal is not None:
        raise refusal
    return registration


def _accept(registration: Registration, session, offer: Offer, *, by, now: dt.datetime) -> None:
    to = status_with_place(
        member_only=session.action.is_member_only,
        user=registration.user,
        structure=registration.structure,
        pre_approved=registration.employer_approved_at is not None,
    )
    offer.status = OfferStatus.ACCEPTED
    offer.decided_at = now
    if to == Status.PENDING_EMPLOYER:
        offer.approval_due_at = rules.offer_expires_at(
            now=now,
            starts_at=session.starts_at,
            deadline=session.registration_deadline,
            hours=settings.LATE_OFFER_APPROVAL_HOURS,
        )
    offer.save(update_fields=["status", "decided_at", "approval_due_at"])
    registration.waitlist_reason = ""
    move(registration, to, by=by, reason="Place proposée acceptée", fields=["waitlist_reason"])
    offer_notifications.offer_accepted(registration, offer)


def _ineligible(registration, session, offer, violation, *, by, now) -> RuleViolation:
    """The owner no longer meets a rule: the offer closes and the place passes on. A request
    over its owner's quota or without membership waits again, as a skipped promotion (it
    is reconsidered when their situation changes, R7); one made for a structure the person
    left is withdrawn, not counted (as a detachment does)."""
    offer.status = OfferStatus.INELIGIBLE
    offer.decided_at = now
    offer.reason = violation.message
    offer.save(update_fields=["status", "decided_at", "reason"])
    if violation.code == "attachment":
        registration.cancelled_at = now
        registration.cancellation_reason = f"Place proposée refusée : {violation.message}"
        move(
            registration,
            Status.CANCELLED,
            by=by,
            reason=registration.cancellation_reason,
            fields=["cancelled_at", "cancellation_reason"],
        )
        message = text("offer_detached_refused", reason=violation.message)
    else:
        # The words of a skipped promotion (`waitlist.skip_once`): serving the waiting list
        # below skips the request again without writing nor telling it twice.
        reason = f"Promotion impossible : {lowercase_first(violation.message)}"
        move(registration, Status.WAITLISTED, by=by, reason=reason)
        message = text("offer_ineligible", reason=violation.message)
    serve_waitlist(session, now=now)
    return RuleViolation(violation.code, message)


@locking.retry_on_lock_conflict
def decline_offer(offer: Offer, *, by, now: dt.datetime | None = None) -> Registration:
    """« Je ne suis plus disponible »: the request is withdrawn (not counted) and the place
    passes on at once. Refused (after the commit) once the offer has ended."""
    _check_owner(offer, by)
    now = now or timezone.now()
    refusal = None
    with transaction.atomic():
        registration, session, offer = _lock(offer, now)
        if offer.status != OfferStatus.OFFERED:
            refusal = _closed(offer)
        else:
            offer.status = OfferStatus.DECLINED
            offer.decided_at = now
            offer.save(update_fields=["status", "decided_at"])
            registration.cancelled_at = now
            registration.cancellation_reason = DECLINE_REASON
            move(
                registration,
                Status.CANCELLED,
                by=by,
                reason=DECLINE_REASON,
                fields=["cancelled_at", "cancellation_reason"],
            )
            serve_waitlist(session, now=now)
    if refusal is not None:
        raise refusal
    return registration


@shared_task(name="enrollment.tasks.end_overdue_offers", ignore_result=True)
def end_overdue_offers() -> int:
    """Every few minutes: the offers that ended without an answer, and those accepted whose
    employer did not accept in time, end; their places pass on (`promote_waitlist` applies
    `lapse_due`, then serves the waiting list). Every service that locks a session does the
    same first: this only makes it happen without one. Returns the offers made anew."""
    now = timezone.now()
    sessions = late_release.overdue_sessions(now)
    return sum(len(promote_waitlist(session, now=now)) for session in sessions)
