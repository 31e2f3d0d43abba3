"""Versions that key the public pages' cached fragments, so that none is ever stale.

- **Row versions**, in the database: `Action.version` and `Session.version`, bumped in the
  very transaction that changes the row or a session's places, by the database itself
  (triggers of migrations `catalog/0008` and `enrollment/0006`: any UPDATE of an action or a
  session, any registration created, deleted or moved to another status, whoever writes it —
  the services, the admin, a shell's `QuerySet.update`, plain SQL). A page reads them in one
  query before it reads its cached fragments, and each fragment's key names the versions it
  shows (`{% cache %}` in templates/catalog/): a fragment rendered on a miss reads its rows
  after that query, so it is never older than its key. « 3 places restantes » is the truth as
  of the last commit the page's query saw.
- **The catalogue's version**, in the shared cache: which actions a search lists, their count
  and the filter form's themes. Incremented once the transaction that saved or deleted an
  action, a session, a theme or a provider commits (never during it: such a transaction may
  hold a session's row lock, and no call to Redis is made under a lock). **The places'
  version**, incremented likewise after every registration's move, keys only the searches
  « places disponibles », whose listing depends on places (`listing_version`): a
  registration leaves every other listing cached. A listing says only which rows to show;
  their places always come from the row versions.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from .models import Action, Provider, Session, Theme

CATALOGUE_VERSION_KEY = "catalog:version"
PLACES_VERSION_KEY = "catalog:places-version"
# Memory hygiene only: every key carries the versions it depends on.
FRAGMENT_TIMEOUT = 24 * 3600


def catalogue_versions(found: dict | None = None) -> tuple[int | None, int | None]:
    """The catalogue's version and its places' version (`found`: what the caller already
    read with their keys); each initialised from the clock (in µs), so that a version lost
    by the cache (eviction, restart) never comes back to a number that named older listings.
    None when the cache does not answer."""
    keys = (CATALOGUE_VERSION_KEY, PLACES_VERSION_KEY)
    found = dict(found) if found is not None else cache.get_many(keys)
    for key in keys:
        if found.get(key) is None:
            cache.add(key, time.time_ns() // 1000, timeout=None)
            found[key] = cache.get(key)
    return found[CATALOGUE_VERSION_KEY], found[PLACES_VERSION_KEY]


def listing_version(query, version, places_version) -> str:
    """What a search's listing is keyed by: the catalogue's version, and the places' version
    too whenever the query names « places » at all — read from the query string before the
    form parses it, a superset of the searches that keep only sessions with places
    (`web.catalog.filters.CatalogueForm.criteria`): never too few invalidations."""
    return f"{version}.{places_version}" if query.get("places") else str(version)


def _incr(key: str) -> None:
    # Missing (evicted, never read): the next reader initialises it past every earlier value.
    with contextlib.suppress(ValueError):
        cache.incr(key)


def bump_catalogue() -> None:
    """Invalidate every listing (which actions and sessions a search lists, its themes) once
    the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _incr(CATALOGUE_VERSION_KEY), robust=True)


def bump_places() -> None:
    """Invalidate the listings that depend on places (« places disponibles ») once the
    current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _incr(PLACES_VERSION_KEY), robust=True)


def bump_sessions(session_ids: Iterable[int]) -> None:
    """The sessions' places change in this transaction (a registration's move): their row
    versions are bumped by the database's trigger (`enrollment/0006`), the listings of
    « places disponibles » here."""
    bump_places()


def bump_actions(actions) -> None:
    """`actions` (a queryset) change in this transaction: their cards and pages too."""
    actions.update(version=F("version") + 1)
    bump_catalogue()


def _row_saved(sender, instance, raw=False, **kwargs):
    # The row's version is the database trigger's (catalog/0008).
    if not raw:
        bump_catalogue()


def _related_saved(sender, instance, raw=False, **kwargs):
    """A theme's or provider's name shows on its actions' pages and cards."""
    if raw:
        return
    field = "provider" if sender is Provider else "theme"
    bump_actions(Action.objects.filter(**{field: instance}))


def _deleted(sender, instance, **kwargs):
    bump_catalogue()


def connect() -> None:
    for model in (Action, Session):
        post_save.connect(_row_saved, sender=model, dispatch_uid=f"catalog.version.{model}")
    for model in (Theme, Provider):
        post_save.connect(_related_saved, sender=model, dispatch_uid=f"catalog.related.{model}")
    for model in (Action, Session, Theme, Provider):
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"catalog.deleted.{model}")
