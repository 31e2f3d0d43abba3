"""Documents that could not be generated (DESIGN.md, turn 3: « Nothing abandoned silently »).

Every generation runs `tracked`: a failure (the storage refusing writes, say) is recorded as a
`PendingDocument` with its next attempt (a growing delay, `common.retry`), a success removes
it. The sweep (`documents.sweep`) makes the due ones again; DOCUMENT_GIVE_UP_HOURS after the
first failure a document is given up, and staff (STAFF_ALERT_EMAILS) get one email for the
batch; an email waiting for a convocation given up leaves without its PDF (the convocation's
text is in the email itself; the PDF stays to be made by staff).
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from common.retry import retry_delay
from enrollment.models import Registration
from enrollment.notifications import convocation_awaited
from mailing.outbox import Outgoing, attach_and_release, queue_emails

from .models import Document, PendingDocument

logger = logging.getLogger(__name__)

Kind = Document.Kind


def key_of(kind: str, *, session_id=None, structure_id=None, registration_id=None) -> str:
    """One key per document (all its versions): what is pending, whatever asked for it."""
    if kind == Kind.CONVENTION:
        return f"{kind}:{session_id}:{structure_id}"
    if kind == Kind.ATTENDANCE:
        return f"{kind}:{session_id}"
    return f"{kind}:{registration_id}"


@contextmanager
def tracked(kind: str, *, session_id=None, structure_id=None, registration_id=None):
    """Run a generation: its failure is recorded (and raised again), its success clears what
    was pending. What is gone (a registration deleted) is no failure to retry."""
    ids = {"session_id": session_id, "structure_id": structure_id}
    key = key_of(kind, registration_id=registration_id, **ids)
    try:
        yield
    except ObjectDoesNotExist:
        PendingDocument.objects.filter(key=key).delete()
        raise
    except Exception as error:
        failed(key, kind, error=error, registration_id=registration_id, **ids)
        raise
    PendingDocument.objects.filter(key=key).delete()


def failed(key: str, kind: str, *, error: BaseException, session_id, structure_id, registration_id):
    """Record a failed generation and when to try again."""
    now = timezone.now()
    if session_id is None:
        found = Registration.objects.filter(pk=registration_id).values_list("session_id")
        if not found:
            return
        session_id = found[0][0]
    pending, created = PendingDocument.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "session_id": session_id,
            "structure_id": structure_id,
            "registration_id": registration_id,
            "pending_since": now,
            "next_attempt_at": now + retry_delay(1),
            "last_error": repr(error)[:2000],
        },
    )
    if not created:
        PendingDocument.objects.filter(pk=pending.pk).update(
            attempts=F("attempts") + 1,
            next_attempt_at=now + retry_delay(pending.attempts + 1),
            last_error=repr(error)[:2000],
        )
    logger.warning("Document %s not generated, tried again later: %r", key, error)


def due(now: dt.datetime):
    return PendingDocument.objects.filter(gave_up_at__isnull=True, next_attempt_at__lte=now)


def give_up_overdue(*, now: dt.datetime | None = None) -> list[PendingDocument]:
    """Give up the documents failing for DOCUMENT_GIVE_UP_HOURS: staff told in one email, in
    the transaction that gives them up (once each, rows another sweep holds skipped); the
    emails waiting for a convocation given up leave without it."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.DOCUMENT_GIVE_UP_HOURS)
    with transaction.atomic():
        pending = list(
            PendingDocument.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(gave_up_at__isnull=True, pending_since__lte=cutoff)
            .select_related("session__action", "structure")
            .order_by("pk")
        )
        if not pending:
            return []
        PendingDocument.objects.filter(pk__in=[p.pk for p in pending]).update(gave_up_at=now)
        for item in pending:
            if item.kind == Kind.CONVOCATION:
                attach_and_release(convocation_awaited(item.registration_id))
        logger.error("Documents given up after %s h: %s", settings.DOCUMENT_GIVE_UP_HOURS, pending)
        _tell_staff(pending)
    return pending


def _tell_staff(pending: list[PendingDocument]) -> None:
    """One email to each staff address: which documents (kind, action, session, structure or
    registration number: nobody named), since when, the last error, the admin's list."""
    context = {
        "count": len(pending),
        "hours": f"{settings.DOCUMENT_GIVE_UP_HOURS:g}",
        "documents": [
            {
                "kind": item.get_kind_display(),
                "title": item.session.action.title,
                "starts_at": item.session.starts_at,
                "structure": item.structure.name if item.structure else "",
                "registration_id": item.registration_id,
                "since": item.pending_since,
                "error": item.last_error,
            }
            for item in pending
        ],
        "admin_url": settings.SITE_URL + reverse("admin:documents_pendingdocument_changelist"),
        "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
    }
    queue_emails(Outgoing("documents_gave_up", to, context) for to in settings.STAFF_ALERT_EMAILS)
