"""An account that is not active gets no token and no userinfo from ParcoursPro's OpenID
Connect provider, whatever made it inactive (issue 23): a bulk `QuerySet.update()` between
the authorization and the token sends no signal, so the tokens were not revoked and the
token endpoint issued an ID token. `accounts.oidc.OIDCAdapter.get_claims` refuses."""

from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client as OIDCClient
from django.test import Client
from django.urls import reverse
from oauthlib.oauth2.rfc6749 import errors

from accounts.models import User
from accounts.oidc import register_e_parcourspro_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MOODLE = "https://e-parcourspro.example"
CALLBACK = f"{MOODLE}/admin/oauth2callback.php"


@pytest.fixture
def moodle():
    """e-ParcoursPro as registered: (client id, secret)."""
    client, secret = register_e_parcourspro_client(redirect_uri=CALLBACK, client_id="e-parcourspro")
    return client.id, secret


@pytest.fixture
def person():
    return UserFactory(email="camille.martin@example.test")


def authorization_code(browser: Client, client_id: str) -> str:
    """The person, logged in, goes through the authorization endpoint: Moodle's code."""
    answer = browser.get(
        reverse("idp:oidc:authorization"),
        {
            "client_id": client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid profile email",
            "state": "etat",
        },
    )
    assert answer.status_code == 302, answer.content[:500]
    assert answer["Location"].startswith(CALLBACK)
    return parse_qs(urlsplit(answer["Location"]).query)["code"][0]


def token(client_id: str, secret: str, code: str):
    return Client().post(
        reverse("idp:oidc:token"),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": client_id,
            "client_secret": secret,
        },
    )


def userinfo(access_token: str):
    return Client().get(reverse("idp:oidc:userinfo"), HTTP_AUTHORIZATION=f"Bearer {access_token}")


def logged_in(person) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


def test_an_active_account_gets_its_token_and_userinfo(moodle, person):
    client_id, secret = moodle
    answer = token(client_id, secret, authorization_code(logged_in(person), client_id))
    assert answer.status_code == 200
    assert "id_token" in answer.json()
    info = userinfo(answer.json()["access_token"])
    assert info.status_code == 200 and info.json()["email"] == person.email


def test_an_account_deactivated_in_bulk_after_the_authorization_gets_no_token(moodle, person):
    client_id, secret = moodle
    code = authorization_code(logged_in(person), client_id)

    User.objects.filter(pk=person.pk).update(is_active=False)  # no signal

    answer = token(client_id, secret, code)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "id_token" not in answer.json() and "access_token" not in answer.json()


def test_an_account_deactivated_in_bulk_after_its_token_gets_no_userinfo(moodle, person):
    client_id, secret = moodle
    answer = token(client_id, secret, authorization_code(logged_in(person), client_id))
    access_token = answer.json()["access_token"]

    User.objects.filter(pk=person.pk).update(is_active=False)

    assert userinfo(access_token).status_code == 401
    refreshed = Client().post(
        reverse("idp:oidc:token"),
        {
            "grant_type": "refresh_token",
            "refresh_token": answer.json()["refresh_token"],
            "client_id": client_id,
            "client_secret": secret,
        },
    )
    assert refreshed.status_code == 400
    assert "access_token" not in refreshed.json()


def test_the_claims_refuse_an_inactive_account_for_either_purpose(moodle, person):
    """The adapter's hook itself: no claims for an inactive account, in an ID token or at
    the userinfo endpoint, with the error allauth answers in JSON."""
    client = OIDCClient.objects.get(id=moodle[0])
    person.is_active = False
    with pytest.raises(errors.InvalidGrantError):
        get_adapter().get_claims("id_token", person, client, ["openid", "email"])
    with pytest.raises(errors.InvalidTokenError):
        get_adapter().get_claims("userinfo", person, client, ["openid", "email"])
