"""The three journeys on a 390 px phone (issue 25): the employer decides from cards, the
provider reads its sessions as cards with a count in good French, the job seeker meets
« Votre situation » under the title of a member-only action and goes on to a short format,
whose cart promises nothing that does not happen. Nothing scrolls sideways; axe is clean."""

import re

import pytest

from catalog.models import ActionKind
from enrollment.models import Registration, RegistrationStatus
from tests.browser.pages import assert_accessible, login, request_awaiting_provider, verified
from tests.factories import (
    DEMO_PASSWORD,
    JobSeekerFactory,
    MemberEmployeeFactory,
    member_structure_with_approver,
    register,
    session_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def on_screen_horizontally(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_employer_decides_from_cards(page, live_server):
    structure = member_structure_with_approver("direction@example.test")
    approver = verified(structure.approver)
    employee = MemberEmployeeFactory(structure=structure, first_name="Inès", last_name="Garnier")
    session = session_of(ActionKind.TRAINING)
    session.action.title = "Conduire un entretien d'orientation"
    session.action.save()
    [registration] = register(employee, session)
    page.set_viewport_size(PHONE)
    login(page, live_server, approver.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-employeur/")

    card = page.locator(f"#request-{registration.pk}")
    assert card.evaluate("el => getComputedStyle(el).display") == "block"
    accept = card.get_by_role("button", name=re.compile("^Accepter"))
    assert accept.is_visible() and on_screen_horizontally(accept)
    refuse = card.locator("summary", has_text="Refuser")
    assert refuse.is_visible() and on_screen_horizontally(refuse)
    assert fits_the_phone(page)
    assert_accessible(page)

    accept.click()
    page.wait_for_load_state()
    assert Registration.objects.get(pk=registration.pk).status == (
        RegistrationStatus.PENDING_PROVIDER
    )
    page.get_by_role("link", name="Historique des décisions et export").click()
    page.wait_for_load_state()
    row = page.locator("#decisions tbody tr").first
    for label in ("Décision", "Motif"):
        cell = row.locator(f"td[data-label='{label}']")
        assert cell.is_visible() and on_screen_horizontally(cell)
    assert "Acceptée" in row.inner_text()
    assert fits_the_phone(page)
    assert_accessible(page)


def test_the_provider_reads_its_sessions_as_cards(page, live_server):
    session = session_of(ActionKind.TRAINING, capacity=14)
    session.action.title = "Animer un atelier collectif"
    session.action.save()
    provider_user, _employee, _approver, registration = request_awaiting_provider(session)
    page.set_viewport_size(PHONE)
    login(page, live_server, provider_user.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-prestataire/")
    row = page.locator(f"#session-{session.pk}")
    assert row.evaluate("el => getComputedStyle(el).display") == "block"
    held = row.locator("td[data-label='Places occupées']")
    assert held.is_visible() and on_screen_horizontally(held)
    assert fits_the_phone(page)
    assert_accessible(page)

    row.get_by_role("link", name="Animer un atelier collectif").click()
    page.wait_for_load_state()
    header = page.locator("main .card-meta").first.inner_text()
    assert re.search(r"1\s+place occupée sur 14 \(dont 0\s+participant confirmé\)", header)
    page.locator(f"#demande-{registration.pk}").get_by_role(
        "button", name=re.compile("^Confirmer")
    ).click()
    page.wait_for_load_state()
    header = page.locator("main .card-meta").first.inner_text()
    assert re.search(r"1\s+place occupée sur 14", header) and "dont" not in header
    participant = page.locator(f"#participant-{registration.pk}")
    assert participant.evaluate("el => getComputedStyle(el).display") == "block"
    assert fits_the_phone(page)
    assert_accessible(page)


def test_the_job_seeker_finds_her_situation_and_the_short_formats(page, live_server):
    member_only = session_of(ActionKind.TRAINING)
    member_only.action.title = "Conduire un entretien d'orientation"
    member_only.action.objectives = "- Accueillir la personne\n- Construire un plan d'action"
    member_only.action.save()
    webinar = session_of(ActionKind.WEBINAR)
    webinar.action.title = "Webinaire : les métiers du grand âge"
    webinar.action.save()
    person = verified(JobSeekerFactory(email="demandeuse@example.test", first_name="Sarah"))
    page.set_viewport_size(PHONE)
    login(page, live_server, person.email, DEMO_PASSWORD)

    page.goto(f"{live_server.url}{member_only.action.get_absolute_url()}")
    situation = page.locator("#situation")
    assert "Votre situation" in situation.inner_text()
    assert "demandeurs d'emploi" in situation.inner_text()
    # Under the title, within the first screen: not 1,940 px down the page.
    assert situation.bounding_box()["y"] < PHONE["height"]
    assert page.locator("#objectives-title + ul li").count() == 2
    assert fits_the_phone(page)
    assert_accessible(page)

    situation.get_by_role("link", name="Voir les formats courts ouverts à tous").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Webinaire : les métiers du grand âge").first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name=re.compile("^Ajouter au panier")).click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/panier/")
    body = page.locator("main").inner_text()
    assert "Le prestataire les lit avant de confirmer" not in body
    assert "transmises à votre employeur" not in body
    assert page.get_by_text("Coordonnées transmises au prestataire").is_visible()
    assert fits_the_phone(page)
    assert_accessible(page)

    page.get_by_label(re.compile("Vos motivations et attentes")).fill("Découvrir ces métiers.")
    page.locator("main form .button-row").get_by_role("button", name="Valider mon panier").click()
    page.wait_for_load_state()
    assert Registration.objects.get(user=person).status == RegistrationStatus.CONFIRMED
    page.goto(f"{live_server.url}/mon-espace/")
    body = page.locator("main").inner_text()
    assert "réservée aux adhérents sur" not in body
    assert page.get_by_role("heading", name="Les actions qui vous sont ouvertes").is_visible()
    assert fits_the_phone(page)
    assert_accessible(page)
