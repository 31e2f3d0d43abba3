"""The convention in a real browser: the provider confirms an employee, the employer's
approver reads and accepts the convention in the Espace employeur, and the provider then
sees it accepted (issue 14)."""

import re

import pytest

from catalog.models import ActionKind
from documents.models import ConventionAcceptance, Document
from tests.browser.pages import assert_accessible, login, request_awaiting_provider
from tests.factories import (
    DEMO_PASSWORD,
    session_of,
    with_programme,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("documents_enabled"),
]


@pytest.fixture
def request_for_the_provider():
    session = with_programme(session_of(ActionKind.TRAINING))
    session.action.title = "Conduire un entretien d'orientation"
    session.action.save()
    provider_user, _employee, approver, _registration = request_awaiting_provider(session)
    return session, provider_user, approver


def test_the_approver_accepts_the_convention_and_the_provider_sees_it(
    page, live_server, request_for_the_provider
):
    session, provider_user, approver = request_for_the_provider
    login(page, live_server, provider_user.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-prestataire/sessions/{session.pk}/")
    page.get_by_role("button", name=re.compile("^Confirmer")).click()
    conventions = page.locator("section", has=page.locator("#conventions"))
    assert "En attente d'acceptation" in conventions.inner_text()
    convention = Document.objects.get(kind="convention", session=session)

    page.get_by_role("button", name="Se déconnecter").click()
    login(page, live_server, approver.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-employeur/")
    page.get_by_role("link", name="Conventions de formation").click()
    page.wait_for_load_state()
    assert_accessible(page)
    card = page.locator(f"#convention-{session.pk}-{convention.structure_id}")
    with page.expect_download() as download:
        card.get_by_role("link", name=re.compile("^Télécharger")).click()
    assert download.value.suggested_filename.endswith(".pdf")
    card.get_by_label(re.compile("J'ai lu et j'accepte")).check()
    card.get_by_role("button", name=re.compile("^Accepter la convention")).click()
    page.wait_for_load_state()
    assert "est acceptée" in page.locator(".messages").inner_text()
    assert (
        "par Nadia Berger"
        in page.locator(f"#convention-{session.pk}-{convention.structure_id}").inner_text()
    )
    acceptance = ConventionAcceptance.objects.get(document=convention)
    assert acceptance.accepted_sha256 == convention.sha256
    assert acceptance.ip == "127.0.0.1"

    page.get_by_role("button", name="Se déconnecter").click()
    login(page, live_server, provider_user.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/espace-prestataire/sessions/{session.pk}/")
    row = page.locator(f"#convention-{convention.structure_id}")
    assert re.search(r"Acceptée le .* par Nadia Berger", row.inner_text())
    assert_accessible(page)
