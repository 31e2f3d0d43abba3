"""The emails that a request's steps cause: validation, decisions, withdrawal, waiting list,
reminders."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from catalog.models import MEMBER_ONLY_KINDS
from mailing.outbox import Outgoing, queue_email, queue_emails

from ..calendar import ics_attachment
from ..models import Registration, RegistrationStatus
from .common import admin_url, approvers_of, links, to_professional

Status = RegistrationStatus


def cart_submitted(user, registrations: list[Registration]) -> None:
    """One acknowledgement to the professional, saying what happens to each request (waiting
    list included), and one email per approver listing the employee's new member-only
    requests (Q8, Q12). Recorded together (`queue_emails`): the validation holds its
    sessions' row locks."""
    # Confirmed at once (short formats): the acknowledgement is their convocation, with the
    # joining link and the .ics (R10), made when the email is sent (`ics_attachment`).
    calendars = [ics_attachment(r) for r in registrations if r.status == Status.CONFIRMED]
    outgoing = [
        Outgoing(
            "registration_acknowledgement",
            to=registrations[0].email,
            context={
                "user": user,
                "registrations": registrations,
                "calendars": len(calendars),
                "waitlisted": any(r.status == Status.WAITLISTED for r in registrations),
                **links(),
            },
            attachments=calendars,
            concerns=[user],
        )
    ]
    to_decide = defaultdict(list)
    undecidable = []
    for registration in registrations:
        if registration.session.action.is_member_only and registration.status in {
            Status.PENDING_EMPLOYER,
            Status.WAITLISTED,
        }:
            approvers = approvers_of(registration)
            for approver in approvers:
                to_decide[approver].append(registration)
            if not approvers and _waits_for_nobody(registration):
                undecidable.append(registration)
    outgoing += [
        Outgoing(
            "approval_requested",
            to=approver.email,
            context={"approver": approver, "employee": user, "registrations": requests, **links()},
            concerns=[user],
        )
        for approver, requests in to_decide.items()
    ]
    if undecidable:
        outgoing.append(staff_decision(undecidable))
    queue_emails(outgoing)


def _waits_for_nobody(registration: Registration) -> bool:
    """A request holding a place waits for the employer of a structure without approver (a
    waitlisted one waits for a place first: staff are asked if it gets one)."""
    return registration.status == Status.PENDING_EMPLOYER and registration.structure_id is not None


def staff_decision(registrations: list[Registration], *, promoted: bool = False) -> Outgoing:
    """Requests waiting for the employer of a structure without approver: nobody would be
    asked, so staff are, and decide from the admin (R4)."""
    first = registrations[0]
    return Outgoing(
        "approval_requested_staff",
        to=settings.PROGRAMME_CONTACT_EMAIL,
        context={
            "structure": first.structure,
            "registration": first,
            "registrations": registrations,
            "promoted": promoted,
            "admin_url": admin_url(first.structure),
            **links(),
        },
        concerns=[first.user],
    )


def structure_left_without_approver(structure) -> None:
    """The structure lost its last approver: staff get the list of its requests that wait
    for an employer's decision, if any, and decide them from the admin (R4)."""
    registrations = list(
        Registration.objects.filter(structure=structure, user__isnull=False)
        .filter(
            Q(status=Status.PENDING_EMPLOYER)
            | Q(
                status=Status.WAITLISTED,
                employer_approved_at__isnull=True,
                session__action__kind__in=MEMBER_ONLY_KINDS,
            )
        )
        .select_related("session__action", "user")
        .order_by("session__registration_deadline", "submitted_at", "pk")
    )
    if not registrations:
        return
    queue_email(
        "structure_without_approver",
        to=settings.PROGRAMME_CONTACT_EMAIL,
        context={
            "structure": structure,
            "registrations": registrations,
            "count": len(registrations),
            "admin_url": admin_url(structure),
            **links(),
        },
        concerns=[registration.user for registration in registrations],
    )


# What the provider's confirmation email waits for (`Email.awaits`): the convocation's PDF,
# which the `documents` app generates after the commit, then attaches.
CONVOCATION_AWAITED = "convocation:"


def convocation_awaited(registration_id: int) -> str:
    return f"{CONVOCATION_AWAITED}{registration_id}"


def employer_decided(registration: Registration) -> None:
    to_professional("employer_decision", registration, {"registration": registration, **links()})


def employer_decided_together(registrations: list[Registration]) -> None:
    """Decisions taken together (« Accepter la sélection », « Refuser la sélection »): one
    email per person, listing their decided requests (the single decision's email when
    there is one), as their cart's validation sent them one acknowledgement."""
    by_person: dict[str, list[Registration]] = defaultdict(list)
    for registration in registrations:
        if registration.email:
            by_person[registration.email].append(registration)
    outgoing = []
    for to, decided in by_person.items():
        if len(decided) == 1:
            template, context = "employer_decision", {"registration": decided[0]}
        else:
            template, context = "employer_decisions", {"registrations": decided}
        outgoing.append(
            Outgoing(
                template,
                to=to,
                context={**context, **links()},
                concerns=[registration.user for registration in decided],
            )
        )
    queue_emails(outgoing)


def provider_decided(registration: Registration) -> None:
    """The convocation (with its .ics, and its PDF once `documents` has made it) when
    confirmed; the reason when declined."""
    if registration.email:
        confirmed = registration.status == Status.CONFIRMED
        to_professional(
            "provider_decision",
            registration,
            {"registration": registration, **links()},
            attachments=[ics_attachment(registration)] if confirmed else [],
            awaits=(
                convocation_awaited(registration.pk)
                if confirmed and settings.DOCUMENTS_ENABLED
                else ""
            ),
        )
    if registration.status == Status.DECLINED:
        for approver in approvers_of(registration):
            queue_email(
                "provider_declined_approver",
                to=approver.email,
                context={"approver": approver, "registration": registration, **links()},
                concerns=[registration.user],
            )


@dataclass(frozen=True)
class CancellationRecipients:
    """Who is told of a withdrawal besides the professional (R8)."""

    approvers: tuple  # the structure's approvers, when the employer had accepted the request
    programme_email: str  # the programme team, always

    @property
    def emails(self) -> list[str]:
        return list(dict.fromkeys([self.programme_email, *(a.email for a in self.approvers)]))


def cancellation_recipients(registration: Registration) -> CancellationRecipients:
    """R8: the approvers who had accepted (or pre-accepted) the request, and the programme
    team. The withdrawal page says it from this answer, the notices are sent to it."""
    approvers = approvers_of(registration) if registration.employer_approved_at is not None else []
    return CancellationRecipients(
        approvers=tuple(approvers), programme_email=settings.PROGRAMME_CONTACT_EMAIL
    )


def cancelled(registration: Registration, *, freed_place: bool) -> None:
    """Confirmation to the professional; notice to approvers who had approved, and to staff,
    saying where the freed place goes: to the waiting list only when someone waits. The
    recipients are `cancellation_recipients`, which the withdrawal page names."""
    waitlist_waiting = (
        freed_place
        and Registration.objects.filter(
            session_id=registration.session_id, status=Status.WAITLISTED
        ).exists()
    )
    context = {
        "registration": _without_account(registration)
        if _anonymised(registration)
        else registration,
        "freed_place": freed_place,
        "waitlist_waiting": waitlist_waiting,
        **links(),
    }
    to_professional("cancellation_confirmed", registration, context)
    recipients = cancellation_recipients(registration)
    # Each approver is greeted by name; the programme team's address is written once.
    named = {approver.email: approver for approver in recipients.approvers}
    for recipient in recipients.emails:
        queue_email(
            "cancellation_notice",
            to=recipient,
            context={**context, "approver": named.get(recipient)},
            concerns=[registration.user],
        )


def _anonymised(registration: Registration) -> bool:
    """The request of a deleted account: its contact details are blanked."""
    return not (registration.first_name or registration.last_name or registration.email)


def _without_account(registration: Registration) -> Registration:
    """A copy of an anonymised request without the account it was made from: the context
    recorded with an email keeps what it holds until the email is rendered, and the account
    (names, address) is being deleted."""
    anonymous = copy.copy(registration)  # its own cache of related rows (Model.__reduce__)
    anonymous.user = None
    return anonymous


def promoted(registration: Registration) -> None:
    """A place for a waitlisted request; confirmed at once (a short format), the email is
    the convocation, with the joining link and the .ics (R10)."""
    calendars = [ics_attachment(registration)] if registration.status == Status.CONFIRMED else []
    context = {"registration": registration, "calendars": len(calendars), **links()}
    to_professional("registration_promoted", registration, context, attachments=calendars)
    if registration.status == Status.PENDING_EMPLOYER:
        approvers = approvers_of(registration)
        if not approvers and _waits_for_nobody(registration):
            queue_emails([staff_decision([registration], promoted=True)])
        for approver in approvers:
            queue_email(
                "approval_requested",
                to=approver.email,
                context={
                    "approver": approver,
                    "employee": registration.user,
                    "registrations": [registration],
                    "promoted": True,
                    **links(),
                },
                concerns=[registration.user],
            )


def session_reminder(registration: Registration) -> None:
    """Before the session: the joining link of a short format; the place, the times and what
    to bring for an action for members."""
    to_professional(
        "session_reminder",
        registration,
        {"registration": registration, **links()},
    )


def promotion_skipped(registration: Registration, violation) -> None:
    to_professional(
        "promotion_skipped",
        registration,
        {"registration": registration, "reason": violation.message, **links()},
    )


def lapsed(registration: Registration) -> None:
    to_professional("registration_lapsed", registration, {"registration": registration, **links()})
