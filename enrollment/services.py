"""The one door to every change of a cart or a registration (DESIGN.md, Services).

Each service checks everything first, then writes, in one transaction. Whatever takes or frees
a place locks the session row (`select_for_update`), several sessions in id order, so that
places go exactly in order of submission under concurrency. Emails are recorded in the same
transaction (mailing outbox) and sent by Celery after the commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Session

from . import notifications, rules, selectors
from .models import (
    HOLDING_STATUSES,
    Cart,
    CartItem,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
)
from .rules import RuleViolation

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


def _lock_sessions(session_ids: Iterable[int]) -> dict[int, Session]:
    """Lock session rows in id order (no deadlock between two carts) and load their actions."""
    sessions = list(
        Session.objects.select_for_update(of=("self",))
        .filter(pk__in=set(session_ids))
        .order_by("pk")
    )
    actions = {
        s.pk: s.action
        for s in Session.objects.filter(pk__in=[s.pk for s in sessions]).select_related(
            "action__provider"
        )
    }
    for session in sessions:
        session.action = actions[session.pk]
    return {session.pk: session for session in sessions}


def _lock_registration(registration: Registration) -> tuple[Registration, Session]:
    """Lock the registration's session, then the registration, and return fresh copies."""
    session = _lock_sessions([registration.session_id])[registration.session_id]
    locked = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("user", "structure")
        .get(pk=registration.pk)
    )
    locked.session = session
    return locked, session


def _session_year(session: Session) -> int:
    return timezone.localtime(session.starts_at).year


def _structure_is_member(structure, year: int) -> bool:
    return structure is not None and structure.memberships.filter(year=year).exists()


def _approves_own_requests(user, structure) -> bool:
    """Independents approve themselves (Q5); so does an employee who is the only approver of
    their structure, since nobody else could decide for them."""
    if user.employment_status == "independent":
        return True
    if structure is None:
        return False
    approver_ids = set(structure.approvers.values_list("pk", flat=True))
    return approver_ids == {user.pk}


def _cap_released(session: Session, now: dt.datetime) -> bool:
    return session.cap_released_at is not None or rules.structure_cap_released(
        now=now, starts_at=session.starts_at, release_days=settings.STRUCTURE_CAP_RELEASE_DAYS
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


def _placement(session: Session, *, structure_id, now: dt.datetime) -> RuleViolation | None:
    """R7 then R5 on a locked session: None when a place is free for this request, else the
    violation that puts it on the waiting list."""
    member_only = session.action.is_member_only
    try:
        rules.check_places_left(capacity=session.capacity, held=selectors.places_held(session.pk))
        rules.check_structure_cap(
            member_only=member_only,
            colleagues_holding=selectors.colleagues_holding(session.pk, structure_id),
            cap_released=_cap_released(session, now),
        )
    except RuleViolation as violation:
        return violation
    return None


def _clean_contact(contact: Mapping[str, str]) -> dict[str, str]:
    cleaned = {field: " ".join(str(contact.get(field) or "").split()) for field in CONTACT_FIELDS}
    missing = [CONTACT_LABELS[field] for field, value in cleaned.items() if not value]
    if missing:
        raise RuleViolation(
            "contact",
            "Vos coordonnées sont incomplètes : renseignez " + ", ".join(missing) + ".",
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
    return str(text or "").strip()


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
    an empty cart. The user row is locked first, so two submissions of one cart (two clicks,
    two tabs) create nothing twice; then the sessions, in id order.
    """
    contact = _clean_contact(contact)
    User = get_user_model()
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",)).select_related("structure").get(pk=user.pk)
        )
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
        sessions = _lock_sessions(session_id for _, session_id in items)
        now = now or timezone.now()
        structure = user.structure
        live = set(
            Registration.objects.live()
            .filter(user=user, session_id__in=sessions)
            .values_list("session_id", flat=True)
        )
        quota: dict[int, list[int]] = {}
        item_errors: dict[int, RuleViolation] = {}
        plans = []
        for _, session_id in items:
            session = sessions[session_id]
            action = session.action
            member_only = action.is_member_only
            year = _session_year(session)
            try:
                rules.check_registration_open(
                    now=now,
                    registration_deadline=session.registration_deadline,
                    starts_at=session.starts_at,
                    is_cancelled=session.is_cancelled or not action.is_published,
                )
                if session_id in live:
                    raise RuleViolation("already_requested", rules.MESSAGES["already_requested"])
                rules.check_audience(
                    member_only=member_only,
                    employment_status=user.employment_status,
                    has_structure=structure is not None,
                )
                rules.check_membership(
                    member_only=member_only,
                    structure_is_member=_structure_is_member(structure, year),
                    year=year,
                    contact=settings.MEMBERSHIP_CONTACT_EMAIL,
                )
                if year not in quota:
                    use = selectors.quota_use(user.pk, year)
                    quota[year] = [use.member_only, use.trainings]
                rules.check_annual_quota(
                    member_only=member_only,
                    is_training=action.is_training,
                    year=year,
                    counted_member_only=quota[year][0],
                    counted_trainings=quota[year][1],
                )
                motivation = _motivation_for(motivations, session_id)
                if not motivation:
                    raise RuleViolation(
                        "motivations",
                        "Décrivez vos motivations et vos attentes pour cette action : "
                        "le prestataire les lit avant de confirmer votre inscription.",
                    )
            except RuleViolation as violation:
                item_errors[session_id] = violation
                continue
            waiting = _placement(session, structure_id=structure.pk if structure else None, now=now)
            if waiting is None and member_only:
                quota[year][0] += 1
                quota[year][1] += int(action.is_training)
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
        CartItem.objects.filter(cart__user=user).delete()
        notifications.cart_submitted(user, registrations)
    return registrations


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


def approve(registration: Registration, *, by, now: dt.datetime | None = None) -> Registration:
    """The employer accepts a request (R4); a waitlisted request is pre-approved, so that its
    promotion skips the employer step."""
    _check_approver(registration, by)
    with transaction.atomic():
        registration, session = _lock_registration(registration)
        now = now or timezone.now()
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
            raise RuleViolation(
                "not_pending", "Cette demande n'attend plus de décision de l'employeur."
            )
        notifications.employer_decided(registration)
    return registration


def refuse(registration: Registration, *, by, reason: str) -> Registration:
    """The employer refuses a request, with a reason (R4); its place goes to the waiting list."""
    _check_approver(registration, by)
    rules.check_reason_given(reason)
    with transaction.atomic():
        registration, session = _lock_registration(registration)
        if registration.status not in {Status.PENDING_EMPLOYER, Status.WAITLISTED}:
            raise RuleViolation(
                "not_pending", "Cette demande n'attend plus de décision de l'employeur."
            )
        held = registration.holds_place
        registration.decision_reason = reason.strip()
        _move(
            registration, Status.REFUSED, by=by, reason=reason.strip(), fields=["decision_reason"]
        )
        notifications.employer_decided(registration)
        if held:
            promote_waitlist(session)
    return registration


# --- provider decisions (R10) -----------------------------------------------------------------


def _check_provider(registration: Registration, by) -> None:
    provider_id = registration.session.action.provider_id
    if not (by.is_staff or by.providers.filter(pk=provider_id).exists()):
        raise PermissionDenied("Vous n'êtes pas le prestataire de cette session.")


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


def decline(registration: Registration, *, by, reason: str, now: dt.datetime | None = None):
    """The provider declines a request, with a reason (R10); the place frees (R7)."""
    _check_provider(registration, by)
    rules.check_reason_given(reason)
    with transaction.atomic():
        registration, session = _lock_registration(registration)
        if registration.status != Status.PENDING_PROVIDER:
            raise RuleViolation("not_pending", "Cette demande n'attend pas votre décision.")
        registration.provider_decided_at = now or timezone.now()
        registration.decision_reason = reason.strip()
        _move(
            registration,
            Status.DECLINED,
            by=by,
            reason=reason.strip(),
            fields=["provider_decided_at", "decision_reason"],
        )
        notifications.provider_decided(registration)
        promote_waitlist(session)
    return registration


# --- cancellation (R8) ------------------------------------------------------------------------


def cancel(registration: Registration, *, by, reason: str, now: dt.datetime | None = None):
    """The professional withdraws (R8): counted in the quota when less than 10 days before the
    start; the place goes to the waiting list (R7)."""
    if not (by.pk == registration.user_id or by.is_staff):
        raise PermissionDenied("Seule la personne inscrite peut se désister.")
    with transaction.atomic():
        registration, session = _lock_registration(registration)
        now = now or timezone.now()
        rules.check_cancellation_allowed(
            now=now,
            starts_at=session.starts_at,
            is_live=registration.status in TRANSITIONS
            and Status.CANCELLED in TRANSITIONS[registration.status],
            reason=reason,
        )
        held = registration.holds_place
        registration.counted_in_quota = (
            held
            and session.action.is_member_only
            and rules.is_late_cancellation(
                now=now, starts_at=session.starts_at, late_days=settings.LATE_CANCELLATION_DAYS
            )
        )
        registration.cancelled_at = now
        registration.cancellation_reason = reason.strip()
        _move(
            registration,
            Status.CANCELLED,
            by=by,
            reason=reason.strip(),
            fields=["counted_in_quota", "cancelled_at", "cancellation_reason"],
        )
        notifications.cancelled(registration)
        if held:
            promote_waitlist(session, now=now)
    return registration


# --- the waiting list (R7, R5) ----------------------------------------------------------------


def _check_still_eligible(registration: Registration, session: Session) -> None:
    """R2 and R6 again when a waitlisted request would get a place."""
    member_only = session.action.is_member_only
    year = _session_year(session)
    rules.check_membership(
        member_only=member_only,
        structure_is_member=_structure_is_member(registration.structure, year),
        year=year,
        contact=settings.MEMBERSHIP_CONTACT_EMAIL,
    )
    use = selectors.quota_use(registration.user_id, year)
    rules.check_annual_quota(
        member_only=member_only,
        is_training=session.action.is_training,
        year=year,
        counted_member_only=use.member_only,
        counted_trainings=use.trainings,
    )


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


def promote_waitlist(session: Session, *, by=None, now: dt.datetime | None = None):
    """Give the session's free places to its oldest eligible waitlisted requests (R7).

    The structure cap (R5) holds until it is released or staff promote; membership (R2) and
    the annual quota (R6) are checked again, and a request that would break them is skipped
    and its owner told. Returns the promoted registrations.
    """
    staff = bool(by is not None and by.is_staff)
    with transaction.atomic():
        session = _lock_sessions([session.pk])[session.pk]
        now = now or timezone.now()
        if session.is_cancelled or now >= session.starts_at:
            return []
        if now >= session.registration_deadline and not staff:
            return []
        free = session.capacity - selectors.places_held(session.pk)
        if free <= 0:
            return []
        member_only = session.action.is_member_only
        cap_released = staff or _cap_released(session, now)
        promoted = []
        candidates = (
            selectors.waitlist(session.pk)
            .select_for_update(of=("self",))
            .select_related("user", "structure")
        )
        for registration in candidates:
            if free <= 0:
                break
            registration.session = session
            try:
                rules.check_structure_cap(
                    member_only=member_only,
                    colleagues_holding=selectors.colleagues_holding(
                        session.pk, registration.structure_id
                    ),
                    cap_released=cap_released,
                )
            except RuleViolation:
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


def _skip_once(registration: Registration, violation: RuleViolation, *, by=None) -> None:
    """Record (and tell the owner, once per rule) that a promotion was skipped."""
    reason = f"Promotion impossible : {violation.message}"
    already = registration.events.filter(to_status=Status.WAITLISTED, reason=reason).exists()
    if not already:
        _move(registration, Status.WAITLISTED, by=by, reason=reason)
        notifications.promotion_skipped(registration, violation)


def release_structure_cap(session: Session, *, now: dt.datetime | None = None):
    """R5: STRUCTURE_CAP_RELEASE_DAYS before the start, the cap lifts and free places go to
    the waiting list. Idempotent."""
    with transaction.atomic():
        session = _lock_sessions([session.pk])[session.pk]
        now = now or timezone.now()
        if session.cap_released_at is not None or not rules.structure_cap_released(
            now=now, starts_at=session.starts_at, release_days=settings.STRUCTURE_CAP_RELEASE_DAYS
        ):
            return []
        session.cap_released_at = now
        session.save(update_fields=["cap_released_at"])
        return promote_waitlist(session, now=now)


def lapse_overdue(session: Session, *, now: dt.datetime | None = None) -> list[Registration]:
    """R9: at the registration deadline, requests still waiting for the employer or for a
    place lapse. Idempotent."""
    with transaction.atomic():
        session = _lock_sessions([session.pk])[session.pk]
        now = now or timezone.now()
        if not rules.approval_is_overdue(
            now=now, registration_deadline=session.registration_deadline
        ):
            return []
        overdue = list(
            Registration.objects.select_for_update(of=("self",))
            .filter(session=session, status__in=[Status.PENDING_EMPLOYER, Status.WAITLISTED])
            .select_related("user", "structure")
        )
        for registration in overdue:
            registration.session = session
            _move(registration, Status.LAPSED, reason="Date limite d'inscription dépassée")
            notifications.lapsed(registration)
    return overdue


# --- staff and provider operations (R7, R10) --------------------------------------------------


def promote(registration: Registration, *, by) -> Registration:
    """Staff give a free place to one waitlisted request, lifting the structure cap (R5);
    membership (R2) and quota (R6) still apply."""
    if not by.is_staff:
        raise PermissionDenied("Seule l'équipe Cap Métiers peut attribuer une place.")
    with transaction.atomic():
        registration, session = _lock_registration(registration)
        if registration.status != Status.WAITLISTED:
            raise RuleViolation("not_waitlisted", "Cette demande n'est pas en liste d'attente.")
        if selectors.places_held(session.pk) >= session.capacity:
            raise RuleViolation(
                "full",
                "Plus aucune place libre dans cette session : augmentez le nombre de places ou "
                "attendez un désistement.",
            )
        _check_still_eligible(registration, session)
        _give_place(registration, session, by=by, reason="Place attribuée par l'équipe Cap Métiers")
    return registration


def set_capacity(session: Session, *, capacity: int, by) -> list[Registration]:
    """Change a session's number of places; new places go to the waiting list (R7).

    Capacity never drops below the places already held. Returns the promoted requests.
    """
    if not by.is_staff:
        raise PermissionDenied("Seule l'équipe Cap Métiers modifie les places.")
    with transaction.atomic():
        session = _lock_sessions([session.pk])[session.pk]
        held = selectors.places_held(session.pk)
        if capacity < 1 or capacity < held:
            raise RuleViolation(
                "capacity",
                f"Le nombre de places ne peut pas descendre sous {max(held, 1)} : "
                f"{held} place(s) sont déjà attribuées.",
            )
        session.capacity = capacity
        session.save(update_fields=["capacity"])
        return promote_waitlist(session, by=by)


def cancel_session(session: Session, *, by, reason: str) -> list[Registration]:
    """Staff cancel a session: every live request is closed (not counted) and its owner and
    approvers are told. Returns the closed requests."""
    if not by.is_staff:
        raise PermissionDenied("Seule l'équipe Cap Métiers annule une session.")
    rules.check_reason_given(reason)
    with transaction.atomic():
        session = _lock_sessions([session.pk])[session.pk]
        if session.is_cancelled:
            return []
        session.status = Session.Status.CANCELLED
        session.save(update_fields=["status"])
        registrations = list(
            Registration.objects.select_for_update(of=("self",))
            .filter(
                session=session,
                status__in=[Status.WAITLISTED, *HOLDING_STATUSES],
            )
            .select_related("user", "structure")
        )
        now = timezone.now()
        for registration in registrations:
            registration.session = session
            registration.cancelled_at = now
            registration.cancellation_reason = f"Session annulée : {reason.strip()}"
            _move(
                registration,
                Status.CANCELLED,
                by=by,
                reason=registration.cancellation_reason,
                fields=["cancelled_at", "cancellation_reason"],
            )
            notifications.session_cancelled(registration, reason.strip())
        CartItem.objects.filter(session=session).delete()
    return registrations


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
