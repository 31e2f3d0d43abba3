"""A document the storage refuses is made by the sweep once it accepts, and one never made (its
task lost) too; one failing for DOCUMENT_GIVE_UP_HOURS is given up and staff told once, the
confirmation email leaving without its PDF (issue 23; DESIGN.md, turn 3). The storage is a
real file system storage that refuses writes, then accepts them."""

import datetime as dt

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone

from documents.models import Document, PendingDocument
from documents.sweep import regenerate_documents
from enrollment import services
from mailing.models import Email
from parcourspro.celery import app as celery_app
from tests.emails import rendered
from tests.factories import MemberEmployeeFactory, UserFactory, awaiting_provider

pytestmark = pytest.mark.django_db


class FlakyStorage(FileSystemStorage):
    """Files on disk, refused while `refusing` is set (a read-only volume, an S3 outage)."""

    refusing = True

    def save(self, name, content, max_length=None):
        if self.refusing:
            raise PermissionError(f"read-only storage: {name}")
        return super().save(name, content, max_length=max_length)


@pytest.fixture
def storage(monkeypatch):
    field = Document._meta.get_field("file")
    flaky = FlakyStorage(location=field.storage.location)
    monkeypatch.setattr(field, "storage", flaky)
    return flaky


def confirm(session, member_structure, capture):
    user = MemberEmployeeFactory(structure=member_structure)
    registration = awaiting_provider(session, user)
    with capture(execute=True):
        services.confirm(registration, by=UserFactory(is_staff=True))
    return registration


def test_a_convention_and_a_convocation_refused_by_the_storage_are_made_by_the_sweep(
    training, member_structure, storage, django_capture_on_commit_callbacks
):
    registration = confirm(training, member_structure, django_capture_on_commit_callbacks)
    assert not Document.objects.exists()
    pending = dict(PendingDocument.objects.values_list("kind", "last_error"))
    assert set(pending) == {"convention", "convocation"}
    assert all("read-only storage" in error for error in pending.values())
    email = Email.objects.get(template="provider_decision")
    assert email.sent_at is None and email.awaits

    storage.refusing = False
    # Not before their next attempt (a growing delay)…
    assert regenerate_documents() == 0
    assert not Document.objects.exists()
    # …then made, once, and the email leaves with its PDF.
    later = timezone.now() + dt.timedelta(hours=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert regenerate_documents() == 2
    convention = Document.objects.get(kind="convention")
    assert [row[0] for row in convention.source["participants"]] == [registration.pk]
    assert Document.objects.filter(kind="convocation", registration=registration).count() == 1
    assert not PendingDocument.objects.exists()
    email.refresh_from_db()
    assert email.sent_at is not None
    assert [a["mimetype"] for a in email.attachments] == ["text/calendar", "application/pdf"]
    with time_machine.travel(later, tick=False):
        assert regenerate_documents() == 0  # nothing left to make


def test_documents_whose_task_was_lost_are_found_and_made(
    training, member_structure, django_capture_on_commit_callbacks
):
    """The broker lost the tasks (here: the commit's tasks never run): the sweep finds the
    convention that does not list the participants and the missing convocation."""
    first = confirm(training, member_structure, django_capture_on_commit_callbacks)
    second = awaiting_provider(training, MemberEmployeeFactory(structure=member_structure))
    services.confirm(second, by=UserFactory(is_staff=True))  # its tasks never published
    with django_capture_on_commit_callbacks(execute=True):
        assert regenerate_documents() == 2
    latest = Document.objects.filter(kind="convention").order_by("-version").first()
    assert {row[0] for row in latest.source["participants"]} == {first.pk, second.pk}
    assert Document.objects.filter(kind="convocation", registration=second).exists()
    assert Email.objects.get(template="provider_decision", to=second.email).sent_at is not None
    assert regenerate_documents() == 0


def test_a_document_failing_for_the_give_up_time_is_given_up_and_staff_told_once(
    training, member_structure, storage, settings, client, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_GIVE_UP_HOURS = 72
    settings.STAFF_ALERT_EMAILS = ["equipe@example.test"]
    registration = confirm(training, member_structure, django_capture_on_commit_callbacks)
    start = timezone.now()
    for hours in (1, 24, 71):
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            regenerate_documents()
    assert not PendingDocument.objects.filter(gave_up_at__isnull=False).exists()
    assert PendingDocument.objects.get(kind="convention").attempts >= 4
    with time_machine.travel(start + dt.timedelta(hours=72, minutes=1), tick=False):
        regenerate_documents()
    with time_machine.travel(start + dt.timedelta(hours=90), tick=False):
        regenerate_documents()  # no second alert, no new attempt
    given_up = PendingDocument.objects.filter(gave_up_at__isnull=False)
    assert set(given_up.values_list("kind", flat=True)) == {"convention", "convocation"}
    [alert] = rendered(Email.objects.filter(template="documents_gave_up"))
    assert alert.to == "equipe@example.test"
    assert "2 documents n'ont pas pu être générés pendant 72 heures" in alert.subject
    assert "Convention de formation" in alert.body_text and "read-only storage" in alert.body_text
    assert registration.last_name not in alert.body_text  # nobody named
    # The confirmation leaves without its PDF rather than never.
    email = Email.objects.get(template="provider_decision", to=registration.email)
    assert email.awaits == "" and [a["mimetype"] for a in email.attachments] == ["text/calendar"]
    # Staff relaunch it from the admin once the storage is back.
    storage.refusing = False
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.post(
        reverse("admin:documents_pendingdocument_changelist"),
        {"action": "retry", "_selected_action": list(given_up.values_list("pk", flat=True))},
    )
    assert regenerate_documents() == 2
    assert Document.objects.filter(kind="convention").exists()


def test_an_attendance_sheet_whose_task_was_lost_is_made_by_the_sweep(
    training, participant_of, provider_user, django_capture_on_commit_callbacks
):
    """The provider validates the morning, then corrects a presence; neither commit's task
    runs (the broker lost them): the sweep makes the sheet, then its new version."""
    anne = participant_of(training, first_name="Anne")
    day = timezone.localdate(training.starts_at)
    with time_machine.travel(training.starts_at + dt.timedelta(hours=3), tick=False):
        sheet = services.open_signing(training, day=day, half="am", by=provider_user)
        services.validate_sheet(training, day=day, half="am", by=provider_user)  # task lost
        assert not Document.objects.filter(kind="attendance").exists()
        with django_capture_on_commit_callbacks(execute=True):
            assert regenerate_documents() >= 1
        first = Document.objects.get(kind="attendance", session=training)
        assert regenerate_documents() == 0  # made: nothing more to do
    with time_machine.travel(training.starts_at + dt.timedelta(hours=4), tick=False):
        services.correct_attendance(sheet, anne, present=True, reason="Badge", by=provider_user)
        with django_capture_on_commit_callbacks(execute=True):
            assert regenerate_documents() == 1
    latest = Document.objects.filter(kind="attendance", session=training).latest("version")
    assert latest.version == first.version + 1
    assert "Badge" in str(latest.source["lines"])


def test_the_sweep_is_scheduled():
    tasks = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "documents.tasks.regenerate_documents" in tasks
