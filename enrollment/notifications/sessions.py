"""The emails of a session changed or cancelled by staff (DESIGN.md, turn 3 « Session
changes »): everyone with a live request, and the approvers of their structures, told at
once, one email per person per change, however many of their employees it concerns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

from catalog.changes import Fact
from catalog.models import Session
from mailing.outbox import Outgoing, queue_emails

from ..calendar import ics_attachment
from ..models import Registration, RegistrationStatus
from .common import approvers_of, links
from .requests import convocation_awaited

Status = RegistrationStatus


@dataclass
class Letter:
    """One person's email about a session: their own request, the employees' requests they
    approve, or both."""

    to: str
    registration: Registration | None = None
    approver: object | None = None
    employees: list[Registration] = field(default_factory=list)

    @property
    def concerns(self) -> list:
        requests = [self.registration, *self.employees] if self.registration else self.employees
        return [request.user for request in requests]


def letters(registrations: Iterable[Registration], *, member_only: bool) -> list[Letter]:
    """One letter per person: each request's owner (at the request's contact address; none
    for an anonymised request) and, for an action for members (Q8: short formats need no
    employer), each approver of its structure, listing their employees' requests."""
    by_person: dict[tuple, Letter] = {}
    registrations = list(registrations)
    for registration in registrations:
        if registration.email:
            key = (
                ("user", registration.user_id)
                if registration.user_id
                else ("email", registration.email)
            )
            by_person[key] = Letter(to=registration.email, registration=registration)
    if member_only:
        for registration in registrations:
            for approver in approvers_of(registration):
                letter = by_person.setdefault(("user", approver.pk), Letter(to=approver.email))
                letter.approver = approver
                letter.employees.append(registration)
    return [letter for letter in by_person.values() if letter.to]


def has_convocation(registration: Registration) -> bool:
    """A confirmed request of an action for members holds a convocation (PDF) that
    `documents` makes again when the session's facts change."""
    return (
        settings.DOCUMENTS_ENABLED
        and registration.status == Status.CONFIRMED
        and registration.session.action.is_member_only
    )


def session_changed(
    session: Session,
    *,
    before: Session,
    facts: frozenset[Fact],
    registrations: list[Registration],
) -> None:
    """Staff changed a session's dates, place or joining link (`catalog.changes`): each person
    is told what changed, before and after. A confirmed participant's email carries the
    calendar file again (same UIDs, higher SEQUENCE) and waits for the new convocation."""
    ordered = [fact for fact in Fact if fact in facts]
    outgoing = []
    for letter in letters(registrations, member_only=session.action.is_member_only):
        own = letter.registration
        confirmed = own is not None and own.status == Status.CONFIRMED
        outgoing.append(
            Outgoing(
                "session_changed",
                to=letter.to,
                context={
                    "session": session,
                    "before": before,
                    "facts": [str(fact) for fact in ordered],
                    "registration": own,
                    "convocation": own is not None and has_convocation(own),
                    "approver": letter.approver,
                    "employees": letter.employees,
                    **links(),
                },
                attachments=[ics_attachment(own, before=before)] if confirmed else [],
                concerns=letter.concerns,
                awaits=convocation_awaited(own.pk) if own and has_convocation(own) else "",
            )
        )
    queue_emails(outgoing)


def session_cancelled(
    session: Session,
    *,
    registrations: list[Registration],
    reason: str,
    calendars: Iterable[int] = (),
) -> None:
    """Staff cancelled the session: everyone whose request it closed, and their approvers,
    are told, with the reason; those who had the session in their calendar (`calendars`:
    their requests' ids) get the calendar file with its events cancelled."""
    calendars = set(calendars)
    outgoing = []
    for letter in letters(registrations, member_only=session.action.is_member_only):
        own = letter.registration
        outgoing.append(
            Outgoing(
                "session_cancelled",
                to=letter.to,
                context={
                    "session": session,
                    "registration": own,
                    "approver": letter.approver,
                    "employees": letter.employees,
                    "reason": reason,
                    "calendar": own is not None and own.pk in calendars,
                    **links(),
                },
                attachments=[ics_attachment(own)] if own and own.pk in calendars else [],
                concerns=letter.concerns,
            )
        )
    queue_emails(outgoing)
