"""The professional's journey in a real browser: search, add two sessions, validate the cart,
follow the requests in « Mon espace », withdraw from one (FAQ Q7, Q8, Q11)."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from catalog.models import ActionKind
from enrollment.models import Registration, RegistrationStatus
from tests.browser.pages import login
from tests.factories import DEMO_PASSWORD, ActionFactory, MemberEmployeeFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey_data():
    employee = MemberEmployeeFactory(email="salariee@example.test", first_name="Camille")
    EmailAddress.objects.update_or_create(
        user=employee, email=employee.email, defaults={"verified": True, "primary": True}
    )
    action = ActionFactory(
        title="Accompagner les transitions professionnelles",
        slug="accompagner-les-transitions",
        kind=ActionKind.TRAINING,
    )
    start = timezone.now() + dt.timedelta(days=45)
    sessions = [
        SessionFactory(action=action, starts_at=start, capacity=10),
        SessionFactory(action=action, starts_at=start + dt.timedelta(days=30), capacity=10),
    ]
    return employee, action, sessions


def test_employee_registers_for_two_sessions_and_withdraws_from_one(
    page, live_server, assert_accessible, journey_data
):
    employee, action, sessions = journey_data
    login(page, live_server, employee.email, DEMO_PASSWORD)

    # Search the catalogue, open the action.
    page.goto(f"{live_server.url}/catalogue/?q=transitions")
    page.get_by_role("link", name=action.title, exact=True).first.click()
    page.wait_for_url(re.compile(re.escape(action.get_absolute_url())))

    # Add its two sessions to the cart.
    for session in sessions:
        page.locator(f"#session-{session.pk}").get_by_role(
            "button", name=re.compile("Ajouter au panier")
        ).click()
        page.wait_for_load_state()
        assert page.get_by_text("Session ajoutée à votre panier").is_visible()

    # The cart: fill the motivations and validate.
    page.goto(f"{live_server.url}/panier/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mon panier"
    assert_accessible(page)
    assert page.get_by_label("Adresse électronique").input_value() == employee.email
    for session in sessions:
        page.locator(f"#item-{session.pk}").get_by_label(
            re.compile("Vos motivations et attentes")
        ).fill("Mieux accompagner les personnes en reconversion.")
    page.get_by_role("button", name="Valider mon panier").click()
    page.wait_for_url(re.compile("/panier/confirmation/"))
    assert page.get_by_text("En attente de la validation de votre employeur").count() == 2

    # « Mon espace » lists both requests.
    page.get_by_role("link", name=re.compile("Mon espace")).first.click()
    page.wait_for_url(re.compile("/mon-espace/$"))
    registrations = list(Registration.objects.filter(user=employee).order_by("session__starts_at"))
    assert len(registrations) == 2
    for registration in registrations:
        assert page.locator(f"#demande-{registration.pk}").is_visible()
    assert_accessible(page)

    # Withdraw from the second one, with a reason.
    withdrawn = registrations[1]
    page.locator(f"#demande-{withdrawn.pk}").get_by_role(
        "link", name=re.compile("Me désister")
    ).click()
    page.get_by_label("Motif de votre désistement").fill("Un conflit avec une réunion d'équipe.")
    page.get_by_role("button", name="Confirmer mon désistement").click()
    page.wait_for_url(re.compile("/mon-espace/$"))
    assert page.get_by_text("Votre désistement est enregistré").is_visible()
    assert "Désistement" in page.locator(f"#demande-{withdrawn.pk}").inner_text()
    withdrawn.refresh_from_db()
    assert withdrawn.status == RegistrationStatus.CANCELLED
    assert withdrawn.cancellation_reason == "Un conflit avec une réunion d'équipe."
    kept = registrations[0]
    kept.refresh_from_db()
    assert kept.status == RegistrationStatus.PENDING_EMPLOYER
