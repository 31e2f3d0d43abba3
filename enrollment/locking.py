"""Row locks in the platform's one order, and the retry of a transaction that meets a conflict.

The lock order (DESIGN.md, Decisions « Locks »), for every transaction of every app:

1. sessions (`catalog.Session`), in id order;
2. users (`accounts.User`), in id order: the people whose yearly quota the transaction may
   use — the submitter of a cart, the owners of the waiting lists it serves, the person whose
   account is deleted;
3. registrations, in id order;
4. then rows nobody else locks first (emails of the outbox, reminders, a late release's
   offers, a half-day's attendance sheet, a structure's row, whose version the database
   bumps when its memberships, approvers or invitations change: employers/0005).

A transaction never goes back to an earlier kind once it holds a later one. Rows are locked
`FOR NO KEY UPDATE`: it serialises the services on the row without blocking the foreign-key
checks (`FOR KEY SHARE`) of the rows that reference it — a new registration of a session, an
audit row naming the user who acted. Work that needs other sessions than those locked (a
freed quota making a request waitlisted elsewhere eligible) runs after the commit, in a
transaction of its own.

A transaction that still meets a deadlock, a serialisation failure or a lock time-out is
rolled back and run again a bounded number of times (`retry_on_lock_conflict`); past the
last try the caller gets `Busy`, a rule violation with a French message, never a 500.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import OperationalError, transaction
from django.utils.translation import gettext_lazy as _

from catalog.models import Session

from .rules import RuleViolation

logger = logging.getLogger(__name__)

# PostgreSQL's deadlock_detected, serialization_failure and lock_not_available.
LOCK_CONFLICT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})
MAX_ATTEMPTS = 5
# Translated when shown (`Busy().message`, the middleware's page).
BUSY_MESSAGE = _(
    "La plateforme traite en ce moment beaucoup de demandes en même temps : rien n'a été "
    "enregistré. Réessayez dans un instant."
)


class Busy(RuleViolation):
    """Every try met a lock conflict: nothing was written; the person may try again."""

    def __init__(self):
        super().__init__("busy", BUSY_MESSAGE)


class LockSetChanged(Exception):
    """Rows to lock appeared after the locks of an earlier kind were taken: start again."""


def is_lock_conflict(error: BaseException) -> bool:
    """Whether a database error is a lock conflict that a new try may not meet."""
    while error is not None:
        if getattr(error, "sqlstate", None) in LOCK_CONFLICT_SQLSTATES:
            return True
        error = error.__cause__
    return False


def retry_on_lock_conflict(func):
    """Run `func` (which opens its own transaction) again when it meets a lock conflict.

    Inside an outer transaction nothing can be retried here: the conflict goes up to the
    outermost retrying caller."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except LockSetChanged:
                pass
            except OperationalError as error:
                if not is_lock_conflict(error):
                    raise
                logger.info("Lock conflict in %s (try %s)", func.__qualname__, attempt)
            if attempt < MAX_ATTEMPTS:
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
        raise Busy()

    return wrapper


def lock_sessions(session_ids: Iterable[int], *, providers: bool = True) -> dict[int, Session]:
    """Lock session rows in id order and load their actions (and providers, unless the
    caller shows none: a cart's validation), in one statement (`OF` the sessions only: the
    actions and providers are read, not locked)."""
    sessions = (
        Session.objects.select_for_update(of=("self",), no_key=True)
        .select_related("action__provider" if providers else "action")
        .filter(pk__in=set(session_ids))
        .order_by("pk")
    )
    return {session.pk: session for session in sessions}


def lock_users(user_ids: Iterable[int], *, structures: bool = True) -> dict:
    """Lock user rows in id order (one statement), with their structures (unless the caller
    read them: a cart's validation); a deleted user is missing from the result."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    users = (
        get_user_model()
        .objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if structures:
        users = users.select_related("structure")
    return {user.pk: user for user in users}
