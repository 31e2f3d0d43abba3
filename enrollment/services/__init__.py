"""The one door to every change of a cart or a registration (DESIGN.md, Services).

Each service checks everything first, then writes, in one transaction. Emails are recorded in
the same transaction (mailing outbox) and sent by Celery after the commit. One module per
domain: `cart` (R3), `decisions` (R4, R10), `cancellation` (R8), `waitlist` (R5, R7, R9),
`late_release` and `offers` (places freed late, offered for a while: DESIGN.md, turn 3),
`staff`, `session_changes` (DESIGN.md, turn 3 « Session changes »), `signing` (electronic
attendance); `transitions` holds the states, `move` and the locks; `policy` applies the rules
of `enrollment.rules` to the database's facts; `messages` holds what the services say when
they refuse (the rules' own texts are `rules.MESSAGES`).

Lock order — one for the whole platform (`enrollment.locking` says why):
sessions (id order) → users (id order) → registrations (id order) → the rest, all
`FOR NO KEY UPDATE`. Whatever takes or frees a place locks the session first, then the
people whose quota may be used (the submitter, the owners of the waiting list), so that
places go exactly in order of submission and no quota is used twice under concurrency. Work
on other sessions runs after the commit in its own transaction. Every service retries a
transaction that meets a lock conflict (`locking.retry_on_lock_conflict`).
"""

from .cancellation import (
    CancellationOutcome,
    cancel,
    cancellation_outcome,
    detach,
    forget_documents,
    withdraw_all_upcoming,
)
from .cart import (
    CONTACT_FIELDS,
    CartRefused,
    add_to_cart,
    remove_from_cart,
    save_cart_drafts,
    submit_cart,
)
from .decisions import (
    SelectionDecided,
    approve,
    approve_selection,
    confirm,
    decline,
    refuse,
    refuse_selection,
)
from .offers import accept_offer, decline_offer
from .reminders import remind_approvers, remind_participants
from .session_changes import change_session
from .signing import close_signing, correct_attendance, open_signing, sign, validate_sheet
from .staff import cancel_session, mark_attendance, promote, record_half_days, set_capacity
from .transitions import (
    CANCELLABLE_STATUSES,
    EMPLOYER_ACCEPTED_STATUSES,
    TRANSITIONS,
    InvalidTransition,
)
from .waitlist import lapse_overdue, promote_waitlist, release_structure_cap

__all__ = [
    "forget_documents",
    "CANCELLABLE_STATUSES",
    "CONTACT_FIELDS",
    "EMPLOYER_ACCEPTED_STATUSES",
    "TRANSITIONS",
    "CancellationOutcome",
    "CartRefused",
    "InvalidTransition",
    "SelectionDecided",
    "accept_offer",
    "add_to_cart",
    "approve",
    "approve_selection",
    "cancel",
    "cancel_session",
    "cancellation_outcome",
    "change_session",
    "close_signing",
    "confirm",
    "correct_attendance",
    "decline",
    "decline_offer",
    "detach",
    "lapse_overdue",
    "mark_attendance",
    "open_signing",
    "record_half_days",
    "promote",
    "promote_waitlist",
    "refuse",
    "refuse_selection",
    "release_structure_cap",
    "remind_approvers",
    "remind_participants",
    "remove_from_cart",
    "save_cart_drafts",
    "set_capacity",
    "sign",
    "submit_cart",
    "validate_sheet",
    "withdraw_all_upcoming",
]
