"""Signup in a real browser: the form, the verification email, the confirmation link, login;
the signup and login pages have no serious or critical accessibility violation."""

import re

import pytest
from django.core import mail

from accounts.models import User
from tests.browser.pages import assert_accessible, login
from tests.factories import StructureFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Un-mot-de-passe-solide-2024"


def test_signup_confirm_email_then_login(page, live_server):
    structure = StructureFactory(name="Mission locale des Graves")

    page.goto(f"{live_server.url}/accounts/signup/")
    assert page.get_by_role("heading", level=1).inner_text() == "Créer votre compte ParcoursPro"
    assert_accessible(page)

    # Submitting with the structure missing gives a French error and creates nothing.
    page.locator("#id_email").fill("camille.browser@example.test")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_first_name").fill("Camille")
    page.locator("#id_last_name").fill("Martin")
    page.locator("#id_phone").fill("05 56 12 34 56")
    page.locator("#id_job_title").fill("Conseillère en insertion")
    page.get_by_label("Salarié·e d'une structure").check()
    page.locator("#id_field_of_activity").select_option("integration")
    page.locator("#id_department").select_option("33")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_load_state()
    assert page.get_by_text("Indiquez votre structure (son nom ou son SIRET)").is_visible()
    assert User.objects.count() == 0
    assert_accessible(page)

    # The structure typed by name; passwords are not sent back by the server.
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("#id_structure_query").fill("graves")
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_load_state()
    assert "/accounts/confirm-email/" in page.url
    user = User.objects.get(email="camille.browser@example.test")
    assert user.attachments.get(status="pending").structure == structure

    [confirmation] = [m for m in mail.outbox if m.to == ["camille.browser@example.test"]]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    page.goto(f"{live_server.url}{path}")
    page.locator("main form").get_by_role("button").click()
    page.wait_for_load_state()

    # Confirming logs the user in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION); log out, then in.
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    if page.get_by_role("button", name="Se déconnecter").count():
        # allauth's logout confirmation page
        page.locator("main form").get_by_role("button").click()
        page.wait_for_load_state()

    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page)
    login(page, live_server, "Camille.Browser@example.test", PASSWORD)
    page.goto(f"{live_server.url}/compte/profil/")
    assert page.locator("#id_first_name").input_value() == "Camille"
    assert_accessible(page)
