"""The emails of the late release (DESIGN.md, turn 3), recorded in the outbox of the current
transaction as every email of a registration (`notifications`): an offer to its person, its
acceptance (to the person, and to the approvers with their own short time to accept), its
end without an answer."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from mailing.outbox import queue_email, queue_emails

from ..calendar import ics_attachment
from ..models import Offer, Registration, RegistrationStatus
from .common import approvers_of, links, to_professional
from .requests import staff_decision

Status = RegistrationStatus


def offer_links(offer: Offer) -> dict[str, str]:
    """The confirmation pages of « Accepter la place » and « Je ne suis plus disponible »
    (a GET shows the choice, only its POST acts: a mail client that opens links ahead acts
    on nothing)."""
    return {
        "accept_url": settings.SITE_URL + reverse("enrollment:offer_accept", args=[offer.pk]),
        "decline_url": settings.SITE_URL + reverse("enrollment:offer_decline", args=[offer.pk]),
    }


def _context(registration: Registration, offer: Offer, **more) -> dict:
    return {
        "registration": registration,
        "offer": offer,
        "late_days": settings.LATE_OFFER_DAYS,
        "approval_hours": settings.LATE_OFFER_APPROVAL_HOURS,
        "needs_employer": needs_employer(registration),
        **offer_links(offer),
        **links(),
        **more,
    }


def needs_employer(registration: Registration) -> bool:
    """Whether accepting the offer leads to the employer's acceptance (R4)."""
    if not registration.session.action.is_member_only or registration.employer_approved_at:
        return False
    structure = registration.structure
    if structure is None or registration.user_id is None:
        return True
    return {a.pk for a in structure.approvers.all()} != {registration.user_id}


def offer_made(registration: Registration, offer: Offer) -> None:
    """A place for the person, until the offer's end: accept it or say they are no longer
    available."""
    to_professional("offer_made", registration, _context(registration, offer))


def offer_accepted(registration: Registration, offer: Offer) -> None:
    """The person accepted: what happens next (their convocation when confirmed at once);
    the approvers, when their acceptance is needed, are asked to give it before
    `offer.approval_due_at`, or staff for a structure without approver."""
    confirmed = registration.status == Status.CONFIRMED
    calendars = [ics_attachment(registration)] if confirmed else []
    to_professional(
        "offer_accepted",
        registration,
        _context(registration, offer, calendars=len(calendars)),
        attachments=calendars,
    )
    if registration.status != Status.PENDING_EMPLOYER:
        return
    approvers = approvers_of(registration)
    if not approvers and registration.structure_id is not None:
        queue_emails([staff_decision([registration], promoted=True)])
    for approver in approvers:
        queue_email(
            "offer_approval_requested",
            to=approver.email,
            context=_context(registration, offer, approver=approver, employee=registration.user),
            concerns=[registration.user],
        )


def offer_ended(registration: Registration, offer: Offer) -> None:
    """The offer ended without an answer, or the employer did not accept in time: the
    request lapsed and the place went to the next person. The approvers who were asked are
    told too."""
    context = _context(registration, offer)
    to_professional("offer_ended", registration, context)
    if offer.status == Offer.Status.APPROVAL_LAPSED:
        for approver in approvers_of(registration):
            queue_email(
                "offer_ended",
                to=approver.email,
                context=context | {"approver": approver},
                concerns=[registration.user],
            )
