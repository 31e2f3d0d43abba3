"""The waiting list (R7, R5) and the registration deadline (R9): free places go to the
oldest eligible requests, and what is still undecided at the deadline lapses."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Session
from common.text import lowercase_first

from .. import locking, notifications, rules, selectors
from ..models import Registration
from ..rules import RuleViolation
from . import late_release
from .policy import (
    check_still_eligible,
    placement,
    session_open,
    status_with_place,
)
from .transitions import (
    Status,
    lock_for_places,
    lock_registration_row,
    move,
)

logger = logging.getLogger(__name__)


def reconsider_after_commit(*, user_ids: Iterable[int] = (), session_ids: Iterable[int] = ()):
    """R7 (Decisions « Order »): once this transaction commits, serve the given sessions'
    waiting lists and those where a person whose quota just freed waits, each in a
    transaction of its own (their sessions are not locked here)."""
    user_ids = sorted({pk for pk in user_ids if pk is not None})
    session_ids = sorted(set(session_ids))
    if user_ids or session_ids:
        serve_waitlists.delay_on_commit(session_ids, waiting_user_ids=user_ids)


def give_place(registration: Registration, session: Session, *, by, reason: str) -> None:
    """Move a waitlisted request to the step its path takes next, and tell its owner."""
    to = status_with_place(
        member_only=session.action.is_member_only,
        user=registration.user,
        structure=registration.structure,
        pre_approved=registration.employer_approved_at is not None,
    )
    registration.waitlist_reason = ""
    move(registration, to, by=by, reason=reason, fields=["waitlist_reason"])
    notifications.promoted(registration)


def serve_waitlist(
    session: Session, *, now: dt.datetime, by=None, held: int | None = None
) -> list[Registration]:
    """R7: give the locked session's free places to its oldest eligible waitlisted requests.

    The caller holds the locks of the session and of the waiting people (`lock_for_places`).
    The structure cap (R5) holds until it is released; membership (R2) and the annual quota
    (R6) are checked again, and a request that would break them is skipped, its owner told,
    and considered again at the next freed place or change of its owner's situation.
    Less than LATE_OFFER_DAYS before the start, the chosen request receives an offer and
    holds the place while it runs (`late_release.make_offer`), rather than the place.
    `held`: the places held, when the caller counted them under this lock (not read again;
    the places given here are added as they go)."""
    if not session_open(session, now):
        return []
    if held is None:
        held = selectors.places_held(session.pk)
    free = session.capacity - held
    if free <= 0:
        return []
    promoted = []
    # Late release (DESIGN.md, turn 3): the chosen request gets an offer, not the place.
    late = late_release.is_late(session, now)
    candidates = (
        selectors.waitlist(session.pk)
        .select_for_update(of=("self",), no_key=True)
        .select_related("user", "structure")
    )
    for registration in candidates:
        if free <= 0:
            break
        registration.session = session
        held = session.capacity - free  # nobody else seats anyone in a locked session
        waiting = placement(session, structure_id=registration.structure_id, now=now, held=held)
        if waiting is not None:
            continue
        try:
            check_still_eligible(registration, session)
        except RuleViolation as violation:
            skip_once(registration, violation, by=by)
            continue
        if late:
            late_release.make_offer(registration, session, now=now, by=by)
        else:
            give_place(
                registration, session, by=by, reason="Place libérée : sortie de la liste d'attente"
            )
        promoted.append(registration)
        free -= 1
    return promoted


@locking.retry_on_lock_conflict
def promote_waitlist(session: Session, *, by=None, now: dt.datetime | None = None):
    """Give the session's free places to its oldest eligible waitlisted requests (R7, R5).

    Nobody overrides the structure cap here, staff included: only `promote`, for one named
    request, does. Returns the promoted registrations."""
    with transaction.atomic():
        sessions, _ = lock_for_places([session.pk])
        if session.pk not in sessions:
            return []
        session = sessions[session.pk]
        now = now or timezone.now()
        lapse_due(session, now)
        return serve_waitlist(session, now=now, by=by)


def skip_once(registration: Registration, violation: RuleViolation, *, by=None) -> None:
    """Record (and tell the owner, once per rule) that a promotion was skipped."""
    reason = f"Promotion impossible : {lowercase_first(violation.message)}"
    already = registration.events.filter(to_status=Status.WAITLISTED, reason=reason).exists()
    if not already:
        move(registration, Status.WAITLISTED, by=by, reason=reason)
        notifications.promotion_skipped(registration, violation)


@locking.retry_on_lock_conflict
def release_structure_cap(session: Session, *, now: dt.datetime | None = None):
    """R5: STRUCTURE_CAP_RELEASE_DAYS before the start, the cap lifts and free places go to
    the waiting list. Idempotent. (Every service that seats a request serves the waiting
    list with the cap released by the clock already: this only records it.)"""
    with transaction.atomic():
        sessions, _ = lock_for_places([session.pk])
        session = sessions[session.pk]
        now = now or timezone.now()
        if session.cap_released_at is not None or not rules.structure_cap_released(
            now=now, starts_at=session.starts_at, release_days=settings.STRUCTURE_CAP_RELEASE_DAYS
        ):
            return []
        session.cap_released_at = now
        session.save(update_fields=["cap_released_at"])
        lapse_due(session, now)
        return serve_waitlist(session, now=now)


def lapse_due(session: Session, now: dt.datetime) -> list[Registration]:
    """R9 on a locked session: at the registration deadline, requests still waiting for the
    employer or for a place lapse. Every service that locks a session applies it first, so
    that the deadline holds whatever the order in which tasks run. Before that, the late
    release's overdue offers end (`late_release.end_overdue_offers`): their places pass on
    after the commit, or at once when the caller serves the waiting list. Returns the
    requests that lapsed."""
    ended = late_release.end_overdue_offers(session, now)
    if ended:
        reconsider_after_commit(session_ids=[session.pk])
    if not rules.approval_is_overdue(now=now, registration_deadline=session.registration_deadline):
        return ended
    overdue = list(
        Registration.objects.select_for_update(of=("self",), no_key=True)
        .filter(
            session=session,
            status__in=[Status.PENDING_EMPLOYER, Status.WAITLISTED, Status.OFFERED],
        )
        .select_related("user", "structure")
        .order_by("pk")
    )
    # Those that held a place counted in their owner's quota: it frees (R6, R7).
    freed_quota = [r.user_id for r in overdue if r.holds_place]
    for registration in overdue:
        registration.session = session
        move(registration, Status.LAPSED, reason="Date limite d'inscription dépassée")
        notifications.lapsed(registration)
    reconsider_after_commit(user_ids=freed_quota)
    return ended + overdue


@locking.retry_on_lock_conflict
def lapse_overdue(session: Session, *, now: dt.datetime | None = None) -> list[Registration]:
    """R9: at the registration deadline, requests still waiting for the employer or for a
    place lapse. Idempotent."""
    with transaction.atomic():
        session = locking.lock_sessions([session.pk])[session.pk]
        return lapse_due(session, now or timezone.now())


def lock_registration(
    registration: Registration, *, serve_waitlist: bool = False, now: dt.datetime | None = None
):
    """Lock the registration's session (and, to serve its waiting list, the waiting
    people), lapse what is overdue there (R9), then lock the registration; return fresh
    copies."""
    if serve_waitlist:
        sessions, _ = lock_for_places([registration.session_id])
    else:
        sessions = locking.lock_sessions([registration.session_id])
    session = sessions[registration.session_id]
    lapse_due(session, now or timezone.now())
    return lock_registration_row(registration.pk, session), session


def decide_locked(registration, *, work, serve_waitlist=False, now=None):
    """Run `work(registration, session)` on the locked registration (`lock_registration`).
    A refusal raised by `work` is raised after the commit, its own writes undone: what the
    deadline lapsed (R9) stands whatever the outcome of the request at hand."""
    with transaction.atomic():
        registration, session = lock_registration(
            registration, serve_waitlist=serve_waitlist, now=now
        )
        try:
            with transaction.atomic():
                return work(registration, session)
        except RuleViolation as violation:
            refusal = violation
    raise refusal


# Tasks (Celery; beat runs the first three periodically, CELERY_BEAT_SCHEDULE). Their names are
# those they had in `enrollment.tasks`, so that the schedule and queued messages still find
# them. Each is idempotent: running it twice changes nothing more than running it once.


@shared_task(name="enrollment.tasks.release_structure_caps", ignore_result=True)
def release_structure_caps() -> int:
    """R5: lift the cap of 2 per structure STRUCTURE_CAP_RELEASE_DAYS before each start."""
    now = timezone.now()
    # One day more than the rule: the release is counted on the Paris clock (Decisions,
    # « Days »), which the service checks for each session.
    horizon = now + dt.timedelta(days=settings.STRUCTURE_CAP_RELEASE_DAYS + 1)
    sessions = Session.objects.published().filter(
        cap_released_at__isnull=True, starts_at__gt=now, starts_at__lte=horizon
    )
    return sum(len(release_structure_cap(session, now=now)) for session in sessions)


@shared_task(name="enrollment.tasks.lapse_overdue_requests", ignore_result=True)
def lapse_overdue_requests() -> int:
    """R9: requests still waiting for the employer or a place at the deadline lapse."""
    now = timezone.now()
    session_ids = (
        Registration.objects.filter(
            status__in=[Status.PENDING_EMPLOYER, Status.WAITLISTED, Status.OFFERED],
            session__registration_deadline__lte=now,
        )
        .order_by()
        .values_list("session_id", flat=True)
        .distinct()
    )
    sessions = Session.objects.filter(pk__in=list(session_ids))
    return sum(len(lapse_overdue(session, now=now)) for session in sessions)


@shared_task(name="enrollment.tasks.serve_waitlists", ignore_result=True)
def serve_waitlists(
    session_ids: list[int] | None = None, *, waiting_user_ids: list[int] = ()
) -> int:
    """R7: give free places to eligible waitlisted requests, in order — of the given sessions
    and of those where `waiting_user_ids` wait (after a person's quota or a structure's
    membership changed), or (periodically, with neither) of every open session with free
    places and a waiting list."""
    if session_ids is None and not waiting_user_ids:
        now = timezone.now()
        waiting = Registration.objects.filter(
            status=Status.WAITLISTED,
            session__registration_deadline__gt=now,
            session__starts_at__gt=now,
        )
    else:
        waiting = Registration.objects.filter(
            user_id__in=waiting_user_ids, status=Status.WAITLISTED
        )
    waited = waiting.order_by().values_list("session_id", flat=True).distinct()
    ids = set(session_ids or ()) | set(waited)
    sessions = Session.objects.filter(pk__in=ids).order_by("pk")
    return sum(len(promote_waitlist(session)) for session in sessions)
