"""The emails that registrations cause, recorded in the outbox of the current transaction."""

from __future__ import annotations

import copy
import functools
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import get_script_prefix, get_urlconf, reverse

from catalog.models import MEMBER_ONLY_KINDS
from mailing.outbox import Outgoing, queue_email, queue_emails

from .calendar import ics_attachment
from .models import Registration, RegistrationStatus

Status = RegistrationStatus


def _links() -> dict[str, str]:
    my_space, employer_space, catalogue, e_parcourspro_help = _paths(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    )
    return {
        "my_space_url": settings.SITE_URL + my_space,
        "employer_space_url": settings.SITE_URL + employer_space,
        "catalogue_url": settings.SITE_URL + catalogue,
        "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
        "e_parcourspro_url": settings.E_PARCOURSPRO_URL,
        "e_parcourspro_help_url": settings.SITE_URL + e_parcourspro_help,
        "late_cancellation_days": settings.LATE_CANCELLATION_DAYS,
    }


@functools.lru_cache(maxsize=8)
def _paths(urlconf: str, prefix: str) -> tuple[str, str, str, str]:
    """The paths every email links to, reversed once per URL configuration and prefix (a
    cart's validation records its emails under its session's lock: issue 16)."""
    names = (
        "enrollment:my_space",
        "employers:space",
        "catalog:catalogue",
        "elearning:first_login",  # the login tutorial of FAQ Q13, on every convocation
    )
    return tuple(reverse(name, urlconf=urlconf) for name in names)


def _admin_url(structure) -> str:
    """The structure's requests in the admin, where staff decide for it."""
    changelist = reverse("admin:enrollment_registration_changelist")
    return f"{settings.SITE_URL}{changelist}?structure__id__exact={structure.pk}"


def _approvers(registration: Registration):
    if registration.structure is None:
        return []
    return [
        approver
        for approver in registration.structure.approvers.all()
        if approver.pk != registration.user_id
    ]


def _to_professional(template: str, registration: Registration, context: dict, **kwargs) -> None:
    """An email to the professional, at the contact address of the request; none once the
    request is anonymised (account deleted: the address is empty)."""
    if registration.email:
        queue_email(
            template,
            to=registration.email,
            context=context,
            concerns=[registration.user],
            **kwargs,
        )


def cart_submitted(user, registrations: list[Registration]) -> None:
    """One acknowledgement to the professional, saying what happens to each request (waiting
    list included), and one email per approver listing the employee's new member-only
    requests (Q8, Q12). Recorded together (`queue_emails`): the validation holds its
    sessions' row locks."""
    # Confirmed at once (short formats): the acknowledgement is their convocation, with the
    # joining link and the .ics (R10).
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
                **_links(),
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
            approvers = _approvers(registration)
            for approver in approvers:
                to_decide[approver].append(registration)
            if not approvers and _waits_for_nobody(registration):
                undecidable.append(registration)
    outgoing += [
        Outgoing(
            "approval_requested",
            to=approver.email,
            context={"approver": approver, "employee": user, "registrations": requests, **_links()},
            concerns=[user],
        )
        for approver, requests in to_decide.items()
    ]
    if undecidable:
        outgoing.append(_staff_decision(undecidable))
    queue_emails(outgoing)


def _waits_for_nobody(registration: Registration) -> bool:
    """A request holding a place waits for the employer of a structure without approver (a
    waitlisted one waits for a place first: staff are asked if it gets one)."""
    return registration.status == Status.PENDING_EMPLOYER and registration.structure_id is not None


def _staff_decision(registrations: list[Registration], *, promoted: bool = False) -> Outgoing:
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
            "admin_url": _admin_url(first.structure),
            **_links(),
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
            "admin_url": _admin_url(structure),
            **_links(),
        },
        concerns=[registration.user for registration in registrations],
    )


# What the provider's confirmation email waits for (`Email.awaits`): the convocation's PDF,
# which the `documents` app generates after the commit, then attaches.
CONVOCATION_AWAITED = "convocation:"


def convocation_awaited(registration_id: int) -> str:
    return f"{CONVOCATION_AWAITED}{registration_id}"


def employer_decided(registration: Registration) -> None:
    _to_professional("employer_decision", registration, {"registration": registration, **_links()})


def provider_decided(registration: Registration) -> None:
    """The convocation (with its .ics, and its PDF once `documents` has made it) when
    confirmed; the reason when declined."""
    if registration.email:
        confirmed = registration.status == Status.CONFIRMED
        _to_professional(
            "provider_decision",
            registration,
            {"registration": registration, **_links()},
            attachments=[ics_attachment(registration)] if confirmed else [],
            awaits=(
                convocation_awaited(registration.pk)
                if confirmed and settings.DOCUMENTS_ENABLED
                else ""
            ),
        )
    if registration.status == Status.DECLINED:
        for approver in _approvers(registration):
            queue_email(
                "provider_declined_approver",
                to=approver.email,
                context={"approver": approver, "registration": registration, **_links()},
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
    approvers = _approvers(registration) if registration.employer_approved_at is not None else []
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
        **_links(),
    }
    _to_professional("cancellation_confirmed", registration, context)
    for recipient in cancellation_recipients(registration).emails:
        queue_email(
            "cancellation_notice", to=recipient, context=context, concerns=[registration.user]
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
    context = {"registration": registration, "calendars": len(calendars), **_links()}
    _to_professional("registration_promoted", registration, context, attachments=calendars)
    if registration.status == Status.PENDING_EMPLOYER:
        approvers = _approvers(registration)
        if not approvers and _waits_for_nobody(registration):
            queue_emails([_staff_decision([registration], promoted=True)])
        for approver in approvers:
            queue_email(
                "approval_requested",
                to=approver.email,
                context={
                    "approver": approver,
                    "employee": registration.user,
                    "registrations": [registration],
                    "promoted": True,
                    **_links(),
                },
                concerns=[registration.user],
            )


def session_reminder(registration: Registration) -> None:
    """Before the session: the joining link of a short format; the place, the times and what
    to bring for an action for members."""
    _to_professional(
        "session_reminder",
        registration,
        {"registration": registration, **_links()},
    )


def promotion_skipped(registration: Registration, violation) -> None:
    _to_professional(
        "promotion_skipped",
        registration,
        {"registration": registration, "reason": violation.message, **_links()},
    )


def lapsed(registration: Registration) -> None:
    _to_professional(
        "registration_lapsed", registration, {"registration": registration, **_links()}
    )


def session_cancelled(registration: Registration, reason: str) -> None:
    """Staff cancelled the session: everyone registered, and their approvers, are told."""
    context = {"registration": registration, "reason": reason, **_links()}
    _to_professional("session_cancelled", registration, context)
    if registration.session.action.is_member_only:
        for approver in _approvers(registration):
            queue_email(
                "session_cancelled",
                to=approver.email,
                context=context | {"approver": approver},
                concerns=[registration.user],
            )
