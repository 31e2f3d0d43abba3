"""The convocation email carries the convocation's PDF beside the .ics (R10, issue 14): it is
recorded with the confirmation, waits for the PDF that `documents` generates after the
commit, then leaves with it; a PDF that cannot be made yet loses no email."""

import io

import pytest
from django.core import mail
from django.core.files.storage import FileSystemStorage
from pypdf import PdfReader

from documents import services as documents
from documents.models import STORAGE, Document
from enrollment import services
from enrollment.notifications import convocation_awaited
from mailing import outbox
from mailing.models import Email
from tests.factories import UserFactory, awaiting_provider

pytestmark = pytest.mark.django_db


class ReadOnlyStorage(FileSystemStorage):
    """A storage that refuses every write, as a read-only volume or an S3 outage would."""

    def save(self, name, content, max_length=None):
        raise PermissionError(f"read-only storage: {name}")


def confirmation_email(registration) -> Email:
    return Email.objects.get(template="provider_decision", to=registration.email)


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
    # The outbox row names the stored file (storage alias and name), not its bytes.
    email = confirmation_email(registration)
    assert email.attachments[1] == {
        "storage": STORAGE,
        "name": stored.file.name,
        "filename": f"convocation-{registration.pk}.pdf",
        "mimetype": "application/pdf",
    }
    assert email.awaits == "" and email.sent_at is not None


def test_the_email_is_recorded_with_the_confirmation_and_waits_for_its_pdf(
    training, django_capture_on_commit_callbacks
):
    """Recorded in the confirmation's transaction (a rollback would take it away), not sent
    until the PDF is attached: neither the task published at the commit nor the sweep sends
    it meanwhile."""
    registration = awaiting_provider(training)
    services.confirm(registration, by=UserFactory(is_staff=True))  # not committed: no task
    email = confirmation_email(registration)
    assert email.awaits == convocation_awaited(registration.pk)
    assert [a["mimetype"] for a in email.attachments] == ["text/calendar"]
    assert not outbox.deliver(email.pk)
    assert outbox.sweep_unsent_emails(older_than_seconds=0) == len(
        Email.objects.exclude(pk=email.pk)
    )
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 0
    assert not [m for m in mail.outbox if m.subject == email.subject and m.to == [email.to]]

    with django_capture_on_commit_callbacks(execute=True):
        assert documents.send_convocation(registration.pk) == 1
    email.refresh_from_db()
    assert email.awaits == "" and email.sent_at is not None
    assert [a["mimetype"] for a in email.attachments] == ["text/calendar", "application/pdf"]


def test_a_pdf_that_cannot_be_stored_leaves_the_email_waiting_until_the_sweep(
    training, monkeypatch, django_capture_on_commit_callbacks
):
    """The storage refuses writes: the email waits, with the error for staff; the task is
    retried (here, eagerly), then the periodic sweep makes the PDF once the storage is back,
    and the email leaves once, with it."""
    field = Document._meta.get_field("file")
    writable = field.storage
    monkeypatch.setattr(field, "storage", ReadOnlyStorage(location=writable.location))
    registration = awaiting_provider(training)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(registration, by=UserFactory(is_staff=True))
    email = confirmation_email(registration)
    assert email.sent_at is None and email.awaits == convocation_awaited(registration.pk)
    assert "read-only storage" in email.last_error
    assert not Document.objects.filter(kind="convocation").exists()
    with pytest.raises(PermissionError):  # the task, called again, still fails
        documents.send_convocation(registration.pk)
    assert documents.send_waiting_convocations(older_than_minutes=0) == 0  # still read-only

    monkeypatch.setattr(field, "storage", writable)
    with django_capture_on_commit_callbacks(execute=True):
        assert documents.send_waiting_convocations(older_than_minutes=0) == 1
    assert documents.send_waiting_convocations(older_than_minutes=0) == 0
    email.refresh_from_db()
    assert email.sent_at is not None and email.last_error == ""
    sent = [m for m in mail.outbox if m.to == [registration.email] and m.attachments]
    assert len(sent) == 1 and sent[0].attachments[1][2] == "application/pdf"


def test_the_sweep_leaves_recent_waiting_emails_to_their_task(training):
    registration = awaiting_provider(training)
    services.confirm(registration, by=UserFactory(is_staff=True))
    assert documents.send_waiting_convocations() == 0  # recorded less than 30 minutes ago
    assert confirmation_email(registration).awaits


def test_a_declined_request_gets_no_convocation(training, django_capture_on_commit_callbacks):
    registration = awaiting_provider(training)
    with django_capture_on_commit_callbacks(execute=True):
        services.decline(registration, by=UserFactory(is_staff=True), reason="Pas adapté")
    assert all(not m.attachments for m in mail.outbox if m.to == [registration.email])
    assert not Document.objects.filter(kind="convocation").exists()
    assert not Email.objects.exclude(awaits="").exists()


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
