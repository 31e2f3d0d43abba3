"""The catalogue's, home page's and action page's shared fragments, rendered once and cached
under versions (catalog.cache_versions), so that none is ever stale about places.

- A **card** (one action and its next sessions) is keyed by the action's and the sessions'
  row versions and by whether each session still takes requests (R9: the deadline passes
  without a write). The versions are read from the database by the page, in the statement
  that also says which rows it shows.
- A **listing** (which actions and sessions a search shows, the count, the pagination) and the
  **filter form** are keyed by the catalogue's version and the query string; a listing also
  expires when the next of its sessions starts or closes (`valid_until`).
- The home page's **next sessions** are keyed by the six sessions' and actions' versions.
- An action's **description** by its version.
- An action page's **sessions** by the action's and its upcoming sessions' versions (those
  of their places too) and by what time alone changes (registration open, lead time).

Per-person parts stay out: a card marks each session with `<!--in-cart:ID-->`, which the view
replaces by « Dans votre panier » for the sessions in that person's cart (`mark_cart`); the
action page's sessions carry `<!--news:ID-->` and `<!--person:ID-->` (`fill_sessions`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Min
from django.http import QueryDict
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from catalog import selectors, versions
from catalog.cache_versions import FRAGMENT_TIMEOUT, catalogue_versions, listing_version
from catalog.models import Action, Session
from catalog.release import site_release

CART_MARK = re.compile(r"<!--in-cart:(\d+)-->")
CARDS_SLOT = "\x00cards\x00"


def _release_key() -> str:
    """The release (`release.site_release`: code, templates, translations, static files and
    shown settings) and the language: a deployment that changes how a fragment is rendered
    never reads fragments rendered by the previous one (the cache is shared and outlives
    processes)."""
    return f"{site_release()}:{get_language() or settings.LANGUAGE_CODE}"


def _is_open(deadline: dt.datetime, now: dt.datetime) -> bool:
    """What a card says of a listed session (upcoming, published) that depends on the time."""
    return now < deadline


def _card_key(action_pk, action_version, sessions) -> str:
    """`sessions`: (id, version, registration still open?) of each of the card's sessions."""
    parts = ",".join(f"{pk}.{v}.{int(is_open)}" for pk, v, is_open in sessions)
    return f"catalog:card:{_release_key()}:{action_pk}.{action_version}:{parts}"


def card_labels() -> dict[str, str]:
    """The card's fixed words, translated once per page rather than once per card and
    session."""
    labels = {
        "member_only": gettext("Réservé aux adhérents"),
        "open_to_all": gettext("Ouvert à tous"),
        "next_sessions": gettext("Prochaines sessions"),
        "remote": gettext("À distance"),
        "on_site": gettext("En présentiel"),
        "see_action": gettext("Voir l'action"),
    }
    # As {% translate %} writes them: our own words, not escaped.
    return {name: mark_safe(text) for name, text in labels.items()}  # noqa: S308


def render_card(action: Action, labels: dict[str, str] | None = None) -> str:
    """One action's card, `action.next_sessions` annotated with places."""
    return get_template("catalog/_action_card.html").render(
        {"action": action, "url": action.get_absolute_url(), "labels": labels or card_labels()}
    )


def mark_cart(html: str, in_cart: set[int]) -> SafeString:
    """The cards' per-person part: « Dans votre panier » after each session in the cart."""
    if not in_cart:
        return mark_safe(CART_MARK.sub("", html))  # noqa: S308 — our own rendered HTML
    note = get_template("catalog/_in_cart.html").render({})

    def replace(match):
        return note if int(match.group(1)) in in_cart else ""

    return mark_safe(CART_MARK.sub(replace, html))  # noqa: S308


@dataclass
class CataloguePage:
    form_html: str
    results_html: str
    # What the results show, for `web.catalog.pages` to store the whole page under: the
    # listing's version (`cache_versions.listing_version`) read before the listing, its
    # (action, sessions) rows and time bound, and each card's key — the versions its HTML
    # is of.
    version: str
    rows: list
    valid_until: dt.datetime
    card_keys: list[str]


def query_key(query: QueryDict) -> str:
    items = sorted((key, value) for key, values in query.lists() for value in values)
    return hashlib.sha1(repr(items).encode(), usedforsecurity=False).hexdigest()


def catalogue_page(query: QueryDict, *, now: dt.datetime, checked=None) -> CataloguePage:
    """The catalogue's form and results for `query` (a GET QueryDict), from the cache where
    the versions allow, rendered (and cached) otherwise. `checked`: (listing rows, their
    cards' keys) this request already read (`card_keys`), not read again for those rows."""
    version = listing_version(query, *catalogue_versions())
    suffix = f"{_release_key()}:{version}:{query_key(query)}"
    listing_key, form_key = f"catalog:listing:{suffix}", f"catalog:form:{suffix}"
    cached = cache.get_many([listing_key, form_key])
    listing, form_html = cached.get(listing_key), cached.get(form_key)
    filterset = None
    shown = None
    if listing is not None and listing["valid_until"] > now:
        known = checked[1] if checked and checked[0] == listing["rows"] else None
        shown = _results_from_listing(listing, now, known)
    if shown is None:
        from web.catalog.filters import CatalogueFilterSet

        filterset = CatalogueFilterSet(query, queryset=Action.objects.none())
        listing, shown = _render_listing(filterset, query, now)
        cache.set(listing_key, listing, FRAGMENT_TIMEOUT)
    results, card_keys = shown
    if form_html is None:
        if filterset is None:
            from web.catalog.filters import CatalogueFilterSet

            filterset = CatalogueFilterSet(query, queryset=Action.objects.none())
        form_html = get_template("catalog/_catalogue_form.html").render(
            {"form": filterset.form, "active_filters": filterset.active_filters()}
        )
        cache.set(form_key, form_html, FRAGMENT_TIMEOUT)
    return CataloguePage(
        form_html=mark_safe(form_html),  # noqa: S308 — our own rendered HTML
        results_html=results,
        version=version,
        rows=listing["rows"],
        valid_until=listing["valid_until"],
        card_keys=card_keys,
    )


def _render_listing(filterset, query: QueryDict, now: dt.datetime):
    """Run the search, render its cards (caching each) and its frame; return the listing to
    cache and the results' HTML."""
    page = Paginator(filterset.qs, selectors.CATALOGUE_PAGE_SIZE).get_page(query.get("page"))
    actions = list(page.object_list)
    cards, to_cache, labels = [], {}, card_labels()
    for action in actions:
        html = render_card(action, labels)
        cards.append(html)
        key = _card_key(
            action.pk,
            action.version,
            [
                (s.pk, s.version, _is_open(s.registration_deadline, now))
                for s in action.next_sessions
            ],
        )
        to_cache[key] = html
    keys = list(to_cache)
    if to_cache:
        cache.set_many(to_cache, FRAGMENT_TIMEOUT)
    frame = get_template("catalog/_catalogue_results.html").render(
        {"page": page, "query": query, "cards": CARDS_SLOT}
    )
    head, _, tail = frame.partition(CARDS_SLOT)
    listing = {
        "head": head,
        "tail": tail,
        "rows": [(action.pk, [s.pk for s in action.next_sessions]) for action in actions],
        "valid_until": _next_change(filterset.criteria(), now),
    }
    return listing, (head + "".join(cards) + tail, keys)


def _next_change(criteria, now: dt.datetime) -> dt.datetime:
    """When time alone changes the results: the next start (a session leaves the catalogue)
    or, with « places disponibles », the next registration deadline."""
    sessions = selectors.matching_sessions(criteria, now).filter(action__is_published=True)
    bounds = sessions.aggregate(start=Min("starts_at"), deadline=Min("registration_deadline"))
    candidates = [bounds["start"]]
    if criteria.places_only and bounds["deadline"] and bounds["deadline"] > now:
        candidates.append(bounds["deadline"])
    candidates = [value for value in candidates if value is not None]
    return min(candidates) if candidates else now + dt.timedelta(days=1)


def card_keys(listing_rows, now: dt.datetime) -> list[str] | None:
    """The keys of a listing's cards at the versions committed now, read in one query; None
    when a listed session is gone (or no longer listed)."""
    session_ids = [pk for _, ids in listing_rows for pk in ids]
    if not session_ids:
        return []
    rows = versions.listed_sessions(session_ids, now)
    if len(rows) != len(set(session_ids)):
        return None
    keys = []
    for action_pk, ids in listing_rows:
        action_version = rows[ids[0]][1]
        keys.append(
            _card_key(action_pk, action_version, [(pk, rows[pk][0], rows[pk][2]) for pk in ids])
        )
    return keys


def _results_from_listing(
    listing: dict, now: dt.datetime, known: list[str] | None = None
) -> tuple[str, list[str]] | None:
    """The results from a cached listing, and the keys of the cards they show: the cards'
    versions are read in one query (unless `known`: read by this request), cached cards are
    reused, the others rendered. None when a listed session is gone."""
    keys = list(known) if known is not None else card_keys(listing["rows"], now)
    if keys is None:
        return None
    cards = cache.get_many(keys)
    missing = [i for i, key in enumerate(keys) if key not in cards]
    if missing:
        rendered = _render_cards([listing["rows"][i] for i in missing], now)
        for i, (html, key) in zip(missing, rendered, strict=True):
            # Shown under the versions it was rendered from (they may be newer than keys[i]).
            keys[i], cards[key] = key, html
    html = listing["head"] + "".join(cards[key] for key in keys) + listing["tail"]
    return html, keys


def _render_cards(rows, now: dt.datetime) -> list[tuple[str, str]]:
    """Render the cards of (action id, session ids) rows, places counted now: (HTML, key)
    each. A card is cached under the versions read with its rows (the caller's key may be
    older)."""
    action_ids = [action_pk for action_pk, _ in rows]
    actions = Action.objects.select_related("theme", "provider").in_bulk(action_ids)
    session_ids = [pk for _, ids in rows for pk in ids]
    sessions = selectors.with_places(Session.objects.filter(pk__in=session_ids)).in_bulk()
    rendered, to_cache, labels = [], {}, card_labels()
    for action_pk, ids in rows:
        action = actions[action_pk]
        action.next_sessions = [sessions[pk] for pk in ids]
        html = render_card(action, labels)
        key = _card_key(
            action.pk,
            action.version,
            [
                (s.pk, s.version, _is_open(s.registration_deadline, now))
                for s in action.next_sessions
            ],
        )
        rendered.append((html, key))
        to_cache[key] = html
    cache.set_many(to_cache, FRAGMENT_TIMEOUT)
    return rendered


HOME_SESSIONS = 6


def home_rows(now: dt.datetime) -> list[tuple[int, int, int]]:
    """The home page's next sessions open for registration: (id, version, action version)."""
    return versions.home_sessions(now, HOME_SESSIONS)


def home_sessions(*, now: dt.datetime, rows=None) -> tuple[SafeString, str]:
    """The home page's next sessions still open for registration, places counted, and the
    key of the versions its HTML is of. `rows`: `home_rows(now)`, when already read."""
    key = home_key(home_rows(now) if rows is None else rows)
    html = cache.get(key)
    if html is None:
        sessions = selectors.next_sessions(HOME_SESSIONS, now)
        html = get_template("catalog/_home_sessions.html").render({"next_sessions": sessions})
        # Cached under the versions read with the places it shows.
        key = home_key([(s.pk, s.version, s.action.version) for s in sessions])
        cache.set(key, html, FRAGMENT_TIMEOUT)
    return mark_safe(html), key  # noqa: S308


def home_key(rows) -> str:
    parts = ",".join(f"{pk}.{version}.{action_version}" for pk, version, action_version in rows)
    return f"catalog:home:{_release_key()}:{parts}"


class ActionPage:
    """An action page's shared fragments — its description (keyed by the action's version)
    and its « Sessions à venir » block (by the action's and the sessions' versions, the
    places' too, and what time alone changes: `flags`, one string a session) — and its
    sessions' places, all read from the cache in one round trip."""

    def __init__(self, action: Action, sessions, *, flags: dict[int, str], anonymous: bool):
        self.action, self.sessions, self.anonymous = action, sessions, anonymous
        # Whether the sessions block is of the versions of its key (`sessions_block`).
        self.exact = True
        release = _release_key()
        self.description_key = f"catalog:action:{release}:{action.pk}.{action.version}"
        parts = ",".join(f"{s.pk}.{s.version}.{flags[s.pk]}" for s in sessions)
        who = "anonymous" if anonymous else "person"
        self.sessions_key = f"catalog:sessions:{release}:{who}:{action.pk}.{action.version}:{parts}"
        keys = [self.description_key, self.sessions_key]
        keys += [selectors.places_key(session) for session in sessions]
        self.cached = cache.get_many(keys)

    def description(self) -> SafeString:
        """The page above « Qui peut s'inscrire ? » (the same for everyone)."""
        html = self.cached.get(self.description_key)
        if html is None:
            # Its theme and provider, read here only (`selectors.published_action_or_404`).
            action = Action.objects.select_related("theme", "provider").get(pk=self.action.pk)
            html = get_template("catalog/_action_description.html").render({"action": action})
            cache.set(self.description_key, html, FRAGMENT_TIMEOUT)
        return mark_safe(html)  # noqa: S308

    def sessions_block(self, states) -> str:
        """« Sessions à venir », the same for everyone: `states` are the sessions' eligibility
        states (what in them depends on the person is left to the marks); for an anonymous
        visitor the person's part, the same for all of them, is in it, its CSRF token at
        `CSRF_SLOT`. Cached only when every session's places are of its row's version (a
        change committed between the two reads is shown, not cached under the older key)."""
        html = self.cached.get(self.sessions_key)
        if html is None:
            html = get_template("catalog/_action_sessions.html").render(
                {"states": states, "anonymous": self.anonymous, "csrf_token": CSRF_SLOT}
            )
            self.exact = all(
                getattr(session, "places_version", session.version) == session.version
                for session in self.sessions
            )
            if self.exact:
                cache.set(self.sessions_key, html, FRAGMENT_TIMEOUT)
        return html


SESSION_MARK = re.compile(r"<!--(news|person):(\d+)-->")
# Where an anonymous visitor's page gets its CSRF token (the « Ajouter au panier » forms).
CSRF_SLOT = "\x00csrf\x00"


def fill_sessions(html: str, parts: dict[tuple[str, int], str]) -> SafeString:
    """The per-person parts in the marks of `ActionPage.sessions_block`; a mark without one
    is removed."""

    def replace(match):
        return parts.get((match.group(1), int(match.group(2))), "")

    return mark_safe(SESSION_MARK.sub(replace, html))  # noqa: S308 — our own rendered HTML
