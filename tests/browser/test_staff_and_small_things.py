"""Staff and small things, in Chromium: « Pilotage » is in the staff's menu and its tables fit
their frame at 1280 px; lists of cards carry no bullets; a checkbox sits beside its label; a
long status badge wraps on a 390 px screen; the 404 page passes axe."""

import pytest

from catalog.models import ActionKind
from tests.browser.pages import assert_accessible, login, verified
from tests.factories import (
    DEMO_PASSWORD,
    JobSeekerFactory,
    MemberEmployeeFactory,
    StructureFactory,
    UserFactory,
    register,
    session_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG_TITLE = (
    "Accompagner les personnes en reconversion professionnelle dans les territoires ruraux "
    "de Nouvelle-Aquitaine : méthodes, outils et coopérations"
)


def overflowing(page, selector: str) -> list[str]:
    """The elements matching `selector` whose content is wider than their box."""
    return page.eval_on_selector_all(
        selector,
        """elements => elements
            .filter(e => e.scrollWidth > e.clientWidth + 1)
            .map(e => `${e.closest("section")?.id}: ${e.scrollWidth} > ${e.clientWidth}`)""",
    )


@pytest.fixture
def staff():
    return verified(UserFactory(email="equipe@example.test", is_staff=True, structure=None))


@pytest.fixture
def busy_sessions():
    """Sessions of the coming 30 days with long titles, requests at every step and waiting
    lists: every column of the dashboard has something to say."""
    sessions = []
    for days in (5, 12):
        session = session_of(ActionKind.TRAINING, days=days, capacity=1)
        session.action.title = LONG_TITLE
        session.action.save()
        register(MemberEmployeeFactory(), session)
        register(MemberEmployeeFactory(), session)
        sessions.append(session)
    webinar = session_of(ActionKind.WEBINAR, days=8, capacity=1)
    webinar.action.title = LONG_TITLE + " (webinaire)"
    webinar.action.save()
    register(JobSeekerFactory(), webinar)
    register(JobSeekerFactory(), webinar)
    outsider = UserFactory(
        structure=StructureFactory(name="Association intercommunale pour l'insertion " * 2)
    )
    register(outsider, session_of(ActionKind.CONFERENCE, days=20))
    return sessions


def test_staff_find_pilotage_in_the_menu_and_its_tables_fit_at_1280(
    page, live_server, staff, busy_sessions
):
    page.set_viewport_size(DESKTOP)
    login(page, live_server, staff.email, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Pilotage"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Pilotage du programme"
    assert page.locator("#sessions-title").is_visible()
    assert page.locator("#non-members-title + p + .table-wrapper").is_visible()
    assert overflowing(page, ".table-wrapper") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    assert_accessible(page)


def test_people_who_are_not_staff_have_no_pilotage_link(page, live_server):
    employee = verified(MemberEmployeeFactory(email="salarie@example.test"))
    login(page, live_server, employee.email, DEMO_PASSWORD)
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.get_by_role("link", name="Pilotage").count() == 0


# --- small things ------------------------------------------------------------------------------


def bulleted_cards(page) -> list[str]:
    """Cards that are list items and still show a list marker."""
    return page.eval_on_selector_all(
        "li.card, ul:has(> li > .card) > li",
        """items => items
            .filter(li => getComputedStyle(li).listStyleType !== "none")
            .map(li => li.textContent.trim().slice(0, 40))""",
    )


def test_cards_on_the_home_and_action_pages_have_no_bullets(page, live_server):
    session = session_of(ActionKind.WEBINAR, days=20)
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    assert page.locator("li.card").count() >= 1
    assert bulleted_cards(page) == []
    page.goto(f"{live_server.url}{session.action.get_absolute_url()}")
    assert page.locator(f"#session-{session.pk}").is_visible()
    assert bulleted_cards(page) == []


def test_a_checkbox_sits_beside_its_label(page, live_server):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/accounts/login/")
    checkbox = page.get_by_role("checkbox", name="Rester connecté·e")
    label = page.locator(f"label[for='{checkbox.get_attribute('id')}']")
    box, text = checkbox.bounding_box(), label.bounding_box()
    assert box["x"] + box["width"] <= text["x"]  # the box first, then its words
    middle = box["y"] + box["height"] / 2
    assert text["y"] <= middle <= text["y"] + text["height"]  # on the same line
    assert_accessible(page)


def test_a_long_status_badge_wraps_on_a_phone(page, live_server):
    employee = verified(MemberEmployeeFactory(email="salarie@example.test"))
    [registration] = register(employee, session_of(ActionKind.TRAINING))
    page.set_viewport_size(PHONE)
    login(page, live_server, employee.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/mon-espace/")
    badge = page.locator(f"#demande-{registration.pk} .registration-status .badge")
    assert badge.inner_text() == "En attente de la validation de votre employeur"
    box = badge.bounding_box()
    card = page.locator(f"#demande-{registration.pk}").bounding_box()
    assert box["x"] + box["width"] <= card["x"] + card["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_404_page_is_french_and_accessible(page, live_server):
    response = page.goto(f"{live_server.url}/catalogue/nulle-part/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page introuvable"
    page.get_by_label("Chercher une action dans le catalogue").fill("orientation")
    assert_accessible(page)
