"""The emails the documents cause, recorded in the transaction that stores a new version
(`versions.store_next_version`): a convention to accept, a certificate of completion issued."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from mailing.outbox import Outgoing, queue_email, queue_emails

from .models import STORAGE, Document


def convention_to_accept(document: Document) -> None:
    """A new convention version awaits acceptance: its structure's approvers are told (in the
    transaction that stores it), one email each; the header's « Espace employeur » counts it
    until it is accepted (`selectors.conventions_to_accept_of`)."""
    url = settings.SITE_URL + reverse("documents:employer_conventions")
    anchor = f"#convention-{document.session_id}-{document.structure_id}"
    participants = len(document.source.get("participants", []))
    queue_emails(
        [
            Outgoing(
                "convention_to_accept",
                to=approver.email,
                context={
                    "approver": approver,
                    "document": document,
                    "session": document.session,
                    "structure": document.structure,
                    "participants": participants,
                    "conventions_url": url + anchor,
                    "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
                },
            )
            for approver in document.structure.approvers.all()
        ]
    )


def certificate_ready(document: Document) -> None:
    """A certificate of completion is issued (or issued again, the hours changed): the
    participant gets it by email (in the transaction that stores it), and is told that their
    structure's approvers find it in the Espace employeur too (`selectors.visible_to`)."""
    registration = document.registration
    queue_email(
        "certificate_ready",
        to=registration.email,
        context={
            "registration": registration,
            "document": document,
            "session": registration.session,
            "for_approvers": registration.structure_id is not None,
            "my_space_url": settings.SITE_URL + reverse("enrollment:my_space"),
            "programme_email": settings.PROGRAMME_CONTACT_EMAIL,
        },
        attachments=[pdf_attachment(document, f"certificat-realisation-{registration.pk}.pdf")],
        concerns=[registration.user],
    )


def pdf_attachment(document: Document, filename: str) -> dict:
    """A stored document as an outbox attachment, read from its storage when sent."""
    return {
        "storage": STORAGE,
        "name": document.file.name,
        "filename": filename,
        "mimetype": "application/pdf",
    }
