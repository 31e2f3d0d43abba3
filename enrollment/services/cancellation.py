"""The professional's withdrawal (R8), and the withdrawals of an account deletion."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from documents import retention
from employers.attachments import can_decide, end_attachment

from .. import locking, notifications, rules
from ..models import (
    Registration,
)
from ..rules import RuleViolation
from .messages import text
from .transitions import (
    CANCELLABLE_STATUSES,
    EMPLOYER_ACCEPTED_STATUSES,
    Status,
    lock_for_places,
    lock_registration_row,
    move,
)
from .waitlist import decide_locked, lapse_due, reconsider_after_commit, serve_waitlist

logger = logging.getLogger(__name__)


# What an account deletion blanks on a registration before its withdrawal notices.
ANONYMISED_FIELDS = ["first_name", "last_name", "email", "phone", "job_title", "motivations"]


@dataclass(frozen=True)
class CancellationOutcome:
    """What a withdrawal would do now (R8): allowed or refused with a message; counted."""

    allowed: bool
    refusal: str = ""
    counted: bool = False


def cancellation_outcome(
    registration: Registration, *, now: dt.datetime, reason: str = "-"
) -> CancellationOutcome:
    """R8 for one registration at `now`: the one answer the cancel page, « Mon espace », the
    account deletion and `cancel` give. `registration.session.action` must be loaded."""
    session = registration.session
    try:
        rules.check_cancellation_allowed(
            now=now,
            starts_at=session.starts_at,
            is_live=registration.status in CANCELLABLE_STATUSES,
            reason=reason,
        )
    except RuleViolation as violation:
        return CancellationOutcome(allowed=False, refusal=violation.message)
    return CancellationOutcome(
        allowed=True,
        counted=rules.cancellation_is_counted(
            member_only=session.action.is_member_only,
            employer_accepted=registration.status in EMPLOYER_ACCEPTED_STATUSES,
            now=now,
            starts_at=session.starts_at,
            late_days=settings.LATE_CANCELLATION_DAYS,
        ),
    )


@locking.retry_on_lock_conflict
def cancel(registration: Registration, *, by, reason: str, now: dt.datetime | None = None):
    """The professional withdraws (R8): counted in the quota when late and the employer had
    accepted; the place goes to the waiting list (R7)."""
    if not (by.pk == registration.user_id or by.is_staff):
        raise PermissionDenied(text("not_owner"))
    now = now or timezone.now()

    def work(registration, session):
        cancel_locked(registration, session, by=by, reason=reason, now=now)
        return registration

    return decide_locked(registration, work=work, serve_waitlist=True, now=now)


def cancel_locked(
    registration, session, *, by, reason: str, now: dt.datetime, by_the_person: bool = True
) -> None:
    """Withdraw a locked registration. A withdrawal the person did not choose (a
    detachment by the structure) is never counted in their quota."""
    rules.check_cancellation_allowed(
        now=now,
        starts_at=session.starts_at,
        is_live=registration.status in CANCELLABLE_STATUSES,
        reason=reason,
    )
    reason = rules.check_reason_given(reason)
    outcome = cancellation_outcome(registration, now=now, reason=reason)
    counted = outcome.counted and by_the_person
    held = registration.holds_place
    registration.counted_in_quota = counted
    registration.cancelled_at = now
    registration.cancellation_reason = reason
    move(
        registration,
        Status.CANCELLED,
        by=by,
        reason=reason,
        fields=["counted_in_quota", "cancelled_at", "cancellation_reason"],
    )
    notifications.cancelled(registration, freed_place=held)
    if held:
        serve_waitlist(session, now=now)
    if not counted:
        reconsider_after_commit(user_ids=[registration.user_id])


def withdraw_all_upcoming(
    user,
    *,
    reason: str,
    now: dt.datetime | None = None,
    anonymise: bool = False,
    structure=None,
    by=None,
):
    """Withdraw every upcoming request of `user` (account deletion), inside the caller's
    transaction, which must start with this call: it takes the locks in the platform's order
    (the sessions, then the user and the waiting people) and leaves the user row locked for
    the deletion. Raises `LockSetChanged` when a request appeared meanwhile (the caller,
    wrapped in `retry_on_lock_conflict`, starts again). With `anonymise`, the contact details
    and motivations are blanked first, so that the notices name nobody. With `structure`, only
    the requests made for that structure (a detachment). Returns the withdrawn requests."""
    now = now or timezone.now()
    upcoming = Registration.objects.filter(
        user_id=user.pk, status__in=CANCELLABLE_STATUSES, session__starts_at__gt=now
    )
    if structure is not None:
        upcoming = upcoming.filter(structure=structure)
    session_ids = set(upcoming.values_list("session_id", flat=True))
    sessions, users = lock_for_places(session_ids, user_ids=[user.pk])
    if set(upcoming.values_list("session_id", flat=True)) - sessions.keys():
        raise locking.LockSetChanged
    for session in sessions.values():
        lapse_due(session, now)  # R9 first: what is overdue lapses rather than withdraws
    withdrawn = []
    for registration in upcoming.order_by("pk"):
        session = sessions[registration.session_id]
        registration = lock_registration_row(registration.pk, session)
        if anonymise:
            for field in ANONYMISED_FIELDS:
                setattr(registration, field, "")
            registration.save(update_fields=ANONYMISED_FIELDS)
        cancel_locked(
            registration,
            session,
            by=by or users.get(user.pk),
            reason=reason,
            now=now,
            by_the_person=structure is None,
        )
        withdrawn.append(registration)
    return withdrawn


@locking.retry_on_lock_conflict
def detach(user, structure, *, by, reason: str = "", now: dt.datetime | None = None):
    """An approver (or staff) says the person no longer works for the structure (Decisions
    « Attachment »): their upcoming requests made for it are withdrawn (places to the waiting
    lists, never counted in the quota: the person did not choose it), then the attachment
    ends. Returns the withdrawn requests."""
    if not can_decide(structure, by):
        raise PermissionDenied(text("not_approver"))
    reason = (reason or "").strip()
    withdrawal_reason = text("detached", structure=structure.name) + (
        f" {reason}" if reason else ""
    )
    with transaction.atomic():
        withdrawn = withdraw_all_upcoming(
            user, reason=withdrawal_reason, now=now, structure=structure, by=by
        )
        end_attachment(user, structure, by=by, reason=reason)
    return withdrawn


def forget_documents(registration_ids) -> int:
    """An account is deleted (`enrollment.privacy.delete_account`, in its transaction): its
    convocations go; its legal documents stay until their retention ends
    (`documents.retention`). Returns how many documents were deleted."""
    return retention.forget(registration_ids)
