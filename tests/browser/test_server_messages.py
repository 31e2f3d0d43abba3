"""Every form of the site: an empty required field is answered by the server, in French,
next to the field — never by the browser's own « Please fill out this field » (issue 13,
item 11)."""

import re

import pytest
from django.utils import timezone

from catalog.models import ActionKind
from common.typography import spaced
from employers import attachments
from employers.models import Attachment
from enrollment import services
from tests.browser.pages import login, verified
from tests.factories import (
    DEMO_PASSWORD,
    MemberEmployeeFactory,
    StructureFactory,
    UserFactory,
    contact_of,
    session_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REQUIRED = "Ce champ est obligatoire."


@pytest.fixture
def people():
    """An approver, their employee (a cart item, a request waiting for the employer, another
    waiting for the provider), a pending request to join, and the provider's user."""
    structure = StructureFactory()
    year = timezone.localdate().year
    for y in (year, year + 1):
        structure.memberships.create(year=y, formula="base")
    approver = verified(UserFactory(structure=structure, email="valideuse@example.test"))
    structure.approvers.add(approver)
    employee = verified(MemberEmployeeFactory(structure=structure, email="hugo@example.test"))
    waiting, to_confirm = session_of(ActionKind.TRAINING), session_of(ActionKind.TRAINING)
    for session in (waiting, to_confirm):
        services.add_to_cart(employee, session)
    pending, confirmed = services.submit_cart(
        employee,
        contact=contact_of(employee),
        motivations={waiting.pk: "Mes attentes.", to_confirm.pk: "Mes attentes."},
    )
    services.approve(confirmed, by=approver)
    services.add_to_cart(employee, session_of(ActionKind.WEBINAR))
    provider = verified(UserFactory(email="prestataire@example.test", structure=None))
    to_confirm.action.provider.users.add(provider)
    newcomer = UserFactory(structure=None, email="ines@example.test")
    attachments.request_attachment(newcomer, structure)
    return {
        "approver": approver,
        "employee": employee,
        "provider": provider,
        "pending": pending,
        "confirmed": confirmed,
        "structure": structure,
        "attachment": Attachment.objects.get(user=newcomer),
    }


# (who, page, field id, what to open first, the server's message)
FORMS = {
    "login": (None, "/accounts/login/", lambda p: "id_login", None, REQUIRED),
    "signup": (None, "/accounts/signup/", lambda p: "id_email", None, REQUIRED),
    "password reset": (None, "/accounts/password/reset/", lambda p: "id_email", None, REQUIRED),
    "cart": (
        "employee",
        "/panier/",
        lambda p: f"id_motivations_{p['employee'].cart.items.get().session_id}",
        None,
        "Décrivez vos motivations et vos attentes",
    ),
    "cancel": (
        "employee",
        lambda p: f"/mon-espace/desister/{p['pending'].pk}/",
        lambda p: "id_reason",
        None,
        "Indiquez le motif de votre désistement",
    ),
    "profile": ("employee", "/compte/profil/", lambda p: "id_first_name", None, REQUIRED),
    "account deletion": (
        "employee",
        "/compte/mes-donnees/",
        lambda p: "id_password",
        None,
        "Saisissez votre mot de passe pour confirmer.",
    ),
    # The Employer Space's row refusal posts the selection form (one form for the table):
    # its empty reason is checked by tests/employers/test_space_table.py.
    "Employer Space: invitation": (
        "approver",
        "/espace-employeur/",
        lambda p: f"id_invite-{p['structure'].pk}-email",
        None,
        "Indiquez l'adresse électronique de la personne à inviter.",
    ),
    "Employer Space: request to join": (
        "approver",
        "/espace-employeur/",
        lambda p: f"attachment-reason-{p['attachment'].pk}",
        re.compile("Refuser le rattachement"),
        "Indiquez le motif du refus : il est transmis à la personne.",
    ),
    "provider: decline": (
        "provider",
        lambda p: f"/espace-prestataire/sessions/{p['confirmed'].session_id}/",
        lambda p: f"id_decline-{p['confirmed'].pk}-reason",
        None,
        "Indiquez le motif",
    ),
}


@pytest.mark.parametrize("name", list(FORMS))
def test_an_empty_required_field_gets_the_servers_french_message(page, live_server, people, name):
    who, url, field_id, opener, message = FORMS[name]
    if who:
        login(page, live_server, people[who].email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}{url(people) if callable(url) else url}")
    if opener:
        page.get_by_text(opener).first.click()
    field_id = field_id(people)
    field = page.locator(f"#{field_id}")
    field.fill("")
    form = field.locator("xpath=ancestor::form")
    assert form.evaluate("form => form.noValidate"), "the browser would check it first"
    with page.expect_navigation(timeout=5_000):
        form.locator("button[type=submit]:visible").last.click()
    if opener and not page.locator(f"#{field_id}").is_visible():
        page.get_by_text(opener).first.click()
    error = page.locator(f"#{field_id}_error")
    assert spaced(message) in error.inner_text()
    assert error.is_visible()
    assert page.locator(f"#{field_id}").get_attribute("aria-invalid") == "true"
