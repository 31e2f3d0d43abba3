"""ParcoursPro as the OpenID Connect provider of e-ParcoursPro, end to end over real HTTP
(`live_server`): a person logs in through the real login form, and a real relying-party
library (Authlib) does what Moodle does (client secret in the POST body, no PKCE, no nonce)
or what a modern client does (PKCE S256 and a nonce). ID tokens are verified against the
JWKS that discovery names (PyJWT)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from accounts.models import User
from accounts.oidc import register_e_parcourspro_client
from tests.factories import DEMO_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sessions_closed_before_the_database(live_server, transactional_db, monkeypatch):
    """The HTTP sessions (requests, Authlib) are closed when the test ends, before its
    database goes: a kept-alive connection would otherwise be served on by a live-server
    thread after the test, while SQLite's shared in-memory connection is being torn down."""
    opened = []
    original = requests.Session.__init__

    def tracked(session, *args, **kwargs):
        original(session, *args, **kwargs)
        opened.append(session)

    monkeypatch.setattr(requests.Session, "__init__", tracked)
    yield
    for session in opened:
        session.close()


MOODLE = "https://e-parcourspro.example"
CALLBACK = f"{MOODLE}/admin/oauth2callback.php"
SCOPE = "openid profile email"


@pytest.fixture
def moodle_client():
    """e-ParcoursPro as `register_e_parcourspro_client` registers it: (client id, secret)."""
    client, secret = register_e_parcourspro_client(redirect_uri=CALLBACK, client_id="e-parcourspro")
    return client.id, secret


@pytest.fixture
def discovery(live_server):
    response = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def person():
    return UserFactory(
        email="Camille.Martin@example.test", first_name="Camille", last_name="Martin"
    )


def log_in(live_server, email: str, password: str = DEMO_PASSWORD) -> requests.Session:
    """A browser-like session logged in through allauth's login form."""
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    answer = browser.post(
        f"{live_server.url}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": email, "password": password},
        headers={"Referer": f"{live_server.url}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, unescape(answer.text)[:500]
    return browser


def follow_to_callback(browser: requests.Session, url: str) -> str:
    """Follows the provider's redirects (login already done) until the one to the relying
    party's callback, which is not fetched; returns that address."""
    for _ in range(5):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, f"{url} answered {answer.status_code}"
        url = urljoin(url, answer.headers["Location"])
        if url.startswith(CALLBACK):
            return url
    raise AssertionError(f"never redirected to {CALLBACK}")


def moodle_session(client_id: str, secret: str, **kwargs) -> OAuth2Session:
    """Authlib configured as Moodle's OAuth 2 service: secret in the POST body, no PKCE."""
    return OAuth2Session(
        client_id,
        secret,
        scope=SCOPE,
        redirect_uri=CALLBACK,
        token_endpoint_auth_method="client_secret_post",
        **kwargs,
    )


def code_from(callback: str) -> str:
    return parse_qs(urlsplit(callback).query)["code"][0]


def verified_id_token(discovery: dict, id_token: str, client_id: str) -> dict:
    signing_key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(id_token)
    return jwt.decode(
        id_token,
        signing_key.key,
        algorithms=["RS256"],
        audience=client_id,
        issuer=discovery["issuer"],
    )


def test_discovery_names_the_endpoints_moodle_registers(live_server, discovery):
    """Moodle stores every « *_endpoint » of the discovery document; the issuer is the site."""
    assert discovery["issuer"] == live_server.url
    for name, path in {
        "authorization_endpoint": "/identity/o/authorize",
        "token_endpoint": "/identity/o/api/token",
        "userinfo_endpoint": "/identity/o/api/userinfo",
        "revocation_endpoint": "/identity/o/api/revoke",
        "end_session_endpoint": "/identity/o/logout",
    }.items():
        assert discovery[name] == f"{live_server.url}{path}"
    assert discovery["jwks_uri"] == f"{live_server.url}/.well-known/jwks.json"
    assert "client_secret_post" in discovery["token_endpoint_auth_methods_supported"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = requests.get(discovery["jwks_uri"], timeout=10).json()["keys"]
    assert [key["kty"] for key in keys] == ["RSA"]
    assert all("d" not in key for key in keys)  # the public part only


def test_moodle_style_login_gives_verified_claims(live_server, discovery, moodle_client, person):
    """As Moodle does it: authorize (no PKCE, no nonce) → code → token with the secret in the
    POST body → ID token valid against the JWKS → userinfo with the claims Moodle maps."""
    client_id, secret = moodle_client
    browser = log_in(live_server, person.email)
    moodle = moodle_session(client_id, secret)
    # Moodle's state is a local address of its own, with its session key.
    state = "/admin/oauth2callback.php?wantsurl=%2Fmy%2F&sesskey=aB3dE5&id=1"
    url, _ = moodle.create_authorization_url(discovery["authorization_endpoint"], state=state)
    assert "code_challenge" not in url and "nonce" not in url

    callback = follow_to_callback(browser, url)
    assert parse_qs(urlsplit(callback).query)["state"] == [state]

    sent = []
    moodle.hooks["response"].append(lambda answer, *args, **kwargs: sent.append(answer.request))
    token = moodle.fetch_token(discovery["token_endpoint"], authorization_response=callback)
    # What went over the wire was Moodle's request: the secret in the body, no Authorization
    # header, no PKCE verifier.
    body = parse_qs(sent[-1].body if isinstance(sent[-1].body, str) else sent[-1].body.decode())
    assert body["client_id"] == [client_id] and body["client_secret"] == [secret]
    assert "code_verifier" not in body and "Authorization" not in sent[-1].headers

    claims = verified_id_token(discovery, token["id_token"], client_id)
    assert claims["sub"] == str(person.pk)
    assert claims["email"] == "camille.martin@example.test"
    assert claims["email_verified"] is True
    assert "nonce" not in claims

    userinfo = moodle.get(
        discovery["userinfo_endpoint"], headers={"Accept": "application/json"}, timeout=10
    )
    assert userinfo.status_code == 200
    assert userinfo.json() == {
        "sub": str(person.pk),
        "email": "camille.martin@example.test",
        "email_verified": True,
        "given_name": "Camille",
        "family_name": "Martin",
        "name": "Camille Martin",
        "preferred_username": "Camille.Martin@example.test",
    }


def test_modern_client_with_pkce_and_nonce(live_server, discovery, moodle_client, person):
    """PKCE S256 and a nonce, as a modern client sends them: the nonce comes back in the ID
    token, and a wrong verifier is refused."""
    client_id, secret = moodle_client
    browser = log_in(live_server, person.email)
    modern = OAuth2Session(
        client_id,
        secret,
        scope=SCOPE,
        redirect_uri=CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier, nonce = generate_token(48), generate_token(20)
    url, _ = modern.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    assert "code_challenge_method=S256" in url

    callback = follow_to_callback(browser, url)
    with pytest.raises(OAuthError) as refused:
        modern.fetch_token(
            discovery["token_endpoint"],
            authorization_response=callback,
            code_verifier=generate_token(48),
        )
    assert refused.value.error == "invalid_grant"

    callback = follow_to_callback(browser, url)
    token = modern.fetch_token(
        discovery["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    claims = verified_id_token(discovery, token["id_token"], client_id)
    assert claims["nonce"] == nonce
    assert claims["sub"] == str(person.pk)
    assert modern.get(discovery["userinfo_endpoint"], timeout=10).json()["given_name"] == "Camille"


def test_wrong_secret_is_refused(live_server, discovery, moodle_client, person):
    client_id, _ = moodle_client
    browser = log_in(live_server, person.email)
    moodle = moodle_session(client_id, "not-the-secret")
    url, _ = moodle.create_authorization_url(discovery["authorization_endpoint"])
    code = code_from(follow_to_callback(browser, url))
    answer = requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": client_id,
            "client_secret": "not-the-secret",
        },
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert "access_token" not in answer.json()


def test_foreign_redirect_uri_is_never_followed(live_server, discovery, moodle_client, person):
    """An address other than the registered callback gets an error page, no redirect."""
    client_id, secret = moodle_client
    browser = log_in(live_server, person.email)
    foreign = OAuth2Session(
        client_id, secret, scope=SCOPE, redirect_uri="https://evil.example/admin/oauth2callback.php"
    )
    url, _ = foreign.create_authorization_url(discovery["authorization_endpoint"])
    answer = browser.get(url, allow_redirects=False, timeout=10)
    # allauth answers its error page with a 200; what matters is that nothing redirects.
    assert answer.status_code == 200 and "Location" not in answer.headers
    assert "Connexion à e-ParcoursPro impossible" in unescape(answer.text)
    assert "Mismatching redirect URI" in answer.text


def test_reused_code_is_refused_and_revokes_what_it_gave(
    live_server, discovery, moodle_client, person
):
    """A code serves once; its replay is refused, and the tokens it gave are revoked
    (RFC 6749 §10.5)."""
    client_id, secret = moodle_client
    browser = log_in(live_server, person.email)
    moodle = moodle_session(client_id, secret)
    url, _ = moodle.create_authorization_url(discovery["authorization_endpoint"])
    callback = follow_to_callback(browser, url)
    moodle.fetch_token(discovery["token_endpoint"], authorization_response=callback)
    assert moodle.get(discovery["userinfo_endpoint"], timeout=10).status_code == 200

    replay = moodle_session(client_id, secret)
    with pytest.raises(OAuthError) as refused:
        replay.fetch_token(discovery["token_endpoint"], authorization_response=callback)
    assert refused.value.error == "invalid_grant"
    assert moodle.get(discovery["userinfo_endpoint"], timeout=10).status_code == 401


def test_inactive_account_gets_no_code_and_no_token(live_server, discovery, moodle_client):
    """An inactive account cannot log in; one deactivated between the code and its exchange
    gets no token; one deactivated after gets no userinfo."""
    client_id, secret = moodle_client
    inactive = UserFactory(is_active=False)
    browser = requests.Session()
    moodle = moodle_session(client_id, secret)
    url, _ = moodle.create_authorization_url(discovery["authorization_endpoint"])
    page = browser.get(f"{live_server.url}/accounts/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    browser.post(
        f"{live_server.url}/accounts/login/?next={requests.utils.quote(urlsplit(url).path)}",
        data={"csrfmiddlewaretoken": csrf, "login": inactive.email, "password": DEMO_PASSWORD},
        headers={"Referer": f"{live_server.url}/accounts/login/"},
        timeout=10,
    )
    answer = browser.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    assert urlsplit(answer.headers["Location"]).path == "/accounts/login/"  # not the callback

    person = UserFactory()
    browser = log_in(live_server, person.email)
    callback = follow_to_callback(browser, url)
    User.objects.filter(pk=person.pk).update(is_active=False)
    person.refresh_from_db()
    person.save()  # as the admin does: the account's tokens and codes go
    with pytest.raises(OAuthError) as refused:
        moodle.fetch_token(discovery["token_endpoint"], authorization_response=callback)
    assert refused.value.error == "invalid_grant"

    later = UserFactory()
    browser = log_in(live_server, later.email)
    moodle = moodle_session(client_id, secret)
    url, _ = moodle.create_authorization_url(discovery["authorization_endpoint"])
    moodle.fetch_token(
        discovery["token_endpoint"], authorization_response=follow_to_callback(browser, url)
    )
    User.objects.filter(pk=later.pk).update(is_active=False)  # even without a save signal
    assert moodle.get(discovery["userinfo_endpoint"], timeout=10).status_code == 401


def test_revoked_token_gets_no_userinfo(live_server, discovery, moodle_client, person):
    client_id, secret = moodle_client
    browser = log_in(live_server, person.email)
    moodle = moodle_session(client_id, secret)
    url, _ = moodle.create_authorization_url(discovery["authorization_endpoint"])
    token = moodle.fetch_token(
        discovery["token_endpoint"], authorization_response=follow_to_callback(browser, url)
    )
    revoked = requests.post(
        discovery["revocation_endpoint"],
        data={"token": token["access_token"], "client_id": client_id, "client_secret": secret},
        timeout=10,
    )
    assert revoked.status_code == 200
    assert moodle.get(discovery["userinfo_endpoint"], timeout=10).status_code == 401


def test_rp_initiated_logout_ends_the_session(live_server, discovery, moodle_client, person):
    """e-ParcoursPro's logout with its id_token_hint ends the ParcoursPro session and comes
    back to Moodle; the same cookie is then anonymous."""
    client_id, secret = moodle_client
    browser = log_in(live_server, person.email)
    moodle = moodle_session(client_id, secret)
    url, _ = moodle.create_authorization_url(discovery["authorization_endpoint"])
    token = moodle.fetch_token(
        discovery["token_endpoint"], authorization_response=follow_to_callback(browser, url)
    )
    assert (
        browser.get(f"{live_server.url}/compte/profil/", allow_redirects=False).status_code == 200
    )

    answer = browser.get(
        discovery["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "client_id": client_id,
            "post_logout_redirect_uri": f"{MOODLE}/",
            "state": "au-revoir",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"{MOODLE}/?state=au-revoir"
    after = browser.get(f"{live_server.url}/compte/profil/", allow_redirects=False, timeout=10)
    assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]
    assert moodle.get(discovery["userinfo_endpoint"], timeout=10).status_code == 401
    again = browser.get(url, allow_redirects=False, timeout=10)
    assert urlsplit(again.headers["Location"]).path == "/accounts/login/"
