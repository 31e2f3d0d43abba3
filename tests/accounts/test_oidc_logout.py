"""A logout asked by e-ParcoursPro (OpenID Connect RP-initiated logout) goes back only to an
address registered for the client, exactly, compared as a browser reads it (issue 23:
`https://evil.example\\@<registered host>/` answered a 302 to evil.example, urllib and
browsers parsing it differently); clients have their own post-logout addresses; the page
after a logout says so (it was titled « Connexion à e-ParcoursPro impossible »)."""

import html
from io import StringIO

import pytest
from allauth.idp.oidc.models import Client as OIDCClient
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.oidc import browser_url, register_e_parcourspro_client
from tests.accounts.page_forms import posted_back
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MOODLE = "https://e-parcourspro.example"
CALLBACK = f"{MOODLE}/admin/oauth2callback.php"
LOGOUT = reverse("idp:oidc:logout")
LOGGED_OUT = reverse("accounts:logged_out")
CLIENT_ID = "e-parcourspro"


@pytest.fixture
def moodle():
    client, _secret = register_e_parcourspro_client(redirect_uri=CALLBACK, client_id=CLIENT_ID)
    return client


@pytest.fixture
def browser():
    browser = Client()
    browser.force_login(UserFactory(email="camille.martin@example.test"))
    return browser


def is_logged_in(browser) -> bool:
    return browser.get(reverse("accounts:profile")).status_code == 200


def confirm_logout(browser, page) -> object:
    """The person answers « Se déconnecter » on allauth's question."""
    data = posted_back(page.content.decode(), action=LOGOUT)
    return browser.post(LOGOUT, {**data, "action": "logout"})


@pytest.mark.parametrize(
    "address",
    [
        "https://evil.example\\@e-parcourspro.example/",
        "https://evil.example\\\\@e-parcourspro.example/",
        "https:\\\\evil.example\\@e-parcourspro.example/",
        "https://evil.example%5C@e-parcourspro.example/",
        "https://e-parcourspro.example@evil.example/",
        "https://user@e-parcourspro.example/",
        "https://e-parcourspro.example/?next=https://evil.example/",
        "https://e-parcourspro.example/autre-page",
        "https://e-parcourspro.example.evil.example/",
        "https://e-parcourspro.example:8443/",
        "http://e-parcourspro.example/",
        "https://e-parcourspro.example/#fragment",
        "//evil.example/",
        "javascript:alert(1)",
    ],
)
def test_a_logout_never_goes_back_to_an_address_not_registered_exactly(moodle, browser, address):
    answer = browser.get(
        LOGOUT, {"client_id": CLIENT_ID, "post_logout_redirect_uri": address, "state": "x"}
    )
    # The request starts again without the address: nothing leaves the site.
    assert answer.status_code == 302
    assert answer["Location"] == f"{LOGOUT}?client_id={CLIENT_ID}"

    question = browser.get(answer["Location"])
    assert question.status_code == 200  # allauth asks: nothing proves who sent the request
    assert is_logged_in(browser)
    done = confirm_logout(browser, question)

    assert done.status_code == 302
    assert done["Location"] == f"{LOGGED_OUT}?client={CLIENT_ID}"
    assert not is_logged_in(browser)
    page = browser.get(done["Location"]).content.decode()
    assert "Vous êtes déconnecté·e de ParcoursPro" in page
    assert f'href="{MOODLE}/"' in page  # the client's own address
    assert "evil" not in page and "Connexion à e-ParcoursPro impossible" not in page


def test_a_registered_address_is_followed_after_the_logout(moodle, browser):
    question = browser.get(
        LOGOUT,
        {"client_id": CLIENT_ID, "post_logout_redirect_uri": f"{MOODLE}/", "state": "a+b"},
    )
    assert question.status_code == 200
    done = confirm_logout(browser, question)
    assert done.status_code == 302
    assert done["Location"] == f"{MOODLE}/?state=a%2Bb"
    assert not is_logged_in(browser)


def test_a_forged_post_is_treated_as_the_get(moodle, browser):
    answer = browser.post(
        LOGOUT,
        {
            "client_id": CLIENT_ID,
            "post_logout_redirect_uri": "https://evil.example\\@e-parcourspro.example/",
            "action": "logout",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"{LOGOUT}?client_id={CLIENT_ID}"
    assert is_logged_in(browser)


def test_an_unknown_client_gets_no_redirect_either(moodle, browser):
    answer = browser.get(
        LOGOUT, {"client_id": "inconnu", "post_logout_redirect_uri": "https://evil.example/"}
    )
    assert answer.status_code == 302
    assert "evil" not in answer["Location"]


def test_the_page_after_a_logout_says_whether_the_person_stayed(moodle, browser):
    question = browser.get(LOGOUT, {"client_id": CLIENT_ID})
    data = posted_back(question.content.decode(), action=LOGOUT)
    stayed = browser.post(LOGOUT, {**data, "action": "stay"})
    assert stayed["Location"] == f"{LOGGED_OUT}?client={CLIENT_ID}"
    page = browser.get(stayed["Location"]).content.decode()
    assert "Vous restez connecté·e à ParcoursPro" in page
    assert is_logged_in(browser)


def test_a_logout_allauth_refuses_is_not_called_a_login_error(moodle, browser):
    """The registered address with its default port: the same place for a browser, but
    allauth (urllib) sees another port and refuses the request: its error page speaks of the
    logout."""
    answer = browser.get(
        LOGOUT, {"client_id": CLIENT_ID, "post_logout_redirect_uri": f"{MOODLE}:443/"}
    )
    page = html.unescape(answer.content.decode())
    assert "Déconnexion d'e-ParcoursPro non valable" in page
    assert "Connexion à e-ParcoursPro impossible" not in page


# --- reading an address as a browser does ----------------------------------------------------


@pytest.mark.parametrize(
    ("address", "host", "path"),
    [
        ("https://e-parcourspro.example/", "e-parcourspro.example", "/"),
        ("HTTPS://E-ParcoursPro.Example:443", "e-parcourspro.example", "/"),
        (
            "https://evil.example\\@e-parcourspro.example/",
            "evil.example",
            "/@e-parcourspro.example/",
        ),
        ("https:\\\\evil.example/", "evil.example", "/"),
        ("https:evil.example", "evil.example", "/"),
        (" https://e-parcourspro.example/\n", "e-parcourspro.example", "/"),
        ("https://e-parcour\tspro.example/", "e-parcourspro.example", "/"),
    ],
)
def test_browser_url_reads_like_a_browser(address, host, path):
    parsed = browser_url(address)
    assert (parsed.host, parsed.path) == (host, path)


@pytest.mark.parametrize(
    "address",
    [
        "https://user@e-parcourspro.example/",
        "https://e-parcourspro.example/#x",
        "https://evil%2Eexample/",
        "ftp://e-parcourspro.example/",
        "javascript:alert(1)",
        "//e-parcourspro.example/",
        "https://e-parcourspro.example:port/",
    ],
)
def test_browser_url_refuses_what_a_redirect_must_not_follow(address):
    assert browser_url(address) is None


# --- each client's own addresses -------------------------------------------------------------


def test_the_command_registers_the_clients_own_post_logout_addresses():
    out = StringIO()
    call_command(
        "register_e_parcourspro_client",
        redirect_uri=CALLBACK,
        post_logout_redirect_uris=[f"{MOODLE}/login/index.php", f"{MOODLE}/"],
        stdout=out,
    )
    client = OIDCClient.objects.get(id=CLIENT_ID)
    assert client.get_post_logout_redirect_uris() == [f"{MOODLE}/login/index.php", f"{MOODLE}/"]
    assert f"Post-logout redirect URI: {MOODLE}/login/index.php" in out.getvalue()
    # By default, Moodle's root.
    register_e_parcourspro_client(redirect_uri=CALLBACK, client_id="autre")
    assert OIDCClient.objects.get(id="autre").get_post_logout_redirect_uris() == [f"{MOODLE}/"]


def test_staff_edit_a_clients_post_logout_addresses_in_the_admin(admin_client, moodle):
    url = reverse("admin:allauth_idp_oidc_client_change", args=[CLIENT_ID])
    data = posted_back(admin_client.get(url).content.decode(), form_id="client_form")
    assert data["post_logout_redirect_uris"] == f"{MOODLE}/"

    refused = admin_client.post(
        url, {**data, "post_logout_redirect_uris": "https://evil.example\\@moodle.example/"}
    )
    assert refused.status_code == 200
    assert "n'est pas valable" in html.unescape(refused.content.decode())

    answer = admin_client.post(
        url, {**data, "post_logout_redirect_uris": f"{MOODLE}/\n{MOODLE}/login/logout.php"}
    )
    assert answer.status_code == 302
    moodle.refresh_from_db()
    assert moodle.get_post_logout_redirect_uris() == [f"{MOODLE}/", f"{MOODLE}/login/logout.php"]
    assert moodle.check_secret  # the secret is untouched by the edit
