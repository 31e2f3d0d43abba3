"""Writes of the participation documents: generate a version (only when what it says
changed), accept a convention. Each generation renders the PDF, hashes it and stores it."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from catalog.models import Session, is_member_only
from employers.models import Structure
from enrollment.models import Registration, RegistrationStatus

from . import contents, rendering
from .models import ConventionAcceptance, Document

Kind = Document.Kind
Status = RegistrationStatus

MESSAGES = {
    "not_approver": _("Seuls les valideurs de la structure peuvent accepter sa convention."),
    "not_checked": _(
        "Cochez « J'ai lu et j'accepte la convention » pour l'accepter. Rien n'a été enregistré."
    ),
    "stale": _(
        "Une nouvelle version de la convention a été établie depuis que vous l'avez ouverte "
        "(les participants ont changé). Relisez la version %(version)s, puis acceptez-la."
    ),
    "already": _("Cette version de la convention est déjà acceptée."),
}


class DocumentError(Exception):
    def __init__(self, code: str, **params):
        self.code = code
        super().__init__(str(MESSAGES[code]) % params if params else str(MESSAGES[code]))


def latest(queryset):
    return queryset.order_by("-version").first()


def _store(document: Document, template: str, context: dict, filename: str) -> Document:
    content = rendering.render_pdf(template, context)
    document.sha256 = rendering.sha256(content)
    document.file.save(filename, ContentFile(content), save=False)
    document.save()
    return document


def _name(*parts) -> str:
    return "-".join(slugify(str(part)) for part in parts if part) + ".pdf"


# --- convention --------------------------------------------------------------------------------


def conventions_of(session: Session, structure: Structure):
    return Document.objects.filter(kind=Kind.CONVENTION, session=session, structure=structure)


def refresh_convention(session_id: int, structure_id: int) -> Document | None:
    """The convention of a structure for a session of an action for members, as a new
    version when its participants changed (the first time a participant is confirmed, then
    at each change); none while no participant is confirmed. Idempotent."""
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("action__provider")
        session = session.get(pk=session_id)
        structure = Structure.objects.get(pk=structure_id)
        if not is_member_only(session.action.kind):
            return None
        participants = contents.convention_participants(session, structure_id)
        current = latest(conventions_of(session, structure))
        source = contents.convention_source(participants)
        if not participants or (current is not None and current.source == source):
            return current
        version = current.version + 1 if current else 1
        document = Document(
            kind=Kind.CONVENTION, session=session, structure=structure, version=version
        )
        document.source = source
        context = contents.convention_context(session, structure, participants, version=version)
        filename = _name("convention", session.action.title, structure.name, f"v{version}")
        return _store(document, "documents/convention.html", context, filename)


def accept_convention(
    document: Document, *, by, sha256: str, checked: bool, ip: str | None, now=None
) -> ConventionAcceptance:
    """The structure's approver accepts the convention version they were shown: bound to the
    SHA-256 of that file; refused when a newer version exists (the participants changed)."""
    now = now or timezone.now()
    if not document.structure.approvers.filter(pk=by.pk).exists():
        raise DocumentError("not_approver")
    if not checked:
        raise DocumentError("not_checked")
    with transaction.atomic():
        current = latest(conventions_of(document.session, document.structure).select_for_update())
        if current.pk != document.pk or sha256 != document.sha256:
            raise DocumentError("stale", version=current.version)
        if ConventionAcceptance.objects.filter(document=document).exists():
            raise DocumentError("already")
        name = by.get_full_name() or by.email
        acceptance = ConventionAcceptance.objects.create(
            document=document,
            accepted_by=by,
            accepted_by_name=name,
            accepted_at=now,
            ip=ip or None,
            accepted_sha256=document.sha256,
        )
        session = Session.objects.select_related("action__provider").get(pk=document.session_id)
        ids = [row[0] for row in document.source.get("participants", [])]
        found = Registration.objects.in_bulk(ids)
        participants = [found[pk] for pk in ids if pk in found]
        context = contents.convention_context(
            session, document.structure, participants, version=document.version
        )
        context["acceptance"] = acceptance
        content = rendering.render_pdf("documents/convention.html", context)
        acceptance.signed_sha256 = rendering.sha256(content)
        acceptance.signed_file.save(
            document.filename.replace(".pdf", "-acceptee.pdf"), ContentFile(content), save=True
        )
    return acceptance


# --- convocation and certificate ---------------------------------------------------------------


def _registration_documents(registration: Registration, kind: str):
    return Document.objects.filter(kind=kind, registration=registration)


def convocation_for(registration_id: int) -> Document:
    """The participant's convocation: the latest one while the session's facts are those it
    gives, else a new version. Idempotent."""
    registration = Registration.objects.select_related(
        "session__action__provider", "structure"
    ).get(pk=registration_id)
    session = registration.session
    source = {
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "location": session.location,
        "remote_url": session.remote_url,
        "name": [registration.first_name, registration.last_name],
    }
    with transaction.atomic():
        Registration.objects.select_for_update().filter(pk=registration_id).first()
        current = latest(_registration_documents(registration, Kind.CONVOCATION))
        if current is not None and current.source == source:
            return current
        document = Document(
            kind=Kind.CONVOCATION,
            session=session,
            registration=registration,
            version=current.version + 1 if current else 1,
            source=source,
        )
        context = contents.convocation_context(registration)
        filename = _name("convocation", session.action.title, registration.last_name)
        return _store(document, "documents/convocation.html", context, filename)


def refresh_certificate(registration_id: int, *, now: dt.datetime | None = None):
    """The certificate of completion, once the session is over and attendance recorded: a
    new version when the hours attended change. None before that. Idempotent."""
    now = now or timezone.now()
    registration = Registration.objects.select_related(
        "session__action__provider", "structure"
    ).get(pk=registration_id)
    session = registration.session
    if registration.status not in {Status.ATTENDED, Status.ABSENT} or session.ends_at > now:
        return None
    with transaction.atomic():
        Registration.objects.select_for_update().filter(pk=registration_id).first()
        source = contents.certificate_source(registration)
        current = latest(_registration_documents(registration, Kind.CERTIFICATE))
        if current is not None and current.source == source:
            return current
        if current is None and not source["half_days"]:
            return None  # absent throughout: nothing to certify
        document = Document(
            kind=Kind.CERTIFICATE,
            session=session,
            registration=registration,
            version=current.version + 1 if current else 1,
            source=source,
        )
        context = contents.certificate_context(registration, source)
        filename = _name("certificat", session.action.title, registration.last_name)
        return _store(document, "documents/certificate.html", context, filename)
