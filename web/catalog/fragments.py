"""The public pages' blocks that are the same for every visitor, and what they are keyed by.

Each block is kept in the shared cache under the versions of the rows it shows
(`catalog.cache_versions`), read by the page in one query before the block is looked up; a
block rendered on a miss reads its rows after that query, so its HTML is never older than its
key. Django's `{% cache %}` keeps the catalogue's page and form and the home page's block (one
round trip to the cache each); a page of the catalogue reads its cards in one round trip
(`CataloguePage.cards_html`), an action page all of its blocks (`ActionPage`).

- The catalogue's **listing** (which actions and sessions a search shows on a page, and their
  count) is data kept under the catalogue's version and the query, until the next of its
  sessions starts (or closes, for « places disponibles »); a listed session no longer listed
  (started, cancelled, unpublished) makes the page search again. The page's results are a
  block keyed by the listing and its cards' versions; inside it, each **card** is keyed by the
  action's and its listed sessions' versions and whether each session still takes requests
  (R9: the deadline passes without a write), and the **filter form** by the catalogue's
  version (its themes) and the query (templates/catalog/catalogue.html).
- The **home page** by its six next sessions' and their actions' versions (`home_key`).
- An action page's **head** (its description, and « Qui peut s'inscrire ? » for a visitor not
  logged in) by the action's version; each of its **sessions** (details and places) by the
  session's version and what time alone changes in it (registration open, lead time).

What depends on the person (the header, the cart, eligibility, CSRF tokens, messages) is
rendered around the blocks at each request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Min
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from catalog import selectors
from catalog.cache_versions import (
    CATALOGUE_VERSION_KEY,
    FRAGMENT_TIMEOUT,
    PLACES_VERSION_KEY,
    catalogue_versions,
    listing_version,
)
from catalog.models import Action, Session
from web.catalog.filters import CatalogueForm
from web.parts import render_part
from web.templatetags.catalog_tags import who_context

HOME_SESSIONS = 6


@dataclass
class Card:
    """One action's card in a page of the catalogue."""

    action_pk: int
    action_version: int
    # (id, version, registration still open?, start) of each of the card's sessions.
    sessions: list[tuple[int, int, bool, dt.datetime]]
    # The action, its `next_sessions` with places, when the search just read them.
    loaded: Action | None = None
    # Starts of the card's sessions in the person's cart (set by the view).
    in_cart: list[dt.datetime] = field(default_factory=list)

    @property
    def key(self) -> str:
        parts = ",".join(f"{pk}.{v}.{int(is_open)}" for pk, v, is_open, _ in self.sessions)
        return f"{self.action_pk}.{self.action_version}:{parts}"

    @cached_property
    def action(self) -> Action:
        """The action and its listed sessions, places counted: read when the card is not
        cached (in one query)."""
        if self.loaded is not None:
            return self.loaded
        ids = [pk for pk, *_ in self.sessions]
        sessions = list(
            selectors.with_places(Session.objects.filter(pk__in=ids))
            .select_related("action__theme")
            .order_by("starts_at", "pk")
        )
        action = sessions[0].action
        action.next_sessions = sessions
        return action


class CataloguePage:
    """A page of the catalogue for `query` (a GET QueryDict): its listing, from the cache
    while the catalogue's version and the time allow, each card's versions read at once."""

    def __init__(self, query: QueryDict, now: dt.datetime):
        self.query = query
        self.query_key = hashlib.sha1(query.urlencode().encode(), usedforsecurity=False).hexdigest()
        key = f"catalog:listing:{self.query_key}"
        found = cache.get_many([CATALOGUE_VERSION_KEY, PLACES_VERSION_KEY, key])
        self.version = listing_version(query, *catalogue_versions(found))
        listing = found.get(key)
        cards = None
        if listing and listing["version"] == self.version and listing["valid_until"] > now:
            cards = _listed_cards(listing["rows"], now)
        if cards is None:
            listing, cards = self._search(now)
            cache.set(key, listing, FRAGMENT_TIMEOUT)
        self.cards = cards
        self.count = listing["count"]
        self.number = listing["number"]

    @property
    def key(self) -> str:
        """What the page's shared part shows: the listing, each card's versions."""
        cards = "|".join(card.key for card in self.cards)
        return f"{self.version}:{self.query_key}:{self.count}:{self.number}:{cards}"

    @property
    def marked(self) -> bool:
        """Whether a card says that one of its sessions is in the person's cart."""
        return any(card.in_cart for card in self.cards)

    @cached_property
    def form(self) -> CatalogueForm:
        return CatalogueForm(self.query)

    @cached_property
    def page(self) -> Page:
        """The page's number among the results' pages, for the count and the pagination."""
        return Paginator(range(self.count), selectors.CATALOGUE_PAGE_SIZE).page(self.number)

    @cached_property
    def cards_html(self) -> list[tuple[Card, SafeString]]:
        """(card, its HTML) of each card, read from the cache in one round trip; the missing
        ones rendered (templates/jinja2/catalog/action_card.html) and kept."""
        keys = {card.key: f"catalog:card:{card.key}" for card in self.cards}
        found = cache.get_many(list(keys.values()))
        shown, to_keep = [], {}
        for card in self.cards:
            key = keys[card.key]
            html = found.get(key)
            if html is None:
                html = to_keep[key] = render_part(None, "catalog/action_card.html", {"card": card})
            shown.append((card, mark_safe(html)))  # noqa: S308 — our own rendered HTML
        if to_keep:
            cache.set_many(to_keep, FRAGMENT_TIMEOUT)
        return shown

    def mark_cart(self, session_ids: set[int]) -> None:
        for card in self.cards:
            card.in_cart = [start for pk, _, _, start in card.sessions if pk in session_ids]

    def _search(self, now: dt.datetime) -> tuple[dict, list[Card]]:
        """Run the search: the listing to keep and the cards, their rows read with it."""
        form = self.form
        page = Paginator(form.actions(), selectors.CATALOGUE_PAGE_SIZE).get_page(
            self.query.get("page")
        )
        cards = [
            Card(
                action.pk,
                action.version,
                [
                    (
                        session.pk,
                        session.version,
                        now < session.registration_deadline,
                        session.starts_at,
                    )
                    for session in action.next_sessions
                ],
                loaded=action,
            )
            for action in page.object_list
        ]
        listing = {
            "version": self.version,
            "rows": [(card.action_pk, [pk for pk, *_ in card.sessions]) for card in cards],
            "count": page.paginator.count,
            "number": page.number,
            "valid_until": _next_change(form.criteria(), now),
        }
        return listing, cards


def _listed_cards(rows, now: dt.datetime) -> list[Card] | None:
    """The cards of a kept listing at the versions committed now (one query); None when one
    of its sessions is no longer listed."""
    ids = [pk for _, session_ids in rows for pk in session_ids]
    found = {
        pk: (version, action_version, now < deadline, starts_at)
        for pk, version, action_version, deadline, starts_at in Session.objects.published()
        .filter(pk__in=ids, starts_at__gt=now)
        .order_by()
        .values_list("pk", "version", "action__version", "registration_deadline", "starts_at")
    }
    if len(found) != len(set(ids)):
        return None
    return [
        Card(
            action_pk,
            found[session_ids[0]][1],
            [(pk, found[pk][0], found[pk][2], found[pk][3]) for pk in session_ids],
        )
        for action_pk, session_ids in rows
    ]


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


def home_key(now: dt.datetime) -> str:
    """The versions of the home page's next sessions open for registration, and of their
    actions (one query)."""
    rows = (
        Session.objects.open_for_registration(now)
        .order_by("starts_at", "pk")
        .values_list("pk", "version", "action__version")[:HOME_SESSIONS]
    )
    return ",".join(f"{pk}.{version}.{action_version}" for pk, version, action_version in rows)


class ActionPage:
    """An action page's blocks the same for everyone, read from the cache in one round trip
    (a `{% cache %}` block would cost one each): its head (the description, and « Qui peut
    s'inscrire ? » for visitors not logged in), under the action's version; each upcoming
    session's details and places, under the session's version and what time alone changes
    in them (`flags`: one string a session, registration open and lead time). Missing ones
    are rendered (the places counted in one query) and kept."""

    def __init__(
        self, action: Action, sessions: list[Session], *, flags: dict[int, str], anonymous: bool
    ):
        self.action, self.sessions, self.anonymous = action, sessions, anonymous
        who = "anonymous" if anonymous else "person"
        self.head_key = f"catalog:action:{who}:{action.pk}.{action.version}"
        self.keys = {s.pk: f"catalog:session:{s.pk}.{s.version}.{flags[s.pk]}" for s in sessions}
        self.found = cache.get_many([self.head_key, *self.keys.values()])
        missing = [s.pk for s in sessions if self.keys[s.pk] not in self.found]
        counted = selectors.places_counts(missing) if missing else {}
        for session in sessions:
            # (0, 0): no request holds or awaits a place (or deleted between the two reads).
            held, waiting, _ = self.found.get(self.keys[session.pk]) or (
                *counted.get(session.pk, (0, 0)),
                None,
            )
            session.places_held, session.places_waiting = held, waiting
            session.places_left = max(session.capacity - held, 0)

    def head(self, request) -> SafeString:
        html = self.found.get(self.head_key)
        if html is None:
            # The description's long texts, left out of the page's query, read once.
            action = Action.objects.select_related("theme", "provider").get(pk=self.action.pk)
            html = render_part(
                request,
                "catalog/action_head.html",
                who_context(action, authenticated=not self.anonymous),
            )
            cache.set(self.head_key, html, FRAGMENT_TIMEOUT)
        return mark_safe(html)  # noqa: S308 — our own rendered HTML

    def sessions_html(self, states) -> list[tuple]:
        """(state, details' HTML) of each session, in the page's order."""
        shown, to_keep = [], {}
        for state in states:
            key = self.keys[state.session.pk]
            entry = self.found.get(key)
            if entry is None:
                html = render_part(None, "catalog/action_session.html", {"state": state})
                entry = to_keep[key] = (
                    state.session.places_held,
                    state.session.places_waiting,
                    html,
                )
            shown.append((state, mark_safe(entry[2])))  # noqa: S308 — our own rendered HTML
        if to_keep:
            cache.set_many(to_keep, FRAGMENT_TIMEOUT)
        return shown
