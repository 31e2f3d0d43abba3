"""Project-wide middleware."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import csp.middleware
from allauth.idp.oidc.forms import RPInitiatedLogoutForm
from django.conf import settings
from django.db import OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.oidc import client_origins, is_registered_post_logout_uri
from common.typography import spaced_html
from enrollment.locking import BUSY_MESSAGE, Busy, is_lock_conflict
from web.errors import database_unavailable_response, is_database_unreachable

logger = logging.getLogger(__name__)


def spaced_page(html: str) -> HttpResponse:
    """A page whose non-breaking spaces are already set (a page kept whole in the cache is
    spaced once, before it is kept): the middleware leaves it as it is."""
    response = HttpResponse(html)
    response.french_spaced = True
    return response


class FrenchTypographyMiddleware:
    """Every HTML page leaves with its non-breaking spaces (`common.typography.spaced_html`):
    before « : ; ! ? », inside « », in « 17 h »: the translations, the messages and what
    people typed are written with plain spaces, and a line must not break there. A page made
    by `spaced_page` already has them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.streaming
            or getattr(response, "french_spaced", False)
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        charset = response.charset or "utf-8"
        response.content = spaced_html(response.content.decode(charset)).encode(charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


class LockConflictMiddleware:
    """A lock conflict that outlived the services' retries (or a `Busy` a view did not
    catch) answers 503 with a French page and `Retry-After`, never a 500: nothing was
    written, the person may simply try again.

    So does a database that cannot be reached (refused, closed by a restart): « service
    momentanément indisponible », rendered without touching the database. An outage met
    outside the views (a session saved after the response) reaches `handler500`, which
    answers the same (parcourspro.views.server_error)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unreachable(exception):
            logger.warning("Database unreachable, answered 503 on %s: %s", request.path, exception)
            return database_unavailable_response()
        if isinstance(exception, Busy) or (
            isinstance(exception, OperationalError) and is_lock_conflict(exception)
        ):
            logger.warning("Lock conflict answered 503 on %s", request.path)
            back = request.META.get("HTTP_REFERER", "")
            if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                back = "/"
            response = render(
                request,
                "errors/busy.html",
                {"message": BUSY_MESSAGE, "back_url": back},
                status=503,
            )
            response["Retry-After"] = "2"
            return response
        return None


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the origins of the registered OpenID Connect clients in
    `form-action` on the pages that can lead to them (django-csp's documented extension point,
    `get_policy_parts`). Browsers apply `form-action` to the redirects that follow a form: the
    login form reached from e-ParcoursPro ends, through /identity/o/authorize, in a redirect
    to Moodle's callback, and the logout form in one to Moodle. Only those pages pay for the
    query of the origins (cached: `accounts.oidc.client_origins`)."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if (
            settings.IDP_OIDC_ENABLED
            and response.get("Content-Type", "").startswith("text/html")
            and self.may_lead_to_a_client(request)
        ):
            origins = client_origins()
            if origins:
                update = dict(parts.update or {})
                update["form-action"] = [*update.get("form-action", []), *origins]
                parts.update = update
        return parts

    @staticmethod
    def may_lead_to_a_client(request) -> bool:
        """The pages whose forms can end on a client: allauth's (login, reauthentication…)
        and the provider's own (consent, logout). The others cost no query."""
        match = getattr(request, "resolver_match", None)
        if match is None:
            return False
        return match.namespace.startswith("idp") or (match.url_name or "").startswith("account_")


class OIDCLogoutAddressMiddleware:
    """RP-initiated logout (allauth.idp.oidc's logout endpoint): a `post_logout_redirect_uri`
    is followed only when, read as a browser reads it, it is exactly one of the addresses
    registered for the client (`accounts.oidc.is_registered_post_logout_uri`).

    allauth compares it with urllib, which reads `https://evil.example\\@moodle.example/` as
    moodle.example where browsers go to evil.example, and accepts any path on a registered
    origin or added parameters (issue 23). Any other address is dropped before allauth sees
    it: the request starts again without it (nor its `state`), allauth's logout goes on as
    without an address (it asks the person when nothing proves who sent the request), and
    ends on the page that says whether the person is logged out, with a link back to the
    client's own address (AccountAdapter.get_logout_redirect_url)."""

    KEPT = ("id_token_hint", "logout_hint", "client_id", "ui_locales")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name != "idp:oidc:logout":
            return None
        params = request.POST if request.method == "POST" else request.GET
        address = params.get("post_logout_redirect_uri")
        if not address:
            return None
        form = RPInitiatedLogoutForm(params)
        form.is_valid()
        client = form.cleaned_data.get("client")
        if client is not None and is_registered_post_logout_uri(client, address):
            return None
        logger.warning(
            "Post-logout address refused for client %s: %r",
            client.id if client else None,
            address,
        )
        kept = {name: params.getlist(name) for name in self.KEPT if name in params}
        if client is not None:
            kept["client_id"] = [client.id]
        return redirect(f"{request.path}?{urlencode(kept, doseq=True)}")
