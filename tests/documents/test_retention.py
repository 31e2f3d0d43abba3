"""Legal documents and deletion (DESIGN.md, turn 3): an account's deletion keeps the
convention, its acceptance and the certificate naming the person until
DOCUMENT_RETENTION_YEARS after the session's end, says so on the deletion page, and deletes
the convocation at once; the periodic task erases the rest when the retention ends."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from documents.models import ConventionAcceptance, Document
from documents.retention import erase_expired_documents, kept_for, kept_until
from documents.services import accept_convention
from parcourspro.celery import app as celery_app
from tests.factories import DEMO_PASSWORD, PARIS, attend, provider_user_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("ends_at", "years", "until"),
    [
        (dt.datetime(2027, 3, 16, 17, tzinfo=PARIS), 4, dt.date(2031, 3, 16)),
        # Paris's day, not UTC's: 23:30 UTC on 31 December is 1 January in Paris.
        (dt.datetime(2027, 12, 31, 23, 30, tzinfo=dt.UTC), 4, dt.date(2032, 1, 1)),
        (dt.datetime(2028, 2, 29, 17, tzinfo=PARIS), 1, dt.date(2029, 2, 28)),
        (dt.datetime(2028, 2, 29, 17, tzinfo=PARIS), 4, dt.date(2032, 2, 29)),
    ],
)
def test_legal_documents_are_kept_the_years_after_the_session_end(ends_at, years, until):
    assert kept_until(ends_at, years=years) == until


@pytest.fixture
def ended(training):
    training.starts_at = dt.datetime(2027, 3, 16, 9, tzinfo=PARIS)
    training.ends_at = dt.datetime(2027, 3, 16, 17, tzinfo=PARIS)
    training.registration_deadline = training.starts_at - dt.timedelta(days=2)
    training.save()
    return training


@pytest.fixture
def documented(ended, participant_of, member_structure, django_capture_on_commit_callbacks):
    """A participant with a convention (accepted by the approver), a convocation and, after
    the session, a certificate."""
    registration = participant_of(ended)
    convention = Document.objects.get(kind="convention")
    accept_convention(
        convention,
        by=member_structure.approver,
        sha256=convention.sha256,
        checked=True,
        ip="203.0.113.7",
    )
    with (
        time_machine.travel(ended.ends_at + dt.timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        attend(
            registration,
            provider_user_of(ended),
            present={(dt.date(2027, 3, 16), "am"), (dt.date(2027, 3, 16), "pm")},
            now=ended.ends_at,
        )
    assert set(Document.objects.values_list("kind", flat=True)) == {
        "convention",
        "convocation",
        "certificate",
    }
    return registration


def exists(field_file) -> bool:
    return field_file.storage.exists(field_file.name)


def test_the_deletion_page_says_what_is_kept_why_and_until_when(client, documented):
    with time_machine.travel(dt.datetime(2027, 4, 1, 10, tzinfo=PARIS), tick=False):
        client.force_login(documented.user)
        page = client.get(reverse("enrollment:my_data")).content.decode()
    assert "Documents conservés" in page
    assert "fonds publics" in page and "pendant 4 ans après la fin de la session" in page
    assert "Certificat de réalisation — " in page and "Convention de formation — " in page
    assert "jusqu&#x27;au dimanche 16 mars 2031" in page or "jusqu'au dimanche 16 mars 2031" in page
    assert "Convocation — " not in page  # it goes with the account
    assert "vos convocations" in page


def test_an_approver_is_told_the_convention_they_accepted_is_kept(member_structure, documented):
    [kept] = kept_for(member_structure.approver)
    assert (kept.kind, kept.until) == ("Convention de formation", dt.date(2031, 3, 16))


def test_a_deletion_keeps_the_legal_documents_and_deletes_the_convocation(
    client, documented, member_structure, django_capture_on_commit_callbacks
):
    convocation = Document.objects.get(kind="convocation")
    convention = Document.objects.get(kind="convention")
    certificate = Document.objects.get(kind="certificate")
    with (
        time_machine.travel(dt.datetime(2027, 4, 1, 10, tzinfo=PARIS), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.force_login(documented.user)
        response = client.post(reverse("enrollment:my_data"), {"password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert not Document.objects.filter(kind="convocation").exists()
    assert not exists(convocation.file)
    for kept in (convention, certificate):
        kept.refresh_from_db()
        assert exists(kept.file)
    assert ConventionAcceptance.objects.filter(document=convention).exists()


def test_the_retention_task_erases_the_documents_when_the_retention_ends(
    documented, django_capture_on_commit_callbacks
):
    files = [document.file for document in Document.objects.all()]
    acceptance = ConventionAcceptance.objects.get()
    last_day = dt.datetime(2031, 3, 16, 23, 0, tzinfo=PARIS)
    assert erase_expired_documents(now=last_day) == 0
    assert Document.objects.count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert erase_expired_documents(now=last_day + dt.timedelta(hours=2)) == 3
    assert not Document.objects.exists() and not ConventionAcceptance.objects.exists()
    assert not any(exists(file) for file in files) and not exists(acceptance.signed_file)
    assert erase_expired_documents(now=last_day + dt.timedelta(days=1)) == 0


def test_the_retention_task_runs_daily():
    entries = {e["task"]: e["schedule"] for e in celery_app.conf.beat_schedule.values()}
    schedule = entries["documents.tasks.erase_expired_documents"]
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1
