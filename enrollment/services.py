"""The one door to every change of a cart or a registration (DESIGN.md, Services).

Each service checks everything first, then writes, in one transaction. Emails are recorded in
the same transaction (mailing outbox) and sent by Celery after the commit.

Lock order — one for the whole platform (`enrollment.locking` says why):
sessions (id order) → users (id order) → registrations (id order) → the rest, all
`FOR NO KEY UPDATE`. Whatever takes or frees a place locks the session first, then the
people whose quota may be used (the submitter, the owners of the waiting list), so that
places go exactly in order of submission and no quota is used twice under concurrency. Work
on other sessions runs after the commit in its own transaction. Every service retries a
transaction that meets a lock conflict (`locking.retry_on_lock_conflict`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Session
from employers.selectors import is_member

from . import locking, notifications, rules, selectors
from .models import (
    HOLDING_STATUSES,
    Cart,
    CartItem,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
)
from .rules import RuleViolation

logger = logging.getLogger(__name__)

Status = RegistrationStatus

# The allowed moves of a registration; `_move` refuses any other.
TRANSITIONS: dict[str | None, set[str]] = {
    None: {Status.WAITLISTED, Status.PENDING_EMPLOYER, Status.PENDING_PROVIDER, Status.CONFIRMED},
    Status.WAITLISTED: {
        Status.WAITLISTED,  # pre-approval by the employer, skipped promotion
        Status.PENDING_EMPLOYER,
        Status.PENDING_PROVIDER,
        Status.CONFIRMED,
        Status.REFUSED,
        Status.CANCELLED,
        Status.LAPSED,
    },
    Status.PENDING_EMPLOYER: {
        Status.PENDING_PROVIDER,
        Status.CONFIRMED,
        Status.REFUSED,
        Status.CANCELLED,
        Status.LAPSED,
    },
    Status.PENDING_PROVIDER: {Status.CONFIRMED, Status.DECLINED, Status.CANCELLED},
    Status.CONFIRMED: {Status.ATTENDED, Status.ABSENT, Status.CANCELLED},
    Status.ATTENDED: {Status.ABSENT},
    Status.ABSENT: {Status.ATTENDED},
    Status.REFUSED: set(),
    Status.DECLINED: set(),
    Status.CANCELLED: set(),
    Status.LAPSED: set(),
}

# The states a professional may withdraw from (R8).
CANCELLABLE_STATUSES = frozenset(
    status for status, moves in TRANSITIONS.items() if status and Status.CANCELLED in moves
)

# A withdrawal from these is late-counted (R8): the employer accepted, or none was needed.
EMPLOYER_ACCEPTED_STATUSES = frozenset({Status.PENDING_PROVIDER, Status.CONFIRMED})

CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")
CONTACT_LABELS = {
    "first_name": "prénom",
    "last_name": "nom",
    "email": "adresse électronique",
    "phone": "téléphone",
    "job_title": "fonction",
}


class InvalidTransition(RuleViolation):
    def __init__(self, registration, to):
        super().__init__(
            "transition",
            f"Cette demande est « {registration.get_status_display()} » : elle ne peut pas "
            f"passer à « {Status(to).label} ».",
        )


class CartRefused(RuleViolation):
    """Cart validation refused: nothing was created; `item_errors` maps session id to the
    rule that refused it."""

    def __init__(self, item_errors: Mapping[int, RuleViolation]):
        self.item_errors = dict(item_errors)
        if len(self.item_errors) == 1:
            message = (
                "Votre panier n'a pas été validé : une demande ne peut pas aboutir. Retirez-la "
                "ou corrigez la situation indiquée, puis validez à nouveau."
            )
        else:
            message = (
                f"Votre panier n'a pas été validé : {len(self.item_errors)} demandes ne peuvent "
                "pas aboutir. Retirez-les ou corrigez les situations indiquées, puis validez à "
                "nouveau."
            )
        super().__init__("cart", message)


# --- internal helpers -------------------------------------------------------------------------


def _move(registration: Registration, to: str, *, by=None, reason: str = "", fields=()) -> None:
    """The only place that changes a registration's status; it writes the audit trail."""
    from_status = registration.status if registration.pk else None
    if to not in TRANSITIONS[from_status]:
        raise InvalidTransition(registration, to)
    registration.status = to
    if registration.pk:
        registration.save(update_fields=["status", "updated_at", *fields])
    else:
        registration.save()
    RegistrationEvent.objects.create(
        registration=registration,
        from_status=from_status or "",
        to_status=to,
        by=by if getattr(by, "pk", None) else None,
        reason=reason,
    )


def _waiting_user_ids(session_ids: Iterable[int]) -> set[int]:
    return set(
        Registration.objects.filter(session_id__in=set(session_ids), status=Status.WAITLISTED)
        .exclude(user_id=None)
        .values_list("user_id", flat=True)
    )


def _lock_for_places(session_ids: Iterable[int], *, user_ids: Iterable[int] = ()):
    """Lock the sessions, then the users whose quota may be used: `user_ids` and the owners
    of the sessions' waiting lists (which cannot grow while the sessions are locked)."""
    sessions = locking.lock_sessions(session_ids)
    users = locking.lock_users({*user_ids, *_waiting_user_ids(sessions)})
    return sessions, users


def _lock_registration_row(registration_id: int, session: Session) -> Registration:
    """Lock a registration (its session already locked) and return a fresh copy."""
    locked = (
        Registration.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user", "structure")
        .get(pk=registration_id)
    )
    locked.session = session
    return locked


def _lock_registration(registration: Registration, *, serve_waitlist: bool = False):
    """Lock the registration's session (and, to serve its waiting list, the waiting
    people), then the registration; return fresh copies."""
    if serve_waitlist:
        sessions, _ = _lock_for_places([registration.session_id])
    else:
        sessions = locking.lock_sessions([registration.session_id])
    session = sessions[registration.session_id]
    return _lock_registration_row(registration.pk, session), session


def _session_year(session: Session) -> int:
    return timezone.localtime(session.starts_at).year


def _approves_own_requests(user, structure) -> bool:
    """R4: whether `user` is the one and only approver of `structure`."""
    if user is None or structure is None:
        return False
    return rules.approves_own_requests(
        user_id=user.pk, approver_ids=set(structure.approvers.values_list("pk", flat=True))
    )


def _cap_released(session: Session, now: dt.datetime) -> bool:
    return session.cap_released_at is not None or rules.structure_cap_released(
        now=now, starts_at=session.starts_at, release_days=settings.STRUCTURE_CAP_RELEASE_DAYS
    )


def _session_open(session: Session, now: dt.datetime) -> bool:
    return rules.is_registration_open(
        now=now,
        registration_deadline=session.registration_deadline,
        starts_at=session.starts_at,
        is_cancelled=session.is_cancelled or not session.action.is_published,
    )


def _status_with_place(*, member_only: bool, user, structure, pre_approved: bool) -> str:
    """The state a request enters when it holds a place (R4, R10)."""
    if rules.needs_employer_approval(
        member_only=member_only,
        is_independent=member_only and _approves_own_requests(user, structure),
        pre_approved=pre_approved,
    ):
        return Status.PENDING_EMPLOYER
    if rules.needs_provider_confirmation(member_only=member_only):
        return Status.PENDING_PROVIDER
    return Status.CONFIRMED


def _placement(
    session: Session, *, structure_id, now: dt.datetime, cap_override: bool = False
) -> RuleViolation | None:
    """R7 then R5 on a locked session: None when a place is free for this request, else the
    violation that puts (or keeps) it on the waiting list."""
    try:
        rules.check_places_left(capacity=session.capacity, held=selectors.places_held(session.pk))
        rules.check_structure_cap(
            member_only=session.action.is_member_only,
            colleagues_holding=selectors.colleagues_holding(session.pk, structure_id),
            cap_released=cap_override or _cap_released(session, now),
        )
    except RuleViolation as violation:
        return violation
    return None


def _check_quota(user_id: int, session: Session, counted=None) -> None:
    """R6 for one more request of `user_id` for `session` (its user row locked)."""
    year = _session_year(session)
    counted = counted or selectors.counted_sessions(user_id, year)
    rules.check_annual_quota(
        member_only=session.action.is_member_only,
        is_training=session.action.is_training,
        year=year,
        counted_member_only=len(counted.member_only),
        counted_trainings=len(counted.trainings),
        session_already_counted=session.pk in counted.member_only,
    )


def _check_membership(structure, session: Session) -> None:
    year = _session_year(session)
    rules.check_membership(
        member_only=session.action.is_member_only,
        structure_is_member=structure is not None and is_member(structure.pk, year),
        year=year,
        contact=settings.MEMBERSHIP_CONTACT_EMAIL,
    )


CONTACT_LIMITS = {field: Registration._meta.get_field(field).max_length for field in CONTACT_FIELDS}


def _clean_contact(contact: Mapping[str, str]) -> dict[str, str]:
    cleaned = {field: " ".join(str(contact.get(field) or "").split()) for field in CONTACT_FIELDS}
    missing = [
        CONTACT_LABELS[field]
        for field, value in cleaned.items()
        if not rules.has_visible_text(value)
    ]
    if missing:
        raise RuleViolation(
            "contact",
            "Vos coordonnées sont incomplètes : renseignez " + ", ".join(missing) + ".",
        )
    for field, value in cleaned.items():
        rules.check_text_length(
            value, limit=CONTACT_LIMITS[field], label=CONTACT_LABELS[field], code="contact"
        )
    try:
        validate_email(cleaned["email"])
    except ValidationError:
        raise RuleViolation(
            "contact", "Votre adresse électronique n'est pas valide : corrigez-la."
        ) from None
    return cleaned


def _motivation_for(motivations: Mapping, session_id: int) -> str:
    text = motivations.get(session_id, motivations.get(str(session_id), ""))
    text = rules.check_text_given(str(text or ""), code="motivations")
    rules.check_text_length(
        text, limit=rules.MOTIVATIONS_MAX_LENGTH, label="motivations", code="motivations"
    )
    return text


MOTIVATIONS_MISSING = (
    "Décrivez vos motivations et vos attentes pour cette action : le prestataire les lit avant "
    "de confirmer votre inscription."
)


def _reconsider_after_commit(*, user_ids: Iterable[int] = (), session_ids: Iterable[int] = ()):
    """R7 (Decisions « Order »): once this transaction commits, serve the waiting lists where
    a person whose quota just freed waits, and the given sessions, each in a transaction of
    its own (their sessions are not locked here)."""
    user_ids = {pk for pk in user_ids if pk is not None}
    session_ids = set(session_ids)
    if user_ids or session_ids:
        transaction.on_commit(
            lambda: _enqueue_serving(user_ids=user_ids, session_ids=session_ids), robust=True
        )


def _enqueue_serving(*, user_ids: set[int], session_ids: set[int]) -> None:
    from .tasks import serve_waitlists  # tasks import the services

    waited = set(
        Registration.objects.filter(user_id__in=user_ids, status=Status.WAITLISTED).values_list(
            "session_id", flat=True
        )
    )
    ids = sorted(session_ids | waited)
    if not ids:
        return
    try:
        serve_waitlists.delay(ids)
    except Exception:  # noqa: BLE001 — the periodic sweep serves them when the broker is down
        logger.warning("Broker unavailable: waiting lists %s left for the sweep", ids)


# --- the cart (R3) ----------------------------------------------------------------------------


def add_to_cart(user, session: Session, *, now: dt.datetime | None = None) -> CartItem:
    """Add a session to the user's cart, refusing what can never succeed (closed, already
    requested, R1). Adding it twice keeps one item."""
    now = now or timezone.now()
    session = Session.objects.select_related("action").get(pk=session.pk)
    rules.check_registration_open(
        now=now,
        registration_deadline=session.registration_deadline,
        starts_at=session.starts_at,
        is_cancelled=session.is_cancelled or not session.action.is_published,
    )
    if selectors.has_live_registration(user.pk, session.pk):
        raise RuleViolation("already_requested", rules.MESSAGES["already_requested"])
    rules.check_audience(
        member_only=session.action.is_member_only,
        employment_status=user.employment_status,
        has_structure=user.structure_id is not None,
    )
    with transaction.atomic():
        cart, _ = Cart.objects.get_or_create(user=user)
        try:
            with transaction.atomic():
                item, _ = CartItem.objects.get_or_create(cart=cart, session=session)
        except IntegrityError:  # the same session added at the same instant
            item = CartItem.objects.get(cart=cart, session=session)
        Cart.objects.filter(pk=cart.pk).update(updated_at=now)
    return item


def remove_from_cart(user, session: Session) -> None:
    """Remove a session from the user's cart (nothing happens if it is not there)."""
    CartItem.objects.filter(cart__user=user, session_id=session.pk).delete()


def _check_item(user, session: Session, *, live: set[int], now, counted, motivations) -> str:
    """R1–R3, R6, R9 for one cart item; returns its motivations."""
    rules.check_registration_open(
        now=now,
        registration_deadline=session.registration_deadline,
        starts_at=session.starts_at,
        is_cancelled=session.is_cancelled or not session.action.is_published,
    )
    if session.pk in live:
        raise RuleViolation("already_requested", rules.MESSAGES["already_requested"])
    rules.check_audience(
        member_only=session.action.is_member_only,
        employment_status=user.employment_status,
        has_structure=user.structure_id is not None,
    )
    _check_membership(user.structure, session)
    _check_quota(user.pk, session, counted)
    try:
        return _motivation_for(motivations, session.pk)
    except RuleViolation as violation:
        if violation.message == rules.MESSAGES["reason_required"]:
            raise RuleViolation("motivations", MOTIVATIONS_MISSING) from None
        raise


@locking.retry_on_lock_conflict
def submit_cart(
    user,
    *,
    contact: Mapping[str, str],
    motivations: Mapping,
    now: dt.datetime | None = None,
) -> list[Registration]:
    """Validate the cart (R1–R9): every item becomes a registration, or none does.

    Returns the new registrations in cart order. Raises `CartRefused` (with one violation per
    refused item) when any item is refused, `RuleViolation` for incomplete contact details or
    an empty cart. Locks the cart's sessions, then the user (so that two submissions of one
    cart create nothing twice, and a promotion elsewhere cannot use the same quota) and the
    owners of the sessions' waiting lists, which are served before any new request (R7).
    """
    contact = _clean_contact(contact)
    with transaction.atomic():
        session_ids = set(
            CartItem.objects.filter(cart__user_id=user.pk).values_list("session_id", flat=True)
        )
        sessions, users = _lock_for_places(session_ids, user_ids=[user.pk])
        if user.pk not in users:
            raise RuleViolation("account", "Ce compte n'existe plus.")
        user = users[user.pk]
        items = list(
            CartItem.objects.filter(cart__user=user)
            .order_by("added_at", "pk")
            .values_list("pk", "session_id")
        )
        if not items:
            raise RuleViolation(
                "empty_cart",
                "Votre panier est vide : ajoutez une session depuis le catalogue.",
            )
        if not {session_id for _, session_id in items} <= sessions.keys():
            raise locking.LockSetChanged  # an item was added meanwhile: lock it too
        now = now or timezone.now()
        for session in sessions.values():
            _lapse_due(session, now)
        live = set(
            Registration.objects.live()
            .filter(user=user, session_id__in=sessions)
            .values_list("session_id", flat=True)
        )
        # R7: each waiting list is served before any new request is seated (on refusal of
        # the cart, the rollback undoes this too; the next freed place serves them).
        for session in sessions.values():
            _serve_waitlist(session, now=now)
        counted: dict[int, selectors.CountedSessions] = {}
        structure = user.structure
        item_errors: dict[int, RuleViolation] = {}
        plans = []
        for _, session_id in items:
            session = sessions[session_id]
            year = _session_year(session)
            if year not in counted:
                counted[year] = selectors.counted_sessions(user.pk, year)
            try:
                motivation = _check_item(
                    user,
                    session,
                    live=live,
                    now=now,
                    counted=counted[year],
                    motivations=motivations,
                )
            except RuleViolation as violation:
                item_errors[session_id] = violation
                continue
            waiting = _placement(session, structure_id=structure.pk if structure else None, now=now)
            if waiting is None and session.action.is_member_only:
                counted[year] = _with_session(counted[year], session)
            plans.append((session, motivation, waiting))
        if item_errors:
            raise CartRefused(item_errors)

        # Now that every item is accepted, write: places are taken in this locked order.
        submission = uuid.uuid4()
        registrations = []
        for session, motivation, waiting in plans:
            registration = Registration(
                user=user,
                session=session,
                structure=structure,
                submission=submission,
                submitted_at=timezone.now(),
                motivations=motivation,
                waitlist_reason=waiting.code if waiting else "",
                **contact,
            )
            if waiting:
                to = Status.WAITLISTED
            else:
                to = _status_with_place(
                    member_only=session.action.is_member_only,
                    user=user,
                    structure=structure,
                    pre_approved=False,
                )
            _move(registration, to, by=user, reason=waiting.message if waiting else "")
            registrations.append(registration)
        CartItem.objects.filter(pk__in=[pk for pk, _ in items]).delete()
        notifications.cart_submitted(user, registrations)
    return registrations


def _with_session(counted: selectors.CountedSessions, session: Session):
    """`counted` plus one member-only session of the cart being validated."""
    trainings = counted.trainings | {session.pk} if session.action.is_training else None
    return selectors.CountedSessions(
        year=counted.year,
        member_only=counted.member_only | {session.pk},
        trainings=trainings if trainings is not None else counted.trainings,
    )


# --- employer decisions (R4) ------------------------------------------------------------------


def _check_approver(registration: Registration, by) -> None:
    """`by` approves for the registration's structure and is not the requester (R4); staff
    may decide for any structure (a structure left without an approver, for one)."""
    if by.pk == registration.user_id:
        raise PermissionDenied(
            "Vous ne pouvez pas décider de votre propre demande : une autre personne qui "
            "valide pour votre structure doit le faire."
        )
    if by.is_staff:
        return
    structure = registration.structure
    if structure is None or not structure.approvers.filter(pk=by.pk).exists():
        raise PermissionDenied("Vous ne validez pas les demandes de cette structure.")


NOT_PENDING_EMPLOYER = "Cette demande n'attend plus de décision de l'employeur."
LAPSED_AT_DEADLINE = (
    "Cette demande a expiré à la date limite d'inscription de la session : il n'y a plus de "
    "décision à prendre."
)


@locking.retry_on_lock_conflict
def approve(registration: Registration, *, by, now: dt.datetime | None = None) -> Registration:
    """The employer accepts a request (R4); a waitlisted request is pre-approved, so that its
    promotion skips the employer step. At or after the registration deadline the request
    lapses instead (R9), whatever the periodic task has done."""
    _check_approver(registration, by)
    with transaction.atomic():
        registration, session = _lock_registration(registration)
        now = now or timezone.now()
        lapsed = {r.pk for r in _lapse_due(session, now)}
        if registration.pk in lapsed or registration.status == Status.LAPSED:
            deadline_refusal = rules.MESSAGES["deadline_passed"]
        else:
            deadline_refusal = ""
            _approve_locked(registration, by=by, now=now)
    if deadline_refusal:
        # Raised after the commit: the lapse stands, the acceptance does not.
        raise RuleViolation("deadline", deadline_refusal)
    return registration


def _approve_locked(registration: Registration, *, by, now: dt.datetime) -> None:
    registration.employer_approved_at = now
    registration.employer_approved_by = by
    fields = ["employer_approved_at", "employer_approved_by"]
    if registration.status == Status.WAITLISTED:
        _move(
            registration,
            Status.WAITLISTED,
            by=by,
            reason="Pré-acceptée par l'employeur",
            fields=fields,
        )
    elif registration.status == Status.PENDING_EMPLOYER:
        _move(registration, Status.PENDING_PROVIDER, by=by, fields=fields)
    else:
        raise RuleViolation("not_pending", NOT_PENDING_EMPLOYER)
    notifications.employer_decided(registration)


@locking.retry_on_lock_conflict
def refuse(
    registration: Registration, *, by, reason: str, now: dt.datetime | None = None
) -> Registration:
    """The employer refuses a request, with a reason (R4); its place goes to the waiting list."""
    _check_approver(registration, by)
    reason = rules.check_reason_given(reason)
    with transaction.atomic():
        registration, session = _lock_registration(registration, serve_waitlist=True)
        now = now or timezone.now()
        _lapse_due(session, now)
        if registration.status == Status.LAPSED:
            raise RuleViolation("not_pending", LAPSED_AT_DEADLINE)
        if registration.status not in {Status.PENDING_EMPLOYER, Status.WAITLISTED}:
            raise RuleViolation("not_pending", NOT_PENDING_EMPLOYER)
        held = registration.holds_place
        registration.decision_reason = reason
        _move(registration, Status.REFUSED, by=by, reason=reason, fields=["decision_reason"])
        notifications.employer_decided(registration)
        if held:
            _serve_waitlist(session, now=now)
        _reconsider_after_commit(user_ids=[registration.user_id])
    return registration


# --- provider decisions (R10) -----------------------------------------------------------------


def _check_provider(registration: Registration, by) -> None:
    provider_id = registration.session.action.provider_id
    if not (by.is_staff or by.providers.filter(pk=provider_id).exists()):
        raise PermissionDenied("Vous n'êtes pas le prestataire de cette session.")


@locking.retry_on_lock_conflict
def confirm(registration: Registration, *, by, now: dt.datetime | None = None) -> Registration:
    """The provider makes a request effective (R10); the convocation is sent."""
    _check_provider(registration, by)
    with transaction.atomic():
        registration, session = _lock_registration(registration)
        if registration.status != Status.PENDING_PROVIDER:
            raise RuleViolation("not_pending", "Cette demande n'attend pas votre confirmation.")
        registration.provider_decided_at = now or timezone.now()
        _move(registration, Status.CONFIRMED, by=by, fields=["provider_decided_at"])
        notifications.provider_decided(registration)
    return registration


@locking.retry_on_lock_conflict
def decline(registration: Registration, *, by, reason: str, now: dt.datetime | None = None):
    """The provider declines a request, with a reason (R10); the place frees (R7)."""
    _check_provider(registration, by)
    reason = rules.check_reason_given(reason)
    with transaction.atomic():
        registration, session = _lock_registration(registration, serve_waitlist=True)
        if registration.status != Status.PENDING_PROVIDER:
            raise RuleViolation("not_pending", "Cette demande n'attend pas votre décision.")
        now = now or timezone.now()
        registration.provider_decided_at = now
        registration.decision_reason = reason
        _move(
            registration,
            Status.DECLINED,
            by=by,
            reason=reason,
            fields=["provider_decided_at", "decision_reason"],
        )
        notifications.provider_decided(registration)
        _serve_waitlist(session, now=now)
        _reconsider_after_commit(user_ids=[registration.user_id])
    return registration


# --- cancellation (R8) ------------------------------------------------------------------------


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
        raise PermissionDenied("Seule la personne inscrite peut se désister.")
    with transaction.atomic():
        registration, session = _lock_registration(registration, serve_waitlist=True)
        now = now or timezone.now()
        _lapse_due(session, now)
        _cancel_locked(registration, session, by=by, reason=reason, now=now)
    return registration


def _cancel_locked(registration, session, *, by, reason: str, now: dt.datetime) -> None:
    rules.check_cancellation_allowed(
        now=now,
        starts_at=session.starts_at,
        is_live=registration.status in CANCELLABLE_STATUSES,
        reason=reason,
    )
    reason = rules.check_reason_given(reason)
    outcome = cancellation_outcome(registration, now=now, reason=reason)
    held = registration.holds_place
    registration.counted_in_quota = outcome.counted
    registration.cancelled_at = now
    registration.cancellation_reason = reason
    _move(
        registration,
        Status.CANCELLED,
        by=by,
        reason=reason,
        fields=["counted_in_quota", "cancelled_at", "cancellation_reason"],
    )
    notifications.cancelled(registration)
    if held:
        _serve_waitlist(session, now=now)
    if not outcome.counted:
        _reconsider_after_commit(user_ids=[registration.user_id])


def withdraw_all_upcoming(user, *, reason: str, now: dt.datetime | None = None):
    """Withdraw every upcoming request of `user` (account deletion), inside the caller's
    transaction, which must start with this call: it takes the locks in the platform's order
    (the sessions, then the user and the waiting people) and leaves the user row locked for
    the deletion. Raises `LockSetChanged` when a request appeared meanwhile (the caller,
    wrapped in `retry_on_lock_conflict`, starts again). Returns the withdrawn requests."""
    now = now or timezone.now()
    upcoming = Registration.objects.filter(
        user_id=user.pk, status__in=CANCELLABLE_STATUSES, session__starts_at__gt=now
    )
    session_ids = set(upcoming.values_list("session_id", flat=True))
    sessions, users = _lock_for_places(session_ids, user_ids=[user.pk])
    if set(upcoming.values_list("session_id", flat=True)) - sessions.keys():
        raise locking.LockSetChanged
    withdrawn = []
    for registration in upcoming.order_by("pk"):
        session = sessions[registration.session_id]
        registration = _lock_registration_row(registration.pk, session)
        _cancel_locked(registration, session, by=users.get(user.pk), reason=reason, now=now)
        withdrawn.append(registration)
    return withdrawn


# --- the waiting list (R7, R5) ----------------------------------------------------------------


def _check_still_eligible(registration: Registration, session: Session) -> None:
    """R2 and R6 again when a waitlisted request would get a place (its user row locked)."""
    _check_membership(registration.structure, session)
    if registration.user_id is not None:
        _check_quota(registration.user_id, session)


def _give_place(registration: Registration, session: Session, *, by, reason: str) -> None:
    """Move a waitlisted request to the step its path takes next, and tell its owner."""
    to = _status_with_place(
        member_only=session.action.is_member_only,
        user=registration.user,
        structure=registration.structure,
        pre_approved=registration.employer_approved_at is not None,
    )
    registration.waitlist_reason = ""
    _move(registration, to, by=by, reason=reason, fields=["waitlist_reason"])
    notifications.promoted(registration)


def _serve_waitlist(session: Session, *, now: dt.datetime, by=None) -> list[Registration]:
    """R7: give the locked session's free places to its oldest eligible waitlisted requests.

    The caller holds the locks of the session and of the waiting people (`_lock_for_places`).
    The structure cap (R5) holds until it is released; membership (R2) and the annual quota
    (R6) are checked again, and a request that would break them is skipped, its owner told,
    and considered again at the next freed place or change of its owner's situation."""
    if not _session_open(session, now):
        return []
    free = session.capacity - selectors.places_held(session.pk)
    if free <= 0:
        return []
    promoted = []
    candidates = (
        selectors.waitlist(session.pk)
        .select_for_update(of=("self",), no_key=True)
        .select_related("user", "structure")
    )
    for registration in candidates:
        if free <= 0:
            break
        registration.session = session
        if _placement(session, structure_id=registration.structure_id, now=now) is not None:
            continue
        try:
            _check_still_eligible(registration, session)
        except RuleViolation as violation:
            _skip_once(registration, violation, by=by)
            continue
        _give_place(
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
        sessions, _ = _lock_for_places([session.pk])
        if session.pk not in sessions:
            return []
        session = sessions[session.pk]
        now = now or timezone.now()
        _lapse_due(session, now)
        return _serve_waitlist(session, now=now, by=by)


def _skip_once(registration: Registration, violation: RuleViolation, *, by=None) -> None:
    """Record (and tell the owner, once per rule) that a promotion was skipped."""
    reason = f"Promotion impossible : {violation.message}"
    already = registration.events.filter(to_status=Status.WAITLISTED, reason=reason).exists()
    if not already:
        _move(registration, Status.WAITLISTED, by=by, reason=reason)
        notifications.promotion_skipped(registration, violation)


@locking.retry_on_lock_conflict
def release_structure_cap(session: Session, *, now: dt.datetime | None = None):
    """R5: STRUCTURE_CAP_RELEASE_DAYS before the start, the cap lifts and free places go to
    the waiting list. Idempotent. (Every service that seats a request serves the waiting
    list with the cap released by the clock already: this only records it.)"""
    with transaction.atomic():
        sessions, _ = _lock_for_places([session.pk])
        session = sessions[session.pk]
        now = now or timezone.now()
        if session.cap_released_at is not None or not rules.structure_cap_released(
            now=now, starts_at=session.starts_at, release_days=settings.STRUCTURE_CAP_RELEASE_DAYS
        ):
            return []
        session.cap_released_at = now
        session.save(update_fields=["cap_released_at"])
        _lapse_due(session, now)
        return _serve_waitlist(session, now=now)


def _lapse_due(session: Session, now: dt.datetime) -> list[Registration]:
    """R9 on a locked session: at the registration deadline, requests still waiting for the
    employer or for a place lapse. Every service that locks a session applies it first, so
    that the deadline holds whatever the order in which tasks run."""
    if not rules.approval_is_overdue(now=now, registration_deadline=session.registration_deadline):
        return []
    overdue = list(
        Registration.objects.select_for_update(of=("self",), no_key=True)
        .filter(session=session, status__in=[Status.PENDING_EMPLOYER, Status.WAITLISTED])
        .select_related("user", "structure")
        .order_by("pk")
    )
    for registration in overdue:
        registration.session = session
        _move(registration, Status.LAPSED, reason="Date limite d'inscription dépassée")
        notifications.lapsed(registration)
    _reconsider_after_commit(user_ids=[r.user_id for r in overdue if r.holds_place])
    return overdue


@locking.retry_on_lock_conflict
def lapse_overdue(session: Session, *, now: dt.datetime | None = None) -> list[Registration]:
    """R9: at the registration deadline, requests still waiting for the employer or for a
    place lapse. Idempotent."""
    with transaction.atomic():
        session = locking.lock_sessions([session.pk])[session.pk]
        return _lapse_due(session, now or timezone.now())


# --- staff and provider operations (R7, R10) --------------------------------------------------


@locking.retry_on_lock_conflict
def promote(registration: Registration, *, by, now: dt.datetime | None = None) -> Registration:
    """Staff give a free place to one named waitlisted request, lifting the structure cap
    (R5); membership (R2) and quota (R6) still apply."""
    if not by.is_staff:
        raise PermissionDenied("Seule l'équipe Cap Métiers peut attribuer une place.")
    with transaction.atomic():
        registration, session = _lock_registration(registration, serve_waitlist=True)
        now = now or timezone.now()
        _lapse_due(session, now)
        registration.refresh_from_db(fields=["status"])
        if registration.status != Status.WAITLISTED:
            raise RuleViolation("not_waitlisted", "Cette demande n'est pas en liste d'attente.")
        if _placement(session, structure_id=None, now=now) is not None:
            raise RuleViolation(
                "full",
                "Plus aucune place libre dans cette session : augmentez le nombre de places ou "
                "attendez un désistement.",
            )
        _check_still_eligible(registration, session)
        _give_place(registration, session, by=by, reason="Place attribuée par l'équipe Cap Métiers")
    return registration


@locking.retry_on_lock_conflict
def set_capacity(session: Session, *, capacity: int, by) -> list[Registration]:
    """Change a session's number of places; new places go to the waiting list in order, under
    the structure cap (R7, R5).

    Capacity never drops below the places already held. Returns the promoted requests.
    """
    if not by.is_staff:
        raise PermissionDenied("Seule l'équipe Cap Métiers modifie les places.")
    with transaction.atomic():
        sessions, _ = _lock_for_places([session.pk])
        session = sessions[session.pk]
        now = timezone.now()
        _lapse_due(session, now)
        held = selectors.places_held(session.pk)
        if capacity < 1 or capacity < held:
            raise RuleViolation(
                "capacity",
                f"Le nombre de places ne peut pas descendre sous {max(held, 1)} : "
                f"{held} place(s) sont déjà attribuées.",
            )
        session.capacity = capacity
        session.save(update_fields=["capacity"])
        return _serve_waitlist(session, now=now, by=by)


@locking.retry_on_lock_conflict
def cancel_session(session: Session, *, by, reason: str) -> list[Registration]:
    """Staff cancel a session: every live request is closed (not counted) and its owner and
    approvers are told. Returns the closed requests."""
    if not by.is_staff:
        raise PermissionDenied("Seule l'équipe Cap Métiers annule une session.")
    reason = rules.check_reason_given(reason)
    with transaction.atomic():
        session = locking.lock_sessions([session.pk])[session.pk]
        if session.is_cancelled:
            return []
        session.status = Session.Status.CANCELLED
        session.save(update_fields=["status"])
        registrations = list(
            Registration.objects.select_for_update(of=("self",), no_key=True)
            .filter(
                session=session,
                status__in=[Status.WAITLISTED, *HOLDING_STATUSES],
            )
            .select_related("user", "structure")
            .order_by("pk")
        )
        now = timezone.now()
        for registration in registrations:
            registration.session = session
            registration.cancelled_at = now
            registration.cancellation_reason = f"Session annulée : {reason}"
            _move(
                registration,
                Status.CANCELLED,
                by=by,
                reason=registration.cancellation_reason,
                fields=["cancelled_at", "cancellation_reason"],
            )
            notifications.session_cancelled(registration, reason)
        CartItem.objects.filter(session=session).delete()
        _reconsider_after_commit(user_ids=[r.user_id for r in registrations])
    return registrations


@locking.retry_on_lock_conflict
def mark_attendance(
    registration: Registration, *, by, present: bool, now: dt.datetime | None = None
) -> Registration:
    """The provider (or staff) records attendance once the session has started."""
    _check_provider(registration, by)
    with transaction.atomic():
        registration, session = _lock_registration(registration)
        if (now or timezone.now()) < session.starts_at:
            raise RuleViolation(
                "attendance_too_early", "La présence se note une fois la session commencée."
            )
        to = Status.ATTENDED if present else Status.ABSENT
        if registration.status == to:
            return registration
        _move(registration, to, by=by)
    return registration
