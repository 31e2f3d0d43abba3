"""Personal data (RGPD): download as JSON, and account deletion that anonymises."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration, RegistrationEvent, RegistrationStatus
from enrollment.privacy import delete_account
from mailing.models import Email
from tests.factories import DEMO_PASSWORD, UserFactory

from .conftest import register, session_of
from .factories import RegistrationFactory

pytestmark = pytest.mark.django_db
Status = RegistrationStatus


def test_download_holds_profile_and_registrations(client, employee):
    register(employee, session_of(ActionKind.TRAINING), motivations="Mieux accompagner")
    client.force_login(employee)
    response = client.get(reverse("enrollment:my_data_export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == employee.email
    assert data["structure"]["siret"] == employee.structure.siret
    [registration] = data["registrations"]
    assert registration["motivations"] == "Mieux accompagner"
    assert registration["history"][0]["to"] == Status.PENDING_EMPLOYER
    assert data["emails"]  # the acknowledgement


def test_download_requires_login(client):
    response = client.get(reverse("enrollment:my_data_export"))
    assert response.status_code == 302


def test_deletion_anonymises_and_frees_places(client, django_capture_on_commit_callbacks):
    leaver = UserFactory()
    webinar = session_of(ActionKind.WEBINAR, capacity=1)
    [held] = register(leaver, webinar, motivations="Très personnel")
    [waiting] = register(UserFactory(), webinar)
    past = RegistrationFactory(
        user=leaver, session=session_of(ActionKind.CONFERENCE, days=-30), status=Status.ATTENDED
    )
    client.force_login(leaver)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enrollment:my_data"), {"password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert not type(leaver).objects.filter(pk=leaver.pk).exists()
    held.refresh_from_db()
    past.refresh_from_db()
    assert held.status == Status.CANCELLED
    assert past.status == Status.ATTENDED  # kept for the statistics
    for registration in (held, past):
        assert registration.user_id is None
        assert (registration.first_name, registration.email, registration.motivations) == (
            "",
            "",
            "",
        )
    assert not RegistrationEvent.objects.filter(registration=held).exclude(reason="").exists()
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED
    assert not Email.objects.filter(to__iexact=leaver.email).exists()
    assert client.get(reverse("enrollment:my_space")).status_code == 302  # logged out


def test_deletion_needs_the_password(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("enrollment:my_data"), {"password": "faux"})
    assert response.status_code == 200
    assert "Mot de passe incorrect" in response.content.decode()
    assert type(user).objects.filter(pk=user.pk).exists()


# --- no email to a deleted person -------------------------------------------------------------


@pytest.fixture
def deleted_with_pending_provider(employee, member_structure):
    """Two requests of a deleted person still waiting for the provider: their session has
    started, so the deletion did not withdraw them."""
    started = [session_of(ActionKind.TRAINING, days=-1) for _ in range(2)]
    registrations = [
        RegistrationFactory(
            user=employee,
            session=session,
            status=Status.PENDING_PROVIDER,
            employer_approved_at=timezone.now(),
        )
        for session in started
    ]
    delete_account(employee)
    for registration in registrations:
        registration.refresh_from_db()
        assert registration.user_id is None and registration.email == ""
    provider_user = UserFactory()
    for session in started:
        session.action.provider.users.add(provider_user)
    return registrations, provider_user


def test_a_provider_decision_about_a_deleted_person_emails_nobody(deleted_with_pending_provider):
    (to_confirm, to_decline), provider_user = deleted_with_pending_provider
    services.confirm(to_confirm, by=provider_user)
    services.decline(to_decline, by=provider_user, reason="Hors public visé")
    to_confirm.refresh_from_db()
    to_decline.refresh_from_db()
    assert (to_confirm.status, to_decline.status) == (Status.CONFIRMED, Status.DECLINED)
    assert not Email.objects.filter(to__regex=r"^\s*$").exists()
    assert not Email.objects.filter(template="provider_decision").exists()
