"""Registration states and the one door that moves them (`move`, with its audit row), and
the locks every service takes, in the platform's order (see `enrollment.locking`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, Value
from django.utils import timezone

from catalog.models import Session
from documents import services as documents
from elearning import services as elearning

from .. import locking
from ..models import (
    HOLDING_STATUSES,
    Offer,
    Registration,
    RegistrationEvent,
    RegistrationStatus,
)
from ..rules import RuleViolation
from .messages import text

logger = logging.getLogger(__name__)

Status = RegistrationStatus

# The allowed moves of a registration; `move` refuses any other.
TRANSITIONS: dict[str | None, set[str]] = {
    None: {Status.WAITLISTED, Status.PENDING_EMPLOYER, Status.PENDING_PROVIDER, Status.CONFIRMED},
    Status.WAITLISTED: {
        Status.WAITLISTED,  # pre-approval by the employer, skipped promotion
        Status.OFFERED,  # a place freed late is offered (services.offers)
        Status.PENDING_EMPLOYER,
        Status.PENDING_PROVIDER,
        Status.CONFIRMED,
        Status.REFUSED,
        Status.CANCELLED,
        Status.LAPSED,
    },
    # The offer's outcomes: accepted (the path's next step), back to the waiting list (its
    # owner became ineligible), declined or withdrawn, refused by the employer, expired.
    Status.OFFERED: {
        Status.OFFERED,  # pre-approval by the employer
        Status.PENDING_EMPLOYER,
        Status.PENDING_PROVIDER,
        Status.CONFIRMED,
        Status.WAITLISTED,
        Status.CANCELLED,
        Status.REFUSED,
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


class InvalidTransition(RuleViolation):
    def __init__(self, registration, to):
        super().__init__(
            "transition",
            text(
                "invalid_transition",
                current=registration.get_status_display(),
                target=Status(to).label,
            ),
        )


def move(registration: Registration, to: str, *, by=None, reason: str = "", fields=()) -> None:
    """The only place that changes a registration's status; it writes the audit trail. The
    save bumps the session's version in this transaction (`enrollment.signals`): the
    catalogue's cached places of the session are never read again."""
    from_status = registration.status if registration.pk else None
    if to not in TRANSITIONS[from_status]:
        raise InvalidTransition(registration, to)
    registration.status = to
    if from_status == Status.OFFERED and to != Status.OFFERED:
        close_running_offer(registration, to)
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
    # The two calls up from enrollment: the documents and the e-ParcoursPro enrolments that
    # the move changes, recorded or queued in this transaction.
    documents.registration_moved(registration, from_status=from_status or "", to_status=to)
    elearning.registration_moved(registration, from_status=from_status or "", to_status=to)


def close_running_offer(registration: Registration, to: str) -> None:
    """A request leaves « offered » by another way than its offer's own outcome (services.
    offers records those first): a withdrawal, the employer's refusal, the session's
    cancellation, the deadline. Its offer closes with it."""
    Offer.objects.filter(registration=registration, status=Offer.Status.OFFERED).update(
        status=Offer.Status.EXPIRED if to == Status.LAPSED else Offer.Status.WITHDRAWN,
        decided_at=timezone.now(),
    )


@dataclass
class Places:
    """The places held in a locked session, and those held by one structure's employees
    (R5), as counted under its lock and kept up to date in Python by the transaction that
    seats people: nobody else takes or frees a place of a locked session (lock order), so the
    counts stay exact without being read again."""

    held: int = 0
    colleagues: int = 0
    # Whether the session may have people waiting: known exactly (from the lock on) when it
    # has a free place and `lock_for_new_requests` read its list; a validation then serves
    # a list only when someone is on it.
    waiting: bool = True


def count_places(session_ids: Iterable[int], *, structure_id: int | None = None):
    """`Places` of each session (locked by the caller), in one statement."""
    ids = set(session_ids)
    colleagues = Count("pk", filter=Q(structure_id=structure_id)) if structure_id else Value(0)
    rows = (
        Registration.objects.filter(session_id__in=ids, status__in=HOLDING_STATUSES)
        .order_by()
        .values_list("session_id")
        .annotate(held=Count("pk"), colleagues=colleagues)
    )
    places = {pk: Places() for pk in ids}
    for session_id, held, of_structure in rows:
        places[session_id] = Places(held=held, colleagues=of_structure)
    return places


def waiting_user_ids(
    sessions: dict[int, Session], *, only_with_free_places: bool, places=None
) -> set[int]:
    """The owners of the sessions' waiting lists; with `only_with_free_places`, of the
    sessions with a free place only (a full session promotes nobody until a place frees),
    counted by `count_places` unless `places` gives its result (each of whose sessions read
    then says whether anyone waits on it: `Places.waiting`)."""
    ids = set(sessions)
    if only_with_free_places:
        places = places if places is not None else count_places(ids)
        ids = {pk for pk in ids if places[pk].held < sessions[pk].capacity}
    if not ids:
        return set()
    rows = (
        Registration.objects.filter(session_id__in=ids, status=Status.WAITLISTED)
        .exclude(user_id=None)
        .order_by()
        .values_list("session_id", "user_id")
    )
    waiting = set()
    lists = set()
    for session_id, user_id in rows:
        waiting.add(user_id)
        lists.add(session_id)
    if places is not None:
        for pk in ids:
            places[pk].waiting = pk in lists
    return waiting


def lock_for_places(
    session_ids: Iterable[int], *, user_ids: Iterable[int] = (), frees_places: bool = True
):
    """Lock the sessions, then the users whose quota may be used: `user_ids` and the owners
    of the sessions' waiting lists (which cannot change while the sessions are locked) — of
    every session when the caller may free a place, else of those with a free place."""
    sessions = locking.lock_sessions(session_ids)
    waiting = waiting_user_ids(sessions, only_with_free_places=not frees_places)
    users = locking.lock_users({*user_ids, *waiting})
    return sessions, users


def lock_for_new_requests(session_ids: Iterable[int], *, user_id: int, structure_id):
    """`lock_for_places(frees_places=False)` for the new requests of `user_id` (a cart's
    validation), which also returns the sessions' `Places` (with `structure_id`'s colleagues)
    as counted to choose the waiting people to lock: (sessions, users, places). Only the
    waiting people of a session with a free place (rare: its list is served whenever a place
    frees) are read and locked. The users come without their structures: the caller read the
    submitter's before the lock."""
    sessions = locking.lock_sessions(session_ids, providers=False)
    places = count_places(sessions, structure_id=structure_id)
    waiting = waiting_user_ids(sessions, only_with_free_places=True, places=places)
    users = locking.lock_users({user_id, *waiting}, structures=False)
    return sessions, users, places


def lock_registration_row(registration_id: int, session: Session) -> Registration:
    """Lock a registration (its session already locked) and return a fresh copy."""
    locked = (
        Registration.objects.select_for_update(of=("self",), no_key=True)
        .select_related("user", "structure")
        .get(pk=registration_id)
    )
    locked.session = session
    return locked
