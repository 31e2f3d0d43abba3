"""The convocation email carries the convocation's PDF beside the .ics (R10, issue 14)."""

import io

import pytest
from django.core import mail
from pypdf import PdfReader

from documents.models import Document
from enrollment import services
from mailing.models import Email
from tests.factories import UserFactory, awaiting_provider

pytestmark = pytest.mark.django_db


def test_the_convocation_email_attaches_the_pdf_beside_the_ics(
    training, member_structure, django_capture_on_commit_callbacks
):
    registration = awaiting_provider(training)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(registration, by=UserFactory(is_staff=True))
    [message] = [m for m in mail.outbox if m.to == [registration.email]]
    kinds = [(name.rsplit(".", 1)[-1], mimetype) for name, _, mimetype in message.attachments]
    assert kinds == [("ics", "text/calendar"), ("pdf", "application/pdf")]
    content = message.attachments[1][1]
    text = " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
    assert f"{registration.first_name} {registration.last_name}" in text
    stored = Document.objects.get(kind="convocation", registration=registration)
    assert stored.file.read() == content  # the same file, kept with its hash
    # The outbox row holds a reference, not the bytes: generated when the email is sent.
    email = Email.objects.get(template="provider_decision", to=registration.email)
    assert email.attachments[1]["build"] == "convocation"


def test_a_declined_request_gets_no_convocation(training, django_capture_on_commit_callbacks):
    registration = awaiting_provider(training)
    with django_capture_on_commit_callbacks(execute=True):
        services.decline(registration, by=UserFactory(is_staff=True), reason="Pas adapté")
    assert all(not m.attachments for m in mail.outbox if m.to == [registration.email])
    assert not Document.objects.filter(kind="convocation").exists()


def test_documents_off_means_no_pdf_and_no_convention(
    settings, training, django_capture_on_commit_callbacks
):
    """DOCUMENTS_ENABLED=false (a deployment without Pango): the email keeps its .ics only."""
    settings.DOCUMENTS_ENABLED = False
    registration = awaiting_provider(training)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(registration, by=UserFactory(is_staff=True))
    [message] = [m for m in mail.outbox if m.to == [registration.email]]
    assert [mimetype for _, _, mimetype in message.attachments] == ["text/calendar"]
    assert not Document.objects.exists()
