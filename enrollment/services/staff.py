"""What Cap Métiers staff (and providers, for attendance) do to sessions and requests."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from catalog.models import Session
from documents import services as documents

from .. import locking, notifications, rules, selectors
from ..attendance import attested_half_days, half_days
from ..models import (
    HOLDING_STATUSES,
    AttendanceSheet,
    CartItem,
    HalfDayAttendance,
    Registration,
)
from ..rules import RuleViolation
from .decisions import check_provider
from .messages import text
from .policy import (
    check_still_eligible,
    placement,
)
from .transitions import (
    Status,
    lock_for_places,
    move,
)
from .waitlist import decide_locked, give_place, lapse_due, reconsider_after_commit, serve_waitlist

logger = logging.getLogger(__name__)

PARTICIPANT_STATUSES = (Status.CONFIRMED, Status.ATTENDED, Status.ABSENT)
Source = HalfDayAttendance.Source


@locking.retry_on_lock_conflict
def promote(registration: Registration, *, by, now: dt.datetime | None = None) -> Registration:
    """Staff give a free place to one named waitlisted request, lifting the structure cap
    (R5); membership (R2) and quota (R6) still apply."""
    if not by.is_staff:
        raise PermissionDenied(text("staff_only_promote"))
    now = now or timezone.now()

    def work(registration, session):
        if registration.status != Status.WAITLISTED:
            raise RuleViolation("not_waitlisted", text("not_waitlisted"))
        if placement(session, structure_id=None, now=now) is not None:
            raise RuleViolation("full", text("no_free_place"))
        check_still_eligible(registration, session)
        give_place(registration, session, by=by, reason="Place attribuée par l'équipe Cap Métiers")
        return registration

    return decide_locked(registration, work=work, serve_waitlist=True, now=now)


@locking.retry_on_lock_conflict
def set_capacity(session: Session, *, capacity: int, by) -> list[Registration]:
    """Change a session's number of places; new places go to the waiting list in order, under
    the structure cap (R7, R5).

    Capacity never drops below the places already held. Returns the promoted requests.
    """
    if not by.is_staff:
        raise PermissionDenied(text("staff_only_capacity"))
    with transaction.atomic():
        sessions, _ = lock_for_places([session.pk])
        session = sessions[session.pk]
        now = timezone.now()
        lapse_due(session, now)
        held = selectors.places_held(session.pk)
        if capacity < 1 or capacity < held:
            raise RuleViolation(
                "capacity", text("capacity_below_held", minimum=max(held, 1), held=held)
            )
        session.capacity = capacity
        session.save(update_fields=["capacity"])
        return serve_waitlist(session, now=now, by=by)


@locking.retry_on_lock_conflict
def cancel_session(session: Session, *, by, reason: str) -> list[Registration]:
    """Staff cancel a session: every live request is closed (not counted); their people and
    approvers are told, one email each, and the confirmed participants get the calendar
    file with its events cancelled (a higher SEQUENCE). Returns the closed requests."""
    if not by.is_staff:
        raise PermissionDenied(text("staff_only_cancel_session"))
    reason = rules.check_reason_given(reason)
    with transaction.atomic():
        session = locking.lock_sessions([session.pk])[session.pk]
        if session.is_cancelled:
            return []
        session.status = Session.Status.CANCELLED
        session.calendar_sequence += 1
        session.save(update_fields=["status", "calendar_sequence"])
        registrations = list(
            Registration.objects.select_for_update(of=("self",), no_key=True)
            .filter(
                session=session,
                status__in=[Status.WAITLISTED, *HOLDING_STATUSES],
            )
            .select_related("user", "structure")
            .prefetch_related("structure__approvers")
            .order_by("pk")
        )
        calendars = [r.pk for r in registrations if r.status == Status.CONFIRMED]
        now = timezone.now()
        for registration in registrations:
            registration.session = session
            registration.cancelled_at = now
            registration.cancellation_reason = f"Session annulée : {reason}"
            move(
                registration,
                Status.CANCELLED,
                by=by,
                reason=registration.cancellation_reason,
                fields=["cancelled_at", "cancellation_reason"],
            )
        notifications.session_cancelled(
            session, registrations=registrations, reason=reason, calendars=calendars
        )
        CartItem.objects.filter(session=session).delete()
        reconsider_after_commit(user_ids=[r.user_id for r in registrations])
    return registrations


@locking.retry_on_lock_conflict
def mark_attendance(
    registration: Registration, *, by, present: bool, now: dt.datetime | None = None
) -> Registration:
    """The provider (or staff) records attendance for the whole session once it has started:
    every half-day present, or every one absent."""
    every = {(h.day, h.half) for h in half_days(registration.session)}
    return record_half_days(registration, by=by, present=every if present else set(), now=now)


@locking.retry_on_lock_conflict
def record_half_days(
    registration: Registration,
    *,
    by,
    present: set[tuple[dt.date, str]],
    now: dt.datetime | None = None,
) -> Registration:
    """The provider (or staff) records, once the session has started, which half-days the
    participant attended (`present`: (day, "am"/"pm") pairs; the session's other half-days
    are absences). Attended when present at least one half-day, else absent."""
    check_provider(registration, by)
    now = now or timezone.now()

    def work(registration, session):
        if now < session.starts_at:
            raise RuleViolation("attendance_too_early", text("attendance_too_early"))
        if registration.status not in PARTICIPANT_STATUSES:
            raise RuleViolation("not_participant", text("not_participant"))
        # A half-day the person signed, or whose sheet the provider validated, changes only
        # through a traced correction with a reason (`signing.correct_attendance`).
        validated = set(
            AttendanceSheet.objects.filter(session=session, validated_at__isnull=False).values_list(
                "day", "half"
            )
        )
        rows = {(row.day, row.half): row for row in registration.half_days.all()}
        for half_day in half_days(session):
            key = (half_day.day, half_day.half)
            row = rows.get(key)
            if row is not None and row.present == (key in present):
                continue
            if row is not None and (row.source == Source.SIGNATURE or key in validated):
                day = f"{half_day.day:%d/%m} ({half_day.label})"
                raise RuleViolation("attendance_attested", text("attendance_attested", day=day))
            HalfDayAttendance.objects.update_or_create(
                registration=registration,
                day=half_day.day,
                half=half_day.half,
                defaults={"present": key in present, "source": Source.PROVIDER, "recorded_by": by},
            )
        to = Status.ATTENDED if attested_half_days(registration) else Status.ABSENT
        if registration.status != to:
            move(registration, to, by=by)
        documents.attendance_recorded(registration)
        return registration

    return decide_locked(registration, work=work, now=now)
