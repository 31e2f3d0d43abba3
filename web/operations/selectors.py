"""Reads of the provider space, the attendance sheet and the staff dashboard.

Permission-checking getters (`*_or_404`) answer 404 for what the user may not see, so that a
provider cannot even learn that another provider's session exists. Every list is read with a
number of queries that does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.shortcuts import get_object_or_404
from django.utils import timezone

from catalog.models import MEMBER_ONLY_KINDS, Provider, Session
from catalog.selectors import with_places
from employers.models import Membership
from enrollment.attendance import HalfDay, half_days  # noqa: F401 — the sheet's columns
from enrollment.models import Registration, RegistrationStatus
from surveys.mix import mix_of, with_mix

Status = RegistrationStatus

# Who takes part in a session once the provider confirmed them (R10), before and after it.
PARTICIPANT_STATUSES = (Status.CONFIRMED, Status.ATTENDED, Status.ABSENT)
# Whose calendar file may be downloaded from « Mon espace »: a place held or confirmed.
ICS_STATUSES = (
    Status.PENDING_EMPLOYER,
    Status.PENDING_PROVIDER,
    Status.CONFIRMED,
    Status.ATTENDED,
)
DASHBOARD_DAYS = 30
PENDING_STEPS = (Status.PENDING_EMPLOYER, Status.PENDING_PROVIDER, Status.WAITLISTED)


# --- the provider space (R10) -----------------------------------------------------------------


def providers_of(user) -> list[Provider]:
    if not user.is_authenticated:
        return []
    return list(Provider.objects.filter(users=user))


def _count_of(statuses) -> Coalesce:
    """A correlated subquery counting a session's registrations in `statuses`."""
    counts = (
        Registration.objects.filter(session=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def provider_sessions(user, *, now: dt.datetime | None = None):
    """The sessions of the user's providers: (upcoming or running, soonest first; past, most
    recent first), each with `places_held`, `places_waiting`, `places_left` and
    `awaiting_provider`. One query."""
    now = now or timezone.now()
    sessions = list(
        with_places(Session.objects.filter(action__provider__users=user))
        .annotate(awaiting_provider=_count_of([Status.PENDING_PROVIDER]))
        .select_related("action__provider")
        .order_by("starts_at", "pk")
    )
    upcoming = [session for session in sessions if session.ends_at >= now]
    past = [session for session in reversed(sessions) if session.ends_at < now]
    return upcoming, past


def provider_session_or_404(user, session_id) -> Session:
    """A session of one of the user's providers; any other session answers 404."""
    return get_object_or_404(
        with_places(Session.objects.select_related("action__provider", "action__theme")),
        pk=session_id,
        action__provider__users=user,
    )


def provider_registration_or_404(user, session: Session, registration_id) -> Registration:
    """A registration of `session` (already checked to be the user's provider's)."""
    registration = get_object_or_404(
        Registration.objects.select_related("user", "structure"),
        pk=registration_id,
        session=session,
        session__action__provider__users=user,
    )
    registration.session = session
    return registration


def sheet_session_or_404(user, session_id) -> Session:
    """A session whose attendance sheet the user may see: staff, or the session's provider."""
    sessions = Session.objects.select_related("action__provider")
    if user.is_staff:
        return get_object_or_404(sessions, pk=session_id)
    return get_object_or_404(sessions, pk=session_id, action__provider__users=user)


def awaiting_provider(session: Session) -> QuerySet[Registration]:
    """The requests the provider has to decide on, in order of submission (Q12)."""
    return (
        Registration.objects.filter(session=session, status=Status.PENDING_PROVIDER)
        .select_related("structure")
        .order_by("submitted_at", "pk")
    )


def participants(session: Session) -> QuerySet[Registration]:
    """Confirmed participants (and, after the session, their attendance), by name."""
    return (
        Registration.objects.filter(session=session, status__in=PARTICIPANT_STATUSES)
        .select_related("structure")
        .order_by("last_name", "first_name", "pk")
    )


def registration_for_ics_or_404(user, registration_id) -> Registration:
    """The user's own registration holding a place or confirmed; anything else answers 404."""
    return get_object_or_404(
        Registration.objects.select_related("session__action__provider"),
        pk=registration_id,
        user=user,
        status__in=ICS_STATUSES,
    )


# --- the attendance sheet ----------------------------------------------------------------------


# --- the staff dashboard -----------------------------------------------------------------------


def _structure_not_member_q() -> Q:
    """The registration's structure holds no membership for the year its session starts."""
    return ~Q(
        Exists(
            Membership.objects.filter(
                structure=OuterRef("structure"), year=ExtractYear(OuterRef("session__starts_at"))
            )
        )
    )


@dataclass(frozen=True)
class Dashboard:
    now: dt.datetime
    until: dt.datetime
    sessions: list[Session]
    pending: dict[str, int]
    waitlists: list[Session]
    non_members: list[dict]

    @property
    def pending_rows(self):
        return [(Status(status).label, status, self.pending[status]) for status in PENDING_STEPS]


def dashboard(*, now: dt.datetime | None = None) -> Dashboard:
    """What staff watch: the next 30 days' sessions, their fill and their mix (Q9), requests
    pending at each step, waiting lists, and structures without a membership whose employees
    asked for a place. Four queries."""
    now = now or timezone.now()
    until = now + dt.timedelta(days=DASHBOARD_DAYS)
    sessions = list(
        with_mix(
            with_places(
                Session.objects.filter(
                    status=Session.Status.PUBLISHED, starts_at__gte=now, starts_at__lt=until
                )
            )
        )
        .annotate(
            awaiting_employer=_count_of([Status.PENDING_EMPLOYER]),
            awaiting_provider=_count_of([Status.PENDING_PROVIDER]),
        )
        .select_related("action__provider")
        .order_by("starts_at", "pk")
    )
    for session in sessions:
        session.fill_rate = round(100 * session.places_held / session.capacity)
        session.mix = mix_of(session)
    pending = Registration.objects.filter(
        session__starts_at__gte=now, session__status=Session.Status.PUBLISHED
    ).aggregate(**{status: Count("pk", filter=Q(status=status)) for status in PENDING_STEPS})
    waitlists = list(
        with_places(Session.objects.filter(status=Session.Status.PUBLISHED, starts_at__gte=now))
        .filter(places_waiting__gt=0)
        .select_related("action")
        .order_by("-places_waiting", "starts_at", "pk")[:50]
    )
    non_members = list(
        Registration.objects.filter(
            _structure_not_member_q(),
            structure__isnull=False,
            session__starts_at__year__gte=timezone.localtime(now).year,
        )
        .annotate(year=ExtractYear("session__starts_at"))
        .values("structure_id", "structure__name", "structure__siret", "year")
        .annotate(
            registrations=Count("pk"),
            member_only=Count("pk", filter=Q(session__action__kind__in=MEMBER_ONLY_KINDS)),
            employees=Count("user", distinct=True),
            last_request=Max("submitted_at"),
        )
        .order_by("-member_only", "-registrations", "structure__name")
    )
    return Dashboard(
        now=now,
        until=until,
        sessions=sessions,
        pending=pending,
        waitlists=waitlists,
        non_members=non_members,
    )
