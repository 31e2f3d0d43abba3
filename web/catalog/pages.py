"""Whole pages shared by every anonymous visitor — the catalogue, the home page, an action's
page — stored in the shared cache with what makes them true, and checked against the
database at each request by the query the page runs anyway (issue 16).

A visitor who is not logged in and has no message waiting sees exactly what every other such
visitor sees (an action page's CSRF token aside, put in per request). So their page is kept
whole, with a *token*: the versions of the rows it shows, read by the request that rendered
it before it read the rows themselves (`catalog.cache_versions`: a row's version is bumped in
the transaction that changes it). A later request reads the current versions — the one query
the page needs to know what it shows — and serves the stored page only when they are the
token's: the HTML is at least as new as its token, and a request that sees a newer commit
reads a newer version, so the page is never staler than what that request's own query saw.
« 3 places restantes » stays the truth as of the last commit.

The key also names the release (`site_release`: templates, code, translations, static files
and the settings shown in every page) and the language; a logged-in person's pages are
rendered from the shared fragments (`web.catalog.fragments`) with their own parts.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from catalog.cache_versions import (
    CATALOGUE_VERSION_KEY,
    FRAGMENT_TIMEOUT,
    PLACES_VERSION_KEY,
    listing_version,
)
from catalog.release import site_release
from web.catalog import fragments


def can_share(request) -> bool:
    """Whether `request` is answered by the page every anonymous visitor sees: not logged
    in, and no message waiting to be shown (those are read again by the page's template)."""
    return not request.user.is_authenticated and not len(get_messages(request))


class SharedPage:
    """The stored page `name` for `request`, read from the cache with `also` (other keys the
    view needs from it) in one round trip when the visitor is anonymous."""

    def __init__(self, request, name: str, *, also: tuple[str, ...] = ()):
        self.request = request
        self.enabled = can_share(request)
        self.key = f"page:{site_release()}:{get_language() or settings.LANGUAGE_CODE}:{name}"
        self.cached = cache.get_many([self.key, *also]) if self.enabled else {}
        stored = self.cached.get(self.key)
        self.token, self.html = stored if stored is not None else (None, None)
        # What a check read that a render of the page may use again (`catalogue_hit`).
        self.checked = None

    def hit(self, token) -> HttpResponse | None:
        """The stored page when it is of `token` (the versions this request read)."""
        if self.html is not None and self.token == token:
            return self.respond(self.html)
        return None

    def store(self, response: HttpResponse, token) -> HttpResponse:
        """Keep `response`'s page under `token` (the versions read before its rows), when it
        is the page every anonymous visitor sees; `token` None: not exact, not kept."""
        if self.enabled and token is not None and response.status_code == 200:
            html = response.content.decode()
            cache.set(self.key, (token, html), FRAGMENT_TIMEOUT)
            return self.respond(html)
        return response

    def respond(self, html: str) -> HttpResponse:
        if fragments.CSRF_SLOT in html:
            html = html.replace(fragments.CSRF_SLOT, get_token(self.request))
        return HttpResponse(html)


def catalogue_page(request) -> SharedPage:
    return SharedPage(
        request,
        f"catalogue:{fragments.query_key(request.GET)}",
        also=(CATALOGUE_VERSION_KEY, PLACES_VERSION_KEY),
    )


def catalogue_token(version, rows, valid_until: dt.datetime, card_keys) -> dict:
    return {"version": version, "rows": rows, "valid_until": valid_until, "cards": card_keys}


def catalogue_hit(page: SharedPage, now: dt.datetime) -> HttpResponse | None:
    """The stored catalogue page, when the listing's version is the one it was listed
    under, no listed session has started (or closed) since, and its cards' versions are
    those committed now (one query)."""
    token = page.token
    if token is None or page.html is None:
        return None
    version, places = (page.cached.get(key) for key in (CATALOGUE_VERSION_KEY, PLACES_VERSION_KEY))
    if version is None or places is None or token["valid_until"] <= now:
        return None
    if token["version"] != listing_version(page.request.GET, version, places):
        return None
    keys = fragments.card_keys(token["rows"], now)
    page.checked = (token["rows"], keys)  # the render of a miss reuses them
    if keys != token["cards"]:
        return None
    return page.respond(page.html)
