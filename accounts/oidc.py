"""ParcoursPro as the OpenID Connect provider of e-ParcoursPro (FAQ Q13: « les mêmes
identifiants »): the claims it gives, and the registration of the e-ParcoursPro client.

django-allauth's own provider (allauth.idp.oidc) does the protocol; this module says who the
person is and which client may ask."""

from __future__ import annotations

import secrets
import string
from typing import Any
from urllib.parse import urlsplit

from allauth.idp.oidc.adapter import DefaultOIDCAdapter, get_adapter
from allauth.idp.oidc.models import Client, Token
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

E_PARCOURSPRO_NAME = "e-ParcoursPro"
# A secret's characters: letters and digits, so that none needs escaping anywhere and none
# starts with « - » (a command line would read it as an option).
SECRET_ALPHABET = string.ascii_letters + string.digits
SECRET_LENGTH = 50
E_PARCOURSPRO_SCOPES = ["openid", "profile", "email"]
MOODLE_CALLBACK_PATH = "/admin/oauth2callback.php"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
ORIGINS_CACHE_KEY = "oidc:client-origins"

INVALID_REDIRECT_URI = (
    "L'adresse de retour « {uri} » n'est pas valable : donnez l'adresse complète, en https "
    "(http n'est admis que pour localhost), par exemple "
    "https://e-parcourspro.example/admin/oauth2callback.php."
)


class OIDCAdapter(DefaultOIDCAdapter):
    """The claims e-ParcoursPro maps to its accounts: `sub` is the account's number, which
    never changes (Moodle's username), the email comes with its real verification state."""

    def generate_client_secret(self) -> str:
        """50 letters and digits (about 297 bits): pasted into Moodle's form, a shell or an
        HTTP Basic header, nothing needs escaping, and it never starts with « - »."""
        return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))

    def get_issuer(self) -> str:
        return settings.IDP_OIDC_ISSUER or super().get_issuer()

    def populate_server_metadata(self, data: dict) -> None:
        """A pinned issuer also pins the endpoints discovery names (Moodle stores them)."""
        if not settings.IDP_OIDC_ISSUER:
            return
        for key, value in data.items():
            if isinstance(value, str) and (key.endswith("_endpoint") or key == "jwks_uri"):
                parts = urlsplit(value)
                data[key] = settings.IDP_OIDC_ISSUER + parts.path

    def get_claims(
        self, purpose, user, client, scopes, email: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        if "email" in scopes and "email" not in claims and user.email:
            # An account without an address row (none should remain) still gives its email,
            # marked as not verified.
            claims.update({"email": user.email, "email_verified": False})
        if "profile" in scopes:
            profile = {
                "name": user.get_full_name(),
                "given_name": user.first_name,
                "family_name": user.last_name,
                # The login people know (their email); `sub` is what identifies them.
                "preferred_username": user.email,
            }
            claims.update({key: value for key, value in profile.items() if value})
        return claims


def _checked_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri.strip())
    local = (parts.hostname or "") in LOCAL_HOSTS
    if not parts.netloc or parts.scheme not in {"https", "http"}:
        raise ValidationError(INVALID_REDIRECT_URI.format(uri=uri))
    if parts.scheme == "http" and not local:
        raise ValidationError(INVALID_REDIRECT_URI.format(uri=uri))
    if parts.fragment or "*" in uri:
        raise ValidationError(INVALID_REDIRECT_URI.format(uri=uri))
    return uri.strip()


def moodle_root(redirect_uri: str) -> str:
    """Moodle's wwwroot (with a final slash) from its OAuth 2 callback address."""
    base = redirect_uri
    if base.endswith(MOODLE_CALLBACK_PATH):
        base = base[: -len(MOODLE_CALLBACK_PATH)]
    else:
        parts = urlsplit(base)
        base = f"{parts.scheme}://{parts.netloc}"
    return base.rstrip("/") + "/"


@transaction.atomic
def register_e_parcourspro_client(
    *,
    redirect_uri: str,
    client_id: str,
    rotate_secret: bool = False,
    name: str | None = None,
) -> tuple[Client, str | None]:
    """Creates or updates e-ParcoursPro's client: named `name` (« e-ParcoursPro » for a new
    client given none; an existing one keeps its name unless given one), confidential, scopes
    « openid profile email », authorization code (and refresh token), no consent screen (a
    trusted client), PKCE optional (Moodle sends none). Returns the client and its secret in
    clear, which exists only when the client is created or its secret rotated (only a hash
    is kept)."""
    redirect_uri = _checked_redirect_uri(redirect_uri)
    if not client_id.strip():
        raise ValidationError("Donnez un identifiant de client (--client-id).")
    if name is not None and not name.strip():
        raise ValidationError("Donnez un nom de client non vide (--name).")
    client = Client.objects.select_for_update().filter(id=client_id).first()
    created = client is None
    if created:
        client = Client(id=client_id)
    if name is not None:
        client.name = name.strip()
    elif created:
        client.name = E_PARCOURSPRO_NAME
    client.type = Client.Type.CONFIDENTIAL
    client.set_scopes(E_PARCOURSPRO_SCOPES)
    client.set_default_scopes(E_PARCOURSPRO_SCOPES)
    client.set_grant_types([Client.GrantType.AUTHORIZATION_CODE, Client.GrantType.REFRESH_TOKEN])
    client.set_response_types([Client.ResponseType.CODE])
    client.set_redirect_uris([redirect_uri])
    client.set_post_logout_redirect_uris([moodle_root(redirect_uri)])
    client.allow_uri_wildcards = False
    client.skip_consent = True
    secret = None
    if created or rotate_secret:
        secret = get_adapter().generate_client_secret()
        client.set_secret(secret)
    client.full_clean(exclude=["secret"])
    client.save()
    return client, secret


def client_origins() -> list[str]:
    """The origins of the registered clients' redirect addresses: the login form that ends
    in a redirect to e-ParcoursPro must be allowed to go there (CSP form-action)."""
    origins = cache.get(ORIGINS_CACHE_KEY)
    if origins is None:
        found = set()
        for client in Client.objects.only("redirect_uris", "data"):
            for uri in client.get_redirect_uris() + client.get_post_logout_redirect_uris():
                parts = urlsplit(uri)
                if parts.scheme in {"http", "https"} and parts.netloc and "*" not in uri:
                    found.add(f"{parts.scheme}://{parts.netloc}")
        origins = sorted(found)
        cache.set(ORIGINS_CACHE_KEY, origins, 300)
    return origins


def forget_client_origins(**kwargs: Any) -> None:
    cache.delete(ORIGINS_CACHE_KEY)


def revoke_tokens_of_inactive(*, instance, **kwargs: Any) -> None:
    """A deactivated account keeps no code, access or refresh token: e-ParcoursPro can no
    longer sign it in, even with a code issued a moment before."""
    if instance.pk and not instance.is_active:
        Token.objects.filter(user=instance).delete()
