"""« Se connecter avec ParcoursPro » from e-ParcoursPro in a real browser: Chromium applies
the Content-Security-Policy's form-action to the redirects that follow a form, so the login
form that ends on Moodle's callback (another origin) must be allowed to get there, and so
must the logout form that ends on Moodle."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from accounts.oidc import register_e_parcourspro_client
from tests.factories import DEMO_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class MoodleStub(BaseHTTPRequestHandler):
    """Moodle's side of the redirects: a page that says where the browser arrived."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = f"<!doctype html><title>Moodle</title><p>Moodle : {self.path}</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def moodle():
    """A stand-in for e-ParcoursPro on another origin (127.0.0.1, the site is on localhost)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), MoodleStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_login_from_e_parcourspro_lands_on_its_callback_then_logout(page, live_server, moodle):
    callback = f"{moodle}/admin/oauth2callback.php"
    client, _ = register_e_parcourspro_client(redirect_uri=callback, client_id="e-parcourspro")
    person = UserFactory(email="camille@example.test")
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client.id,
            "redirect_uri": callback,
            "scope": "openid profile email",
            "state": "moodle-state",
        }
    )
    page.goto(f"{live_server.url}/identity/o/authorize?{query}")
    assert urlsplit(page.url).path == "/accounts/login/"
    page.locator("#id_login").fill(person.email)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form").get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{callback}?*")
    arrived = parse_qs(urlsplit(page.url).query)
    assert arrived["state"] == ["moodle-state"] and arrived["code"][0]
    assert "Moodle : /admin/oauth2callback.php" in page.content()

    # Moodle's logout without an id_token_hint: ParcoursPro asks, then goes back to Moodle.
    logout = urlencode({"client_id": client.id, "post_logout_redirect_uri": f"{moodle}/"})
    page.goto(f"{live_server.url}/identity/o/logout?{logout}")
    page.locator("main form").get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{moodle}/")
    page.goto(f"{live_server.url}/compte/profil/")
    assert urlsplit(page.url).path == "/accounts/login/"
