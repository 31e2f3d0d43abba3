"""Versions that key the catalogue's cached fragments, so that a fragment is never stale.

Two kinds (docs/PERFORMANCE.md, « Versioned cache », gives the reasoning):

- **Row versions**, in the database: `Action.version` and `Session.version`, bumped in the
  very transaction that changes the row or a session's places, by the database itself
  (triggers of migrations `catalog/0008` and `enrollment/0006`: any UPDATE of an action or a
  session, any registration created, deleted or moved to another status, whoever writes it —
  the services, the admin, a shell's `QuerySet.update`, plain SQL); on a database without
  those triggers, by the `UPDATE … SET version = version + 1` of `bump_sessions` (every
  registration's save) and of the `post_save` handlers below (every save). A page reads
  them in the same statement as the rows it shows, so the key of a card (or of the home
  page's block, or of an action's description) names exactly the committed state the page
  read: a card cached under it can only hold that state. « 3 places restantes » is the truth
  as of the last commit the page's query saw.
- **The catalogue's version**, in the shared cache: which actions a search lists, their count
  and the filter form's themes. Bumped before and after the commit (`transaction.on_commit`,
  so that a reader that cached the old listing between the two is not read again) by every
  save or deletion of an action, a session, a theme or a provider, before the response of
  the request that made them. **The places' version**, bumped after the commit of every
  registration's move (`bump_places` says why not also before), keys only the searches
  « places disponibles », whose listing depends on places (`listing_version`): a
  registration leaves every other listing cached. A listing
  says only which rows to show; the rows' places always come from the row versions read by
  the page.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

CATALOGUE_VERSION_KEY = "catalog:version"
# Memory hygiene only: every key carries the versions it depends on.
FRAGMENT_TIMEOUT = 24 * 3600


PLACES_VERSION_KEY = "catalog:places-version"


def catalogue_versions() -> tuple[int, int]:
    """The catalogue's version and its places' version; each initialised from the clock (in
    µs), so that a version lost by the cache (eviction, restart) never comes back to a
    number that named older listings."""
    keys = (CATALOGUE_VERSION_KEY, PLACES_VERSION_KEY)
    found = cache.get_many(keys)
    for key in keys:
        if found.get(key) is None:
            cache.add(key, time.time_ns() // 1000, timeout=None)
            found[key] = cache.get(key)
    return found[CATALOGUE_VERSION_KEY], found[PLACES_VERSION_KEY]


def listing_version(query, version, places_version) -> str:
    """What a search's listing is keyed by: the catalogue's version, and the places' version
    too whenever the query names « places » at all — read from the query string before the
    form parses it, a superset of the searches that keep only sessions with places
    (`filters.CatalogueFilterSet.criteria`): never too few invalidations. A registration
    then changes only the listings that may depend on places."""
    return f"{version}.{places_version}" if query.get("places") else str(version)


def _incr_catalogue_version() -> None:
    # Missing: the next reader initialises it past every earlier value.
    with contextlib.suppress(ValueError):
        cache.incr(CATALOGUE_VERSION_KEY)


def _incr_places_version() -> None:
    with contextlib.suppress(ValueError):
        cache.incr(PLACES_VERSION_KEY)


def _bump_twice(incr) -> None:
    """`incr` now and again once the current transaction commits: a reader that cached the
    old listing under the first number, between the two, is not read again (and the first
    bump makes the change visible to the transaction itself)."""
    incr()
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is incr for _, func, _ in connection.run_on_commit):
        return  # one bump after the commit is enough
    transaction.on_commit(incr, robust=True)


def bump_catalogue() -> None:
    """Invalidate every listing (which actions and sessions a search lists, its themes)."""
    _bump_twice(_incr_catalogue_version)


def bump_places() -> None:
    """Invalidate the listings that depend on places (« places disponibles »), once the
    current transaction commits (at once outside one). Unlike `bump_catalogue`, not also
    now: a registration's transaction holds its session's row lock, and an increment now
    would not close the only window there is — between the commit and the increment after
    it, a reader may still take a listing cached under the old number either way — while it
    costs the lock a round trip to Redis at every validation (issue 16). The places
    themselves always come from the row versions the page reads with its rows."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is _incr_places_version for _, func, _ in connection.run_on_commit
    ):
        return  # one increment after the commit is enough
    transaction.on_commit(_incr_places_version, robust=True)


def database_bumps_versions() -> bool:
    """Whether the database's triggers bump the row versions (PostgreSQL and SQLite)."""
    return connection.vendor in {"postgresql", "sqlite"}


def bump_sessions(session_ids: Iterable[int]) -> None:
    """The sessions' places change in this transaction (a registration's move)."""
    from .models import Session

    ids = {pk for pk in session_ids if pk is not None}
    if ids and not database_bumps_versions():
        Session.objects.filter(pk__in=ids).update(version=F("version") + 1)
    bump_places()


def bump_actions(actions) -> None:
    """`actions` (a queryset) change in this transaction."""
    actions.update(version=F("version") + 1)
    bump_catalogue()


def _row_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if not created and not database_bumps_versions():
        sender.objects.filter(pk=instance.pk).update(version=F("version") + 1)
    bump_catalogue()


def _related_saved(sender, instance, raw=False, **kwargs):
    """A theme's or provider's name shows on its actions' pages and cards."""
    from .models import Action, Provider

    if raw:
        return
    field = "provider" if sender is Provider else "theme"
    bump_actions(Action.objects.filter(**{field: instance}))


def _deleted(sender, instance, **kwargs):
    bump_catalogue()


def connect() -> None:
    from .models import Action, Provider, Session, Theme

    for model in (Action, Session):
        post_save.connect(_row_saved, sender=model, dispatch_uid=f"catalog.version.{model}")
    for model in (Theme, Provider):
        post_save.connect(_related_saved, sender=model, dispatch_uid=f"catalog.related.{model}")
    for model in (Action, Session, Theme, Provider):
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"catalog.deleted.{model}")
