"""Signup with the professional profile, email verification and login (django-allauth)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import User
from common.choices import EmploymentStatus
from employers.models import Structure
from employers.validators import complete_siret
from mailing.models import Email
from tests.factories import SIGNUP_PASSWORD as PASSWORD
from tests.factories import StructureFactory, UserFactory, signup_data
from web.accounts.forms import ERRORS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    """allauth's rate limits live in the cache, which outlives a test."""
    cache.clear()


def confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_page_is_french_in_site_layout(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Créer votre compte ParcoursPro" in html
    assert 'class="skip-link"' in html  # the site's base.html
    assert "Votre structure\u00a0: nom ou SIRET" in html
    assert "js/structure-picker.js" in html
    assert "<script>" not in html  # no inline script (CSP to come)


def test_signup_verify_email_then_login(client, django_capture_on_commit_callbacks):
    """A new professional confirms their email from the link, then logs in; the email goes
    through the outbox and Celery once the signup commits."""
    structure = StructureFactory(name="Mission locale des Graves")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"), signup_data(structure_query="Mission locale des Graves")
        )
    assert Email.objects.filter(to="camille.martin@example.test", sent_at__isnull=False).exists()
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")

    user = User.objects.get(email="camille.martin@example.test")
    assert user.first_name == "Camille"
    assert user.phone == "05 56 12 34 56"
    assert user.structure is None  # until one of its approvers confirms (Decisions)
    assert user.attachments.get(status="pending").structure == structure
    assert user.employment_status == EmploymentStatus.EMPLOYEE
    assert user.has_complete_profile
    assert not EmailAddress.objects.get(user=user).verified

    # Mandatory verification: no login before the email is confirmed.
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    assert not response.context["user"].is_authenticated
    assert len(mail.outbox) >= 1

    # Nobody is asked anything on behalf of an address not verified yet.
    assert not [m for m in mail.outbox if m.to == [settings.PROGRAMME_CONTACT_EMAIL]]
    [message] = [m for m in mail.outbox if m.to == ["camille.martin@example.test"]]
    assert message.subject.startswith("[ParcoursPro]")
    link = confirmation_link(message)
    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Confirmer l'adresse électronique" in body
    assert "Merci de confirmer que" in body and "camille.martin@example.test" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    # Verified: the structure has no approver, so staff are asked to confirm the attachment.
    [staff_email] = [m for m in mail.outbox if m.to == [settings.PROGRAMME_CONTACT_EMAIL]]
    assert "Mission locale des Graves" in staff_email.subject

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "Camille.Martin@Example.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["user"] == user


def test_signup_bad_input_gives_french_errors_and_creates_nothing(client):
    StructureFactory(name="Mission locale de Pessac")
    data = signup_data(
        email="pas-une-adresse",
        password2="autre-chose",
        first_name="",
        phone="12",
        structure_query="Structure inconnue",
    )
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "first_name" in form.errors
    assert form.errors["phone"] == [str(ERRORS["phone"])]
    assert "Aucune structure validée ne correspond à « Structure inconnue »" in str(
        form.errors["structure_query"]
    )
    html = response.content.decode()
    assert "Le formulaire contient des erreurs" in html
    assert "Ce champ est obligatoire." in html
    assert 'aria-invalid="true"' in html
    assert User.objects.count() == 0
    assert Structure.objects.count() == 1
    assert mail.outbox == []


def test_signup_employee_proposes_missing_structure(client):
    siret = complete_siret("4242424242424")
    data = signup_data(
        new_structure_name="Association Tremplin",
        new_structure_siret=f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}",
        new_structure_department="24",
    )
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302
    user = User.objects.get()
    structure = user.structure
    assert structure.name == "Association Tremplin"
    assert structure.siret == siret
    assert structure.department == "24"
    assert not structure.is_validated
    assert structure.proposed_by == user
    assert list(structure.approvers.all()) == []


def test_signup_invalid_siret_is_refused_in_french(client):
    response = client.post(
        reverse("account_signup"),
        signup_data(
            new_structure_name="Association Tremplin",
            new_structure_siret="12345678901234",
            new_structure_department="24",
        ),
    )
    assert response.status_code == 200
    assert "clé de contrôle incorrecte" in str(response.context["form"].errors)
    assert User.objects.count() == 0
    assert Structure.objects.count() == 0


def test_signup_independent_gets_own_structure_as_approver(client):
    siret = complete_siret("7777777777777")
    data = signup_data(
        email="indep@example.test",
        employment_status=EmploymentStatus.INDEPENDENT,
        new_structure_siret=siret,
    )
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302
    user = User.objects.get()
    structure = user.structure
    assert structure.kind == Structure.Kind.INDEPENDENT
    assert structure.name == "Camille Martin"
    assert structure.department == "33"
    assert structure.siret == siret
    assert not structure.is_validated
    assert list(structure.approvers.all()) == [user]


def test_signup_independent_without_siret_is_told_to_give_it(client):
    response = client.post(
        reverse("account_signup"), signup_data(employment_status=EmploymentStatus.INDEPENDENT)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["structure_query"] == [
        str(ERRORS["independent_missing"])
    ]
    assert User.objects.count() == 0


def test_signup_job_seeker_has_no_structure(client):
    StructureFactory(name="Ignorée")
    response = client.post(
        reverse("account_signup"),
        signup_data(employment_status=EmploymentStatus.JOB_SEEKER, structure_query="Ignorée"),
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert user.structure is None
    assert user.is_job_seeker
    assert user.has_complete_profile


def test_signup_employee_without_structure_is_refused(client):
    response = client.post(reverse("account_signup"), signup_data())
    assert response.status_code == 200
    assert response.context["form"].errors["structure_query"] == [str(ERRORS["structure_missing"])]
    assert User.objects.count() == 0


def test_duplicate_email_differing_by_case_creates_no_second_account(
    client, django_capture_on_commit_callbacks
):
    """With enumeration prevention (allauth's default), "Foo@x" when "foo@x" exists creates
    nothing: the owner is told by email that an account already exists."""
    UserFactory(email="foo@example.test")
    structure = StructureFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            signup_data(email="Foo@Example.test", structure_query=structure.siret),
        )
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="foo@example.test").count() == 1
    assert len(mail.outbox) == 1
    assert "confirm-email" not in mail.outbox[0].body


def test_duplicate_email_refused_by_form_without_enumeration_prevention(client, settings):
    settings.ACCOUNT_PREVENT_ENUMERATION = False
    UserFactory(email="foo@example.test")
    structure = StructureFactory()
    response = client.post(
        reverse("account_signup"),
        signup_data(email="Foo@example.test", structure_query=structure.siret),
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert "utilise déjà cette adresse" in str(response.context["form"].errors["email"])
    assert User.objects.count() == 1


def test_email_is_unique_case_insensitively_in_database():
    UserFactory(email="foo@example.test")
    with pytest.raises(IntegrityError):
        UserFactory(email="Foo@example.test")


def test_email_login_is_case_insensitive_for_the_backend():
    user = UserFactory(email="camille@example.test")
    assert User.objects.get_by_natural_key("CAMILLE@example.TEST") == user


def test_create_user_requires_email():
    with pytest.raises(ValueError):
        User.objects.create_user(email="", password="x")
    admin = User.objects.create_superuser(email="admin@example.test", password="x")
    assert admin.is_staff and admin.is_superuser
    assert str(admin) == "admin@example.test"


@pytest.mark.parametrize(
    "url_name",
    ["account_login", "account_reset_password", "account_email_verification_sent"],
)
def test_allauth_pages_are_french_in_site_layout(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'class="skip-link"' in html
    assert "Sign" not in html


def test_password_reset_sends_french_email(client, django_capture_on_commit_callbacks):
    UserFactory(email="oubli@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "oubli@example.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "mot de passe" in mail.outbox[0].body.lower()


def test_logout_and_email_page_for_logged_in_user(client):
    user = UserFactory()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    client.force_login(user)
    response = client.get(reverse("account_email"))
    assert response.status_code == 200
    assert user.email in response.content.decode()
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
