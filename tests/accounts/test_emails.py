"""allauth's account emails: the programme's name and wording, in the branded layout of every
other email (HTML and text), through the outbox."""

import datetime as dt
import re

import pytest
from allauth.account.adapter import get_adapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from mailing.models import Email
from tests.factories import StructureFactory, UserFactory, signup_data

pytestmark = pytest.mark.django_db

# What the layout of every programme email shows (templates/emails/base.html).
BRAND = "ParcoursPro — Cap Métiers"

# Every email allauth's account app may send, with the context it gives.
ACCOUNT_EMAILS = {
    "email_confirmation": {"activate_url": "https://example.test/confirmer/", "key": "k"},
    "email_confirmation_signup": {"activate_url": "https://example.test/confirmer/", "key": "k"},
    "password_reset_key": {"password_reset_url": "https://example.test/nouveau/"},
    "account_already_exists": {"password_reset_url": "https://example.test/oubli/"},
    "unknown_account": {"signup_url": "https://example.test/inscription/"},
    "login_code": {"code": "ABC123"},
    "password_reset_code": {"code": "ABC123"},
    "email_changed": {"from_email": "ancien@example.test", "to_email": "nouveau@example.test"},
    "email_confirm": {},
    "email_deleted": {"deleted_email": "ancien@example.test"},
    "password_changed": {},
    "password_reset": {},
    "password_set": {},
}
NOTIFIED_AT = dt.datetime(2027, 2, 16, 9, 30, tzinfo=dt.UTC)  # 10 h 30 in Paris

# allauth's English and the empty site name of the bug.
NOT_SAID = ["Hello", "Thank you", "c'est  !", "sur .", "utiliser  !", "[]", "You "]


def assert_branded(email: Email) -> None:
    assert email.subject.startswith("[ParcoursPro] ")
    assert email.subject.strip() != "[ParcoursPro]"
    for text in (email.subject, email.body_text, email.body_html):
        for words in NOT_SAID:
            assert words not in text, (words, text)
    assert "ParcoursPro" in email.body_text
    assert email.body_text.rstrip().endswith(settings.SITE_URL)
    assert BRAND in email.body_html
    assert f"mailto:{settings.PROGRAMME_CONTACT_EMAIL}" in email.body_html


def outbox(template: str) -> list[Email]:
    return list(Email.objects.filter(template=template))


def test_signup_confirmation_names_the_programme_in_its_layout(client):
    """The first email anyone gets: a greeting by name, the programme's name, the link in the
    text and in the HTML, the programme's layout."""
    StructureFactory(name="Mission locale des Graves")
    response = client.post(
        reverse("account_signup"), signup_data(structure_query="Mission locale des Graves")
    )
    assert response.status_code == 302
    (email,) = outbox("email_confirmation_signup")
    assert_branded(email)
    assert email.body_text.startswith("Bonjour Camille,")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", email.body_text).group(0)
    assert f'href="{link}"' in email.body_html
    assert "Confirmez votre adresse électronique" in email.subject


def test_password_reset_names_the_programme_in_its_layout(client):
    UserFactory(email="oubli@example.test", first_name="Inès")
    client.post(reverse("account_reset_password"), {"email": "oubli@example.test"})
    (email,) = outbox("password_reset_key")
    assert_branded(email)
    assert email.body_text.startswith("Bonjour Inès,")
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+/", email.body_text).group(0)
    assert f'href="{link}"' in email.body_html
    assert "mot de passe" in email.subject


def test_password_reset_for_an_unknown_address_says_so_in_the_layout(client):
    client.post(reverse("account_reset_password"), {"email": "inconnu@example.test"})
    (email,) = outbox("unknown_account")
    assert_branded(email)
    assert "inconnu@example.test" in email.body_text
    assert "/accounts/signup/" in email.body_html


@pytest.mark.parametrize("name", sorted(ACCOUNT_EMAILS))
def test_every_account_email_is_french_and_branded(name):
    """Each email of allauth's account app, as the adapter records it."""
    user = UserFactory(first_name="Camille")
    context = {"user": user, **ACCOUNT_EMAILS[name]}
    if "base_notification" in get_template(f"account/email/{name}_message.txt").template.source:
        context |= {"ip": "192.0.2.1", "user_agent": "Firefox", "timestamp": NOTIFIED_AT}
    request = RequestFactory().get("/")
    request.user = user
    with allauth_context.request_context(request):
        get_adapter(request).send_mail(f"account/email/{name}", user.email, context)
    (email,) = outbox(name)
    assert email.to == user.email
    assert_branded(email)
    assert email.body_text.startswith("Bonjour Camille,")
    for value in ACCOUNT_EMAILS[name].values():
        if value != "k":
            assert value in email.body_text and value in email.body_html
    if "ip" in context:
        assert (
            "192.0.2.1" in email.body_text
            and "16 février 2027 à 10\u00a0h\u00a030" in email.body_text
        )
