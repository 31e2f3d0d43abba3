"""The documents tell the people they concern (issue 25): a convention version to accept is
emailed to the structure's approvers and counted on « Espace employeur »; a certificate of
completion is emailed to its participant; a session moved by staff makes the convocation
again and sends it with the new calendar file."""

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from documents import selectors
from documents.models import Document
from enrollment import services
from mailing.models import Email
from tests.emails import rendered
from tests.factories import (
    PARIS,
    MemberEmployeeFactory,
    UserFactory,
    accepted,
    attend,
    provider_user_of,
)

pytestmark = pytest.mark.django_db


def to_accept(user) -> int:
    return selectors.conventions_to_accept_of(user)


def test_a_new_convention_version_is_emailed_to_the_approvers_and_counted(
    training, member_structure, participant_of, client, django_assert_num_queries
):
    approver = member_structure.approver
    other = UserFactory(structure=member_structure, first_name="Inès")
    member_structure.approvers.add(other)
    participant_of(training)
    [email] = rendered(Email.objects.filter(template="convention_to_accept", to=other.email))
    assert (
        email.subject
        == f"[ParcoursPro] Convention de formation à accepter\u00a0: {training.action.title}"
    )
    assert email.body_text.startswith("Bonjour Inès,")
    assert "1 participant." in email.body_text
    assert reverse("documents:employer_conventions") in email.body_text
    assert Email.objects.filter(template="convention_to_accept", to=approver.email).count() == 1
    assert to_accept(approver) == 1

    # A second participant: a new version, emailed again; still one to accept.
    participant_of(training)
    assert Email.objects.filter(template="convention_to_accept", to=other.email).count() == 2
    second = rendered(
        Email.objects.filter(template="convention_to_accept", to=other.email).order_by("pk").last()
    )
    assert "(version 2)" in second.subject and "2 participants." in second.body_text
    assert to_accept(approver) == 1

    # The header says it, in one query of every approver's page, and so does the space.
    client.force_login(approver)
    page = client.get(reverse("employers:space")).content.decode()
    assert "1 convention à accepter" in page
    assert "Conventions de formation (1 à accepter)" in page

    latest = Document.objects.filter(kind="convention").order_by("-version").first()
    accepted(latest, approver)
    assert to_accept(approver) == 0
    page = client.get(reverse("employers:space")).content.decode()
    assert "à accepter" not in page
    with django_assert_num_queries(1):
        to_accept(approver)


def test_nobody_else_counts_a_structures_conventions(training, participant_of):
    participant_of(training)
    stranger = MemberEmployeeFactory()
    stranger.structure.approvers.add(stranger)
    assert to_accept(stranger) == 0


def test_a_certificate_is_emailed_to_its_participant_with_its_pdf(
    training, participant_of, django_capture_on_commit_callbacks
):
    registration = participant_of(training)
    day = training.starts_at.astimezone(PARIS).date()
    with (
        time_machine.travel(training.ends_at + dt.timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        attend(
            registration,
            provider_user_of(training),
            present={(day, "am"), (day, "pm")},
            now=training.ends_at,
        )
    [message] = [m for m in mail.outbox if "certificat de réalisation" in m.subject]
    assert message.to == [registration.email]
    assert message.subject == (
        f"[ParcoursPro] Votre certificat de réalisation\u00a0: {training.action.title}"
    )
    assert "Les valideurs de votre structure le retrouvent" in message.body
    [(name, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and name.startswith("certificat-realisation-")
    assert "Certificat de réalisation" in PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_a_moved_session_makes_the_convocation_again_and_sends_it(
    training, participant_of, django_capture_on_commit_callbacks
):
    registration = participant_of(training)
    first = Document.objects.get(kind="convocation", registration=registration)
    mail.outbox.clear()
    staff = UserFactory(is_staff=True)
    starts = training.starts_at + dt.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_session(
            training, by=staff, starts_at=starts, ends_at=training.ends_at + dt.timedelta(days=7)
        )
    latest = Document.objects.filter(kind="convocation", registration=registration).latest(
        "version"
    )
    assert latest.version == first.version + 1
    assert dt.datetime.fromisoformat(latest.source["starts_at"]) == starts
    [message] = [m for m in mail.outbox if m.to == [registration.email]]
    assert message.subject.startswith("[ParcoursPro] Nouvelles dates\u00a0: ")
    assert "votre convocation à jour est jointe" in message.body
    kinds = [mimetype for _, _, mimetype in message.attachments]
    assert kinds == ["text/calendar", "application/pdf"]
    assert message.attachments[1][1] == latest.file.open("rb").read()
