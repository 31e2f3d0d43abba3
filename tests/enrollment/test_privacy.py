"""Personal data (RGPD): download as JSON, and account deletion that anonymises."""

import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration, RegistrationEvent, RegistrationStatus
from enrollment.privacy import delete_account, personal_data
from mailing.models import ERASED_SUBJECT, Email
from tests.emails import rendered
from tests.factories import (
    DEMO_PASSWORD,
    MemberEmployeeFactory,
    RegistrationFactory,
    UserFactory,
    contact_of,
    register,
    session_of,
)

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


# --- emails: the contact address, the emails about the person, retention ----------------------


def submit_with_contact(user, *sessions, email, motivations="Mes raisons très personnelles"):
    """Validate the cart with a contact address other than the account's."""
    for session in sessions:
        services.add_to_cart(user, session)
    return services.submit_cart(
        user,
        contact={**contact_of(user), "email": email},
        motivations={session.pk: motivations for session in sessions},
    )


@pytest.fixture
def zephirine(member_structure):
    """An employee whose name appears nowhere else."""
    return MemberEmployeeFactory(
        structure=member_structure,
        email="zephirine@example.test",
        first_name="Zéphirine",
        last_name="Quillevère",
    )


def test_deletion_erases_emails_sent_to_the_contact_address(zephirine):
    """Emails sent to the address typed in the cart go with the account, whatever its case."""
    submit_with_contact(
        zephirine, session_of(ActionKind.WEBINAR), email="Perso.Zephirine@Example.test"
    )
    assert Email.objects.filter(to__iexact="perso.zephirine@example.test").exists()
    someone_else = Email.objects.create(
        template="test", to="autre.zephirine@example.test", subject="Objet", body_text="Texte"
    )
    delete_account(zephirine)
    assert not Email.objects.filter(to__iexact="perso.zephirine@example.test").exists()
    assert Email.objects.filter(pk=someone_else.pk).exists()


def test_deletion_keeps_the_emails_of_another_account_at_a_shared_contact_address(
    zephirine, member_structure
):
    """A contact address that is another account's login is that person's: only the emails
    about the leaver are erased there."""
    approver = member_structure.approver
    theirs = Email.objects.create(
        template="test", to=approver.email, subject="Pour l'employeur", body_text="Texte"
    )
    submit_with_contact(zephirine, session_of(ActionKind.WEBINAR), email=approver.email.upper())
    delete_account(zephirine)
    assert Email.objects.get(pk=theirs.pk).body_text == "Texte"
    for email in rendered(Email.objects.filter(to=approver.email)):
        assert "Zéphirine" not in email.subject + email.body_text + email.body_html


def test_export_lists_the_emails_sent_to_the_contact_address_and_about_the_person(
    zephirine, member_structure
):
    submit_with_contact(zephirine, session_of(ActionKind.TRAINING), email="perso@example.test")
    emails = personal_data(zephirine)["emails"]
    addressed = {email["to"] for email in emails}
    assert "perso@example.test" in addressed  # the acknowledgement
    assert member_structure.approver.email in addressed  # the request to the employer
    assert {"subject", "to", "created_at", "sent_at"} <= set(emails[0])


def test_export_leaves_out_the_emails_of_someone_else(zephirine, member_structure):
    Email.objects.create(template="test", to="x@example.test", subject="Autre", body_text="T")
    register(zephirine, session_of(ActionKind.WEBINAR))
    assert "x@example.test" not in {e["to"] for e in personal_data(zephirine)["emails"]}


def test_deletion_erases_what_approvers_and_staff_received_about_the_person(
    zephirine, member_structure, django_capture_on_commit_callbacks
):
    """Emails to others keep their trace (to, dates) but lose every word about the leaver;
    unsent ones go."""
    approver = member_structure.approver
    [past] = register(zephirine, session_of(ActionKind.TRAINING), motivations="Secret A")
    services.approve(past, by=approver)
    Email.objects.update(sent_at=timezone.now())  # everything so far was delivered
    register(zephirine, session_of(ActionKind.TRAINING), motivations="Secret B")
    sent = Email.objects.get(template="approval_requested", sent_at__isnull=False)
    unsent = Email.objects.get(template="approval_requested", sent_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(zephirine)
    sent.refresh_from_db()
    assert (sent.to, sent.template) == (approver.email, "approval_requested")
    assert sent.sent_at is not None and sent.erased_at is not None
    assert (sent.body_text, sent.body_html, sent.attachments) == ("", "", [])
    assert sent.subject == ERASED_SUBJECT
    assert not Email.objects.filter(pk=unsent.pk).exists()
    for email in rendered(Email.objects.all()):  # the withdrawal notices included
        text = email.subject + email.body_text + email.body_html
        assert "Zéphirine" not in text and "Quillevère" not in text and "Secret" not in text


def test_withdrawal_at_deletion_still_tells_staff_without_naming_the_person(
    zephirine, member_structure
):
    register(zephirine, session_of(ActionKind.TRAINING))
    delete_account(zephirine)
    # Not rendered yet (not committed), they name nobody in what they will be rendered from
    # either: the contexts recorded with them hold neither the account nor its details.
    for email in Email.objects.exclude(context=None):
        recorded = bytes(email.context)
        for word in ("Zéphirine", "Quillevère", "zephirine@example.test"):
            assert word.encode() not in recorded, (email.template, word)
    (notice,) = rendered(Email.objects.filter(template="cancellation_notice"))
    assert notice.to == settings.PROGRAMME_CONTACT_EMAIL
    assert "compte a été supprimé" in notice.body_text
