"""Browser tests: Playwright (sync API) driving Debian's Chromium against `live_server`.

Test modules import their helpers from tests/browser/pages.py:

    from tests.browser.pages import assert_accessible, login

and use the `page` fixture (`assert_accessible` and `login` are also fixtures returning these
functions). Every test under tests/browser/ is marked `browser` and uses a
transactional database (the live server runs in another thread). Where /usr/bin/chromium does
not exist, browser tests are skipped with one reason, shown by `pytest -ra`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.pages import assert_accessible, login

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# test body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# PARCOURSPRO_CHROMIUM exists to rehearse the "no Chromium" path; CI uses the default.
CHROMIUM = Path(os.environ.get("PARCOURSPRO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SKIP_REASON = f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEFAULT_TIMEOUT_MS = 10_000

BROWSER_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Mark every test of this folder `browser`."""
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    """allauth's rate limits (e.g. one confirmation email per address per 3 minutes) live in
    the cache, which outlives a test: start each browser test with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session. Without Chromium, every test using it is
    skipped from this one place, so that `pytest -ra` folds the skips into one line."""
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(request, browser, live_server, transactional_db):
    """A fresh French browser page (own cookies) on the live server; a screenshot is saved
    under test-artifacts/ when the test fails, and any Content-Security-Policy violation the
    browser reports fails the test."""
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    browser_page = context.new_page()
    csp_violations = []
    browser_page.on(
        "console",
        lambda message: (
            csp_violations.append(f"{browser_page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield browser_page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.nodeid.replace("/", "_").replace("::", "__")
        browser_page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    # The pages respect the Content-Security-Policy: no inline script or style was blocked.
    assert csp_violations == [], "\n".join(csp_violations)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(name="assert_accessible")
def assert_accessible_fixture():
    """`assert_accessible(page)` as a fixture, for tests that prefer injection."""
    return assert_accessible


@pytest.fixture(name="login")
def login_fixture():
    """`login(page, live_server, email, password)` as a fixture."""
    return login
