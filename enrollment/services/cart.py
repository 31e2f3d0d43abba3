"""The cart (R3): add, remove, and validate it into registrations, all or nothing."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Session
from common.identifiers import normalize_phone, validate_phone
from employers.models import Structure
from employers.selectors import member_years

from .. import locking, notifications, rules, selectors
from ..models import (
    Cart,
    CartItem,
    Registration,
)
from ..rules import RuleViolation
from .messages import CONTACT_LABELS, text
from .policy import (
    check_can_request,
    check_membership,
    check_quota,
    placement,
    session_year,
    status_with_place,
)
from .transitions import (
    Status,
    count_places,
    lock_for_new_requests,
    move,
)
from .waitlist import lapse_due, serve_waitlist

logger = logging.getLogger(__name__)


CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")


class CartRefused(RuleViolation):
    """Cart validation refused: nothing was created; `item_errors` maps session id to the
    rule that refused it."""

    def __init__(self, item_errors: Mapping[int, RuleViolation]):
        self.item_errors = dict(item_errors)
        super().__init__("cart", text("cart_refused", count=len(self.item_errors)))


CONTACT_LIMITS = {field: Registration._meta.get_field(field).max_length for field in CONTACT_FIELDS}


def _clean_contact(contact: Mapping[str, str]) -> dict[str, str]:
    cleaned = {field: " ".join(str(contact.get(field) or "").split()) for field in CONTACT_FIELDS}
    missing = [
        str(CONTACT_LABELS[field])
        for field, value in cleaned.items()
        if not rules.has_visible_text(value)
    ]
    if missing:
        raise RuleViolation("contact", text("contact_incomplete", fields=", ".join(missing)))
    for field, value in cleaned.items():
        rules.check_text_length(
            value, limit=CONTACT_LIMITS[field], label=CONTACT_LABELS[field], code="contact"
        )
    try:
        validate_email(cleaned["email"])
    except ValidationError:
        raise RuleViolation("contact", text("contact_email_invalid")) from None
    cleaned["phone"] = normalize_phone(cleaned["phone"])
    try:
        validate_phone(cleaned["phone"])
    except ValidationError as error:
        raise RuleViolation("contact", error.messages[0]) from None
    return cleaned


def _motivation_for(motivations: Mapping, session_id: int) -> str:
    motivation = motivations.get(session_id, motivations.get(str(session_id), ""))
    motivation = rules.check_text_given(str(motivation or ""), code="motivations")
    rules.check_text_length(
        motivation, limit=rules.MOTIVATIONS_MAX_LENGTH, label=_("motivations"), code="motivations"
    )
    return motivation


def add_to_cart(user, session: Session, *, now: dt.datetime | None = None) -> None:
    """Add a session to the user's cart, refusing what can never succeed (closed, already
    requested, R1). Adding it twice keeps one item.

    `session` carries its action, as the caller has just read it in the same request (the
    views and the login's remembered choice): it is not read again. Nothing here holds a
    place: the validation checks every rule again under its locks (`submit_cart`)."""
    now = now or timezone.now()
    check_can_request(
        user,
        session,
        now=now,
        already_requested=selectors.has_live_registration(user.pk, session.pk),
    )
    with transaction.atomic():
        cart, created = Cart.objects.get_or_create(user=user)
        # One statement: the cart's unique constraint keeps one item when the session is
        # already there, or added at the same instant from another tab (ON CONFLICT DO
        # NOTHING; get_or_create took a read, a savepoint, the insert and its release).
        CartItem.objects.bulk_create([CartItem(cart=cart, session=session)], ignore_conflicts=True)
        if not created:
            Cart.objects.filter(pk=cart.pk).update(updated_at=now)


def remove_from_cart(user, session: Session) -> None:
    """Remove a session from the user's cart (nothing happens if it is not there)."""
    CartItem.objects.filter(cart__user=user, session_id=session.pk).delete()


def save_cart_drafts(user, motivations: Mapping) -> int:
    """Keep what the person typed for each cart item, validated or not (R3: nothing typed is
    lost). `motivations` maps session id to text; items it does not name keep their draft,
    sessions no longer in the cart are ignored. A draft keeps at most the length the
    validation accepts (MOTIVATIONS_MAX_LENGTH). Returns the number of drafts changed."""
    drafts = {}
    for key, value in motivations.items():
        try:
            session_id = int(key)
        except (TypeError, ValueError):
            continue
        # PostgreSQL text holds no NUL character; the form refuses them anyway.
        drafts[session_id] = str(value or "").replace("\x00", "")[: rules.MOTIVATIONS_MAX_LENGTH]
    if not drafts:
        return 0
    items = [
        item
        for item in CartItem.objects.filter(cart__user_id=user.pk, session_id__in=drafts)
        if item.motivations_draft != drafts[item.session_id]
    ]
    for item in items:
        item.motivations_draft = drafts[item.session_id]
    CartItem.objects.bulk_update(items, ["motivations_draft"])
    return len(items)


def _check_item(user, session: Session, *, live: set[int], now, counted, motivations, members):
    """Everything `add_to_cart` checks, then R2, R6 and R3's motivations, for one cart item;
    returns its motivations. `members`: whether the structure is a member, by year."""
    check_can_request(user, session, now=now, already_requested=session.pk in live)
    check_membership(user.structure, session, members)
    check_quota(user.pk, session, counted)
    try:
        return _motivation_for(motivations, session.pk)
    except RuleViolation as violation:
        if violation.message == rules.message("reason_required"):
            raise RuleViolation("motivations", text("motivations_missing")) from None
        raise


def _structure_with_approvers(structure_id: int | None) -> Structure | None:
    """The structure with its approvers, read before the session's lock (issue 16): the lock
    does not hold them still (nobody locks structures), so reading them under it only made
    every validation of a busy session wait longer. The approvers decide whether the person
    approves their own requests (R4) and whom the cart's email goes to (Q8)."""
    if structure_id is None:
        return None
    try:
        return Structure.objects.prefetch_related("approvers").get(pk=structure_id)
    except Structure.DoesNotExist:  # deleted since: the locked user row says so
        return None


class _CartChanged(Exception):
    """The cart the caller read is no longer the cart: validate the one there is now."""


CartRead = list[tuple[int, int, dt.datetime]]


def submit_cart(
    user,
    *,
    contact: Mapping[str, str],
    motivations: Mapping,
    now: dt.datetime | None = None,
    cart: CartRead | None = None,
) -> list[Registration]:
    """Validate the cart (R1–R9): every item becomes a registration, or none does.

    `cart`: the items as the caller already read them, (item id, session id, session start)
    in cart order (the page's form: one query less for every validation of a busy session);
    if they changed meanwhile, the cart is read again and validated as it is.
    """
    try:
        return _submit_cart(user, contact=contact, motivations=motivations, now=now, cart=cart)
    except _CartChanged:
        return _submit_cart(user, contact=contact, motivations=motivations, now=now, cart=None)


def read_cart(user) -> CartRead:
    """The cart's items as `submit_cart` validates them, in cart order."""
    return list(
        CartItem.objects.filter(cart__user_id=user.pk)
        .order_by("added_at", "pk")
        .values_list("pk", "session_id", "session__starts_at")
    )


@locking.retry_on_lock_conflict
def _submit_cart(
    user,
    *,
    contact: Mapping[str, str],
    motivations: Mapping,
    now: dt.datetime | None,
    cart: CartRead | None,
) -> list[Registration]:
    """Validate the cart (R1–R9): every item becomes a registration, or none does.

    Returns the new registrations in cart order. Raises `CartRefused` (with one violation per
    refused item) when any item is refused, `RuleViolation` for incomplete contact details or
    an empty cart. Locks the cart's sessions, then the user (so that two submissions of one
    cart create nothing twice, and a promotion elsewhere cannot use the same quota) and the
    owners of the sessions' waiting lists, which are served before any new request (R7).
    """
    contact = _clean_contact(contact)
    # What the person submitted: the cart as read before the lock (the form showed it). Under
    # the lock exactly these items are deleted; if some went meanwhile, the cart changed.
    items = list(cart) if cart is not None else read_cart(user)
    if not items:
        raise RuleViolation("empty_cart", text("empty_cart"))
    years = {timezone.localtime(starts_at).year for _, _, starts_at in items}
    # Nobody locks structures, approvers nor memberships: read under the lock or before it,
    # READ COMMITTED gives the latest commit either way; the lock only made every validation
    # of a busy session wait for these reads too (issue 16).
    structure_id = user.structure_id
    structure = _structure_with_approvers(structure_id)
    found = member_years(structure_id, years)
    members = {year: year in found for year in years}
    # The emails are recorded in the transaction (their context, nothing rendered) and
    # rendered once it has committed (mailing.outbox).
    session_ids = {session_id for _, session_id, _ in items}
    with transaction.atomic():
        sessions, users, places = lock_for_new_requests(
            session_ids, user_id=user.pk, structure_id=structure_id
        )
        if user.pk not in users:
            raise RuleViolation("account", text("account_gone"))
        user = users[user.pk]
        if user.structure_id == structure_id:
            user.structure = structure  # as read before the lock, with its approvers
        else:  # changed since read (rare): read again
            structure_id, structure = user.structure_id, user.structure
            places = count_places(sessions, structure_id=structure_id)
            members = None  # `check_membership` reads them
        # Deleted first, so that a second click meets an empty cart as before; a refusal below
        # rolls the deletion back with the rest.
        deleted, _ = CartItem.objects.filter(pk__in=[pk for pk, _, _ in items]).delete()
        if not deleted:
            raise RuleViolation("empty_cart", text("empty_cart"))  # validated meanwhile
        if deleted != len(items):  # an item went meanwhile: read the cart again
            raise _CartChanged if cart is not None else locking.LockSetChanged
        now = now or timezone.now()
        for session in sessions.values():
            if lapse_due(session, now):  # places freed (rare): count them again
                places[session.pk] = count_places([session.pk], structure_id=structure_id)[
                    session.pk
                ]
        live, counted = selectors.live_and_counted(
            user.pk, sessions, {session_year(session) for session in sessions.values()}
        )
        # R7: each waiting list is served before any new request is seated (on refusal of
        # the cart, the rollback undoes this too; the next freed place serves them).
        for session in sessions.values():
            count = places[session.pk]
            if not count.waiting:  # nobody on its list (read under the lock): nothing to serve
                continue
            promoted = serve_waitlist(session, now=now, held=count.held)
            count.held += len(promoted)
            count.colleagues += (
                sum(1 for r in promoted if r.structure_id == structure_id) if structure_id else 0
            )
        item_errors: dict[int, RuleViolation] = {}
        plans = []
        for _, session_id, _ in items:
            session = sessions[session_id]
            year = session_year(session)
            try:
                motivation = _check_item(
                    user,
                    session,
                    live=live,
                    now=now,
                    counted=counted[year],
                    motivations=motivations,
                    members=members,
                )
            except RuleViolation as violation:
                item_errors[session_id] = violation
                continue
            count = places[session_id]
            waiting = placement(
                session,
                structure_id=structure_id,
                now=now,
                held=count.held,
                colleagues=count.colleagues,
            )
            if waiting is None and session.action.is_member_only:
                counted[year] = counted[year].plus(session)
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
                to = status_with_place(
                    member_only=session.action.is_member_only,
                    user=user,
                    structure=structure,
                    pre_approved=False,
                )
            move(registration, to, by=user, reason=waiting.message if waiting else "")
            registrations.append(registration)
        notifications.cart_submitted(user, registrations)
    return registrations
