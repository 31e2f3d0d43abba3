"""ParcoursPro as the OpenID Connect provider of e-ParcoursPro (FAQ Q13: « les mêmes
identifiants »): the claims it gives, and the registration of the e-ParcoursPro client.

django-allauth's own provider (allauth.idp.oidc) does the protocol; this module says who the
person is and which client may ask."""

from __future__ import annotations

import re
import secrets
import string
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from allauth.idp.oidc.adapter import DefaultOIDCAdapter, get_adapter
from allauth.idp.oidc.models import Client, Token
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from oauthlib.oauth2.rfc6749 import errors

E_PARCOURSPRO_NAME = "e-ParcoursPro"
# A secret's characters: letters and digits, so that none needs escaping anywhere and none
# starts with « - » (a command line would read it as an option).
SECRET_ALPHABET = string.ascii_letters + string.digits
SECRET_LENGTH = 50
E_PARCOURSPRO_SCOPES = ["openid", "profile", "email"]
MOODLE_CALLBACK_PATH = "/admin/oauth2callback.php"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
ORIGINS_CACHE_KEY = "oidc:client-origins"

INVALID_POST_LOGOUT_URI = (
    "L'adresse de retour après déconnexion « {uri} » n'est pas valable : donnez l'adresse "
    "complète, en https (http n'est admis que pour localhost), sans identifiant ni « # », "
    "par exemple https://e-parcourspro.example/."
)
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
        """What e-ParcoursPro learns of the person, in the ID token (at the token endpoint)
        and at the userinfo endpoint; nothing for an account that is not active.

        allauth asks for the claims of every ID token and every userinfo answer, with the user
        read again in that request: an account deactivated after the authorization (by
        `QuerySet.update(is_active=False)`, which sends no signal, so that
        `revoke_tokens_of_inactive` never ran) gets no token, and its tokens no answer
        (issue 23). allauth answers the error in JSON (invalid_grant, invalid_token)."""
        if not user.is_active:
            if purpose == "id_token":
                raise errors.InvalidGrantError(description="Account inactive.")
            raise errors.InvalidTokenError(description="Account inactive.")
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


class BrowserURL(NamedTuple):
    scheme: str
    host: str
    port: int | None
    path: str
    query: str


_DEFAULT_PORTS = {"http": 80, "https": 443}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.DOTALL)
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
# What a registered address may not hold: spaces and control characters, « \\ », a wildcard.
_UNUSUAL = re.compile(r"[\x00-\x20\x7f\\*]")
_HOST = re.compile(r"^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$")


def browser_url(uri: str) -> BrowserURL | None:
    """`uri` read as a browser reads it (the WHATWG URL standard), for http and https: tabs
    and newlines removed, surrounding control characters and spaces stripped, « \\ » as
    « / », any number of slashes after the scheme, scheme and host in lower case, the
    default port dropped, an empty path as « / ». None for what a redirect must not follow:
    another scheme, user information (« user@ »: `https://evil.example\\@moodle.example/`
    is evil.example for a browser, moodle.example for urllib), an unusual host (percent
    escapes, non-ASCII), a fragment."""
    text = _TAB_OR_NEWLINE.sub("", uri or "").strip("".join(map(chr, range(0x21))))
    match = _SCHEME.match(text)
    if match is None or match[1].lower() not in _DEFAULT_PORTS:
        return None
    scheme, rest = match[1].lower(), match[2].replace("\\", "/").lstrip("/")
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, rest = rest[:end], rest[end:]
    if "@" in authority or "#" in rest:
        return None
    if authority.startswith("["):  # an IPv6 address
        host, _, port_text = authority.partition("]")
        host, port_text = host + "]", port_text.removeprefix(":")
    else:
        host, _, port_text = authority.partition(":")
    host = host.lower()
    if not _HOST.match(host) or (port_text and not port_text.isdigit()):
        return None
    port = int(port_text) if port_text else None
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    path, _, query = rest.partition("?")
    return BrowserURL(scheme, host, port, path or "/", query)


def is_registered_post_logout_uri(client: Client, uri: str) -> bool:
    """Whether `uri`, read as a browser reads it, is exactly one of the client's own
    post-logout addresses (not a prefix, not with added parameters, not another path)."""
    given = browser_url(uri)
    return given is not None and any(
        given == browser_url(registered) for registered in client.get_post_logout_redirect_uris()
    )


def client_post_logout_addresses(client_id: str) -> list[str]:
    """The post-logout addresses registered for the client `client_id` that a link may
    lead to (none for an unknown client)."""
    client = Client.objects.filter(id=client_id).first() if client_id else None
    if client is None:
        return []
    return [uri for uri in client.get_post_logout_redirect_uris() if browser_url(uri)]


def checked_post_logout_uri(uri: str) -> str:
    """A post-logout address staff register for a client: https (http for localhost only),
    no user information, no fragment, no wildcard."""
    uri = uri.strip()
    parsed = browser_url(uri)
    if (
        parsed is None
        or _UNUSUAL.search(uri)
        or (parsed.scheme == "http" and parsed.host not in LOCAL_HOSTS)
    ):
        raise ValidationError(INVALID_POST_LOGOUT_URI.format(uri=uri))
    return uri


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
    post_logout_redirect_uris: list[str] | None = None,
    name: str | None = None,
) -> tuple[Client, str | None]:
    """Creates or updates e-ParcoursPro's client: named `name` (« e-ParcoursPro » for a new
    client given none; an existing one keeps its name unless given one), confidential, scopes
    « openid profile email », authorization code (and refresh token), no consent screen (a
    trusted client), PKCE optional (Moodle sends none), its own post-logout addresses (by
    default Moodle's root). Returns the client and its secret in clear, which exists only
    when the client is created or its secret rotated (only a hash is kept)."""
    redirect_uri = _checked_redirect_uri(redirect_uri)
    post_logout = [
        checked_post_logout_uri(uri)
        for uri in (post_logout_redirect_uris or [moodle_root(redirect_uri)])
    ]
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
    client.set_post_logout_redirect_uris(post_logout)
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
