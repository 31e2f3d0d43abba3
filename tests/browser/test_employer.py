"""The employer's side in a real browser: an employee's two requests are decided in the
Employer Space, and the employee sees both decisions in « Mon espace » (FAQ Q8, R4)."""

import re

import pytest
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import Registration, RegistrationStatus
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


@pytest.fixture
def two_requests():
    structure = StructureFactory(name="Mission locale des Graves")
    year = timezone.localdate().year
    for y in (year, year + 1):
        structure.memberships.create(year=y, formula="extended")
    approver = verified(
        UserFactory(structure=structure, email="direction@example.test", first_name="Nadia")
    )
    structure.approvers.add(approver)
    employee = verified(
        MemberEmployeeFactory(
            structure=structure,
            email="salarie@example.test",
            first_name="Hugo",
            last_name="Lefèvre",
        )
    )
    training = session_of(ActionKind.TRAINING)
    training.action.title = "Conduire un entretien d'orientation"
    training.action.save()
    workshop = session_of(ActionKind.PRACTICE_WORKSHOP)
    workshop.action.title = "Atelier de co-développement"
    workshop.action.save()
    for session in (training, workshop):
        services.add_to_cart(employee, session)
    accepted, refused = services.submit_cart(
        employee,
        contact=contact_of(employee),
        motivations={
            training.pk: "Je reçois de plus en plus de jeunes en réorientation.",
            workshop.pk: "Partager nos pratiques d'accueil avec d'autres structures.",
        },
    )
    return approver, employee, accepted, refused


def test_approver_accepts_one_request_and_refuses_the_other(page, live_server, two_requests):
    approver, employee, accepted, refused = two_requests
    login(page, live_server, approver.email, DEMO_PASSWORD)

    page.get_by_role("link", name="Espace employeur").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Espace employeur"
    first = page.locator(f"#request-{accepted.pk}")
    second = page.locator(f"#request-{refused.pk}")
    # The motivations are a disclosure in each row.
    first.get_by_text("Lire", exact=False).click()
    assert first.get_by_text("Je reçois de plus en plus de jeunes en réorientation.").is_visible()
    second.get_by_text("Lire", exact=False).click()
    assert second.get_by_text("Partager nos pratiques d'accueil").is_visible()
    assert_accessible(page)

    # Accept the first.
    first.get_by_role("button", name=re.compile(r"^Accepter la demande")).click()
    page.wait_for_load_state()
    assert page.get_by_text(
        re.compile(r"pour «\sConduire un entretien d'orientation\s» est acceptée")
    ).is_visible()

    # Refusing without a reason says what is missing, next to the field.
    second = page.locator(f"#request-{refused.pk}")
    second.locator("summary", has_text="Refuser…").click()
    second.get_by_role("button", name=re.compile(r"^Refuser")).click()
    page.wait_for_load_state()
    alert = page.locator(f"#request-{refused.pk} [role=alert]")
    assert "Indiquez le motif du refus" in alert.inner_text()
    assert_accessible(page)

    # Then with a reason.
    second = page.locator(f"#request-{refused.pk}")
    second.get_by_label("Motif du refus").fill("Atelier déjà suivi par une collègue cette année.")
    second.get_by_role("button", name=re.compile(r"^Refuser")).click()
    page.wait_for_load_state()
    assert page.get_by_text("Aucune demande n'attend votre décision.").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Historique des décisions et export").click()
    page.wait_for_load_state()
    history = page.get_by_role("table")
    assert "Atelier déjà suivi par une collègue cette année." in history.inner_text()
    assert_accessible(page)

    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert statuses == {
        accepted.pk: RegistrationStatus.PENDING_PROVIDER,
        refused.pk: RegistrationStatus.REFUSED,
    }

    # The employee sees both decisions in « Mon espace ».
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()
    login(page, live_server, employee.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/mon-espace/")
    accepted_card = page.locator(f"#demande-{accepted.pk}")
    refused_card = page.locator(f"#demande-{refused.pk}")
    assert "En attente du prestataire" in accepted_card.inner_text()
    assert "Refusée par l'employeur" in refused_card.inner_text()
    assert "Atelier déjà suivi par une collègue cette année." in refused_card.inner_text()


def test_approver_accepts_a_selection(page, live_server, two_requests):
    approver, employee, accepted, refused = two_requests
    login(page, live_server, approver.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-employeur/")
    page.get_by_label("Sélectionner la demande d'Hugo Lefèvre pour « Conduire").check()
    page.get_by_label("Sélectionner la demande d'Hugo Lefèvre pour « Atelier").check()
    page.get_by_role("button", name="Accepter la sélection").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 demandes acceptées.").is_visible()
    assert set(Registration.objects.values_list("status", flat=True)) == {
        RegistrationStatus.PENDING_PROVIDER
    }


def test_invitation_and_no_structure_pages_are_accessible(page, live_server, two_requests):
    from employers.services import invite_approver

    approver, employee, _, _ = two_requests
    invitation = invite_approver(
        approver.approved_structures.get(), "codir@example.test", by=approver
    )
    page.goto(f"{live_server.url}/espace-employeur/invitation/{invitation.token}/")
    assert page.get_by_role("link", name="Créer mon compte").is_visible()
    assert_accessible(page)

    login(page, live_server, employee.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-employeur/")
    assert page.get_by_text("Votre compte ne valide les demandes d'aucune structure.").is_visible()
    assert_accessible(page)
