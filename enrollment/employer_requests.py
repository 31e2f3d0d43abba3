"""Reads of the Employer Space's tables: the structures' requests (those to decide first), the
decisions history, and a year's requests for the CSV export.

Callers pass the structures the user approves for (`employer_space.approved_structures`), so
that nothing of another structure is ever read. Each page is built in a fixed number of
queries, whatever the number of requests: a count, the page's rows, their waiting-list
positions, their owners' other live requests (overlaps) and their owners' quota use.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from catalog.models import MEMBER_ONLY_KINDS
from employers.models import Structure

from .eligibility import LIVE_REQUEST_STATUSES, overlaps
from .employer_space import to_decide_q
from .models import QUOTA_STATUSES, Registration, RegistrationEvent, RegistrationStatus
from .selectors import with_waitlist_positions

Status = RegistrationStatus
WaitlistReason = Registration.WaitlistReason

ROWS_PER_PAGE = 50  # the page stays light with hundreds of requests

# The requests table's status filter: those waiting for the employer (the default), every
# request, or the requests in one state.
TO_DECIDE = ""
ALL = "all"

# Why a request waits, worded for the employer (the employee reads rules.MESSAGES).
EMPLOYER_WAITLIST_TEXTS = {
    WaitlistReason.STRUCTURE_CAP: _(
        "Deux salariés de votre structure ont déjà une place dans cette session (2 au plus par "
        "structure) : cette demande attend qu'une place reste libre à l'approche de la session."
    ),
    WaitlistReason.FULL: _(
        "La session est complète : cette demande attend qu'une place se libère, dans l'ordre "
        "des demandes."
    ),
}


def employer_waitlist_text(registration: Registration) -> str:
    """Why `registration` waits, as the Employer Space says it; empty when it does not."""
    if registration.status != Status.WAITLISTED:
        return ""
    text = EMPLOYER_WAITLIST_TEXTS.get(registration.waitlist_reason)
    return str(text) if text else ""


class Decision:
    """The decisions history's status filter: what the employer's decision was."""

    ACCEPTED = "accepted"
    PRE_ACCEPTED = "pre_accepted"
    REFUSED = "refused"
    LAPSED = "lapsed"

    choices = [
        (ACCEPTED, _("Acceptée")),
        (PRE_ACCEPTED, _("Pré-acceptée (liste d'attente)")),
        (REFUSED, _("Refusée")),
        (LAPSED, _("Expirée sans décision")),
    ]
    to_status = {
        ACCEPTED: Status.PENDING_PROVIDER,
        PRE_ACCEPTED: Status.WAITLISTED,
        REFUSED: Status.REFUSED,
        LAPSED: Status.LAPSED,
    }


@dataclass(frozen=True)
class Criteria:
    """A table's filters and order (web.employers.filters): `status` is TO_DECIDE, ALL or a
    state for the requests, a `Decision` (or "") for the history; `sort` a key of the table's
    sorts, with "-" first for descending."""

    status: str = ""
    employee_id: int | None = None
    kind: str = ""
    year: int | None = None
    structure_id: int | None = None
    sort: str = ""


# Sort keys of each table → the columns ordered by (the primary key breaks ties).
REQUEST_SORTS = {
    "employee": ("last_name", "first_name"),
    "action": ("session__action__title",),
    "session": ("session__starts_at",),
    "submitted": ("submitted_at",),
}
REQUEST_DEFAULT_SORT = "submitted"  # oldest first: places go in order of submission (R7)
DECISION_SORTS = {
    "decided": ("at",),
    "employee": ("registration__last_name", "registration__first_name"),
    "action": ("registration__session__action__title",),
    "session": ("registration__session__starts_at",),
}
DECISION_DEFAULT_SORT = "-decided"


def ordering(sort: str, sorts: dict, default: str) -> list[str]:
    """The `order_by` of `sort` (the default when unknown)."""
    if sort.lstrip("-") not in sorts:
        sort = default
    prefix = "-" if sort.startswith("-") else ""
    return [prefix + column for column in (*sorts[sort.lstrip("-")], "pk")]


def _filter(queryset: QuerySet, criteria: Criteria, path: str = "") -> QuerySet:
    """The filters common to both tables; `path` leads from the rows to the registration."""
    if criteria.employee_id:
        queryset = queryset.filter(**{f"{path}user_id": criteria.employee_id})
    if criteria.kind:
        queryset = queryset.filter(**{f"{path}session__action__kind": criteria.kind})
    if criteria.year:
        queryset = queryset.filter(**{f"{path}session__starts_at__year": criteria.year})
    if criteria.structure_id:
        queryset = queryset.filter(**{f"{path}structure_id": criteria.structure_id})
    return queryset


def is_to_decide(registration: Registration) -> bool:
    """The row's side of `to_decide_q`: the employer may accept or refuse it now."""
    if registration.status == Status.PENDING_EMPLOYER:
        return True
    return (
        registration.status in {Status.WAITLISTED, Status.OFFERED}
        and registration.employer_approved_at is None
        and registration.session.action.kind in MEMBER_ONLY_KINDS
    )


# What a row of the requests table shows and decides from (`requests_page`, `is_to_decide`,
# the quota's year, web/employers/filters.present_rows), and no more: the statement's 68
# columns (the action's texts, the structure's address…) cost more to build and read than
# the rest of it (docs/PERFORMANCE.md).
REQUEST_ROW = (
    "user_id",
    "session_id",
    "status",
    "submitted_at",
    "first_name",
    "last_name",
    "email",
    "job_title",
    "motivations",
    "waitlist_reason",
    "employer_approved_at",
    "session__starts_at",
    "session__ends_at",
    "session__registration_deadline",
    "session__action__title",
    "session__action__slug",
    "session__action__kind",
    "structure__name",
)


def requests(structures, criteria: Criteria) -> QuerySet[Registration]:
    """The structures' requests that `criteria` select, in its order."""
    queryset = Registration.objects.filter(structure__in=structures)
    if criteria.status == TO_DECIDE:
        queryset = queryset.filter(to_decide_q())
    elif criteria.status != ALL:
        queryset = queryset.filter(status=criteria.status)
    return (
        _filter(queryset, criteria)
        .select_related("session__action", "structure")
        .only(*REQUEST_ROW)
        .order_by(*ordering(criteria.sort, REQUEST_SORTS, REQUEST_DEFAULT_SORT))
    )


class _Counted:
    """Requests whose number is known already: a Paginator's object list (sliceable, with
    `count()`), which then counts nothing."""

    def __init__(self, queryset: QuerySet, total: int):
        self.queryset, self.total = queryset, total

    def count(self) -> int:
        return self.total

    def __getitem__(self, key):
        return self.queryset[key]


def known_total(criteria: Criteria, counts) -> int | None:
    """How many requests `criteria` select, from `counts` (`employer_space.to_decide_counts`)
    when they select those to decide, at most of one structure; None otherwise."""
    if criteria.status != TO_DECIDE or criteria.employee_id or criteria.kind or criteria.year:
        return None
    return sum(
        n
        for (structure_id, _user_id), n in counts.items()
        if criteria.structure_id in (None, structure_id)
    )


def requests_page(structures, criteria: Criteria, *, user, page=1, counts=None) -> Page:
    """One page (ROWS_PER_PAGE) of `requests`, each row with `waitlist_position`, `to_decide`,
    `is_own` and `waitlist_text` (employer_waitlist_text); `employer_space.employer_space`
    adds their quota use. With `counts` (`employer_space.to_decide_counts`), the requests to
    decide are not counted again."""
    rows = requests(structures, criteria)
    total = known_total(criteria, counts) if counts is not None else None
    if total is not None:
        rows = _Counted(rows, total)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(page)
    rows = with_waitlist_positions(page.object_list)
    overlapping = overlapping_requests(rows)
    for registration in rows:
        registration.to_decide = is_to_decide(registration)
        registration.is_own = registration.user_id == user.pk
        registration.waitlist_text = employer_waitlist_text(registration)
        registration.overlaps = registration.pk in overlapping
    page.object_list = rows
    return page


def overlapping_requests(rows) -> set[int]:
    """The ids of the live `rows` held at the same time as another live request of the same
    person (badge « chevauche une autre demande »; a warning, never a refusal), in one query.
    The other request may be for another structure: only the fact is shown, not what it is."""
    live = [row for row in rows if row.status in LIVE_REQUEST_STATUSES and row.user_id]
    if not live:
        return set()
    others = (
        Registration.objects.filter(
            user_id__in={row.user_id for row in live},
            status__in=LIVE_REQUEST_STATUSES,
            session__ends_at__gt=timezone.now(),
        )
        .select_related("session")
        # What `overlaps` compares, and no more: the statement's 39 columns cost more to
        # build and read than the rest of it (docs/PERFORMANCE.md).
        .only("user_id", "session_id", "session__starts_at", "session__ends_at")
    )
    return set(overlaps(live, list(others)))


def decisions(structures, criteria: Criteria = Criteria()) -> QuerySet[RegistrationEvent]:
    """Decisions on the requests of `structures`: acceptances, pre-acceptances and refusals
    made by one of the structure's approvers (not on their own request), and lapses at the
    deadline, in `criteria`'s order (newest first by default)."""
    by_approver = Structure.approvers.through.objects.filter(
        structure_id=OuterRef("registration__structure_id"), user_id=OuterRef("by_id")
    )
    decided = Q(to_status__in=[Status.PENDING_PROVIDER, Status.WAITLISTED, Status.REFUSED])
    queryset = RegistrationEvent.objects.filter(registration__structure__in=structures).filter(
        (decided & Exists(by_approver) & ~Q(by_id=F("registration__user_id")))
        | Q(to_status=Status.LAPSED)
    )
    if criteria.status in Decision.to_status:
        queryset = queryset.filter(to_status=Decision.to_status[criteria.status])
    return (
        _filter(queryset, criteria, "registration__")
        .select_related("registration__session__action", "registration__structure", "by")
        .order_by(*ordering(criteria.sort, DECISION_SORTS, DECISION_DEFAULT_SORT))
    )


def decisions_page(structures, criteria: Criteria, *, page=1) -> Page:
    return Paginator(decisions(structures, criteria), ROWS_PER_PAGE).get_page(page)


# --- the filters' choices ------------------------------------------------------------------------


def people_of(structures) -> list[User]:
    """Everyone a structure's tables may name: its employees and anyone who made a request
    for it (who may have left since), by name."""
    # A union of the two by their indexes: « structure or made a request » in one WHERE read
    # every account (2 ms at programme scale).
    employees = User.objects.filter(structure__in=structures).order_by().values("pk")
    made_a_request = (
        Registration.objects.filter(structure__in=structures).order_by().values("user_id")
    )
    return list(
        User.objects.filter(pk__in=employees.union(made_a_request))
        .only("pk", "first_name", "last_name", "email", "job_title", "structure_id")
        .order_by("last_name", "first_name", "email", "pk")
    )


def request_years(structures) -> list[int]:
    """The years of the sessions of the structures' requests, newest first."""
    return list(
        Registration.objects.filter(structure__in=structures)
        .annotate(year=ExtractYear("session__starts_at"))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


# --- the year's export ---------------------------------------------------------------------------


def requests_of_year(structure: Structure, year: int) -> list[Registration]:
    """Every request of `structure` for a session starting in `year`, by session then name,
    each with `refusal` (the event of its refusal, or None) and `counted` (whether it counts
    in its owner's annual quota, R6)."""
    registrations = list(
        Registration.objects.filter(structure=structure, session__starts_at__year=year)
        .select_related("session__action", "employer_approved_by")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=RegistrationEvent.objects.filter(to_status=Status.REFUSED)
                .select_related("by")
                .order_by("at", "pk"),
                to_attr="refusals",
            )
        )
        .order_by("session__starts_at", "session__action__title", "last_name", "first_name", "pk")
    )
    for registration in registrations:
        registration.refusal = registration.refusals[-1] if registration.refusals else None
        registration.counted = registration.session.action.kind in MEMBER_ONLY_KINDS and (
            registration.status in QUOTA_STATUSES or registration.counted_in_quota
        )
    return registrations
