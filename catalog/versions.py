"""The versions a stored page is checked against, read in the one statement each request of
that page runs (`web.catalog.pages`, issue 16).

These two statements run at every request of the catalogue and of an action page, and the
rest of such a request is a cache read: building and compiling them with the ORM cost twice
what PostgreSQL takes to answer them (the catalogue's 36 session ids were 36 parameters
quoted one by one). On PostgreSQL they are therefore fixed SQL with one array parameter,
prepared by psycopg like every statement (settings: server-side binding): PostgreSQL's
planning was 0.9 ms of the catalogue's 1.5 ms statement (`EXPLAIN ANALYZE` on the bench's
6,000 sessions; 0.65 → 0.20 ms a statement prepared). Any other database (SQLite for
`make run`) runs the same question through the ORM. A test compares the two on the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.db.models import FilteredRelation, Q

from .models import MEMBER_ONLY_KINDS, Action, Session

# Published sessions of published actions, not started, by id (the catalogue's cards).
_LISTED_SQL = """
SELECT s.id, s.version, a.version, s.registration_deadline > %s
FROM catalog_session s JOIN catalog_action a ON a.id = s.action_id
WHERE s.id = ANY(%s) AND s.status = %s AND s.starts_at > %s AND a.is_published
"""

# The home page's next sessions open for registration.
_HOME_SQL = """
SELECT s.id, s.version, a.version
FROM catalog_session s JOIN catalog_action a ON a.id = s.action_id
WHERE s.status = %s AND a.is_published AND s.registration_deadline > %s AND s.starts_at > %s
ORDER BY s.starts_at, s.id
LIMIT %s
"""

# A published action and its published sessions not started yet, in date order; the action
# alone (session columns NULL) when it has none.
_ACTION_SQL = """
SELECT a.id, a.version, a.kind, s.id, s.version, s.registration_deadline, s.starts_at
FROM catalog_action a
LEFT JOIN catalog_session s ON s.action_id = a.id AND s.status = %s AND s.starts_at > %s
WHERE a.slug = %s AND a.is_published
ORDER BY s.starts_at, s.id
"""


def listed_sessions(session_ids: Sequence[int], now: dt.datetime) -> dict[int, tuple]:
    """{session id: (version, action version, registration still open?)} of the sessions among
    `session_ids` that are published, of a published action, and have not started at `now`
    (the catalogue's version already changes when an action is unpublished: this holds even
    in the instant between the commit and that change)."""
    published = Session.Status.PUBLISHED
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LISTED_SQL, [now, list(session_ids), published, now])
            return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
    return {
        pk: (version, action_version, now < deadline)
        for pk, version, action_version, deadline in Session.objects.filter(
            pk__in=session_ids, status=published, starts_at__gt=now, action__is_published=True
        ).values_list("pk", "version", "action__version", "registration_deadline")
    }


def home_sessions(now: dt.datetime, limit: int) -> list[tuple[int, int, int]]:
    """(id, version, action version) of the `limit` next sessions open for registration."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_HOME_SQL, [Session.Status.PUBLISHED, now, now, limit])
            return [tuple(row) for row in cursor.fetchall()]
    return list(
        Session.objects.open_for_registration(now)
        .order_by("starts_at", "pk")
        .values_list("pk", "version", "action__version")[:limit]
    )


def action_page(slug: str, now: dt.datetime) -> tuple[tuple, list[tuple]] | None:
    """((action id, version, member only?), [(session id, version, deadline, starts at)])
    of the published action `slug` and its sessions not started at `now`; None when no
    published action has this slug."""
    published = Session.Status.PUBLISHED
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_ACTION_SQL, [published, now, slug])
            rows = cursor.fetchall()
        if not rows:
            return None
        action_id, version, kind = rows[0][:3]
        sessions = [tuple(row[3:]) for row in rows if row[3] is not None]
        return (action_id, version, kind in MEMBER_ONLY_KINDS), sessions
    upcoming = FilteredRelation(
        "sessions", condition=Q(sessions__status=published, sessions__starts_at__gt=now)
    )
    rows = list(
        Action.objects.filter(slug=slug, is_published=True)
        .annotate(upcoming=upcoming)
        .order_by("upcoming__starts_at", "upcoming__pk")
        .values_list(
            "pk",
            "version",
            "kind",
            "upcoming__pk",
            "upcoming__version",
            "upcoming__registration_deadline",
            "upcoming__starts_at",
        )
    )
    if not rows:
        return None
    action_id, version, kind = rows[0][:3]
    sessions = [tuple(row[3:]) for row in rows if row[3] is not None]
    return (action_id, version, kind in MEMBER_ONLY_KINDS), sessions
