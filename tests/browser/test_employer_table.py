"""The Employer Space's table in a real browser, on a desktop and on a phone: an approver
filters the requests, accepts two at once, refuses another with one reason (no JavaScript
needed: the reason is in a disclosure), and every page stays accessible (R4, issue 12)."""

import pytest
from django.utils import timezone

from catalog.models import ActionKind
from common.text import de_name
from enrollment import services
from enrollment.models import Registration, RegistrationStatus
from mailing.models import Email
from tests.browser.pages import assert_accessible, login, verified
from tests.factories import (
    DEMO_PASSWORD,
    MemberEmployeeFactory,
    StructureFactory,
    UserFactory,
    contact_of,
    session_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Status = RegistrationStatus
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def requests_of_a_team():
    """Three trainings and one workshop requested by three employees of one structure."""
    structure = StructureFactory(name="Mission locale du Libournais")
    year = timezone.localdate().year
    for y in (year, year + 1):
        structure.memberships.create(year=y, formula="base")
    approver = verified(
        UserFactory(structure=structure, email="direction@example.test", first_name="Nadia")
    )
    structure.approvers.add(approver)
    names = [("Inès", "Garnier"), ("Jules", "Henry"), ("Karim", "Idrissi")]
    employees = [
        MemberEmployeeFactory(
            structure=structure,
            first_name=first,
            last_name=last,
            email=f"{last.lower()}@example.test",
        )
        for first, last in names
    ]
    trainings = []
    for n, employee in enumerate(employees):
        session = session_of(ActionKind.TRAINING, days=40 + n)
        session.action.title = f"Formation {n + 1} : entretien d'orientation"
        session.action.save()
        trainings.append(submit(employee, session))
    workshop = session_of(ActionKind.PRACTICE_WORKSHOP, days=50)
    workshop.action.title = "Atelier de co-développement"
    workshop.action.save()
    other = submit(employees[0], workshop)
    return approver, trainings, other


def submit(employee, session):
    services.add_to_cart(employee, session)
    [registration] = services.submit_cart(
        employee,
        contact=contact_of(employee),
        motivations={session.pk: "Mieux accompagner les jeunes en réorientation."},
    )
    return registration


def name_of(registration) -> str:
    return f"{registration.first_name} {registration.last_name}"


def checkbox(page, registration):
    return page.get_by_label(
        f"Sélectionner la demande {de_name(name_of(registration))} pour "
        f"« {registration.session.action.title} »"
    )


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_approver_filters_accepts_two_and_refuses_one_with_a_reason(
    page, live_server, requests_of_a_team, viewport
):
    approver, trainings, workshop = requests_of_a_team
    page.set_viewport_size(viewport)
    login(page, live_server, approver.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-employeur/")
    assert page.get_by_role("heading", level=2, name="Demandes à traiter (4)").is_visible()
    assert page.locator("#demandes tbody tr").count() == 4
    assert_accessible(page)

    # Filter: the trainings only; the filter is kept in the URL.
    page.get_by_label("Type d'action").select_option(label="Action de formation")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_load_state()
    assert "kind=training" in page.url
    assert page.locator("#demandes tbody tr").count() == 3
    assert page.locator(f"#request-{workshop.pk}").count() == 0

    if viewport["width"] < 500:
        # On a phone each request is a card: nothing scrolls sideways, « Accepter » is on
        # screen, each cell under its column's name.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        region = page.get_by_role("region", name="Demandes en attente de votre décision")
        assert region.evaluate("el => el.scrollWidth <= el.clientWidth")
        row = page.locator(f"#request-{trainings[0].pk}")
        accept = row.get_by_role("button", name="Accepter")
        box = accept.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        decision = row.locator("td[data-label='Décision']")
        assert decision.evaluate("el => getComputedStyle(el, '::before').content").startswith(
            '"Décision"'
        )
    assert_accessible(page)

    # Accept two at once.
    checkbox(page, trainings[0]).check()
    checkbox(page, trainings[1]).check()
    page.get_by_role("button", name="Accepter la sélection").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 demandes acceptées.").is_visible()
    assert "kind=training" in page.url
    assert page.locator("#demandes tbody tr").count() == 1

    # Refuse the third: the reason is asked for only when refusing.
    refuse = page.get_by_role("button", name="Refuser la sélection", exact=True)
    assert not refuse.is_visible()
    checkbox(page, trainings[2]).check()
    page.locator("#bulk summary").click()
    assert refuse.is_visible()
    page.get_by_label("Motif du refus des demandes sélectionnées").fill(
        "Le plan de formation de cette année est complet."
    )
    assert_accessible(page)
    refuse.click()
    page.wait_for_load_state()
    assert page.get_by_text("1 demande refusée").is_visible()
    assert page.get_by_text("Aucune demande ne correspond à ces critères.").is_visible()
    assert_accessible(page)

    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert [statuses[r.pk] for r in trainings] == [
        Status.PENDING_PROVIDER,
        Status.PENDING_PROVIDER,
        Status.REFUSED,
    ]
    assert statuses[workshop.pk] == Status.PENDING_EMPLOYER
    email = Email.objects.get(template="employer_decision", to=trainings[2].email)
    assert "Le plan de formation de cette année est complet." in email.body_text

    # The history, with the same filters, tells who decided what.
    page.get_by_role("link", name="Historique des décisions et export").click()
    page.wait_for_load_state()
    page.get_by_label("Décision", exact=True).select_option(label="Refusée")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_load_state()
    rows = page.locator("#decisions tbody tr")
    assert rows.count() == 1
    assert "Le plan de formation de cette année est complet." in rows.inner_text()
    assert name_of(trainings[2]) in rows.inner_text()
    if viewport["width"] < 500:
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        # « Décision » and « Motif » are on screen, not past a sideways scroll.
        for label in ("Décision", "Motif"):
            cell = rows.locator(f"td[data-label='{label}']")
            box = cell.bounding_box()
            assert cell.is_visible() and box["x"] + box["width"] <= viewport["width"]
    assert_accessible(page)


def test_refusing_a_selection_without_a_reason_keeps_it(page, live_server, requests_of_a_team):
    """Without JavaScript's help the server answers: the error in the opened disclosure, the
    selection still ticked."""
    approver, trainings, _ = requests_of_a_team
    login(page, live_server, approver.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-employeur/?sort=-employee")
    checkbox(page, trainings[1]).check()
    page.locator("#bulk summary").click()
    page.get_by_role("button", name="Refuser la sélection", exact=True).click()
    page.wait_for_load_state()
    assert "Indiquez le motif du refus" in page.locator("#bulk [role=alert]").inner_text()
    assert checkbox(page, trainings[1]).is_checked()
    assert not checkbox(page, trainings[0]).is_checked()
    assert "sort=-employee" in page.locator("#bulk").get_attribute("action")
    assert_accessible(page)
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.PENDING_EMPLOYER}
