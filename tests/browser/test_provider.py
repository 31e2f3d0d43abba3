"""The provider's side in a real browser: the provider confirms a request in its space, and
the participant sees « Confirmée » in « Mon espace » and downloads the calendar file (R10)."""

import re

import pytest
from icalendar import Calendar

from catalog.models import ActionKind
from enrollment.models import Registration, RegistrationStatus
from tests.browser.pages import assert_accessible, login, request_awaiting_provider
from tests.factories import (
    DEMO_PASSWORD,
    session_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def request_for_the_provider():
    session = session_of(ActionKind.TRAINING)
    session.action.title = "Conduire un entretien d'orientation"
    session.action.objectives = "Structurer un entretien d'orientation en trois temps."
    session.action.save()
    provider_user, employee, _approver, registration = request_awaiting_provider(session)
    return provider_user, employee, registration


def test_provider_confirms_and_participant_gets_the_ics(
    page, live_server, request_for_the_provider
):
    provider_user, employee, registration = request_for_the_provider
    login(page, live_server, provider_user.email, DEMO_PASSWORD)

    page.goto(f"{live_server.url}/espace-prestataire/")
    assert page.get_by_role("heading", level=1).inner_text() == "Espace prestataire"
    assert_accessible(page)
    page.get_by_role("link", name="Conduire un entretien d'orientation").click()
    page.wait_for_load_state()
    card = page.locator(f"#demande-{registration.pk}")
    assert card.get_by_text("Je reçois de plus en plus de jeunes en réorientation.").is_visible()
    assert card.get_by_text("Structurer un entretien d'orientation en trois temps.").is_visible()
    assert_accessible(page)

    card.get_by_role("button", name=re.compile(r"^Confirmer")).click()
    page.wait_for_load_state()
    assert page.get_by_text(re.compile(r"Hugo Lefèvre est confirmée")).is_visible()
    assert page.locator(f"#participant-{registration.pk}").get_by_text("Confirmée").is_visible()
    assert_accessible(page)
    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.CONFIRMED
    page.get_by_role("link", name="Feuille d'émargement (à imprimer)").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Feuille d'émargement"
    assert page.get_by_role("row", name=re.compile("LEFÈVRE Hugo")).is_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    login(page, live_server, employee.email, DEMO_PASSWORD)
    page.get_by_role("link", name="Mon espace").click()
    page.wait_for_load_state()
    item = page.locator(f"#demande-{registration.pk}")
    assert item.get_by_text("Confirmée", exact=True).is_visible()
    link = item.get_by_role("link", name=re.compile(r"^Ajouter à mon agenda"))
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.body()).walk("VEVENT")
    assert str(event["summary"]) == "ParcoursPro — Conduire un entretien d'orientation"
