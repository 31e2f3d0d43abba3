"""Reads of the documents, and the permission-checking getters of the downloads: the same
people who may see the registration may download its documents; anyone else gets 404.

- a participant: their own convocations and certificates;
- an approver of the structure: its conventions, and its employees' certificates;
- a user of the session's provider: every document of the session;
- staff: everything.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from catalog.models import Session

from .models import Document

Kind = Document.Kind


def visible_to(user) -> QuerySet[Document]:
    documents = Document.objects.select_related(
        "session__action__provider", "structure", "registration"
    )
    if not user.is_authenticated:
        return documents.none()
    if user.is_staff:
        return documents
    approves = Q(structure__approvers=user) & Q(kind=Kind.CONVENTION)
    own = Q(registration__user=user) & Q(kind__in=[Kind.CONVOCATION, Kind.CERTIFICATE])
    employees = Q(registration__structure__approvers=user) & Q(kind=Kind.CERTIFICATE)
    provider = Q(session__action__provider__users=user)
    return documents.filter(approves | own | employees | provider).distinct()


def document_or_404(user, pk: int) -> Document:
    return get_object_or_404(visible_to(user), pk=pk)


def _latest_first(documents) -> QuerySet[Document]:
    return documents.select_related("acceptance", "structure").order_by(
        "session__starts_at", "session_id", "structure__name", "structure_id", "-version"
    )


def latest_by_owner(documents) -> list[Document]:
    """The latest version of each document (one per structure or registration), each with
    `.previous`: its older versions, latest first."""
    latest: dict[tuple, Document] = {}
    for document in documents:
        key = (document.kind, document.session_id, document.structure_id, document.registration_id)
        if key in latest:
            latest[key].previous.append(document)
        else:
            document.previous = []
            latest[key] = document
    return list(latest.values())


def conventions_for_approver(user) -> list[Document]:
    """The conventions of the structures the user approves: latest version first."""
    documents = Document.objects.filter(kind=Kind.CONVENTION, structure__approvers=user)
    return latest_by_owner(_latest_first(documents.select_related("session__action")))


def to_accept() -> QuerySet[Document]:
    """The conventions that await acceptance: the latest version of their structure and
    session (the one the conventions page offers to accept), not accepted."""
    newer = Document.objects.filter(
        kind=Kind.CONVENTION,
        session_id=OuterRef("session_id"),
        structure_id=OuterRef("structure_id"),
        version__gt=OuterRef("version"),
    )
    return Document.objects.filter(kind=Kind.CONVENTION, acceptance__isnull=True).exclude(
        Exists(newer)
    )


def conventions_to_accept_of(user) -> int:
    """How many conventions await the acceptance of `user`, an approver of their structure:
    the header's « Espace employeur » (one query, asked for approvers only)."""
    return to_accept().filter(structure__approvers=user).count()


def conventions_of_session(session: Session) -> list[Document]:
    documents = Document.objects.filter(kind=Kind.CONVENTION, session=session)
    return latest_by_owner(_latest_first(documents))


def latest_of_registrations(registration_ids) -> dict[int, dict[str, Document]]:
    """{registration id: {kind: latest document}} for convocations and certificates."""
    result: dict[int, dict[str, Document]] = {}
    documents = Document.objects.filter(registration_id__in=list(registration_ids)).order_by(
        "registration_id", "kind", "-version"
    )
    for document in documents:
        result.setdefault(document.registration_id, {}).setdefault(document.kind, document)
    return result


def session_documents(session: Session) -> QuerySet[Document]:
    return Document.objects.filter(session=session).select_related("acceptance")


def certificates_for_approver(user) -> list[Document]:
    """The latest certificate of each employee of the structures the user approves."""
    documents = Document.objects.filter(
        kind=Kind.CERTIFICATE, registration__structure__approvers=user
    ).select_related("session__action", "registration", "registration__structure")
    return latest_by_owner(documents.order_by("-session__starts_at", "registration_id", "-version"))
