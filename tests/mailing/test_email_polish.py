"""What every email says the same way (issue 25, « Polish »): each subject starts with
« [ParcoursPro] », set in one place (`outbox.render`); the withdrawal notice greets the
approver by name; the convocation lists what to bring apart from the prerequisites; allauth's
messages name a person by their name."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from catalog.models import ActionKind
from enrollment import services
from mailing import outbox
from mailing.models import Email
from tests.emails import rendered
from tests.factories import DEMO_PASSWORD, UserFactory, awaiting_provider, session_of

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "emails"
NAMES = sorted(path.name.removesuffix(".subject.txt") for path in TEMPLATES.glob("*.subject.txt"))


def test_every_email_template_is_checked():
    assert len(NAMES) >= 30 and "session_changed" in NAMES and "certificate_ready" in NAMES


# What the subjects count (their plurals need numbers); the rest may stay empty.
COUNTS = {"count": 2, "days": 3, "registrations": [1, 2], "facts": ["dates"], "version": 1}


@pytest.mark.parametrize("name", NAMES)
def test_every_subject_starts_with_the_programme(name):
    subject = outbox.render_subject(name, COUNTS)
    assert subject.startswith("[ParcoursPro] ") and subject.count("[ParcoursPro]") == 1
    assert len(subject) > len("[ParcoursPro] ")


def test_the_subject_reads_after_the_prefix():
    assert outbox.render_subject("survey_reminder", {"action": {"title": "X"}}) == (
        "[ParcoursPro] Rappel\u00a0: votre avis sur «\u00a0X\u00a0»"
    )
    assert outbox.render_subject(
        "attachment_ended", {"structure": {"name": "Tremplin"}}
    ).startswith("[ParcoursPro] Vous n'êtes plus")


@pytest.mark.django_db
def test_the_withdrawal_notice_greets_the_approver_by_name(member_structure, employee):
    approver = member_structure.approver
    approver.first_name = "Claire"
    approver.save()
    session = session_of(ActionKind.TRAINING)
    registration = awaiting_provider(session, employee)
    services.cancel(registration, by=employee, reason="Un empêchement.")
    notices = {
        email.to: email for email in rendered(Email.objects.filter(template="cancellation_notice"))
    }
    assert notices[approver.email].body_text.startswith("Bonjour Claire,")
    assert "<p>Bonjour Claire,</p>" in notices[approver.email].body_html
    assert notices[settings.PROGRAMME_CONTACT_EMAIL].body_text.startswith("Bonjour,")


@pytest.mark.django_db
def test_the_convocation_lists_the_prerequisites_apart_from_what_to_bring(member_structure):
    session = session_of(ActionKind.TRAINING)
    session.action.prerequisites = "Exercer une mission d'accompagnement."
    session.action.save()
    registration = awaiting_provider(session)
    services.confirm(registration, by=UserFactory(is_staff=True))
    email = rendered(Email.objects.get(template="provider_decision", to=registration.email))
    assert "À prévoir : Exercer" not in email.body_text
    assert "À prévoir\u00a0: de quoi prendre des notes" in email.body_text
    assert "Prérequis\nExercer une mission d'accompagnement." in email.body_text
    assert "<strong>Prérequis</strong>" in email.body_html
    assert "À prévoir : Exercer" not in email.body_html


@pytest.mark.django_db
def test_allauths_messages_name_the_person_without_their_address(client):
    person = UserFactory(
        first_name="Camille", last_name="Durand", email="camille.durand@exemple.fr"
    )
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Camille Durand" in message and "camille.durand@exemple.fr" not in message
    nameless = UserFactory(first_name="", last_name="", email="sans.nom@exemple.fr")
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": nameless.email, "password": DEMO_PASSWORD}
    )
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "sans.nom@exemple.fr" in message and "<" not in message
