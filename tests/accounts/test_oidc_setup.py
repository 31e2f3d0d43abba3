"""What the OpenID Connect provider stands on: every account's verified EmailAddress, the
claims, the e-ParcoursPro client (command, admin, demo), the keys, the issuer, the CSP."""

from __future__ import annotations

import importlib
import re
from io import StringIO

import jwt
import pytest
from allauth.account.models import EmailAddress
from allauth.core.internal import jwkkit
from allauth.idp.oidc.models import Client
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts import checks
from accounts.models import User
from accounts.oidc import OIDCAdapter, register_e_parcourspro_client
from demo import data as demo_data
from parcourspro import oidc_keys
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CALLBACK = "https://e-parcourspro.example/admin/oauth2callback.php"
SCOPES = ["openid", "profile", "email"]


def primary(user) -> EmailAddress:
    return EmailAddress.objects.get(user=user, primary=True)


def test_accounts_created_by_commands_and_factories_have_a_verified_address():
    """createsuperuser and create_user (staff, commands) and the factories vouch for it."""
    call_command("createsuperuser", email="Chef@Example.test", interactive=False, stdout=StringIO())
    for user in (
        User.objects.get(email__iexact="chef@example.test"),
        User.objects.create_user(email="simple@example.test", password="x"),
        UserFactory(),
    ):
        address = primary(user)
        assert address.verified and address.email == user.email.lower()
        assert EmailAddress.objects.filter(user=user).count() == 1


def test_staff_creates_and_readdresses_accounts_in_the_admin(admin_client):
    answer = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "recrue@example.test",
            "password1": "Sel-de-Guérande-42",
            "password2": "Sel-de-Guérande-42",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    user = User.objects.get(email="recrue@example.test")
    assert primary(user).verified

    change = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    form = change.context["adminform"].form
    post = {name: form[name].value() or "" for name in form.fields if name != "password"}
    post.update(
        {"email": "nouvelle@example.test", "is_active": "on", "groups": [], "user_permissions": []}
    )
    post.update({"date_joined_0": "01/01/2026", "date_joined_1": "10:00:00"})
    post.pop("last_login", None)
    answer = admin_client.post(reverse("admin:accounts_user_change", args=[user.pk]), post)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    assert [(a.email, a.verified, a.primary) for a in EmailAddress.objects.filter(user=user)] == [
        ("nouvelle@example.test", True, True)
    ]


def test_an_email_changed_outside_allauth_follows_unverified():
    """Changed in a shell: the new address is the primary one, not verified (nobody vouched),
    and the former one is freed for another account."""
    user = UserFactory(email="avant@example.test")
    user.email = "apres@example.test"
    user.save()
    assert [(a.email, a.verified) for a in EmailAddress.objects.filter(user=user)] == [
        ("apres@example.test", False)
    ]
    assert primary(UserFactory(email="avant@example.test")).verified


def test_the_migration_gives_older_accounts_their_address():
    older = UserFactory(email="Ancien@Example.test", email_address=False)
    signed_up = UserFactory(email_address=False)
    EmailAddress.objects.create(user=signed_up, email=signed_up.email, primary=False)
    migration = importlib.import_module("accounts.migrations.0003_primary_email_addresses")
    migration.add_missing_addresses(apps, None)
    assert (primary(older).email, primary(older).verified) == ("ancien@example.test", True)
    # An address awaiting its confirmation stays unconfirmed.
    assert (primary(signed_up).verified, EmailAddress.objects.filter(user=signed_up).count()) == (
        False,
        1,
    )


def test_claims_tell_the_real_verification_state():
    client, _ = register_e_parcourspro_client(redirect_uri=CALLBACK, client_id="e-parcourspro")
    user = UserFactory(email="lea@example.test", first_name="Léa", last_name="Dupré")
    EmailAddress.objects.filter(user=user).update(verified=False)
    claims = OIDCAdapter().get_claims("userinfo", user, client, SCOPES)
    assert claims == {
        "sub": str(user.pk),
        "email": "lea@example.test",
        "email_verified": False,
        "given_name": "Léa",
        "family_name": "Dupré",
        "name": "Léa Dupré",
        "preferred_username": "lea@example.test",
    }
    assert OIDCAdapter().get_claims("id_token", user, client, ["openid"]) == {"sub": str(user.pk)}


def test_register_command_is_idempotent_and_shows_the_secret_once():
    out = StringIO()
    call_command("register_e_parcourspro_client", redirect_uri=CALLBACK, stdout=out)
    secret = out.getvalue().split("Client secret: ")[1].split()[0]
    client = Client.objects.get(id="e-parcourspro")
    assert client.check_secret(secret)
    assert client.type == Client.Type.CONFIDENTIAL and client.skip_consent
    assert client.get_scopes() == SCOPES
    assert client.get_redirect_uris() == [CALLBACK]
    assert client.get_grant_types() == ["authorization_code", "refresh_token"]
    assert client.get_response_types() == ["code"]
    assert client.get_post_logout_redirect_uris() == ["https://e-parcourspro.example/"]

    out = StringIO()
    call_command("register_e_parcourspro_client", redirect_uri=CALLBACK, stdout=out)
    assert secret not in out.getvalue() and "inchangé" in out.getvalue()
    assert Client.objects.get(id="e-parcourspro").check_secret(secret)

    out = StringIO()
    call_command(
        "register_e_parcourspro_client", redirect_uri=CALLBACK, rotate_secret=True, stdout=out
    )
    rotated = out.getvalue().split("Client secret: ")[1].split()[0]
    client = Client.objects.get(id="e-parcourspro")
    assert rotated != secret and client.check_secret(rotated) and not client.check_secret(secret)
    assert Client.objects.count() == 1


def test_the_client_is_named_as_given_and_keeps_its_name(settings):
    """Issue 24, item 6: the name given to register_e_parcourspro_client is the client's."""
    client, _ = register_e_parcourspro_client(
        redirect_uri=CALLBACK, client_id="moodle-cap", name="Moodle de Cap Métiers"
    )
    assert Client.objects.get(id="moodle-cap").name == "Moodle de Cap Métiers"
    register_e_parcourspro_client(redirect_uri=CALLBACK, client_id="moodle-cap")
    assert Client.objects.get(id="moodle-cap").name == "Moodle de Cap Métiers"
    out = StringIO()
    call_command(
        "register_e_parcourspro_client",
        redirect_uri=CALLBACK,
        client_id="moodle-cap",
        name="e-ParcoursPro (Cap Métiers)",
        stdout=out,
    )
    assert Client.objects.get(id="moodle-cap").name == "e-ParcoursPro (Cap Métiers)"
    assert "Client name: e-ParcoursPro (Cap Métiers)" in out.getvalue()
    fresh, _ = register_e_parcourspro_client(redirect_uri=CALLBACK, client_id="autre")
    assert fresh.name == "e-ParcoursPro"
    with pytest.raises(CommandError, match="nom de client"):
        call_command(
            "register_e_parcourspro_client", redirect_uri=CALLBACK, name=" ", stdout=StringIO()
        )


def test_a_generated_secret_never_starts_with_a_dash():
    """Letters and digits only: `--client-secret -x…` would be read as an option."""
    secrets = {OIDCAdapter().generate_client_secret() for _ in range(2000)}
    assert len(secrets) == 2000
    assert all(len(s) == 50 and s.isascii() and s.isalnum() for s in secrets)


def test_the_command_gives_moodles_form_its_https_addresses(settings):
    settings.IDP_OIDC_ISSUER = "https://parcourspro.example"
    out = StringIO()
    call_command("register_e_parcourspro_client", redirect_uri=CALLBACK, stdout=out)
    assert "Service base URL: https://parcourspro.example" in out.getvalue()
    assert "Logo URL: https://parcourspro.example/e-parcourspro/logo.svg" in out.getvalue()
    assert "Attention" not in out.getvalue()


def test_the_command_warns_that_moodle_refuses_http(settings):
    """core\\oauth2\\issuer::validate_baseurl and endpoint::validate_url: https only."""
    settings.IDP_OIDC_ISSUER = ""
    settings.SITE_URL = "http://127.0.0.1:8000"
    out = StringIO()
    call_command("register_e_parcourspro_client", redirect_uri=CALLBACK, stdout=out)
    assert "Moodle refuse une « URL de base de service »" in out.getvalue()


@pytest.mark.parametrize(
    "uri",
    ["http://moodle.example/admin/oauth2callback.php", "moodle.example/callback", "https://*.x/"],
)
def test_register_command_refuses_a_bad_redirect_uri(uri):
    with pytest.raises(CommandError, match="n'est pas valable"):
        call_command("register_e_parcourspro_client", redirect_uri=uri, stdout=StringIO())
    assert not Client.objects.exists()


def test_staff_edit_the_client_in_the_admin(admin_client):
    register_e_parcourspro_client(redirect_uri=CALLBACK, client_id="e-parcourspro")
    assert admin_client.get(reverse("admin:allauth_idp_oidc_client_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:allauth_idp_oidc_client_change", args=["e-parcourspro"]))
    assert page.status_code == 200
    assert "oauth2callback.php" in page.content.decode()


def test_seed_demo_registers_a_local_client_once():
    call_command("seed_demo", stdout=StringIO())
    client = Client.objects.get(id="e-parcourspro")
    assert client.get_redirect_uris() == [demo_data.DEMO_MOODLE_CALLBACK]
    assert client.check_secret(demo_data.DEMO_CLIENT_SECRET)
    client.set_secret("changed-by-staff")
    client.save()
    call_command("seed_demo", stdout=StringIO())
    assert Client.objects.get(id="e-parcourspro").check_secret("changed-by-staff")


def test_login_page_lets_its_form_redirect_to_e_parcourspro(client):
    """Browsers apply form-action to the redirects after a form: once the client exists, the
    login page allows its origin."""
    before = client.get(reverse("account_login"))["Content-Security-Policy"]
    assert "e-parcourspro.example" not in before
    register_e_parcourspro_client(redirect_uri=CALLBACK, client_id="e-parcourspro")
    policy = client.get(reverse("account_login"))["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if "form-action" in part)
    assert form_action.split() == ["form-action", "'self'", "https://e-parcourspro.example"]


def test_issuer_can_be_pinned_behind_a_proxy(client, settings):
    assert client.get("/.well-known/openid-configuration").json()["issuer"] == "http://testserver"
    settings.IDP_OIDC_ISSUER = "https://parcourspro.example"
    discovery = client.get("/.well-known/openid-configuration").json()
    assert discovery["issuer"] == "https://parcourspro.example"
    assert discovery["token_endpoint"] == "https://parcourspro.example/identity/o/api/token"
    assert discovery["jwks_uri"] == "https://parcourspro.example/.well-known/jwks.json"


def test_rotation_signs_with_the_new_key_and_publishes_both(client, settings):
    new, old = oidc_keys.generate_pem(), oidc_keys.generate_pem()
    settings.IDP_OIDC_PRIVATE_KEY = new
    settings.IDP_OIDC_PRIVATE_KEYS = oidc_keys.key_ring(new, old)
    jwks = client.get("/.well-known/jwks.json").json()
    new_kid, old_kid = (jwkkit.load_jwk_from_pem(pem)[0]["kid"] for pem in (new, old))
    assert [key["kid"] for key in jwks["keys"]] == [new_kid, old_kid]
    assert OIDCAdapter().get_signing_key().pem == new
    # A token the former key signed before the rotation still verifies against the JWKS.
    token = jwt.encode(
        {"sub": "1"}, jwkkit.load_jwk_from_pem(old)[1], algorithm="RS256", headers={"kid": old_kid}
    )
    published = {key.key_id: key for key in jwt.PyJWKSet.from_dict(jwks).keys}
    assert jwt.decode(token, published[old_kid].key, algorithms=["RS256"])["sub"] == "1"


def test_keys_are_checked_and_the_development_key_kept(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="IDP_OIDC_PRIVATE_KEY is not"):
        oidc_keys.key_ring("-----BEGIN PRIVATE KEY-----\nnope\n", "")
    path = tmp_path / ".oidc-dev-key.pem"
    first = oidc_keys.development_key(path)
    assert oidc_keys.development_key(path) == first
    assert path.stat().st_mode & 0o777 == 0o600


def test_without_a_key_the_provider_is_off_and_check_says_so(settings):
    assert checks.check_oidc_key(None) == []
    settings.IDP_OIDC_ENABLED = False
    (warning,) = checks.check_oidc_key(None)
    assert warning.id == "accounts.W001" and "IDP_OIDC_PRIVATE_KEY" in warning.msg


def test_a_client_added_in_the_admin_shows_its_secret_once(admin_client):
    answer = admin_client.post(
        reverse("admin:allauth_idp_oidc_client_add"),
        {
            "id": "autre-moodle",
            "name": "Autre Moodle",
            "type": "confidential",
            "redirect_uris": "https://autre.example/admin/oauth2callback.php",
            "scopes": "openid\nprofile\nemail",
            "default_scopes": "",
            "skip_consent": "",
            "grant_types": "authorization_code",
            "response_types": "code",
            "cors_origins": "",
            "data": "null",
        },
        follow=True,
    )
    (message,) = [str(m) for m in answer.context["messages"] if "secret" in str(m).lower()]
    assert "affiché une seule fois" in message
    secret = message.split("<code>")[1].split("</code>")[0]
    assert re.fullmatch(r"[A-Za-z0-9_-]{50,}", secret)
    assert Client.objects.get(id="autre-moodle").check_secret(secret)
