"""The login tutorial of e-ParcoursPro (issue 24, item 5) in Chromium: readable on a 390 px
phone (nothing wider than the screen) and accessible (axe-core)."""

import pytest

from tests.browser.pages import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_tutorial_fits_the_screen_and_passes_axe(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/e-parcourspro/premiere-connexion/")
    assert page.get_by_role("heading", level=1).inner_text() == "Première connexion à e-ParcoursPro"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wide = page.eval_on_selector_all(
        "main *", "els => els.filter(e => e.getBoundingClientRect().right > innerWidth + 1).length"
    )
    assert wide == 0
    assert page.get_by_role("main").is_visible()
    assert_accessible(page)
