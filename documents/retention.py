"""Legal documents and deletion (DESIGN.md, turn 3).

Conventions, signed attendance sheets and certificats de réalisation are evidence of publicly
funded training: they are kept, naming the person, DOCUMENT_RETENTION_YEARS after the
session's end (`kept_until`), even when the account is deleted, with a convention's
acceptance record; then `erase_expired_documents` (daily) erases them, for everyone. What else
names the person goes when the account is deleted (`forget`): the convocations (file and
source data) and what was pending to be made for them; their emails go in
`enrollment.privacy.delete_account`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.dates import day_text
from enrollment.models import Registration

from .models import ConventionAcceptance, Document, PendingDocument

Kind = Document.Kind
# Kept after a deletion, until the end of their retention.
LEGAL_KINDS = (Kind.CONVENTION, Kind.ATTENDANCE, Kind.CERTIFICATE)


def kept_until(ends_at: dt.datetime, *, years: int) -> dt.date:
    """The last day a legal document of a session that ended at `ends_at` is kept: the same
    day (Paris) `years` later (28 February for a 29 February)."""
    end = timezone.localdate(ends_at)
    try:
        return end.replace(year=end.year + years)
    except ValueError:  # 29 February, in a year without one
        return end.replace(year=end.year + years, day=28)


@dataclass(frozen=True)
class Kept:
    """A legal document naming the person, kept after their account's deletion."""

    kind: str
    title: str
    starts_at: dt.datetime
    until: dt.date

    @property
    def starts_text(self) -> str:
        """« lundi 1er mars 2027 »."""
        return day_text(timezone.localdate(self.starts_at))

    @property
    def until_text(self) -> str:
        return day_text(self.until)


def kept_for(user) -> list[Kept]:
    """The legal documents that name `user` and would be kept if the account were deleted:
    the certificates of their requests, the conventions and attendance sheets that list them,
    and the conventions they accepted for a structure (the acceptance names them), one line
    per document and session, the latest version's date."""
    registrations = dict(Registration.objects.filter(user=user).values_list("pk", "session_id"))
    documents = Document.objects.filter(
        kind__in=LEGAL_KINDS, session_id__in=set(registrations.values())
    ).select_related("session__action")
    accepted = list(
        Document.objects.filter(
            pk__in=ConventionAcceptance.objects.filter(accepted_by=user).values("document_id")
        ).select_related("session__action")
    )
    found = {}
    for document in [*documents, *accepted]:
        if document in accepted or _names(document, registrations):
            session = document.session
            found[(document.kind, session.pk)] = Kept(
                kind=document.get_kind_display(),
                title=session.action.title,
                starts_at=session.starts_at,
                until=kept_until(session.ends_at, years=settings.DOCUMENT_RETENTION_YEARS),
            )
    return sorted(found.values(), key=lambda kept: (kept.until, kept.title, kept.kind))


def _names(document: Document, registrations: dict[int, int]) -> bool:
    if document.kind == Kind.CERTIFICATE:
        return document.registration_id in registrations
    rows = document.source.get("participants" if document.kind == Kind.CONVENTION else "lines", [])
    index = 0 if document.kind == Kind.CONVENTION else 1
    return any(row[index] in registrations for row in rows)


def forget(registration_ids) -> int:
    """What names the person but is not a legal document goes (in the deletion's transaction,
    the files after its commit): their convocations, and what was pending for them. Returns
    how many documents were deleted."""
    convocations = Document.objects.filter(
        kind=Kind.CONVOCATION, registration_id__in=registration_ids
    )
    deleted = _delete(convocations)
    PendingDocument.objects.filter(registration_id__in=registration_ids).delete()
    return deleted


def _delete(documents) -> int:
    """Delete the documents' rows (their acceptances with them) now, their files after the
    commit (a rollback keeps both)."""
    documents = list(documents)
    files = [(document.file.storage, document.file.name) for document in documents]
    files += [
        (acceptance.signed_file.storage, acceptance.signed_file.name)
        for acceptance in ConventionAcceptance.objects.filter(document__in=documents)
        if acceptance.signed_file
    ]
    Document.objects.filter(pk__in=[document.pk for document in documents]).delete()

    def delete_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return len(documents)


@shared_task(name="documents.tasks.erase_expired_documents", ignore_result=True)
def erase_expired_documents(*, now: dt.datetime | None = None) -> int:
    """Erase every document of the sessions that ended more than DOCUMENT_RETENTION_YEARS
    ago (their retention is over), acceptances and files with them. Idempotent; returns how
    many documents were erased."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # A session ending on the day `years` earlier is kept through today (`kept_until`).
    candidates = Document.objects.filter(
        session__ends_at__lt=now - dt.timedelta(days=365 * settings.DOCUMENT_RETENTION_YEARS - 2)
    ).select_related("session")
    expired = [
        document.pk
        for document in candidates
        if kept_until(document.session.ends_at, years=settings.DOCUMENT_RETENTION_YEARS) < today
    ]
    with transaction.atomic():
        return _delete(Document.objects.filter(pk__in=expired))
