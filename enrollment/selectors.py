"""Reads of carts and registrations: counts the rules need, pages' querysets, guarded getters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from catalog.models import MEMBER_ONLY_KINDS, ActionKind, Session
from catalog.selectors import places_held_expression

from .models import (
    HOLDING_STATUSES,
    LIVE_STATUSES,
    QUOTA_STATUSES,
    CartItem,
    Offer,
    Registration,
    RegistrationStatus,
)

# The requests that hold or wait for a place: a person may overlap them by mistake.
LIVE_REQUEST_STATUSES = (RegistrationStatus.WAITLISTED, *HOLDING_STATUSES)


@dataclass(frozen=True)
class QuotaUse:
    """What counts in a professional's annual quota (R6) for one calendar year."""

    year: int
    member_only: int
    trainings: int


def counted_in_quota_q() -> Q:
    """R6: requests holding a place or done, and late cancellations (`counts_in_quota`)."""
    return Q(status__in=QUOTA_STATUSES) | Q(
        status=RegistrationStatus.CANCELLED, counted_in_quota=True
    )


def counts_in_quota(status: str, counted_in_quota: bool) -> bool:
    """`counted_in_quota_q` for one request's values."""
    return status in QUOTA_STATUSES or (status == RegistrationStatus.CANCELLED and counted_in_quota)


@dataclass(frozen=True)
class CountedSessions:
    """The sessions counted in a professional's quota (R6) for one calendar year."""

    year: int
    member_only: frozenset[int]
    trainings: frozenset[int]

    @property
    def use(self) -> QuotaUse:
        return QuotaUse(
            year=self.year, member_only=len(self.member_only), trainings=len(self.trainings)
        )

    def plus(self, session) -> CountedSessions:
        """These sessions and `session` (its action loaded), when it will count: a
        member-only session that gets a place in the cart being validated."""
        if not session.action.is_member_only:
            return self
        trainings = self.trainings | {session.pk} if session.action.is_training else None
        return CountedSessions(
            year=self.year,
            member_only=self.member_only | {session.pk},
            trainings=trainings if trainings is not None else self.trainings,
        )


def counted_sessions(user_id: int, year: int) -> CountedSessions:
    """R6: the member-only sessions counted for `user_id` in `year`, each once however many
    requests were made for it (Decisions, « Counted once »)."""
    return counted_sessions_by_year(user_id, [year])[year]


def counted_sessions_by_year(user_id: int, years) -> dict[int, CountedSessions]:
    """`counted_sessions` for each of `years`, in one query."""
    years = set(years)
    rows = (
        Registration.objects.filter(_in_quota_q(years), user_id=user_id)
        .order_by()
        .values_list("session_id", "session__action__kind", "session__starts_at")
        .distinct()
    )
    return _counted_by_year(rows, years)


def _in_quota_q(years) -> Q:
    return counted_in_quota_q() & Q(
        session__starts_at__year__in=years, session__action__kind__in=MEMBER_ONLY_KINDS
    )


def live_and_counted(user_id: int, session_ids, years) -> tuple[set[int], dict]:
    """What a cart's validation reads of the user's requests (its user row locked, which
    holds them still), in one query: the sessions among `session_ids` the user already has a
    live request for, and `counted_sessions` for each of `years` (the predicates of
    `has_live_registration` and `counted_sessions_by_year`, on each of the user's requests:
    a few, read by the user's index)."""
    session_ids, years = set(session_ids), set(years)
    rows = (
        Registration.objects.filter(user_id=user_id)
        .order_by()
        .values_list(
            "session_id",
            "status",
            "counted_in_quota",
            "session__action__kind",
            "session__starts_at",
        )
    )
    live, counted = set(), []
    for session_id, status, counted_in_quota, kind, starts_at in rows:
        if session_id in session_ids and status in LIVE_STATUSES:
            live.add(session_id)
        if _is_counted(status, counted_in_quota, kind, starts_at, years):
            counted.append((session_id, kind, starts_at))
    return live, _counted_by_year(counted, years)


def _is_counted(status, counted_in_quota, kind, starts_at, years) -> bool:
    """`_in_quota_q` for one request's values: it counts in its session's year (Paris time)."""
    return (
        counts_in_quota(status, counted_in_quota)
        and kind in MEMBER_ONLY_KINDS
        and timezone.localtime(starts_at).year in years
    )


def counted_from(registrations, years) -> dict[int, CountedSessions]:
    """`counted_sessions_by_year` from the person's requests already read, with their
    sessions and actions (« Mon espace » lists them all): no query."""
    years = set(years)
    return _counted_by_year(
        [
            (r.session_id, r.session.action.kind, r.session.starts_at)
            for r in registrations
            if _is_counted(
                r.status, r.counted_in_quota, r.session.action.kind, r.session.starts_at, years
            )
        ],
        years,
    )


# The fields of a request, its session and its action that `requests_and_counted` reads.
REQUEST_FACTS = (
    *("user", "status", "counted_in_quota", "session", "session__starts_at"),
    *("session__ends_at", "session__action", "session__action__title", "session__action__kind"),
)


def requests_and_counted(user_id: int, years, *, now) -> tuple[list[Registration], dict]:
    """What a request's warnings read of the person's requests, in one query: their live
    requests for a session not over yet, with sessions and actions, in session order
    (`eligibility.live_requests`), and `counted_sessions` for each of `years` (each of the
    person's requests: a few, read by the user's index)."""
    registrations = list(
        Registration.objects.filter(user_id=user_id)
        .select_related("session__action")
        # What the quota and the overlaps read (`eligibility.validation_warnings`): a
        # shorter statement to compile and rows to load.
        .only(*REQUEST_FACTS)
        .order_by("session__starts_at", "pk")
    )
    live = [
        r for r in registrations if r.status in LIVE_REQUEST_STATUSES and r.session.ends_at > now
    ]
    return live, counted_from(registrations, years)


def _counted_by_year(rows, years) -> dict[int, CountedSessions]:
    """`CountedSessions` of each of `years` from (session id, action kind, start) rows."""
    member_only = {year: set() for year in years}
    trainings = {year: set() for year in years}
    for session_id, kind, starts_at in rows:
        year = timezone.localtime(starts_at).year
        member_only[year].add(session_id)
        if kind == ActionKind.TRAINING:
            trainings[year].add(session_id)
    return {
        year: CountedSessions(
            year=year,
            member_only=frozenset(member_only[year]),
            trainings=frozenset(trainings[year]),
        )
        for year in years
    }


def quota_use(user_id: int, year: int) -> QuotaUse:
    """R6: how many member-only sessions, and trainings, count for `user_id` in `year`."""
    return counted_sessions(user_id, year).use


def places_of(sessions) -> None:
    """`places_held` and `places_left` (never negative) on each of `sessions`, in one
    grouped count (the correlated subqueries of `catalog.selectors.with_places` cost more to
    build than a cart's few sessions to count)."""
    held = dict(
        Registration.objects.filter(
            session_id__in={session.pk for session in sessions}, status__in=HOLDING_STATUSES
        )
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    for session in sessions:
        session.places_held = held.get(session.pk, 0)
        session.places_left = max(session.capacity - session.places_held, 0)


def places_held(session_id: int) -> int:
    return Registration.objects.filter(session_id=session_id, status__in=HOLDING_STATUSES).count()


def colleagues_holding(session_id: int, structure_id: int | None) -> int:
    if structure_id is None:
        return 0
    return Registration.objects.filter(
        session_id=session_id, structure_id=structure_id, status__in=HOLDING_STATUSES
    ).count()


def colleagues_holding_by_session(session_ids, structure_id: int | None) -> dict[int, int]:
    """`colleagues_holding` for several sessions, in one query (none without sessions)."""
    if structure_id is None or not session_ids:
        return {}
    # Counted here rather than grouped by the database: a few rows, a cheaper statement.
    return Counter(
        Registration.objects.filter(
            session_id__in=session_ids, structure_id=structure_id, status__in=HOLDING_STATUSES
        )
        .order_by()
        .values_list("session_id", flat=True)
    )


def has_live_registration(user_id: int, session_id: int) -> bool:
    return Registration.objects.live().filter(user_id=user_id, session_id=session_id).exists()


def waitlist(session_id: int) -> QuerySet[Registration]:
    """The waiting list of a session, first come first served (R7)."""
    return Registration.objects.filter(
        session_id=session_id, status=RegistrationStatus.WAITLISTED
    ).order_by("submitted_at", "pk")


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first waitlisted request of the session, None when not waitlisted."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = (
        waitlist(registration.session_id)
        .filter(
            Q(submitted_at__lt=registration.submitted_at)
            | Q(submitted_at=registration.submitted_at, pk__lt=registration.pk)
        )
        .count()
    )
    return ahead + 1


def cart_session_ids(user) -> set[int]:
    """The sessions in `user`'s cart (none for an anonymous visitor), in one query."""
    if not (user and user.is_authenticated):
        return set()
    return set(CartItem.objects.filter(cart__user=user).values_list("session_id", flat=True))


# What `eligibility.validation_warnings` reads of a session of the cart, and what the cart
# shows of an item (cart.html, its session's facts, `CartSubmitForm`): their statements read
# no more, a statement's columns costing more to build and read than the rest of its work.
WARNING_FACTS = (
    *("starts_at", "ends_at", "capacity", "cap_released_at"),
    *("action__title", "action__kind"),
)
CART_FACTS = (
    "session_id",
    "motivations_draft",
    *(f"session__{name}" for name in WARNING_FACTS),
    *(f"session__{name}" for name in ("format", "location", "department", "status")),
    "session__registration_deadline",
    "session__action__slug",
)


def cart_sessions(user) -> list[Session]:
    """The sessions in `user`'s cart, in cart order, with what a request's warnings read of
    them (`WARNING_FACTS`) and `places_held` counted, in one query."""
    return list(
        Session.objects.filter(cart_items__cart__user_id=user.pk)
        .annotate(places_held=places_held_expression())
        .select_related("action")
        .only(*WARNING_FACTS)
        .order_by("cart_items__added_at", "cart_items__pk")
    )


def cart_items(user) -> list[CartItem]:
    """The cart's items in cart order, with what the cart page, its form and its warnings
    read of their sessions and actions (`CART_FACTS`)."""
    return list(
        CartItem.objects.filter(cart__user_id=user.pk)
        .select_related("session__action")
        .only(*CART_FACTS)
        .order_by("added_at", "pk")
    )


# The fields of a person an event's history shows (`only`), through its `by`.
NAME_OF_BY = ("by__first_name", "by__last_name", "by__email")


# What « Mon espace », a validated cart and their rules (R6, R8, e-learning, joining link) read.
MY_REQUEST_FACTS = (
    *("user_id", "session_id", "status", "waitlist_reason", "decision_reason", "counted_in_quota"),
    *("cancellation_reason", "session__action__slug", "session__action__e_parcourspro_course_id"),
    *(f"session__{name}" for name in (*WARNING_FACTS, "format", "location", "remote_url")),
    "session__department",
)


def registrations_of(user) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(user=user)
        .select_related("session__action")
        .only(*MY_REQUEST_FACTS)
        .order_by("-session__starts_at", "-pk")
    )


def registration_of_user_or_404(user, registration_id) -> Registration:
    """A registration that belongs to `user`; anyone else's answers 404."""
    return get_object_or_404(
        Registration.objects.select_related("session__action"), pk=registration_id, user=user
    )


def with_waitlist_positions(registrations) -> list[Registration]:
    """Attach `waitlist_position` to each registration with one query per waitlisted session."""
    registrations = list(registrations)
    waitlisted = [r for r in registrations if r.status == RegistrationStatus.WAITLISTED]
    positions = {}
    if waitlisted:
        session_ids = {r.session_id for r in waitlisted}
        queue = (
            Registration.objects.filter(
                session_id__in=session_ids, status=RegistrationStatus.WAITLISTED
            )
            .order_by("session_id", "submitted_at", "pk")
            .values_list("pk", "session_id")
        )
        rank = {}
        for pk, session_id in queue:
            rank[session_id] = rank.get(session_id, 0) + 1
            positions[pk] = rank[session_id]
    for registration in registrations:
        registration.waitlist_position = positions.get(registration.pk)
    return registrations


def offer_of_user_or_404(user, offer_id) -> Offer:
    """A late-release offer made to one of `user`'s requests; anyone else's answers 404."""
    return get_object_or_404(
        Offer.objects.select_related("registration__session__action", "session"),
        pk=offer_id,
        registration__user=user,
    )


def attach_running_offers(registrations, now=None) -> None:
    """`running_offer` on each registration: its offer still waiting for an answer before
    its end, or None (one query, none without an offered request)."""
    offered = [r.pk for r in registrations if r.status == RegistrationStatus.OFFERED]
    offers = {}
    if offered:
        offers = {
            offer.registration_id: offer
            for offer in Offer.objects.filter(
                registration__in=offered,
                status=Offer.Status.OFFERED,
                expires_at__gt=now or timezone.now(),
            )
        }
    for registration in registrations:
        registration.running_offer = offers.get(registration.pk)
