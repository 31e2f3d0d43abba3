"""The participant's way from the catalogue to the cart, in a real browser (issue 13, items
5 to 11): drafts kept, « Ajouter au panier » seen, warnings before validating, results first,
the choice kept through the login, French messages from the server."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from catalog.models import ActionKind
from enrollment import services
from enrollment.models import CartItem, Registration
from tests.browser.pages import assert_accessible, login, verified
from tests.factories import DEMO_PASSWORD, MemberEmployeeFactory, session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def employee():
    return verified(MemberEmployeeFactory(email="camille@example.test", first_name="Camille"))


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


# --- 5. drafts --------------------------------------------------------------------------------


def test_removing_an_item_keeps_the_motivations_typed_for_the_others(page, live_server, employee):
    first, second = session_of(ActionKind.TRAINING), session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, first)
    services.add_to_cart(employee, second)
    login(page, live_server, employee.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/panier/")
    motivations = re.compile("Vos motivations et attentes")
    page.locator(f"#item-{first.pk}").get_by_label(motivations).fill("Pour la formation.")
    page.locator(f"#item-{second.pk}").get_by_label(motivations).fill("Pour le webinaire.")
    page.get_by_label("Fonction").fill("Chargée d'accueil")
    page.locator(f"#item-{first.pk}").get_by_role("button", name=re.compile("Retirer")).click()
    page.wait_for_load_state()
    assert page.get_by_text("a été retirée de votre panier").is_visible()
    assert page.locator(f"#item-{first.pk}").count() == 0
    field = page.locator(f"#item-{second.pk}").get_by_label(motivations)
    assert field.input_value() == "Pour le webinaire."
    assert page.get_by_label("Fonction").input_value() == "Chargée d'accueil"

    # A later visit finds them too.
    page.goto(f"{live_server.url}/catalogue/")
    page.goto(f"{live_server.url}/panier/")
    assert field.input_value() == "Pour le webinaire."


def test_enter_in_a_contact_field_validates_rather_than_removes(page, live_server, employee):
    session = session_of(ActionKind.WEBINAR)
    services.add_to_cart(employee, session)
    login(page, live_server, employee.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/panier/")
    page.get_by_label(re.compile("Vos motivations et attentes")).fill("Mes attentes.")
    page.get_by_label("Téléphone").press("Enter")
    page.wait_for_url(re.compile("/panier/confirmation/"))
    assert Registration.objects.filter(user=employee, session=session).exists()
    assert not CartItem.objects.exists()


# --- 6. « Ajouter au panier » is seen ---------------------------------------------------------


@pytest.mark.parametrize("width", [1280, 390])
def test_the_confirmation_of_an_add_is_on_screen(page, live_server, employee, width):
    """After « Ajouter au panier », the page opens at the session with the confirmation and
    the cart's count on screen, and the button gives way to « Dans votre panier »."""
    page.set_viewport_size({"width": width, "height": 800})
    session = session_of(ActionKind.TRAINING)
    for days in (7, 14, 21):  # sessions above it, so that the page scrolls to it
        session_of(ActionKind.TRAINING, days=40 + days).action.sessions.update(
            action=session.action
        )
    login(page, live_server, employee.email, DEMO_PASSWORD)
    page.goto(f"{live_server.url}{session.action.get_absolute_url()}")
    last = session.action.sessions.order_by("starts_at").last()
    block = page.locator(f"#session-{last.pk}")
    block.get_by_role("button", name=re.compile("Ajouter au panier")).click()
    page.wait_for_load_state()
    status = block.get_by_role("status")
    assert "Session ajoutée à votre panier." in status.inner_text()
    assert "Votre panier contient 1 session." in status.inner_text()
    assert in_viewport(page, status)
    assert block.get_by_text("Dans votre panier").is_visible()
    assert block.get_by_role("button", name=re.compile("Ajouter au panier")).count() == 0
    assert CartItem.objects.filter(cart__user=employee, session=last).exists()
    assert_accessible(page)


# --- 8. the catalogue: results first -------------------------------------------------------------


@pytest.fixture
def catalogue():
    sessions = [session_of(ActionKind.TRAINING, days=30 + n) for n in range(14)]
    closed = sessions[0]
    closed.registration_deadline = timezone.now() - dt.timedelta(hours=1)
    closed.save()
    return sessions


def test_wide_screens_show_results_and_filters_side_by_side(page, live_server, catalogue):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/catalogue/")
    count = page.get_by_role("heading", name=re.compile("actions trouvées"))
    assert in_viewport(page, count)
    assert in_viewport(page, page.locator(".action-card").first)
    # The filters are shown in their column, without « Filtrer » to open.
    assert page.get_by_label("Type d'action").is_visible()
    assert not page.get_by_text("Filtrer", exact=True).is_visible()
    filters = page.locator(".catalogue-filters").bounding_box()
    results = page.locator(".catalogue-main").bounding_box()
    assert filters["x"] + filters["width"] <= results["x"]
    page.get_by_label("Type d'action").select_option("training")
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile("kind=training"))
    assert_accessible(page)


def test_small_screens_open_the_filters_with_filtrer(page, live_server, catalogue):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/catalogue/")
    count = page.get_by_role("heading", name=re.compile("actions trouvées"))
    assert in_viewport(page, count)
    assert page.get_by_label("Mots-clés").is_visible()
    assert not page.get_by_label("Type d'action").is_visible()
    page.get_by_text("Filtrer", exact=True).click()
    assert page.get_by_label("Type d'action").is_visible()
    assert_accessible(page)


def test_closed_sessions_do_not_count_places(page, live_server, catalogue):
    closed = catalogue[0]
    page.goto(f"{live_server.url}/catalogue/")
    card = page.locator(".action-card", has=page.get_by_role("link", name=closed.action.title))
    assert "Inscriptions closes" in card.inner_text()
    assert "places restantes" not in card.inner_text()


# --- 10. the choice made before logging in ---------------------------------------------------


def test_a_visitor_logs_in_and_finds_the_session_in_the_cart(page, live_server, employee):
    session = session_of(ActionKind.TRAINING)
    page.goto(f"{live_server.url}{session.action.get_absolute_url()}")
    page.locator(f"#session-{session.pk}").get_by_role(
        "button", name=re.compile("Ajouter au panier")
    ).click()
    page.wait_for_url(re.compile("/accounts/login/"))
    assert page.get_by_text("la session choisie sera ajoutée à votre panier").is_visible()
    page.locator("#id_login").fill(employee.email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form").get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(re.escape(session.action.get_absolute_url())))
    status = page.locator(f"#session-{session.pk}").get_by_role("status")
    assert "Session ajoutée à votre panier" in status.inner_text()
    assert in_viewport(page, status)
    assert CartItem.objects.filter(cart__user=employee, session=session).exists()
