"""The employer's decision (R4) and the provider's (R10)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .. import locking, notifications, rules
from ..models import (
    Offer,
    Registration,
)
from ..rules import RuleViolation
from .messages import text
from .transitions import (
    Status,
    move,
)
from .waitlist import decide_locked, reconsider_after_commit, serve_waitlist

logger = logging.getLogger(__name__)


def check_approver(registration: Registration, by) -> None:
    """`by` approves for the registration's structure and is not the requester (R4); staff
    may decide for any structure (a structure left without an approver, for one)."""
    if by.pk == registration.user_id:
        raise PermissionDenied(text("own_request"))
    if by.is_staff:
        return
    structure = registration.structure
    if structure is None or not structure.approvers.filter(pk=by.pk).exists():
        raise PermissionDenied(text("not_approver"))


@locking.retry_on_lock_conflict
def approve(
    registration: Registration, *, by, now: dt.datetime | None = None, notify: bool = True
) -> Registration:
    """The employer accepts a request (R4); a waitlisted request is pre-approved, so that its
    promotion skips the employer step. At or after the registration deadline the request
    lapses instead (R9), whatever the periodic task has done. `notify=False`: the person's
    email is left to the caller (`approve_selection`: one for the lot)."""
    check_approver(registration, by)
    now = now or timezone.now()

    def work(registration, session):
        if registration.status == Status.LAPSED:
            if registration.offers.filter(status=Offer.Status.APPROVAL_LAPSED).exists():
                raise RuleViolation("deadline", text("offer_approval_lapsed"))
            raise RuleViolation("deadline", rules.message("deadline_passed"))
        _approve_locked(registration, by=by, now=now, notify=notify)
        return registration

    return decide_locked(registration, work=work, now=now)


def _approve_locked(
    registration: Registration, *, by, now: dt.datetime, notify: bool = True
) -> None:
    registration.employer_approved_at = now
    registration.employer_approved_by = by
    fields = ["employer_approved_at", "employer_approved_by"]
    if registration.status in {Status.WAITLISTED, Status.OFFERED}:
        move(
            registration,
            registration.status,
            by=by,
            reason="Pré-acceptée par l'employeur",
            fields=fields,
        )
    elif registration.status == Status.PENDING_EMPLOYER:
        move(registration, Status.PENDING_PROVIDER, by=by, fields=fields)
    else:
        raise RuleViolation("not_pending", text("not_pending_employer"))
    if notify:
        notifications.employer_decided(registration)


@locking.retry_on_lock_conflict
def refuse(
    registration: Registration,
    *,
    by,
    reason: str,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> Registration:
    """The employer refuses a request, with a reason (R4); its place goes to the waiting list.
    `notify=False`: the person's email is left to the caller (`refuse_selection`)."""
    check_approver(registration, by)
    reason = rules.check_reason_given(reason)
    now = now or timezone.now()

    def work(registration, session):
        if registration.status == Status.LAPSED:
            raise RuleViolation("not_pending", text("lapsed_at_deadline"))
        if registration.status not in {Status.PENDING_EMPLOYER, Status.WAITLISTED, Status.OFFERED}:
            raise RuleViolation("not_pending", text("not_pending_employer"))
        held = registration.holds_place
        registration.decision_reason = reason
        move(registration, Status.REFUSED, by=by, reason=reason, fields=["decision_reason"])
        if notify:
            notifications.employer_decided(registration)
        if held:
            serve_waitlist(session, now=now)
        reconsider_after_commit(user_ids=[registration.user_id])
        return registration

    return decide_locked(registration, work=work, serve_waitlist=True, now=now)


@dataclass(frozen=True)
class SelectionDecided:
    """What a decision on several requests did: those decided, and each refusal of the
    services with its request (the others stand)."""

    decided: tuple[Registration, ...]
    refusals: tuple[tuple[Registration, Exception], ...]


def approve_selection(registrations, *, by, now: dt.datetime | None = None) -> SelectionDecided:
    """« Accepter la sélection »: each request accepted as `approve` does (its own
    transaction: the requests may be of different sessions, locked each in turn); each
    person then gets one email for all their decided requests, as their cart sent one."""
    return _decide_selection(registrations, lambda r: approve(r, by=by, now=now, notify=False))


def refuse_selection(
    registrations, *, by, reason: str, now: dt.datetime | None = None
) -> SelectionDecided:
    """« Refuser la sélection »: each request refused with `reason` as `refuse` does; one
    email per person for all their refused requests."""
    return _decide_selection(
        registrations, lambda r: refuse(r, by=by, reason=reason, now=now, notify=False)
    )


def _decide_selection(registrations, decide) -> SelectionDecided:
    decided, refusals = [], []
    try:
        for registration in registrations:
            try:
                decided.append(decide(registration))
            except (RuleViolation, PermissionDenied) as refusal:
                refusals.append((registration, refusal))
    finally:
        # Even when an unexpected error stops the loop, the decisions taken are told.
        if decided:
            with transaction.atomic():
                notifications.employer_decided_together(decided)
    return SelectionDecided(tuple(decided), tuple(refusals))


def check_provider(registration: Registration, by) -> None:
    provider_id = registration.session.action.provider_id
    if not (by.is_staff or by.providers.filter(pk=provider_id).exists()):
        raise PermissionDenied(text("not_provider"))


@locking.retry_on_lock_conflict
def confirm(registration: Registration, *, by, now: dt.datetime | None = None) -> Registration:
    """The provider makes a request effective (R10); the convocation is sent."""
    check_provider(registration, by)
    now = now or timezone.now()

    def work(registration, session):
        if registration.status != Status.PENDING_PROVIDER:
            raise RuleViolation("not_pending", text("not_pending_confirmation"))
        registration.provider_decided_at = now
        move(registration, Status.CONFIRMED, by=by, fields=["provider_decided_at"])
        notifications.provider_decided(registration)
        return registration

    return decide_locked(registration, work=work, now=now)


@locking.retry_on_lock_conflict
def decline(registration: Registration, *, by, reason: str, now: dt.datetime | None = None):
    """The provider declines a request, with a reason (R10); the place frees (R7)."""
    check_provider(registration, by)
    reason = rules.check_reason_given(reason)
    now = now or timezone.now()

    def work(registration, session):
        if registration.status != Status.PENDING_PROVIDER:
            raise RuleViolation("not_pending", text("not_pending_decision"))
        registration.provider_decided_at = now
        registration.decision_reason = reason
        move(
            registration,
            Status.DECLINED,
            by=by,
            reason=reason,
            fields=["provider_decided_at", "decision_reason"],
        )
        notifications.provider_decided(registration)
        serve_waitlist(session, now=now)
        reconsider_after_commit(user_ids=[registration.user_id])
        return registration

    return decide_locked(registration, work=work, serve_waitlist=True, now=now)
