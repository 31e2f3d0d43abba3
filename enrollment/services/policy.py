"""The rules of DESIGN.md applied to the database's facts: who may hold a place, in which
state, and whether a request may still get one (R2, R4–R7, R9)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from catalog.models import Session
from employers.attachments import pending_attachment
from employers.selectors import is_member

from .. import rules, selectors
from ..models import (
    Registration,
)
from ..rules import RuleViolation
from .transitions import (
    Status,
)

logger = logging.getLogger(__name__)


def session_year(session: Session) -> int:
    return timezone.localtime(session.starts_at).year


def approves_own_requests(user, structure) -> bool:
    """R4: whether `user` is the one and only approver of `structure`."""
    if user is None or structure is None:
        return False
    return rules.approves_own_requests(
        # `.all()`: read before the lock when the caller prefetched them (`submit_cart`).
        user_id=user.pk,
        approver_ids={approver.pk for approver in structure.approvers.all()},
    )


def cap_released(session: Session, now: dt.datetime) -> bool:
    return session.cap_released_at is not None or rules.structure_cap_released(
        now=now, starts_at=session.starts_at, release_days=settings.STRUCTURE_CAP_RELEASE_DAYS
    )


def session_open(session: Session, now: dt.datetime) -> bool:
    return rules.is_registration_open(
        now=now,
        registration_deadline=session.registration_deadline,
        starts_at=session.starts_at,
        is_cancelled=session.is_cancelled or not session.action.is_published,
    )


def status_with_place(*, member_only: bool, user, structure, pre_approved: bool) -> str:
    """The state a request enters when it holds a place (R4, R10)."""
    if rules.needs_employer_approval(
        member_only=member_only,
        is_independent=member_only and approves_own_requests(user, structure),
        pre_approved=pre_approved,
    ):
        return Status.PENDING_EMPLOYER
    if rules.needs_provider_confirmation(member_only=member_only):
        return Status.PENDING_PROVIDER
    return Status.CONFIRMED


def placement(
    session: Session,
    *,
    structure_id,
    now: dt.datetime,
    cap_override: bool = False,
    held: int | None = None,
    colleagues: int | None = None,
) -> RuleViolation | None:
    """R7 then R5 on a locked session: None when a place is free for this request, else the
    violation that puts (or keeps) it on the waiting list. `held` and `colleagues` (of
    `structure_id`), when the caller counted them under the same lock, are not read again."""
    if held is None:
        held = selectors.places_held(session.pk)
    try:
        rules.check_places_left(capacity=session.capacity, held=held)
        released = cap_override or cap_released(session, now)
        if colleagues is None:  # only counted when the cap applies
            counts = session.action.is_member_only and not released
            colleagues = selectors.colleagues_holding(session.pk, structure_id) if counts else 0
        rules.check_structure_cap(
            member_only=session.action.is_member_only,
            colleagues_holding=colleagues,
            cap_released=released,
        )
    except RuleViolation as violation:
        return violation
    return None


def check_quota(user_id: int, session: Session, counted=None) -> None:
    """R6 for one more request of `user_id` for `session` (its user row locked)."""
    year = session_year(session)
    counted = counted or selectors.counted_sessions(user_id, year)
    rules.check_annual_quota(
        member_only=session.action.is_member_only,
        is_training=session.action.is_training,
        year=year,
        counted_member_only=len(counted.member_only),
        counted_trainings=len(counted.trainings),
        session_already_counted=session.pk in counted.member_only,
    )


def check_membership(structure, session: Session, members: dict[int, bool] | None = None):
    """R2; `members` maps years to whether the structure was a member, as read by the caller
    (nobody locks memberships, see `services.cart`); a year it lacks is read here."""
    year = session_year(session)
    if structure is None:
        structure_is_member = False
    elif members is not None and year in members:
        structure_is_member = members[year]
    else:
        structure_is_member = is_member(structure.pk, year)
    rules.check_membership(
        member_only=session.action.is_member_only,
        structure_is_member=structure_is_member,
        year=year,
        contact=settings.MEMBERSHIP_CONTACT_EMAIL,
    )


def check_still_eligible(registration: Registration, session: Session) -> None:
    """R2 and R6 again when a waitlisted request would get a place (its user row locked)."""
    check_membership(registration.structure, session)
    if registration.user_id is not None:
        check_quota(registration.user_id, session)


def check_can_request(user, session: Session, *, now: dt.datetime, already_requested: bool):
    """What can never succeed, checked when a session is added to the cart and again when
    the cart is validated: a closed session (R9), a second live request, the audience (R1)."""
    rules.check_registration_open(
        now=now,
        registration_deadline=session.registration_deadline,
        starts_at=session.starts_at,
        is_cancelled=session.is_cancelled or not session.action.is_published,
    )
    if already_requested:
        raise RuleViolation("already_requested", rules.message("already_requested"))
    pending = None if user.structure_id else pending_attachment(user)
    rules.check_audience(
        member_only=session.action.is_member_only,
        employment_status=user.employment_status,
        has_structure=user.structure_id is not None,
        pending_structure=pending.structure.name if pending else "",
    )
