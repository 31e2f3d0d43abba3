"""Reads of the catalogue: actions, sessions and their places, the FAQ.

Every function returns querysets whose number of SQL queries does not grow with the data:
places are counted by correlated subqueries, next sessions are prefetched with a sliced
`Prefetch` (one query for a whole page of actions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Greatest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from common.choices import HOLDING_STATUSES, RegistrationStatus

from . import search
from .models import MEMBER_ONLY_KINDS, SHORT_FORMAT_KINDS, Action, FaqEntry, Session, Theme

# The states are shared choices (common.choices): catalog counts places without importing
# enrollment (STYLE.md, Layers).
PLACE_HOLDING_STATUSES = tuple(sorted(HOLDING_STATUSES))
WAITLIST_STATUS = RegistrationStatus.WAITLISTED
# Once the session has started, a participant's place stays taken whatever their attendance:
# the counts shown to the provider and to staff match the participants listed.
PLACE_TAKING_STATUSES = (
    *PLACE_HOLDING_STATUSES,
    RegistrationStatus.ATTENDED,
    RegistrationStatus.ABSENT,
)

CATALOGUE_PAGE_SIZE = 12
NEXT_SESSIONS_PER_ACTION = 3

AUDIENCE_MEMBERS = "members"
AUDIENCE_ALL = "all"


def _registration_model():
    # Reached through the reverse relation so that catalog does not import enrollment.
    return Session._meta.get_field("registrations").related_model


def _count_registrations(statuses) -> Coalesce:
    """A correlated subquery counting a session's registrations in `statuses`."""
    registrations = (
        _registration_model()
        .objects.filter(session=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(registrations, output_field=IntegerField()), Value(0))


def with_places(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate `places_held`, `places_waiting` and `places_left` (never negative). A place
    is held by a live request (R7) or, after the start, by a participant present or absent."""
    return sessions.annotate(
        places_held=places_held_expression(),
        places_waiting=_count_registrations([WAITLIST_STATUS]),
    ).annotate(places_left=Greatest(F("capacity") - F("places_held"), Value(0)))


def places_counts(session_ids) -> dict[int, tuple[int, int]]:
    """(places held, places waiting) of each of `session_ids` as `with_places` counts them,
    in one grouped count: for an action's four sessions, `with_places`'s two correlated
    subqueries cost 1.6 ms of CPU and 2.0 ms of wall time to build and run, this 0.9 and 1.0
    (docs/PERFORMANCE.md). A session without such a request is left out: (0, 0)."""
    rows = (
        _registration_model()
        .objects.filter(
            session_id__in=list(session_ids),
            status__in=(*PLACE_TAKING_STATUSES, WAITLIST_STATUS),
        )
        .order_by()
        .values("session_id")
        .annotate(
            held=Count("pk", filter=Q(status__in=PLACE_TAKING_STATUSES)),
            waiting=Count("pk", filter=Q(status=WAITLIST_STATUS)),
        )
        .values_list("session_id", "held", "waiting")
    )
    return {session_id: (held, waiting) for session_id, held, waiting in rows}


def places_held_expression() -> Coalesce:
    """A session's places held, as an expression (`with_places`'s `places_held`): a live
    request (R7) or, after the start, a participant present or absent."""
    return _count_registrations(PLACE_TAKING_STATUSES)


def upcoming_sessions(now: dt.datetime | None = None) -> QuerySet[Session]:
    """Published sessions of published actions that have not started yet."""
    return Session.objects.published().upcoming(now)


@dataclass(frozen=True)
class CatalogueCriteria:
    """What the catalogue's form asks for; every field is optional."""

    q: str = ""
    kind: str = ""
    theme_id: int | None = None
    department: str = ""
    format: str = ""
    audience: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    places_only: bool = False
    sort: str = "date"


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def matching_sessions(criteria: CatalogueCriteria, now: dt.datetime | None = None):
    """Upcoming published sessions that satisfy the session-level criteria; the caller
    filters on published actions (this keeps the correlated subqueries free of a join)."""
    sessions = Session.objects.filter(status=Session.Status.PUBLISHED).upcoming(now)
    if criteria.department:
        sessions = sessions.filter(department=criteria.department)
    if criteria.format:
        sessions = sessions.filter(format=criteria.format)
    if criteria.date_from:
        sessions = sessions.filter(starts_at__gte=_local_midnight(criteria.date_from))
    if criteria.date_to:
        sessions = sessions.filter(
            starts_at__lt=_local_midnight(criteria.date_to + dt.timedelta(days=1))
        )
    if criteria.places_only:
        # Places one can still ask for: registrations open (R9) and not all held.
        sessions = (
            sessions.filter(registration_deadline__gt=now or timezone.now())
            .alias(held=_count_registrations(PLACE_HOLDING_STATUSES))
            .filter(held__lt=F("capacity"))
        )
    return sessions


# PostgreSQL's text-search configuration for the catalogue (migration 0004): French
# stemming of words whose accents are removed first.
SEARCH_CONFIG = "fr_unaccent"


def _search(actions: QuerySet[Action], q: str) -> QuerySet[Action]:
    """Full-text search in French, accents ignored, on PostgreSQL; elsewhere (SQLite) every
    word, folded and made singular, in the action's texts (`catalog.search`)."""
    if settings.IS_POSTGRES:
        query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
        # Same expression as the GIN index of migration 0004 (catalog_action_search_fr); the
        # theme's name is matched apart and the two sets are united, so that each side uses
        # an index (an OR across the join would compute every action's vector).
        by_text = (
            Action.objects.alias(
                document=SearchVector("title", "summary", "objectives", config=SEARCH_CONFIG)
            )
            .filter(document=query)
            .values("pk")
        )
        themes = Theme.objects.alias(document=SearchVector("name", config=SEARCH_CONFIG)).filter(
            document=query
        )
        by_theme = Action.objects.filter(theme__in=themes).values("pk")
        return actions.filter(pk__in=by_text.union(by_theme))
    wanted, unwanted = search.terms(q)
    if not wanted:
        return actions.none()
    document = search.Fold(
        Concat(
            "title",
            Value(" "),
            "summary",
            Value(" "),
            "objectives",
            Value(" "),
            "theme__name",
            output_field=TextField(),
        )
    )
    actions = actions.alias(search_document=document)
    for word in wanted:
        actions = actions.filter(search_document__contains=word)
    for word in unwanted:
        actions = actions.exclude(search_document__contains=word)
    return actions


def catalogue_actions(
    criteria: CatalogueCriteria | None = None, now: dt.datetime | None = None
) -> QuerySet[Action]:
    """Published actions with at least one upcoming session matching `criteria`, each with
    `next_start` and `next_sessions` (the first few matching sessions, places annotated),
    ordered by next session date (default) or title."""
    criteria = criteria or CatalogueCriteria()
    sessions = matching_sessions(criteria, now)
    actions = (
        Action.objects.published()
        .filter(Exists(sessions.filter(action=OuterRef("pk"))))
        .select_related("theme", "provider")
    )
    if criteria.kind:
        actions = actions.filter(kind=criteria.kind)
    if criteria.theme_id:
        actions = actions.filter(theme_id=criteria.theme_id)
    if criteria.audience == AUDIENCE_MEMBERS:
        actions = actions.filter(kind__in=MEMBER_ONLY_KINDS)
    elif criteria.audience == AUDIENCE_ALL:
        actions = actions.filter(kind__in=SHORT_FORMAT_KINDS)
    if criteria.q:
        actions = _search(actions, criteria.q)
    first_start = (
        sessions.filter(action=OuterRef("pk")).order_by("starts_at").values("starts_at")[:1]
    )
    actions = actions.annotate(next_start=Subquery(first_start))
    if criteria.sort == "title":
        actions = actions.order_by("title", "pk")
    else:
        actions = actions.order_by("next_start", "title", "pk")
    return actions.prefetch_related(
        Prefetch(
            "sessions",
            queryset=with_places(_open_first(sessions, now))[:NEXT_SESSIONS_PER_ACTION],
            to_attr="next_sessions",
        )
    )


def _open_first(sessions: QuerySet[Session], now: dt.datetime | None) -> QuerySet[Session]:
    """Sessions still taking requests first (R9), by date; those whose registrations are
    closed after them, by date."""
    closed = Case(
        When(registration_deadline__lte=now or timezone.now(), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return sessions.alias(closed=closed).order_by("closed", "starts_at", "pk")


def next_sessions(limit: int = 6, now: dt.datetime | None = None) -> list[Session]:
    """The next sessions still open for registration, for the home page."""
    now = now or timezone.now()
    return list(
        with_places(Session.objects.open_for_registration(now))
        .select_related("action", "action__theme")
        .order_by("starts_at", "pk")[:limit]
    )


def published_action_or_404(slug: str) -> Action:
    """The published action with this slug. Its theme and provider are read only where
    shown: in its description, rendered once a version (the action page's `{% cache %}`);
    joined at each request, the provider's columns cost as much as the rest of the query."""
    return get_object_or_404(Action.objects.published(), slug=slug)


# What the action page's description shows, rendered once a version (its `{% cache %}`-style
# block): left out of the query of every request, read when the block is rendered.
ACTION_DESCRIPTION = ("objectives", "audience", "prerequisites", "programme")


def action_page_rows(slug: str, now: dt.datetime) -> tuple[Action, list[Session]]:
    """The published action with this slug (404 otherwise) and its sessions that have not
    started yet, in one query when it has some; places not counted (`with_places` counts
    them), the description's long texts not read (`ACTION_DESCRIPTION`)."""
    sessions = list(
        _open_first(upcoming_sessions(now).filter(action__slug=slug), now)
        .select_related("action")
        .defer(*(f"action__{name}" for name in ACTION_DESCRIPTION))
    )
    action = sessions[0].action if sessions else published_action_or_404(slug)
    for session in sessions:
        session.action = action
    return action, sessions


def sessions_for_admin(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """The admin's session list: places annotated, action joined."""
    return with_places(sessions.select_related("action", "action__provider"))


def faq_by_category() -> list[tuple[str, list[FaqEntry]]]:
    """Published FAQ entries grouped by category, categories in the order of their first
    entry (so staff order categories through the entries' `order`)."""
    groups: dict[str, list[FaqEntry]] = {}
    for entry in FaqEntry.objects.filter(is_published=True).order_by("order", "id"):
        groups.setdefault(entry.category, []).append(entry)
    labels = dict(FaqEntry.Category.choices)
    return [(labels.get(category, category), entries) for category, entries in groups.items()]
